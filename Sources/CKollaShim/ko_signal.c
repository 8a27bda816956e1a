#define _GNU_SOURCE
#include "ko_signal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t pipe_fd = -1;
static volatile pid_t owner_pid = -1;

static void on_signal(int sig)
{
    int saved = errno;
    /* A child between fork and execve still runs this handler: only the
     * process that installed it reports, so a child never fakes a signal. */
    if (getpid() == owner_pid && pipe_fd >= 0) {
        unsigned char byte = (unsigned char)sig;
        ssize_t ignored = write(pipe_fd, &byte, 1);
        (void)ignored;
    }
    errno = saved;
}

int ko_signal_install(void)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0) return -1;
    if (fcntl(fds[1], F_SETFL, O_NONBLOCK) < 0) {
        int saved = errno;
        close(fds[0]);
        close(fds[1]);
        errno = saved;
        return -1;
    }
    pipe_fd = fds[1];
    owner_pid = getpid();
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGINT, &action, NULL) < 0) return -1;
    if (sigaction(SIGTERM, &action, NULL) < 0) return -1;
    /* A parent may have started this process with the signals blocked (some
     * process-spawning libraries do): they would never arrive. The mask is per
     * thread and threads created later inherit the calling thread's. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    int rc = pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    if (rc != 0) {
        errno = rc; /* pthread functions return the error instead of setting errno */
        return -1;
    }
    return fds[0];
}
