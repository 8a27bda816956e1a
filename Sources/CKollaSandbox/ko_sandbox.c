/*
 * The RUN sandbox and the user-namespace re-exec. See ko_sandbox.h for the flow.
 *
 * Everything the children need (paths, mount options, argv) is prepared by the
 * parent before fork(); between fork and exec the children only make system calls
 * and format error text into a stack buffer, so no allocator or lock taken by
 * another Swift thread at fork time is ever touched.
 */
#define _GNU_SOURCE
#include "ko_sandbox.h"
#include "ko_owners.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <linux/close_range.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <grp.h>
#include <pthread.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <linux/filter.h>
#include <net/if.h>
#include <netinet/in.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>

extern char **environ;

#define KO_PATHS 12
#define KO_PATHLEN 4096

/* ------------------------------------------------------------------ helpers */

/* Reports "what: strerror(errno)" on the error pipe and exits the child. */
static void child_fail(int errfd, const char *what) {
    char buf[512];
    int e = errno;
    int n = snprintf(buf, sizeof buf, "%s: %s", what, strerror(e));
    if (n > 0) {
        ssize_t w = write(errfd, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
        (void)w;
    }
    _exit(127);
}

static int write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t len = strlen(text);
    ssize_t w = write(fd, text, len);
    int e = errno;
    close(fd);
    errno = e;
    return (w == (ssize_t)len) ? 0 : -1;
}

/* Runs a map helper (newuidmap/newgidmap) and waits for it. */
static int run_helper(const char *helper, pid_t pid, unsigned long id, unsigned long start, unsigned long count,
                      char *err, size_t errlen) {
    char spid[32], sid[32], sstart[32], scount[32];
    snprintf(spid, sizeof spid, "%d", (int)pid);
    snprintf(sid, sizeof sid, "%lu", id);
    snprintf(sstart, sizeof sstart, "%lu", start);
    snprintf(scount, sizeof scount, "%lu", count);
    char *const argv[] = {(char *)helper, spid, "0", sid, "1", "1", sstart, scount, NULL};
    pid_t child;
    int rc = posix_spawn(&child, helper, NULL, NULL, argv, environ);
    if (rc != 0) {
        snprintf(err, errlen, "%s: %s", helper, strerror(rc));
        return -1;
    }
    int status = 0;
    while (waitpid(child, &status, 0) < 0) {
        if (errno != EINTR) {
            snprintf(err, errlen, "waitpid %s: %s", helper, strerror(errno));
            return -1;
        }
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(err, errlen, "%s %s 0 %s 1 1 %s %s failed (status %d)", helper, spid, sid, sstart, scount,
                 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        return -1;
    }
    return 0;
}

/* Writes the id maps of process `pid`'s user namespace. */
static int write_maps(pid_t pid, int mode, uid_t uid, gid_t gid, unsigned long subuid_start, unsigned long subuid_count,
                      unsigned long subgid_start, unsigned long subgid_count, const char *newuidmap,
                      const char *newgidmap, char *err, size_t errlen) {
    char path[64], text[64];
    if (mode == KO_IDMAP_SINGLE) {
        snprintf(path, sizeof path, "/proc/%d/setgroups", (int)pid);
        if (write_file(path, "deny") < 0 && errno != ENOENT) {
            snprintf(err, errlen, "write %s: %s", path, strerror(errno));
            return -1;
        }
        snprintf(path, sizeof path, "/proc/%d/uid_map", (int)pid);
        snprintf(text, sizeof text, "0 %lu 1\n", (unsigned long)uid);
        if (write_file(path, text) < 0) {
            snprintf(err, errlen, "write %s: %s", path, strerror(errno));
            return -1;
        }
        snprintf(path, sizeof path, "/proc/%d/gid_map", (int)pid);
        snprintf(text, sizeof text, "0 %lu 1\n", (unsigned long)gid);
        if (write_file(path, text) < 0) {
            snprintf(err, errlen, "write %s: %s", path, strerror(errno));
            return -1;
        }
        return 0;
    }
    if (mode == KO_IDMAP_SUBID) {
        if (run_helper(newuidmap, pid, uid, subuid_start, subuid_count, err, errlen) < 0) return -1;
        if (run_helper(newgidmap, pid, gid, subgid_start, subgid_count, err, errlen) < 0) return -1;
    }
    return 0;
}

/* Reads what a child reported on the error pipe (empty when exec succeeded). */
static void read_error(int fd, char *err, size_t errlen) {
    size_t got = 0;
    while (got + 1 < errlen) {
        ssize_t n = read(fd, err + got, errlen - 1 - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += (size_t)n;
    }
    err[got] = '\0';
}

static int wait_status(pid_t pid) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return 255;
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 255;
}

/* execve with a PATH search in `envp`'s PATH when argv[0] has no slash. */
static void exec_in_path(const char *const *argv, const char *const *envp, int errfd) {
    const char *file = argv[0];
    if (strchr(file, '/') != NULL) {
        execve(file, (char *const *)argv, (char *const *)envp);
        child_fail(errfd, file);
    }
    const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    for (const char *const *e = envp; *e != NULL; e++) {
        if (strncmp(*e, "PATH=", 5) == 0) {
            path = *e + 5;
            break;
        }
    }
    char buf[KO_PATHLEN];
    int saw_eacces = 0;
    const char *p = path;
    for (;;) {
        const char *colon = strchr(p, ':');
        size_t len = colon ? (size_t)(colon - p) : strlen(p);
        size_t flen = strlen(file);
        if (len + 1 + flen + 1 <= sizeof buf) {
            if (len == 0) {
                memcpy(buf, file, flen + 1);
            } else {
                memcpy(buf, p, len);
                buf[len] = '/';
                memcpy(buf + len + 1, file, flen + 1);
            }
            execve(buf, (char *const *)argv, (char *const *)envp);
            if (errno == EACCES) saw_eacces = 1;
            else if (errno != ENOENT && errno != ENOTDIR) child_fail(errfd, buf);
        }
        if (!colon) break;
        p = colon + 1;
    }
    errno = saw_eacces ? EACCES : ENOENT;
    child_fail(errfd, file);
}


/* The id-map mapping of one namespace child, as the parent writes it. */
struct map_request {
    int mode;
    uid_t uid;
    gid_t gid;
    unsigned long subuid_start, subuid_count, subgid_start, subgid_count;
    const char *newuidmap, *newgidmap;
};

/*
 * The parent's half of the handshake with a child that unshared its namespaces: wait
 * for "ready", write the id maps, send "go", then read the error pipe until the child
 * exec'd (EOF) or reported a failure; always reaps the child. Returns 0 with the child's
 * exit status in *status, or -1 with `err` set.
 */
static int parent_handshake(pid_t child, int ready[2], int go[2], int errp[2], const struct map_request *m,
                            int *status, char *err, size_t errlen) {
    close(ready[1]);
    close(go[0]);
    close(errp[1]);
    int rc = 0;
    char c;
    ssize_t n;
    do { n = read(ready[0], &c, 1); } while (n < 0 && errno == EINTR);
    if (n != 1) {
        read_error(errp[0], err, errlen);
        if (err[0] == '\0') snprintf(err, errlen, "child exited before it was ready");
        rc = -1;
    } else if (write_maps(child, m->mode, m->uid, m->gid, m->subuid_start, m->subuid_count, m->subgid_start,
                          m->subgid_count, m->newuidmap, m->newgidmap, err, errlen) < 0) {
        rc = -1;
    } else {
        c = 'g';
        if (write(go[1], &c, 1) != 1) {
            snprintf(err, errlen, "sync: %s", strerror(errno));
            rc = -1;
        }
    }
    close(go[1]);
    close(ready[0]);
    if (rc == 0) {
        read_error(errp[0], err, errlen);
        if (err[0] != '\0') rc = -1;
    }
    close(errp[0]);
    int code = wait_status(child);
    if (rc == 0) *status = code;
    return rc;
}

/* ------------------------------------------------------------------ the sandbox */

/* Docker's default capability set (moby's defaults), by number (linux/capability.h). */
static const int default_caps[] = {
    0,  /* CAP_CHOWN */
    1,  /* CAP_DAC_OVERRIDE */
    3,  /* CAP_FOWNER */
    4,  /* CAP_FSETID */
    5,  /* CAP_KILL */
    6,  /* CAP_SETGID */
    7,  /* CAP_SETUID */
    8,  /* CAP_SETPCAP */
    10, /* CAP_NET_BIND_SERVICE */
    13, /* CAP_NET_RAW */
    18, /* CAP_SYS_CHROOT */
    27, /* CAP_MKNOD */
    29, /* CAP_AUDIT_WRITE */
    31, /* CAP_SETFCAP */
};
#define KO_CAP_SYS_CHROOT 18

/* runc's masked paths: hidden behind /dev/null (files) or an empty read-only tmpfs. */
static const char *const masked_paths[] = {
    "proc/acpi", "proc/asound", "proc/interrupts", "proc/kcore", "proc/keys", "proc/latency_stats",
    "proc/timer_list", "proc/timer_stats", "proc/sched_debug", "proc/scsi", "sys/firmware",
    "sys/devices/virtual/powercap", NULL};
/* runc's read-only paths. */
static const char *const readonly_paths[] = {
    "proc/bus", "proc/fs", "proc/irq", "proc/sys", "proc/sysrq-trigger", NULL};

static const char *const dev_nodes[6] = {"null", "zero", "full", "random", "urandom", "tty"};
static const char *const dev_links[5][2] = {
    {"fd", "/proc/self/fd"}, {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"},
    {"stderr", "/proc/self/fd/2"}, {"ptmx", "pts/ptmx"}};

/* What the parent prepares before fork: the children only read it. */
struct prepared {
    char overlay_opts[KO_PATHLEN * 2];
    char dev_opts[128];
    struct sock_fprog filter;
    struct sock_filter *filter_code;
    /* The host's /dev/null, for streams not given (the root may have none). */
    int nullfd;
    /* record_owners: the child's end of the socket the seccomp listener is sent on. */
    int notify_child;
};

/* ---- seccomp: built with libseccomp in the parent, loaded as raw BPF in the child */

static int deny(scmp_filter_ctx ctx, const char *name, int err_no) {
    int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR) return 0; /* not a system call on this architecture */
    int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(err_no), nr, 0);
    return rc == -EEXIST ? 0 : rc;
}

