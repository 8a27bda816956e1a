/* The recorded-owner supervisor: see ko_owners.h. Runs in the caller, never in a child. */
#define _GNU_SOURCE
#include "ko_owners.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#define KO_OWNER_XATTR "user.kolla-oci.owner"

#if defined(__x86_64__)
#define KO_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define KO_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
#define KO_AUDIT_ARCH 0
#endif

/* Receives one descriptor (SCM_RIGHTS), waiting while `stop` is unset; -1 on EOF. */
static int recv_fd(int sock, volatile int *stop) {
    for (;;) {
        struct pollfd pfd = {.fd = sock, .events = POLLIN};
        int n = poll(&pfd, 1, 200);
        if (n < 0 && errno != EINTR) return -1;
        if (n > 0) break;
        if (*stop) return -1;
    }
    char byte;
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof control.buf;
    if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) <= 0) return -1;
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    if (cmsg == NULL || cmsg->cmsg_type != SCM_RIGHTS) return -1;
    int fd;
    memcpy(&fd, CMSG_DATA(cmsg), sizeof fd);
    return fd;
}

/* The NUL-terminated string at `addr` in process `pid`'s memory. */
static int read_string(pid_t pid, uint64_t addr, char *buf, size_t len) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t got = 0;
    while (got < len) {
        ssize_t n = pread(fd, buf + got, len - got < 256 ? len - got : 256, (off_t)(addr + got));
        if (n <= 0) break;
        void *nul = memchr(buf + got, '\0', (size_t)n);
        got += (size_t)n;
        if (nul != NULL) {
            close(fd);
            return 0;
        }
    }
    close(fd);
    errno = got >= len ? ENAMETOOLONG : EFAULT;
    return -1;
}

