/*
 * daemon.h - process set-up for the daemon: pid file, resolving the
 * unprivileged user, dropping privileges, raising the descriptor limit.
 */
#ifndef DKIMGATE_DAEMON_H
#define DKIMGATE_DAEMON_H

#include <sys/types.h>

struct daemon_user {
	char	*name;
	uid_t	 uid;
	gid_t	 gid;
	int	 valid;		/* 0: stay as we are (not root, or no user) */
};

/*
 * daemon_user_resolve - look up the user to run workers as. When running
 * as root: the configured user; if it is the built-in default and does not
 * exist, "nobody" with a warning. Returns 0, or -1 with a message in err.
 */
int	daemon_user_resolve(const char *name, int is_default,
	    struct daemon_user *, char *err, size_t errlen);
void	daemon_user_clear(struct daemon_user *);

/* daemon_drop_privileges - setgroups/setresgid/setresuid; fatal on error */
void	daemon_drop_privileges(const struct daemon_user *);

/* daemon_pidfile_write/remove - "" or NULL path: no pid file */
int	daemon_pidfile_write(const char *path);
void	daemon_pidfile_remove(const char *path);

/*
 * daemon_detach - go to the background: fork, setsid, chdir("/"), standard
 * input and output to /dev/null. The parent does not return: it waits
 * until the child calls daemon_detach_done() and exits 0 if the child
 * started, or prints the child's error and exits 1, so "dkimgate serve"
 * fails visibly when, say, a port is taken. Returns, in the child, the
 * descriptor to pass to daemon_detach_done().
 */
int	daemon_detach(void);
void	daemon_detach_done(int fd, const char *err);

/*
 * daemon_raise_nofile - make the soft RLIMIT_NOFILE at least want (up to
 * the hard limit); returns the resulting soft limit.
 */
long	daemon_raise_nofile(long want);

#endif