/*
 * The default filter has the semantics of Docker's default profile for what a build
 * may reach: everything a package install needs is allowed; kernel, mount, namespace,
 * keyring, module, clock, swap, reboot and handle-based open calls are refused with
 * EPERM; clone3 answers ENOSYS so that libc falls back to clone, whose namespace flags
 * are refused. The chroot rung also refuses chroot, ptrace and signals to the builder,
 * which shares its pid namespace there.
 */
static int build_filter(const ko_sandbox_spec *s, struct prepared *p, char *err, size_t errlen) {
    static const char *const refused[] = {
        "acct", "add_key", "bpf", "clock_adjtime", "clock_settime", "create_module", "delete_module",
        "finit_module", "get_kernel_syms", "init_module", "ioperm", "iopl", "kcmp", "kexec_file_load",
        "kexec_load", "keyctl", "lookup_dcookie", "mount", "umount", "umount2", "move_mount", "open_tree",
        "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr", "name_to_handle_at", "nfsservctl",
        "open_by_handle_at", "perf_event_open", "pivot_root", "query_module", "quotactl", "quotactl_fd",
        "reboot", "request_key", "setns", "settimeofday", "stime", "swapon", "swapoff", "sysfs", "_sysctl",
        "syslog", "unshare", "uselib", "userfaultfd", "ustat", "vm86", "vm86old", "io_uring_setup",
        "io_uring_enter", "io_uring_register", "lsm_set_self_attr", NULL};
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (ctx == NULL) {
        snprintf(err, errlen, "seccomp_init failed");
        return -1;
    }
    int rc = 0;
    /* The same rules for the 32-bit ABIs, so that int 0x80 is no way around them. */
    if (seccomp_arch_native() == SCMP_ARCH_X86_64) {
        seccomp_arch_add(ctx, SCMP_ARCH_X86);
        seccomp_arch_add(ctx, SCMP_ARCH_X32);
    }
    for (int i = 0; rc == 0 && refused[i] != NULL; i++) rc = deny(ctx, refused[i], EPERM);
    if (rc == 0) rc = deny(ctx, "clone3", ENOSYS);
    static const unsigned long ns_flags[] = {CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER,
                                             CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP};
    for (size_t i = 0; rc == 0 && i < sizeof ns_flags / sizeof ns_flags[0]; i++) {
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                              SCMP_A0(SCMP_CMP_MASKED_EQ, ns_flags[i], ns_flags[i]));
    }
    /* No typing into the caller's terminal (run -t hands it over): TIOCSTI and TIOCLINUX. */
    static const unsigned long tty_requests[] = {TIOCSTI, TIOCLINUX};
    for (size_t i = 0; rc == 0 && i < 2; i++) {
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
                              SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffUL, tty_requests[i]));
    }
    if (rc == 0 && s->record_owners) {
        /* Owners recorded and identities emulated by the supervisor (ko_owners.c). */
        static const char *const owners[] = {
            "chown", "fchown", "lchown", "fchownat", "setuid", "setgid", "setreuid", "setregid", "setresuid",
            "setresgid", "setfsuid", "setfsgid", "setgroups", "getuid", "geteuid", "getgid", "getegid", "getresuid",
            "getresgid", "getgroups", NULL};
        for (int i = 0; rc == 0 && owners[i] != NULL; i++) {
            int nr = seccomp_syscall_resolve_name(owners[i]);
            if (nr == __NR_SCMP_ERROR) continue;
            rc = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 0);
            if (rc == -EEXIST) rc = 0;
        }
    }
    if (rc == 0 && s->isolation == KO_ISOLATION_CHROOT) {
        static const char *const chroot_refused[] = {"chroot", "ptrace", "process_vm_readv", "process_vm_writev",
                                                     "tkill", NULL};
        for (int i = 0; rc == 0 && chroot_refused[i] != NULL; i++) rc = deny(ctx, chroot_refused[i], EPERM);
        /* kill(builder), kill(-builder's group), kill(-1) and the pidfd and tgkill forms. */
        const uint32_t targets[] = {(uint32_t)s->protect_pid, (uint32_t)(-s->protect_pgid), (uint32_t)-1};
        for (size_t i = 0; rc == 0 && i < 3; i++) {
            rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(kill), 1,
                                  SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffUL, targets[i]));
        }
        if (rc == 0)
            rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(tgkill), 1,
                                  SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffUL, (uint32_t)s->protect_pid));
        if (rc == 0)
            rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(pidfd_open), 1,
                                  SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffUL, (uint32_t)s->protect_pid));
    }
    if (rc == 0 && s->skip_sync && s->isolation == KO_ISOLATION_CHROOT) {
        /* No overlay to mount volatile: the sync calls succeed (errno 0) without syncing. */
        static const char *const syncs[] = {"fsync", "fdatasync", "sync_file_range", "syncfs", "sync", NULL};
        for (int i = 0; rc == 0 && syncs[i] != NULL; i++) rc = deny(ctx, syncs[i], 0);
    }
    if (rc != 0) {
        snprintf(err, errlen, "seccomp rule: %s", strerror(-rc));
        seccomp_release(ctx);
        return -1;
    }
    /* libseccomp 2.5 exports BPF to a descriptor only: a memfd, read back here. */
    int fd = memfd_create("ko-seccomp", MFD_CLOEXEC);
    if (fd < 0 || (rc = seccomp_export_bpf(ctx, fd)) != 0) {
        snprintf(err, errlen, "seccomp export: %s", strerror(fd < 0 ? errno : -rc));
        if (fd >= 0) close(fd);
        seccomp_release(ctx);
        return -1;
    }
    seccomp_release(ctx);
    off_t size = lseek(fd, 0, SEEK_END);
    if (size <= 0 || size % (off_t)sizeof(struct sock_filter) != 0 || (p->filter_code = malloc((size_t)size)) == NULL) {
        snprintf(err, errlen, "seccomp export: bad program size");
        close(fd);
        return -1;
    }
    ssize_t got = pread(fd, p->filter_code, (size_t)size, 0);
    close(fd);
    if (got != size) {
        snprintf(err, errlen, "seccomp export: short read");
        return -1;
    }
    p->filter.len = (unsigned short)(size / (off_t)sizeof(struct sock_filter));
    p->filter.filter = p->filter_code;
    return 0;
}

