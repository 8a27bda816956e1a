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
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <grp.h>

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

struct prepared {
    char overlay_opts[KO_PATHLEN * 2];
    char proc[KO_PATHLEN], dev[KO_PATHLEN], sys[KO_PATHLEN], pts[KO_PATHLEN], shm[KO_PATHLEN];
    char resolv[KO_PATHLEN], hosts[KO_PATHLEN];
    char nodes[6][KO_PATHLEN];
    char links[5][KO_PATHLEN];
};

static const char *const dev_nodes[6] = {"null", "zero", "full", "random", "urandom", "tty"};
static const char *const dev_links[5][2] = {
    {"fd", "/proc/self/fd"}, {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"},
    {"stderr", "/proc/self/fd/2"}, {"ptmx", "pts/ptmx"}};

static int prepare(const ko_sandbox_spec *s, struct prepared *p) {
    const char *r = s->rootfs;
#define KO_JOIN(dst, suffix) (snprintf((dst), sizeof(dst), "%s%s", r, (suffix)) >= (int)sizeof(dst))
    if (KO_JOIN(p->proc, "/proc") || KO_JOIN(p->dev, "/dev") || KO_JOIN(p->sys, "/sys") ||
        KO_JOIN(p->pts, "/dev/pts") || KO_JOIN(p->shm, "/dev/shm") || KO_JOIN(p->resolv, "/etc/resolv.conf") ||
        KO_JOIN(p->hosts, "/etc/hosts"))
        return -1;
#undef KO_JOIN
    for (int i = 0; i < 6; i++)
        if (snprintf(p->nodes[i], KO_PATHLEN, "%s/dev/%s", r, dev_nodes[i]) >= KO_PATHLEN) return -1;
    for (int i = 0; i < 5; i++)
        if (snprintf(p->links[i], KO_PATHLEN, "%s/dev/%s", r, dev_links[i][0]) >= KO_PATHLEN) return -1;
    p->overlay_opts[0] = '\0';
    if (s->overlay_lower != NULL) {
        int n = snprintf(p->overlay_opts, sizeof p->overlay_opts, "lowerdir=%s,upperdir=%s,workdir=%s%s",
                         s->overlay_lower, s->overlay_upper, s->overlay_work, s->overlay_userxattr ? ",userxattr" : "");
        if (n >= (int)sizeof p->overlay_opts) return -1;
    }
    return 0;
}

static void ensure_dir(const char *path) {
    struct stat st;
    if (lstat(path, &st) != 0) mkdir(path, 0755);
}

/* pid 1 of the new pid namespace: mounts, chroot, identity, exec. */
static void sandbox_init(const ko_sandbox_spec *s, const struct prepared *p, int errfd) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) child_fail(errfd, "make mounts private");
    if (s->overlay_lower != NULL) {
        if (s->overlay_lower_base != NULL && chdir(s->overlay_lower_base) < 0) child_fail(errfd, s->overlay_lower_base);
        if (mount("overlay", s->rootfs, "overlay", 0, p->overlay_opts) < 0) child_fail(errfd, "mount overlay");
    }
    ensure_dir(p->proc);
    if (mount("proc", p->proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) child_fail(errfd, "mount /proc");
    ensure_dir(p->dev);
    if (mount("tmpfs", p->dev, "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k") < 0)
        child_fail(errfd, "mount /dev");
    for (int i = 0; i < 6; i++) {
        char host[32];
        snprintf(host, sizeof host, "/dev/%s", dev_nodes[i]);
        int fd = open(p->nodes[i], O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
        if (fd >= 0) close(fd);
        if (mount(host, p->nodes[i], NULL, MS_BIND, NULL) < 0 && i < 5) child_fail(errfd, host);
    }
    mkdir(p->pts, 0755);
    mkdir(p->shm, 01777);
    /* devpts and shm are best effort: some hosts refuse them in a user namespace. */
    mount("devpts", p->pts, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620");
    mount("shm", p->shm, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k");
    for (int i = 0; i < 5; i++) {
        if (symlink(dev_links[i][1], p->links[i]) < 0) { /* best effort */ }
    }
    struct stat st;
    if (lstat(p->sys, &st) == 0 && S_ISDIR(st.st_mode)) {
        if (mount("/sys", p->sys, NULL, MS_BIND | MS_REC, NULL) == 0)
            mount(NULL, p->sys, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC, NULL);
    }
    if (s->resolv_conf && lstat(p->resolv, &st) == 0 && S_ISREG(st.st_mode)) {
        if (mount(s->resolv_conf, p->resolv, NULL, MS_BIND, NULL) < 0) child_fail(errfd, "bind /etc/resolv.conf");
    }
    if (s->hosts && lstat(p->hosts, &st) == 0 && S_ISREG(st.st_mode)) {
        if (mount(s->hosts, p->hosts, NULL, MS_BIND, NULL) < 0) child_fail(errfd, "bind /etc/hosts");
    }
    if (s->hostname && sethostname(s->hostname, strlen(s->hostname)) < 0) child_fail(errfd, "sethostname");
    if (chroot(s->rootfs) < 0) child_fail(errfd, "chroot");
    if (chdir(s->cwd ? s->cwd : "/") < 0) child_fail(errfd, s->cwd ? s->cwd : "/");
    if (s->idmap_mode != KO_IDMAP_SINGLE) {
        if (setgroups(s->ngroups, s->groups) < 0) child_fail(errfd, "setgroups");
    }
    if (setresgid(s->gid, s->gid, s->gid) < 0) child_fail(errfd, "setgid (is the group mapped?)");
    if (setresuid(s->uid, s->uid, s->uid) < 0) child_fail(errfd, "setuid (is the user mapped?)");
    int nullfd = -1;
    if (s->stdin_fd < 0 || s->stdout_fd < 0 || s->stderr_fd < 0) nullfd = open("/dev/null", O_RDWR);
    if (dup2(s->stdin_fd >= 0 ? s->stdin_fd : nullfd, 0) < 0) child_fail(errfd, "stdin");
    if (dup2(s->stdout_fd >= 0 ? s->stdout_fd : nullfd, 1) < 0) child_fail(errfd, "stdout");
    if (dup2(s->stderr_fd >= 0 ? s->stderr_fd : nullfd, 2) < 0) child_fail(errfd, "stderr");
    exec_in_path(s->argv, s->envp, errfd);
}

int ko_sandbox_run(const ko_sandbox_spec *s, int *status, char *err, size_t errlen) {
    /* Prepared on the heap before fork: the children only read it. */
    struct prepared *p = malloc(sizeof *p);
    if (p == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (prepare(s, p) < 0) {
        free(p);
        snprintf(err, errlen, "sandbox paths are too long");
        return -1;
    }
    int ready[2], go[2], errp[2];
    if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        free(p);
        return -1;
    }
    pid_t child = fork();
    if (child < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        free(p);
        return -1;
    }
    if (child == 0) {
        /* The relay: new namespaces, maps, then pid 1 of the new pid namespace. */
        close(ready[0]);
        close(go[1]);
        close(errp[0]);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC;
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
        if (init == 0) sandbox_init(s, p, errp[1]);
        close(errp[1]);
        _exit(wait_status(init));
    }
    struct map_request m = {s->idmap_mode, s->host_uid, s->host_gid, s->subuid_start, s->subuid_count,
                            s->subgid_start, s->subgid_count, s->newuidmap, s->newgidmap};
    int rc = parent_handshake(child, ready, go, errp, &m, status, err, errlen);
    free(p);
    return rc;
}

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