/* Records `uid`:`gid` ((uint32_t)-1: keep) on the file open as O_PATH descriptor `target`. */
static int record(int target, uint32_t uid, uint32_t gid) {
    struct stat st;
    if (fstat(target, &st) < 0) return -errno;
    /* user.* xattrs cannot be set on symlinks; their owners do not matter to anyone. */
    if (S_ISLNK(st.st_mode)) return 0;
    char path[64], value[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", target);
    unsigned long cur_uid = 0, cur_gid = 0;
    ssize_t n = getxattr(path, KO_OWNER_XATTR, value, sizeof value - 1);
    if (n > 0) {
        value[n] = '\0';
        if (sscanf(value, "%lu:%lu", &cur_uid, &cur_gid) != 2) cur_uid = cur_gid = 0;
    }
    if (uid != UINT32_MAX) cur_uid = uid;
    if (gid != UINT32_MAX) cur_gid = gid;
    if (cur_uid == 0 && cur_gid == 0) {
        if (removexattr(path, KO_OWNER_XATTR) < 0 && errno != ENODATA) return -errno;
        return 0;
    }
    int len = snprintf(value, sizeof value, "%lu:%lu", cur_uid, cur_gid);
    if (setxattr(path, KO_OWNER_XATTR, value, (size_t)len, 0) < 0) return -errno;
    return 0;
}

/*
 * The answer to one chown-family call: 0 (recorded) or a negative errno. Paths are
 * resolved as the caller would, but never outside its root: absolute ones inside
 * /proc/PID/root (RESOLVE_IN_ROOT), relative ones beneath the caller's cwd or dirfd
 * (RESOLVE_BENEATH: a ".." above it or an absolute symlink fails with EPERM, as chown
 * to an unmapped id would have anyway).
 */
static int answer(int listener, const struct seccomp_notif *req) {
    if (KO_AUDIT_ARCH == 0 || req->data.arch != KO_AUDIT_ARCH) return -EPERM;
    const __u64 *a = req->data.args;
    pid_t pid = (pid_t)req->pid;
    int nr = req->data.nr;
    int use_fd = 0, fd = -1, dirfd = AT_FDCWD, flags = 0;
    uint64_t addr = 0;
    uint32_t uid, gid;
    if (nr == __NR_fchown) {
        use_fd = 1;
        fd = (int)a[0];
        uid = (uint32_t)a[1];
        gid = (uint32_t)a[2];
    } else if (nr == __NR_fchownat) {
        dirfd = (int)a[0];
        addr = a[1];
        uid = (uint32_t)a[2];
        gid = (uint32_t)a[3];
        flags = (int)a[4];
#ifdef __NR_chown
    } else if (nr == __NR_chown || nr == __NR_lchown) {
        addr = a[0];
        uid = (uint32_t)a[1];
        gid = (uint32_t)a[2];
        if (nr == __NR_lchown) flags = AT_SYMLINK_NOFOLLOW;
#endif
    } else {
        return -ENOSYS;
    }
    char path[PATH_MAX];
    if (!use_fd) {
        if (read_string(pid, addr, path, sizeof path) < 0) return -errno;
        if (path[0] == '\0') {
            if (!(flags & AT_EMPTY_PATH)) return -ENOENT;
            use_fd = 1;
            fd = dirfd;
        }
    }
    char base[64];
    int target;
    if (use_fd) {
        if (fd == AT_FDCWD) snprintf(base, sizeof base, "/proc/%d/cwd", (int)pid);
        else snprintf(base, sizeof base, "/proc/%d/fd/%d", (int)pid, fd);
        target = open(base, O_PATH | O_CLOEXEC);
        if (target < 0) return errno == ENOENT ? -EBADF : -errno;
    } else {
        int absolute = path[0] == '/';
        if (absolute) snprintf(base, sizeof base, "/proc/%d/root", (int)pid);
        else if (dirfd == AT_FDCWD) snprintf(base, sizeof base, "/proc/%d/cwd", (int)pid);
        else snprintf(base, sizeof base, "/proc/%d/fd/%d", (int)pid, dirfd);
        int basefd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (basefd < 0) return -errno;
        struct open_how how;
        memset(&how, 0, sizeof how);
        how.flags = O_PATH | O_CLOEXEC | ((flags & AT_SYMLINK_NOFOLLOW) ? O_NOFOLLOW : 0);
        how.resolve = RESOLVE_NO_MAGICLINKS | (absolute ? RESOLVE_IN_ROOT : RESOLVE_BENEATH);
        target = (int)syscall(SYS_openat2, basefd, absolute ? path + 1 : path, &how, sizeof how);
        int e = errno;
        close(basefd);
        if (target < 0) return e == EXDEV ? -EPERM : -e;
    }
    /* The /proc/PID paths above belonged to the caller only if it is still waiting. */
    uint64_t id = req->id;
    int rc = ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0 ? record(target, uid, gid) : -ENOENT;
    close(target);
    return rc;
}

static void *supervise(void *arg) {
    struct ko_owner_supervisor *sv = arg;
    int listener = recv_fd(sv->sock, &sv->stop);
    if (listener < 0) return NULL;
    struct seccomp_notif_sizes sizes;
    if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0) {
        close(listener);
        return NULL;
    }
    struct seccomp_notif *req = calloc(1, sizes.seccomp_notif);
    struct seccomp_notif_resp *resp = calloc(1, sizes.seccomp_notif_resp);
    while (req != NULL && resp != NULL) {
        struct pollfd pfd = {.fd = listener, .events = POLLIN};
        int n = poll(&pfd, 1, 200);
        if (n < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (n == 0) {
            if (sv->stop) break;
            continue;
        }
        if (pfd.revents & POLLIN) {
            memset(req, 0, sizes.seccomp_notif);
            if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, req) < 0) {
                if (errno == EINTR || errno == ENOENT) continue;
                break;
            }
            memset(resp, 0, sizes.seccomp_notif_resp);
            resp->id = req->id;
            resp->error = answer(listener, req);
            resp->val = 0;
            /* ENOENT: the caller died meanwhile; nothing to answer. */
            ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, resp);
            continue;
        }
        /* Every process under the filter is gone. */
        if (pfd.revents & (POLLHUP | POLLERR)) break;
    }
    free(req);
    free(resp);
    close(listener);
    return NULL;
}

int ko_owner_supervisor_start(struct ko_owner_supervisor *sv, int sock) {
    sv->sock = sock;
    sv->stop = 0;
    sv->started = 0;
    int rc = pthread_create(&sv->thread, NULL, supervise, sv);
    if (rc != 0) {
        close(sock);
        errno = rc;
        return -1;
    }
    sv->started = 1;
    return 0;
}

void ko_owner_supervisor_stop(struct ko_owner_supervisor *sv) {
    if (!sv->started) return;
    sv->stop = 1;
    pthread_join(sv->thread, NULL);
    close(sv->sock);
    sv->started = 0;
}