/*
 * The filter depends only on the isolation, record_owners, skip_sync and (chroot) the
 * protected pid and group, and libseccomp takes milliseconds to build it: each variant is built once
 * per process and kept (the children only read it).
 */
struct filter_variant {
    int isolation, record_owners, skip_sync;
    pid_t pid, pgid;
    struct sock_fprog program;
};
static struct filter_variant filter_variants[8];
static int nfilter_variants;
static pthread_mutex_t filter_variants_lock = PTHREAD_MUTEX_INITIALIZER;

static int cached_filter(const ko_sandbox_spec *s, struct prepared *p, char *err, size_t errlen) {
    pthread_mutex_lock(&filter_variants_lock);
    for (int i = 0; i < nfilter_variants; i++) {
        struct filter_variant *v = &filter_variants[i];
        if (v->isolation == s->isolation && v->record_owners == s->record_owners && v->skip_sync == s->skip_sync &&
            v->pid == s->protect_pid &&
            v->pgid == s->protect_pgid) {
            p->filter = v->program;
            pthread_mutex_unlock(&filter_variants_lock);
            return 0;
        }
    }
    int rc = build_filter(s, p, err, errlen);
    if (rc == 0 && nfilter_variants < (int)(sizeof filter_variants / sizeof filter_variants[0])) {
        /* The table owns the program from now on. */
        filter_variants[nfilter_variants++] =
            (struct filter_variant){s->isolation, s->record_owners, s->skip_sync, s->protect_pid, s->protect_pgid, p->filter};
        p->filter_code = NULL;
    }
    pthread_mutex_unlock(&filter_variants_lock);
    return rc;
}

static void release(struct prepared *p) {
    if (p == NULL) return;
    if (p->nullfd >= 0) close(p->nullfd);
    if (p->notify_child >= 0) close(p->notify_child);
    free(p->filter_code);
    free(p);
}

