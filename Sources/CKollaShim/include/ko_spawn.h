/*
 * Starting the supervisor of a detached container (`kolla-oci run -d`): a copy of
 * kolla-oci in its own session, so a terminal's Ctrl-C or hang-up never reaches it, with
 * standard input from /dev/null and standard output and error appended to a log file.
 * In C because a multithreaded Swift process may run nothing but async-signal-safe
 * calls between fork and execve.
 */
#ifndef KO_SPAWN_H
#define KO_SPAWN_H

#include <sys/types.h>

/*
 * Forks; the child calls setsid, opens /dev/null as 0, dup2s log_fd onto 1 and 2,
 * closes every other descriptor,
 * resets SIGINT/SIGTERM/SIGHUP/SIGPIPE to their defaults, unblocks every signal and
 * execve(exe, argv, envp). Returns the child's pid, or -1 with errno when fork failed.
 * A failing exec makes the child exit with status 127 after writing why to log_fd.
 */
pid_t ko_spawn_detached(const char *exe, const char *const *argv, const char *const *envp, int log_fd);

#endif /* KO_SPAWN_H */
