/*
 * Termination signals as bytes on a pipe (the self-pipe pattern): the handler
 * only write(2)s the signal number, which is async-signal-safe, and a Swift
 * thread reading the pipe does the real work (removing scratch, exiting).
 *
 * A handler, not a blocked mask read with sigwait/signalfd: a blocked mask is
 * inherited across fork and execve, so every RUN command would start with
 * SIGINT and SIGTERM blocked; a caught signal reverts to SIG_DFL on execve.
 */
#ifndef KO_SIGNAL_H
#define KO_SIGNAL_H

/*
 * Creates a pipe (both ends close-on-exec, the write end non-blocking so a
 * full pipe drops a repeated signal instead of blocking the handler), catches
 * SIGINT and SIGTERM (SA_RESTART, so interrupted system calls resume) and
 * writes each delivered signal's number as one byte to the pipe. Signals that
 * reach a forked child of this process before it execs are not written.
 * Also unblocks both signals in the calling thread (call it from the main
 * thread before starting others). Returns the pipe's read end, or -1 with errno.
 */
int ko_signal_install(void);

#endif /* KO_SIGNAL_H */