static int prepare(const ko_sandbox_spec *s, struct prepared *p, char *err, size_t errlen) {
    p->filter_code = NULL;
    p->notify_child = -1;
    p->nullfd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (p->nullfd < 0) {
        snprintf(err, errlen, "/dev/null: %s", strerror(errno));
        return -1;
    }
    p->overlay_opts[0] = '\0';
    if (s->overlay_lower != NULL) {
        int n = snprintf(p->overlay_opts, sizeof p->overlay_opts, "lowerdir=%s,upperdir=%s,workdir=%s%s%s",
                         s->overlay_lower, s->overlay_upper, s->overlay_work, s->overlay_userxattr ? ",userxattr" : "",
                         s->skip_sync ? ",volatile" : "");
        if (n >= (int)sizeof p->overlay_opts) {
            snprintf(err, errlen, "overlay options are too long");
            return -1;
        }
    }
    /* /dev belongs to the container's root (host ids of the range in RANGE mode). */
    unsigned long owner_uid = s->idmap_mode == KO_IDMAP_RANGE ? s->subuid_start : 0;
    unsigned long owner_gid = s->idmap_mode == KO_IDMAP_RANGE ? s->subgid_start : 0;
    snprintf(p->dev_opts, sizeof p->dev_opts, "mode=755,size=65536k,uid=%lu,gid=%lu", owner_uid, owner_gid);
    return cached_filter(s, p, err, errlen);
}

/* ---- confined mount points (no allocation: these run in the child) */

/* openat2(RESOLVE_IN_ROOT) of `path` below `rootfd`; the last component is not followed. */
static int open_in_root(int rootfd, const char *path, int flags) {
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (uint64_t)(flags | O_CLOEXEC | O_NOFOLLOW);
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    const char *p = path;
    while (*p == '/') p++;
    if (*p == '\0') p = ".";
    long fd;
    do { fd = syscall(SYS_openat2, rootfd, p, &how, sizeof how); } while (fd < 0 && errno == EAGAIN);
    return (int)fd;
}

/*
 * Creates the mount point `path` inside the root when missing (directories for
 * `is_dir`, else an empty file, parents as directories), owned by the container's root,
 * and returns an O_PATH descriptor of it. Refuses a symlink or a mismatched type.
 */
static int mount_point(int rootfd, const char *path, int is_dir, uid_t uid, gid_t gid) {
    char buf[KO_PATHLEN];
    size_t n = strlen(path);
    if (n >= sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(buf, path, n + 1);
    /* Every parent: open, or create inside the resolved parent. */
    int parent = dup(rootfd);
    if (parent < 0) return -1;
    char *component = buf;
    while (*component == '/') component++;
    for (;;) {
        char *slash = strchr(component, '/');
        if (slash) *slash = '\0';
        int last = (slash == NULL) || slash[1] == '\0';
        if (*component == '\0') break;
        if (strcmp(component, "..") == 0 || strcmp(component, ".") == 0) {
            close(parent);
            errno = EINVAL;
            return -1;
        }
        struct stat st;
        if (fstatat(parent, component, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            if (errno != ENOENT) { close(parent); return -1; }
            if (!last || is_dir) {
                if (mkdirat(parent, component, 0755) < 0 && errno != EEXIST) { close(parent); return -1; }
            } else {
                int f = openat(parent, component, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
                if (f < 0) { close(parent); return -1; }
                close(f);
            }
            if (fchownat(parent, component, uid, gid, AT_SYMLINK_NOFOLLOW) < 0) { close(parent); return -1; }
            if (fstatat(parent, component, &st, AT_SYMLINK_NOFOLLOW) < 0) { close(parent); return -1; }
        }
        if (S_ISLNK(st.st_mode)) {
            /* A symlink in the image: never mount through it. */
            close(parent);
            errno = ELOOP;
            return -1;
        }
        int want_dir = !last || is_dir;
        if (want_dir && !S_ISDIR(st.st_mode)) { close(parent); errno = ENOTDIR; return -1; }
        if (!want_dir && S_ISDIR(st.st_mode)) { close(parent); errno = EISDIR; return -1; }
        int next = openat(parent, component, O_PATH | O_NOFOLLOW | O_CLOEXEC | (want_dir ? O_DIRECTORY : 0));
        close(parent);
        if (next < 0) return -1;
        parent = next;
        if (last) break;
        component = slash + 1;
        while (*component == '/') component++;
        if (*component == '\0') break;
    }
    return parent;
}

/* "/proc/self/fd/N": mount(2) through the descriptor, never through a path in the tree. */
static void fd_path(char *buf, size_t len, int fd) { snprintf(buf, len, "/proc/self/fd/%d", fd); }

/* mount(2) onto an already resolved mount point descriptor. */
static int mount_at(const char *source, int target_fd, const char *type, unsigned long flags, const char *data) {
    char target[64];
    fd_path(target, sizeof target, target_fd);
    return mount(source, target, type, flags, data);
}

/*
 * A recursive bind mount of host `source` onto `target_fd`, built detached (open_tree)
 * so that its attributes apply all the way down before it is attached: read-only when
 * asked, plus `extra` MOUNT_ATTR_* flags, and idmapped through `userns_fd` when >= 0
 * (host ids shown as the container's; without it on file systems lacking idmapped mounts).
 */
static int bind_mount(const char *source, int target_fd, int readonly, uint64_t extra, int userns_fd) {
    int tree = (int)syscall(SYS_open_tree, AT_FDCWD, source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
    if (tree < 0) return -1;
    struct mount_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.attr_set = (readonly ? MOUNT_ATTR_RDONLY : 0) | extra;
    int rc = 0;
    if (userns_fd >= 0) {
        struct mount_attr idmapped = attr;
        idmapped.attr_set |= MOUNT_ATTR_IDMAP;
        idmapped.userns_fd = (uint64_t)userns_fd;
        if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &idmapped, sizeof idmapped) == 0)
            attr.attr_set = 0;
    }
    if (attr.attr_set != 0)
        rc = (int)syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr);
    if (rc == 0)
        rc = (int)syscall(SYS_move_mount, tree, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
    int e = errno;
    close(tree);
    errno = e;
    return rc;
}

/* Brings the loopback interface of the current network namespace up. */
static int loopback_up(void) {
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0) return -1;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    int rc = ioctl(sock, SIOCGIFFLAGS, &ifr);
    if (rc == 0) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        rc = ioctl(sock, SIOCSIFFLAGS, &ifr);
    }
    int e = errno;
    close(sock);
    errno = e;
    return rc;
}

