/*
 * supervisor.h - the daemon's parent process.
 *
 * It loads the configuration and the keys (as root, before anything else
 * runs), binds the listeners, and runs the worker processes: restarts one
 * that dies, replaces them all on SIGHUP (the old ones finish their
 * sessions first, so a reload drops nothing), and drains them on SIGTERM.
 * It never handles a message itself. With libsystemd it reports READY,
 * RELOADING and STOPPING (Type=notify).
 */
#ifndef DKIMGATE_SUPERVISOR_H
#define DKIMGATE_SUPERVISOR_H

/*
 * supervisor_run - run the daemon until SIGTERM/SIGINT; returns the exit
 * status. path NULL: the default file if it exists, else built-in
 * defaults.
 */
int	supervisor_run(const char *path, int foreground, int verbose);

#endif
