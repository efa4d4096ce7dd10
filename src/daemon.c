/*
 * daemon.c - pid file, unprivileged user, descriptor limit.
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "xmalloc.h"

int
daemon_user_resolve(const char *name, int is_default, struct daemon_user *u,
    char *err, size_t errlen)
{
	struct passwd	*pw;

	memset(u, 0, sizeof(*u));
	if (geteuid() != 0 || name == NULL || name[0] == '\0')
		return 0;
	errno = 0;
	if ((pw = getpwnam(name)) == NULL) {
		if (!is_default) {
			snprintf(err, errlen, "user \"%s\" does not exist",
			    name);
			return -1;
		}
		log_warnx("user \"%s\" does not exist; workers run as "
		    "\"nobody\" (create the user, or set user = in the "
		    "configuration)", name);
		if ((pw = getpwnam("nobody")) == NULL) {
			snprintf(err, errlen, "neither \"%s\" nor \"nobody\" "
			    "exists", name);
			return -1;
		}
	}
	if (pw->pw_uid == 0) {
		snprintf(err, errlen, "user \"%s\" is root: refusing to run "
		    "workers as root", pw->pw_name);
		return -1;
	}
	u->name = xstrdup(pw->pw_name);
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	u->valid = 1;
	return 0;
}

void
daemon_user_clear(struct daemon_user *u)
{
	free(u->name);
	memset(u, 0, sizeof(*u));
}

/*
 * daemon_drop_privileges - become the unprivileged user for good.
 */
void
daemon_drop_privileges(const struct daemon_user *u)
{
	if (!u->valid)
		return;
	if (setgroups(1, &u->gid) == -1)
		fatal("setgroups");
	if (setresgid(u->gid, u->gid, u->gid) == -1)
		fatal("setresgid");
	if (setresuid(u->uid, u->uid, u->uid) == -1)
		fatal("setresuid");
	/* make sure there is no way back */
	if (setuid(0) != -1 || seteuid(0) != -1)
		fatalx("privilege drop to %s did not stick", u->name);
}

int
daemon_pidfile_write(const char *path)
{
	char	 buf[32];
	int	 fd, n;

	if (path == NULL || path[0] == '\0')
		return 0;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1)
		return -1;
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (write(fd, buf, n) != n) {
		close(fd);
		return -1;
	}
	return close(fd);
}

void
daemon_pidfile_remove(const char *path)
{
	if (path != NULL && path[0] != '\0')
		(void)unlink(path);
}

int
daemon_detach(void)
{
	char	 buf[512];
	ssize_t	 n, len = 0;
	int	 p[2], fd;

	if (pipe(p) == -1)
		fatal("pipe");
	switch (fork()) {
	case -1:
		fatal("fork");
	case 0:
		break;
	default:
		close(p[1]);
		while (len < (ssize_t)sizeof(buf) - 1 &&
		    (n = read(p[0], buf + len, sizeof(buf) - 1 - len)) != 0) {
			if (n == -1) {
				if (errno == EINTR)
					continue;
				break;
			}
			len += n;
			/* the workers hold the pipe too: no EOF to wait for */
			if (buf[0] == '0')
				_exit(0);
		}
		buf[len] = '\0';
		if (len > 0 && buf[0] == '0')
			_exit(0);
		fprintf(stderr, "dkimgate: %s\n", len > 1 ? buf + 1 :
		    "the daemon exited during start-up (see the log)");
		_exit(1);
	}
	close(p[0]);
	(void)fcntl(p[1], F_SETFD, FD_CLOEXEC);
	if (setsid() == -1)
		fatal("setsid");
	if (chdir("/") == -1)
		fatal("chdir /");
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		(void)dup2(fd, STDIN_FILENO);
		(void)dup2(fd, STDOUT_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	return p[1];
}

void
daemon_detach_done(int fd, const char *err)
{
	char	 buf[512];
	int	 n, nul;

	if (fd == -1)
		return;
	n = snprintf(buf, sizeof(buf), "%c%s", err == NULL ? '0' : '1',
	    err == NULL ? "" : err);
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	if (write(fd, buf, n) != n)
		log_warn("start-up report to the parent");
	close(fd);
	/* stderr last: until now the parent was the one to tell */
	if ((nul = open("/dev/null", O_RDWR)) != -1) {
		(void)dup2(nul, STDERR_FILENO);
		if (nul > STDERR_FILENO)
			close(nul);
	}
}

long
daemon_raise_nofile(long want)
{
	struct rlimit	 rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return 1024;
	if ((long)rl.rlim_cur >= want)
		return rl.rlim_cur;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || (long)rl.rlim_max > want ?
	    (rlim_t)want : rl.rlim_max;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return 1024;
	return rl.rlim_cur;
}