/* Cuts the bounding set to Docker's default capabilities (minus CAP_SYS_CHROOT when asked). */
static int drop_capabilities(int keep_chroot) {
    for (int cap = 0; cap <= 63; cap++) {
        int keep = 0;
        for (size_t i = 0; i < sizeof default_caps / sizeof default_caps[0]; i++)
            if (default_caps[i] == cap) keep = 1;
        if (cap == KO_CAP_SYS_CHROOT && !keep_chroot) keep = 0;
        if (keep) continue;
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
            if (errno == EINVAL) break; /* past the kernel's last capability */
            return -1;
        }
    }
    /* No ambient capabilities survive exec. */
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    return 0;
}

/* Sends descriptor `fd` over the unix socket `sock` (SCM_RIGHTS); no allocation. */
static int send_fd(int sock, int fd) {
    char byte = 'l';
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    memset(&control, 0, sizeof control);
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof control.buf;
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
    return sendmsg(sock, &msg, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

/* Closes descriptors first…last (close_range, or one by one on kernels before 5.9). */
static void close_from_to(unsigned first, unsigned last) {
    if (first > last) return;
    if (syscall(SYS_close_range, first, last, 0) == 0) return;
    for (unsigned fd = first; fd <= last && fd < 65536; fd++) close((int)fd);
}

/* True when setgroups(2) is denied in this user namespace (a single-id map). */
static int setgroups_denied(void) {
    int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    char buf[8] = {0};
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    return n >= 4 && strncmp(buf, "deny", 4) == 0;
}

/* The last steps of both isolations: session, stdio, descriptors, cwd, identity, filters, exec. */
static void finish_and_exec(const ko_sandbox_spec *s, const struct prepared *p, int errfd, int keep_chroot) {
    if (setsid() < 0) child_fail(errfd, "setsid");
    int nullfd = p->nullfd;
    if (dup2(s->stdin_fd >= 0 ? s->stdin_fd : nullfd, 0) < 0) child_fail(errfd, "stdin");
    if (dup2(s->stdout_fd >= 0 ? s->stdout_fd : nullfd, 1) < 0) child_fail(errfd, "stdout");
    if (dup2(s->stderr_fd >= 0 ? s->stderr_fd : nullfd, 2) < 0) child_fail(errfd, "stderr");
    if (s->terminal && isatty(0)) ioctl(0, TIOCSCTTY, 0);
    /* Nothing of the builder stays open but 0, 1, 2 and the error pipe (close-on-exec),
       and that before chdir: a host directory's descriptor named as /proc/self/fd/N would
       otherwise be a way out (runc CVE-2024-21626). */
    int keep_low = errfd, keep_high = p->notify_child;
    if (keep_high >= 0 && keep_high < keep_low) { keep_high = errfd; keep_low = p->notify_child; }
    if (keep_low > 3) close_from_to(3, (unsigned)keep_low - 1);
    if (keep_high < 0) {
        close_from_to((unsigned)keep_low + 1, ~0U);
    } else {
        close_from_to((unsigned)keep_low + 1, (unsigned)keep_high - 1);
        close_from_to((unsigned)keep_high + 1, ~0U);
    }
    const char *cwd = s->cwd ? s->cwd : "/";
    if (chdir(cwd) < 0) child_fail(errfd, cwd);
    /* The cwd must be inside the root (a leaked descriptor's path would not be). */
    char here[KO_PATHLEN];
    if (getcwd(here, sizeof here) == NULL || here[0] != '/') {
        errno = EPERM;
        child_fail(errfd, "working directory is outside the root");
    }
    if (drop_capabilities(keep_chroot) < 0) child_fail(errfd, "drop capabilities");
    int new_privs = s->allow_new_privs && s->isolation == KO_ISOLATION_NAMESPACES && s->idmap_mode != KO_IDMAP_NONE &&
                    p->notify_child < 0;
    if (new_privs && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &p->filter, 0, 0) < 0) child_fail(errfd, "seccomp");
    if (s->record_owners) {
        /* Single-id: the image's user is the supervisor's emulated identity; really root. */
    } else {
        if (setgroups(s->ngroups, s->groups) < 0) {
            if (!(errno == EPERM && setgroups_denied())) child_fail(errfd, "setgroups");
        }
        if (setresgid(s->gid, s->gid, s->gid) < 0) child_fail(errfd, "setgid (is the group mapped?)");
        if (setresuid(s->uid, s->uid, s->uid) < 0) child_fail(errfd, "setuid (is the user mapped?)");
    }
    if (new_privs) {
        /* The filter is in place already; setuid programs may raise privileges, within
           the user namespace and the bounding set. */
    } else if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
        child_fail(errfd, "no_new_privs");
    } else if (p->notify_child >= 0) {
        /* The listener goes to the caller's supervisor; the command never holds it. */
        int listener = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &p->filter);
        if (listener < 0) child_fail(errfd, "seccomp listener");
        if (send_fd(p->notify_child, listener) < 0) child_fail(errfd, "send the seccomp listener");
        close(listener);
        close(p->notify_child);
    } else if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &p->filter, 0, 0) < 0) {
        child_fail(errfd, "seccomp");
    }
    exec_in_path(s->argv, s->envp, errfd);
}

