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
static int answer_chown(int listener, const struct seccomp_notif *req) {
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


/* ---- emulated identities */

/*
 * In a single-id user namespace only uid/gid 0 exist, so a program that drops privileges
 * (apt switching to its sandbox user _apt, then checking that it did) fails. The
 * supervisor keeps a made-up identity per process instead — real, effective, saved and
 * file-system ids and supplementary groups — and answers the set*id and get*id calls
 * from it with the kernel's rules (an effective uid 0 may set anything; others only
 * their own ids). The process really stays the namespace's root: file access is root's.
 * A process first seen takes its parent's identity (fork inherits credentials).
 */
struct identity {
    pid_t tgid;
    unsigned long long start;   /* start time: tells a reused pid from the old process */
    uint32_t uid[4], gid[4];    /* real, effective, saved, file system */
    int ngroups;
    uint32_t groups[32];
};

static __thread struct identity *identities;
/* The identity of a process with no known ancestor: the command's first process. */
static __thread struct identity initial;
static __thread size_t nidentities, capidentities;

/* Field `n` (1-based) of /proc/PID/stat, after the command name. */
static int proc_stat_field(pid_t pid, int n, unsigned long long *out) {
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t len = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (len <= 0) return -1;
    buf[len] = '\0';
    char *p = strrchr(buf, ')');
    if (p == NULL) return -1;
    p += 2;  /* field 3 (state) starts here */
    for (int field = 3; field < n; field++) {
        p = strchr(p, ' ');
        if (p == NULL) return -1;
        p++;
    }
    *out = strtoull(p, NULL, 10);
    return 0;
}

/* The thread group of thread `tid` (Tgid in /proc/TID/status). */
static pid_t thread_group(pid_t tid) {
    char path[64], buf[2048];
    snprintf(path, sizeof path, "/proc/%d/status", (int)tid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return tid;
    ssize_t len = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (len <= 0) return tid;
    buf[len] = '\0';
    char *p = strstr(buf, "\nTgid:");
    return p ? (pid_t)strtol(p + 6, NULL, 10) : tid;
}

static struct identity *find_identity(pid_t tgid, unsigned long long start) {
    for (size_t i = 0; i < nidentities; i++)
        if (identities[i].tgid == tgid && identities[i].start == start) return &identities[i];
    return NULL;
}

/* The identity of thread `tid`'s process, created from its parent's (or root's) when new. */
static struct identity *identity_of(pid_t tid) {
    pid_t tgid = thread_group(tid);
    unsigned long long start = 0;
    proc_stat_field(tgid, 22, &start);
    struct identity *id = find_identity(tgid, start);
    if (id != NULL) return id;
    struct identity fresh = initial;
    fresh.tgid = tgid;
    fresh.start = start;
    /* Inherit from the nearest known ancestor. */
    unsigned long long parent = 0;
    pid_t at = tgid;
    for (int depth = 0; depth < 64 && proc_stat_field(at, 4, &parent) == 0 && parent > 1; depth++) {
        unsigned long long pstart = 0;
        proc_stat_field((pid_t)parent, 22, &pstart);
        struct identity *p = find_identity((pid_t)parent, pstart);
        if (p != NULL) {
            memcpy(fresh.uid, p->uid, sizeof fresh.uid);
            memcpy(fresh.gid, p->gid, sizeof fresh.gid);
            fresh.ngroups = p->ngroups;
            memcpy(fresh.groups, p->groups, sizeof fresh.groups);
            break;
        }
        at = (pid_t)parent;
    }
    if (nidentities == capidentities) {
        size_t cap = capidentities ? capidentities * 2 : 64;
        struct identity *grown = realloc(identities, cap * sizeof *grown);
        if (grown == NULL) return NULL;
        identities = grown;
        capidentities = cap;
    }
    identities[nidentities] = fresh;
    return &identities[nidentities++];
}

static int write_ids(pid_t pid, uint64_t addr, const uint32_t *ids, size_t count) {
    if (addr == 0) return 0;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = pwrite(fd, ids, count * sizeof *ids, (off_t)addr);
    close(fd);
    return n == (ssize_t)(count * sizeof *ids) ? 0 : -1;
}

#define KO_KEEP UINT32_MAX
/* One of the process's own ids (real, effective, saved), as unprivileged changes require. */
static int own(const uint32_t *ids, uint32_t v) { return v == ids[0] || v == ids[1] || v == ids[2]; }

/* setres[ug]id semantics on `ids` (uid or gid set of `id`); privileged = effective uid 0. */
static int set_res(struct identity *id, uint32_t *ids, uint32_t r, uint32_t e, uint32_t s) {
    int privileged = id->uid[1] == 0;
    if (!privileged && ((r != KO_KEEP && !own(ids, r)) || (e != KO_KEEP && !own(ids, e)) || (s != KO_KEEP && !own(ids, s))))
        return -EPERM;
    if (r != KO_KEEP) ids[0] = r;
    if (e != KO_KEEP) ids[1] = e;
    if (s != KO_KEEP) ids[2] = s;
    ids[3] = ids[1];
    return 0;
}

/* Answers a set*id or get*id call; *handled is 0 when `nr` is not one of them. */
static long answer_identity(const struct seccomp_notif *req, int *handled) {
    const __u64 *a = req->data.args;
    int nr = req->data.nr;
    *handled = 1;
    struct identity *id = identity_of((pid_t)req->pid);
    if (id == NULL) return -ENOMEM;
    uint32_t x = (uint32_t)a[0], y = (uint32_t)a[1], z = (uint32_t)a[2];
    switch (nr) {
    case __NR_getuid: return id->uid[0];
    case __NR_geteuid: return id->uid[1];
    case __NR_getgid: return id->gid[0];
    case __NR_getegid: return id->gid[1];
    case __NR_getresuid:
    case __NR_getresgid: {
        const uint32_t *ids = nr == __NR_getresuid ? id->uid : id->gid;
        for (int i = 0; i < 3; i++)
            if (write_ids((pid_t)req->pid, a[i], &ids[i], 1) < 0) return -EFAULT;
        return 0;
    }
    case __NR_getgroups: {
        int size = (int)a[0];
        if (size == 0) return id->ngroups;
        if (size < id->ngroups) return -EINVAL;
        if (write_ids((pid_t)req->pid, a[1], id->groups, (size_t)id->ngroups) < 0) return -EFAULT;
        return id->ngroups;
    }
    case __NR_setgroups: {
        int size = (int)a[0];
        if (id->uid[1] != 0) return -EPERM;
        if (size < 0 || size > 32) return -EINVAL;
        uint32_t groups[32];
        if (size > 0) {
            char path[64];
            snprintf(path, sizeof path, "/proc/%d/mem", (int)req->pid);
            int fd = open(path, O_RDONLY | O_CLOEXEC);
            if (fd < 0) return -EFAULT;
            ssize_t n = pread(fd, groups, (size_t)size * sizeof *groups, (off_t)a[1]);
            close(fd);
            if (n != (ssize_t)((size_t)size * sizeof *groups)) return -EFAULT;
        }
        id->ngroups = size;
        memcpy(id->groups, groups, (size_t)size * sizeof *groups);
        return 0;
    }
    case __NR_setresuid: return set_res(id, id->uid, x, y, z);
    case __NR_setresgid: return set_res(id, id->gid, x, y, z);
    case __NR_setuid:
        if (id->uid[1] == 0) { id->uid[0] = id->uid[1] = id->uid[2] = id->uid[3] = x; return 0; }
        return set_res(id, id->uid, KO_KEEP, x, KO_KEEP);
    case __NR_setgid:
        if (id->uid[1] == 0) { id->gid[0] = id->gid[1] = id->gid[2] = id->gid[3] = x; return 0; }
        return set_res(id, id->gid, KO_KEEP, x, KO_KEEP);
    case __NR_setreuid:
    case __NR_setregid: {
        uint32_t *ids = nr == __NR_setreuid ? id->uid : id->gid;
        uint32_t old_real = ids[0];
        int privileged = id->uid[1] == 0;
        if (!privileged && ((x != KO_KEEP && x != ids[0] && x != ids[1]) || (y != KO_KEEP && !own(ids, y)))) return -EPERM;
        if (x != KO_KEEP) ids[0] = x;
        if (y != KO_KEEP) ids[1] = y;
        if (x != KO_KEEP || (y != KO_KEEP && y != old_real)) ids[2] = ids[1];
        ids[3] = ids[1];
        return 0;
    }
    case __NR_setfsuid:
    case __NR_setfsgid: {
        uint32_t *ids = nr == __NR_setfsuid ? id->uid : id->gid;
        uint32_t old = ids[3];
        if (x != KO_KEEP && (id->uid[1] == 0 || own(ids, x) || x == ids[3])) ids[3] = x;
        return old;
    }
    default:
        *handled = 0;
        return 0;
    }
}

static void respond(int listener, const struct seccomp_notif *req, struct seccomp_notif_resp *resp) {
    resp->id = req->id;
    resp->flags = 0;
    if (KO_AUDIT_ARCH == 0 || req->data.arch != KO_AUDIT_ARCH) {
        resp->error = -EPERM;
        resp->val = 0;
        return;
    }
    int handled = 0;
    long v = answer_identity(req, &handled);
    if (!handled) v = answer_chown(listener, req);
    if (v < 0) {
        resp->error = (int)v;
        resp->val = 0;
    } else {
        resp->error = 0;
        resp->val = v;
    }
}

static void *supervise(void *arg) {
    struct ko_owner_supervisor *sv = arg;
    memset(&initial, 0, sizeof initial);
    for (int i = 0; i < 4; i++) {
        initial.uid[i] = sv->uid;
        initial.gid[i] = sv->gid;
    }
    initial.ngroups = sv->ngroups > 32 ? 32 : sv->ngroups;
    for (int i = 0; i < initial.ngroups; i++) initial.groups[i] = sv->groups[i];
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
            respond(listener, req, resp);
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
    free(identities);
    identities = NULL;
    nidentities = capidentities = 0;
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