/* Every mount of the container below the root descriptor `rootfd` (before pivot_root). */
static void mount_container(const ko_sandbox_spec *s, const struct prepared *p, int rootfd, int userns_fd,
                            uid_t ruid, gid_t rgid, int errfd) {
    int fd;
    /* proc of the new pid namespace, then runc's masked and read-only paths. */
    if ((fd = mount_point(rootfd, "proc", 1, ruid, rgid)) < 0) child_fail(errfd, "/proc in the image");
    if (mount_at("proc", fd, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) child_fail(errfd, "mount /proc");
    close(fd);

    /* /dev: a tmpfs with the host's harmless nodes bound in, devpts, shm. */
    if ((fd = mount_point(rootfd, "dev", 1, ruid, rgid)) < 0) child_fail(errfd, "/dev in the image");
    if (mount_at("tmpfs", fd, "tmpfs", MS_NOSUID | MS_NOEXEC | MS_STRICTATIME, p->dev_opts) < 0)
        child_fail(errfd, "mount /dev");
    close(fd);
    int devfd = open_in_root(rootfd, "dev", O_PATH | O_DIRECTORY);
    if (devfd < 0) child_fail(errfd, "/dev");
    for (int i = 0; i < 6; i++) {
        char host[32];
        snprintf(host, sizeof host, "/dev/%s", dev_nodes[i]);
        int node = openat(devfd, dev_nodes[i], O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0666);
        if (node >= 0) close(node);
        int target = openat(devfd, dev_nodes[i], O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (target < 0) child_fail(errfd, host);
        if (bind_mount(host, target, 0, 0, -1) < 0 && i < 5) child_fail(errfd, host);
        close(target);
    }
    for (int i = 0; i < 5; i++) symlinkat(dev_links[i][1], devfd, dev_links[i][0]);
    mkdirat(devfd, "pts", 0755);
    mkdirat(devfd, "shm", 01777);
    int pts = openat(devfd, "pts", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int shm = openat(devfd, "shm", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    /* devpts and shm are best effort: some hosts refuse them in a user namespace. */
    if (pts >= 0) mount_at("devpts", pts, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620");
    if (shm >= 0) mount_at("shm", shm, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k");
    if (pts >= 0) close(pts);
    if (shm >= 0) close(shm);
    close(devfd);

    /* /sys: the host's, read-only all the way down (mount_setattr AT_RECURSIVE). */
    struct stat st;
    if (fstatat(rootfd, "sys", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) {
        if ((fd = mount_point(rootfd, "sys", 1, ruid, rgid)) < 0) child_fail(errfd, "/sys in the image");
        if (bind_mount("/sys", fd, 1, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, -1) < 0)
            child_fail(errfd, "bind /sys read-only");
        close(fd);
    }

    for (int i = 0; masked_paths[i] != NULL; i++) {
        int target = open_in_root(rootfd, masked_paths[i], O_PATH);
        if (target < 0) continue; /* not present on this kernel */
        if (fstat(target, &st) == 0 && S_ISDIR(st.st_mode)) {
            if (mount_at("tmpfs", target, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0") < 0)
                child_fail(errfd, masked_paths[i]);
        } else {
            int null = open_in_root(rootfd, "dev/null", O_PATH);
            char source[64];
            fd_path(source, sizeof source, null);
            if (null < 0 || mount_at(source, target, NULL, MS_BIND, NULL) < 0) child_fail(errfd, masked_paths[i]);
            close(null);
        }
        close(target);
    }
    for (int i = 0; readonly_paths[i] != NULL; i++) {
        int target = open_in_root(rootfd, readonly_paths[i], O_PATH);
        if (target < 0) continue;
        /* A read-only copy of itself on top of itself. */
        char path[64];
        fd_path(path, sizeof path, target);
        if (bind_mount(path, target, 1, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, -1) < 0)
            child_fail(errfd, readonly_paths[i]);
        close(target);
    }

    /* resolv.conf and hosts: only onto regular files of the image (never through a symlink). */
    const char *files[2][2] = {{s->resolv_conf, "etc/resolv.conf"}, {s->hosts, "etc/hosts"}};
    for (int i = 0; i < 2; i++) {
        if (files[i][0] == NULL) continue;
        int target = open_in_root(rootfd, files[i][1], O_PATH);
        if (target < 0) continue;
        if (fstat(target, &st) == 0 && S_ISREG(st.st_mode)) {
            if (bind_mount(files[i][0], target, 1, 0, -1) < 0) child_fail(errfd, files[i][1]);
        }
        close(target);
    }

    /* -v and RUN --mount binds, then tmpfs mounts. */
    for (size_t i = 0; i < s->nbinds; i++) {
        struct stat src;
        if (stat(s->bind_sources[i], &src) < 0) child_fail(errfd, s->bind_sources[i]);
        int target = mount_point(rootfd, s->bind_targets[i], S_ISDIR(src.st_mode), ruid, rgid);
        if (target < 0) child_fail(errfd, s->bind_targets[i]);
        int ro = s->bind_readonly && s->bind_readonly[i];
        if (bind_mount(s->bind_sources[i], target, ro, 0, userns_fd) < 0) child_fail(errfd, s->bind_sources[i]);
        close(target);
    }
    for (size_t i = 0; i < s->ntmpfs; i++) {
        int target = mount_point(rootfd, s->tmpfs_targets[i], 1, ruid, rgid);
        if (target < 0) child_fail(errfd, s->tmpfs_targets[i]);
        if (mount_at("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, p->dev_opts) < 0)
            child_fail(errfd, s->tmpfs_targets[i]);
        close(target);
    }
}

/* pid 1 of the new pid namespace: mounts, pivot_root, identity, exec. */
static void sandbox_init(const ko_sandbox_spec *s, const struct prepared *p, int userns_fd, int errfd) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    uid_t ruid = s->idmap_mode == KO_IDMAP_RANGE ? (uid_t)s->subuid_start : 0;
    gid_t rgid = s->idmap_mode == KO_IDMAP_RANGE ? (gid_t)s->subgid_start : 0;
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) child_fail(errfd, "make mounts private");
    if (s->overlay_lower != NULL) {
        if (s->overlay_lower_base != NULL && chdir(s->overlay_lower_base) < 0) child_fail(errfd, s->overlay_lower_base);
        /* nodev: device nodes of an image never open a host device; nosuid: as no_new_privs
           (a container that allows new privileges keeps its setuid programs, which then
           raise privileges only within its user namespace). */
        unsigned long suid = s->allow_new_privs && s->idmap_mode != KO_IDMAP_NONE ? 0 : MS_NOSUID;
        if (mount("overlay", s->rootfs, "overlay", MS_NODEV | suid, p->overlay_opts) < 0)
            child_fail(errfd, "mount overlay");
    } else {
        /* pivot_root needs the new root to be a mount point. */
        if (mount(s->rootfs, s->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0) child_fail(errfd, "bind the root");
        /* Best effort: locked flags of a parent mount (in a user namespace) stay as they are. */
        (void)mount(NULL, s->rootfs, NULL, MS_BIND | MS_REMOUNT | MS_NODEV | MS_NOSUID, NULL);
    }
    int rootfd = open(s->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0) child_fail(errfd, "open the root");
    mount_container(s, p, rootfd, userns_fd, ruid, rgid, errfd);
    if (s->network_none && loopback_up() < 0) child_fail(errfd, "loopback up");
    if (s->hostname && sethostname(s->hostname, strlen(s->hostname)) < 0) child_fail(errfd, "sethostname");

    /* pivot_root and detach the old root: nothing of the host tree stays reachable. */
    if (fchdir(rootfd) < 0) child_fail(errfd, "chdir to the root");
    if (syscall(SYS_pivot_root, ".", ".") < 0) child_fail(errfd, "pivot_root");
    if (umount2(".", MNT_DETACH) < 0) child_fail(errfd, "detach the old root");
    if (chdir("/") < 0) child_fail(errfd, "chdir /");
    close(rootfd);

    if (s->idmap_mode == KO_IDMAP_RANGE) {
        /* Into the range's user namespace: full capabilities there, none over the host. */
        if (setns(userns_fd, CLONE_NEWUSER) < 0) child_fail(errfd, "enter the user namespace");
        close(userns_fd);
        if (setresgid(0, 0, 0) < 0) child_fail(errfd, "setgid 0 in the user namespace");
        if (setresuid(0, 0, 0) < 0) child_fail(errfd, "setuid 0 in the user namespace");
    }
    finish_and_exec(s, p, errfd, 1);
}

/*
 * RANGE: a user namespace with root's range mapped, held open by a descriptor. A child
 * unshares it and waits; the caller (real root) writes its maps and opens its ns file;
 * the child is then released.
 */
static int range_userns(const ko_sandbox_spec *s, int errfd) {
    int hold[2];
    if (pipe2(hold, O_CLOEXEC) < 0) child_fail(errfd, "pipe");
    int ready[2];
    if (pipe2(ready, O_CLOEXEC) < 0) child_fail(errfd, "pipe");
    pid_t holder = fork();
    if (holder < 0) child_fail(errfd, "fork");
    if (holder == 0) {
        close(hold[1]);
        close(ready[0]);
        if (unshare(CLONE_NEWUSER) < 0) _exit(1);
        char c = 'r';
        if (write(ready[1], &c, 1) != 1) _exit(1);
        while (read(hold[0], &c, 1) < 0 && errno == EINTR) {}
        _exit(0);
    }
    close(hold[0]);
    close(ready[1]);
    char c;
    ssize_t n;
    do { n = read(ready[0], &c, 1); } while (n < 0 && errno == EINTR);
    close(ready[0]);
    if (n != 1) child_fail(errfd, "unshare(CLONE_NEWUSER)");
    char path[64], text[96];
    snprintf(path, sizeof path, "/proc/%d/uid_map", (int)holder);
    snprintf(text, sizeof text, "0 %lu %lu\n", s->subuid_start, s->subuid_count);
    if (write_file(path, text) < 0) child_fail(errfd, "write uid_map");
    snprintf(path, sizeof path, "/proc/%d/gid_map", (int)holder);
    snprintf(text, sizeof text, "0 %lu %lu\n", s->subgid_start, s->subgid_count);
    if (write_file(path, text) < 0) child_fail(errfd, "write gid_map");
    snprintf(path, sizeof path, "/proc/%d/ns/user", (int)holder);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) child_fail(errfd, "open the user namespace");
    close(hold[1]);
    wait_status(holder);
    return fd;
}

/*
 * Without a pid namespace nothing ends what the command left running in the background:
 * SIGKILL every process still in its session (its pid is the session id, from setsid),
 * until none is left.
 */
static void kill_session(pid_t sid) {
    for (int round = 0; round < 50; round++) {
        DIR *proc = opendir("/proc");
        if (proc == NULL) return;
        int found = 0;
        struct dirent *e;
        while ((e = readdir(proc)) != NULL) {
            char *end;
            long pid = strtol(e->d_name, &end, 10);
            if (*end != '\0' || pid <= 0) continue;
            char path[64], buf[512];
            snprintf(path, sizeof path, "/proc/%ld/stat", pid);
            int fd = open(path, O_RDONLY | O_CLOEXEC);
            if (fd < 0) continue;
            ssize_t n = read(fd, buf, sizeof buf - 1);
            close(fd);
            if (n <= 0) continue;
            buf[n] = '\0';
            /* Fields after the command name (which may hold spaces): state ppid pgrp session. */
            char *rparen = strrchr(buf, ')');
            if (rparen == NULL) continue;
            char state;
            long ppid, pgrp, session;
            if (sscanf(rparen + 1, " %c %ld %ld %ld", &state, &ppid, &pgrp, &session) != 4) continue;
            if (session == sid && state != 'Z') {
                kill((pid_t)pid, SIGKILL);
                found = 1;
            }
        }
        closedir(proc);
        if (!found) return;
        usleep(10000);
    }
}

static void run_chroot(const ko_sandbox_spec *s, const struct prepared *p, int errfd) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (chroot(s->rootfs) < 0) child_fail(errfd, "chroot");
    if (chdir("/") < 0) child_fail(errfd, "chdir /");
    finish_and_exec(s, p, errfd, 0);
}

int ko_sandbox_run(const ko_sandbox_spec *s, int *status, char *err, size_t errlen) {
    err[0] = '\0';
    struct prepared *p = calloc(1, sizeof *p);
    if (p == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (prepare(s, p, err, errlen) < 0) {
        release(p);
        return -1;
    }
    int ready[2], go[2], errp[2];
    if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        release(p);
        return -1;
    }
    if (s->isolation == KO_ISOLATION_CHROOT) {
        close(ready[0]); close(ready[1]); close(go[0]); close(go[1]);
        pid_t child = fork();
        if (child < 0) {
            snprintf(err, errlen, "fork: %s", strerror(errno));
            close(errp[0]); close(errp[1]);
            release(p);
            return -1;
        }
        if (child == 0) {
            close(errp[0]);
            run_chroot(s, p, errp[1]);
        }
        close(errp[1]);
        read_error(errp[0], err, errlen);
        close(errp[0]);
        int code = wait_status(child);
        kill_session(child);
        release(p);
        if (err[0] != '\0') return -1;
        *status = code;
        return 0;
    }
    struct ko_owner_supervisor supervisor = {.sock = -1, .started = 0};
    if (s->record_owners) {
        supervisor.uid = s->uid;
        supervisor.gid = s->gid;
        supervisor.ngroups = s->ngroups > 32 ? 32 : (int)s->ngroups;
        for (int i = 0; i < supervisor.ngroups; i++) supervisor.groups[i] = s->groups[i];
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0 ||
            ko_owner_supervisor_start(&supervisor, sv[0]) < 0) {
            snprintf(err, errlen, "recorded owners: %s", strerror(errno));
            release(p);
            return -1;
        }
        p->notify_child = sv[1];
    }
    pid_t child = fork();
    if (child < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        ko_owner_supervisor_stop(&supervisor);
        release(p);
        return -1;
    }
    if (child > 0 && p->notify_child >= 0) {
        /* Only the child holds its end: the supervisor sees EOF if it dies early. */
        close(p->notify_child);
        p->notify_child = -1;
    }
    if (child == 0) {
        /* The relay: namespaces, maps, then pid 1 of the new pid namespace. */
        close(ready[0]);
        close(go[1]);
        close(errp[0]);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int userns_fd = -1;
        if (s->idmap_mode == KO_IDMAP_RANGE) userns_fd = range_userns(s, errp[1]);
        int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC;
        if (s->network_none) flags |= CLONE_NEWNET;
        if (s->idmap_mode == KO_IDMAP_SINGLE || s->idmap_mode == KO_IDMAP_SUBID) flags |= CLONE_NEWUSER;
        if (unshare(flags) < 0) child_fail(errp[1], "unshare");
        char c = 'r';
        if (write(ready[1], &c, 1) != 1) child_fail(errp[1], "sync");
        if (read(go[0], &c, 1) != 1) _exit(127); /* the parent reported the failure */
        if (flags & CLONE_NEWUSER) {
            if (s->idmap_mode == KO_IDMAP_SUBID && setgroups(0, NULL) < 0) child_fail(errp[1], "setgroups");
            if (setresgid(0, 0, 0) < 0) child_fail(errp[1], "setgid 0 in the user namespace");
            if (setresuid(0, 0, 0) < 0) child_fail(errp[1], "setuid 0 in the user namespace");
        }
        pid_t init = fork();
        if (init < 0) child_fail(errp[1], "fork");
        if (init == 0) sandbox_init(s, p, userns_fd, errp[1]);
        close(errp[1]);
        if (userns_fd >= 0) close(userns_fd);
        _exit(wait_status(init));
    }
    int mode = s->idmap_mode == KO_IDMAP_RANGE ? KO_IDMAP_NONE : s->idmap_mode;
    struct map_request m = {mode, s->host_uid, s->host_gid, s->subuid_start, s->subuid_count,
                            s->subgid_start, s->subgid_count, s->newuidmap, s->newgidmap};
    int rc = parent_handshake(child, ready, go, errp, &m, status, err, errlen);
    ko_owner_supervisor_stop(&supervisor);
    release(p);
    return rc;
}

/* ------------------------------------------------------------------ probes */

static int probe(int what, char *err, size_t errlen) {
    int errp[2];
    if (pipe2(errp, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return 0;
    }
    pid_t child = fork();
    if (child < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        close(errp[0]); close(errp[1]);
        return 0;
    }
    if (child == 0) {
        close(errp[0]);
        if (what == 0) {
            if (unshare(CLONE_NEWNS) < 0) child_fail(errp[1], "unshare(CLONE_NEWNS)");
            if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) child_fail(errp[1], "mount");
            if (mount("tmpfs", "/tmp", "tmpfs", 0, "size=4k") < 0) child_fail(errp[1], "mount tmpfs");
        } else {
            if (unshare(CLONE_NEWUSER) < 0) child_fail(errp[1], "unshare(CLONE_NEWUSER)");
        }
        _exit(0);
    }
    close(errp[1]);
    err[0] = '\0';
    read_error(errp[0], err, errlen);
    close(errp[0]);
    int code = wait_status(child);
    return code == 0 && err[0] == '\0';
}

int ko_sandbox_probe_mount(char *err, size_t errlen) { return probe(0, err, errlen); }
int ko_sandbox_probe_userns(char *err, size_t errlen) { return probe(1, err, errlen); }

/* ------------------------------------------------------------------ re-exec into a user namespace */

int ko_userns_reexec(const char *exe, const char *const *argv, const char *const *envp, int mode, uid_t uid, gid_t gid,
                     unsigned long subuid_start, unsigned long subuid_count, unsigned long subgid_start,
                     unsigned long subgid_count, const char *newuidmap, const char *newgidmap, int *status,
                     char *err, size_t errlen) {
    int ready[2], go[2], errp[2];
    if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return -1;
    }
    pid_t child = fork();
    if (child < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        return -1;
    }
    if (child == 0) {
        close(ready[0]);
        close(go[1]);
        close(errp[0]);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) child_fail(errp[1], "unshare(CLONE_NEWUSER)");
        char c = 'r';
        if (write(ready[1], &c, 1) != 1) child_fail(errp[1], "sync");
        if (read(go[0], &c, 1) != 1) _exit(127);
        if (mode == KO_IDMAP_SUBID && setgroups(0, NULL) < 0) child_fail(errp[1], "setgroups");
        if (setresgid(0, 0, 0) < 0) child_fail(errp[1], "setgid 0 in the user namespace");
        if (setresuid(0, 0, 0) < 0) child_fail(errp[1], "setuid 0 in the user namespace");
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) child_fail(errp[1], "make mounts private");
        execve(exe, (char *const *)argv, (char *const *)envp);
        child_fail(errp[1], exe);
    }
    struct map_request m = {mode, uid, gid, subuid_start, subuid_count, subgid_start, subgid_count, newuidmap,
                            newgidmap};
    return parent_handshake(child, ready, go, errp, &m, status, err, errlen);
}
