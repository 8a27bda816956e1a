/*
 * The RUN sandbox: a C child path from fork to exec, because a multithreaded Swift
 * process may not run Swift code between fork and exec, and the kernel refuses
 * unshare(CLONE_NEWUSER) in a multithreaded process. Everything that allocates
 * (paths, the seccomp program) is prepared by the parent before fork.
 *
 * Namespace isolation (the default), in the order container runtimes use:
 *
 *   parent ── fork ──► relay: [unshare(USER), maps by the parent]  (SINGLE, SUBID)
 *                             [user namespace holder: fork, unshare(USER),
 *                              relay writes the range maps]          (RANGE)
 *                             unshare(NS|PID|UTS|IPC[|NET])
 *                             fork ──► init (pid 1 of the new pid namespace):
 *     mounts private; overlay (nodev, nosuid) or the rootfs bound on itself; proc with
 *     masked and read-only paths; /dev tmpfs with host nodes bound in, devpts, shm;
 *     /sys bound read-only all the way down; resolv.conf, hosts and -v/--mount binds
 *     (idmapped for RANGE) — every mount point resolved inside the root with
 *     openat2(RESOLVE_IN_ROOT) and mounted through its /proc/self/fd path;
 *     loopback up (network none); hostname; pivot_root + detach the old root;
 *     [setns into the range's user namespace]                          (RANGE)
 *     setsid; stdio; every other descriptor close-on-exec; chdir + check the cwd is
 *     inside the root; bounding set cut to Docker's default capabilities; groups,
 *     gid, uid; no_new_privs; seccomp filter; execve.
 *
 * Chroot isolation (no mount privilege, no user namespaces: a Docker-default CI
 * container): fork ──► setsid; chroot; chdir + check; stdio; close-on-exec; bounding set
 * without CAP_SYS_CHROOT; groups, gid, uid; no_new_privs; seccomp filter that also
 * refuses chroot, ptrace and signals to the builder; execve.
 *
 * Setup failures in the child are reported through a close-on-exec pipe as text
 * ("step: strerror"), so the caller gets an error instead of an exit code.
 */
#ifndef KO_SANDBOX_H
#define KO_SANDBOX_H

#include <stddef.h>
#include <sys/types.h>

/* How container ids map to host ids. */
enum ko_idmap_mode {
    /* No user namespace: real root (mount/pid namespaces and chroot only). */
    KO_IDMAP_NONE = 0,
    /* A user namespace mapping container 0 to the caller's uid/gid only. */
    KO_IDMAP_SINGLE = 1,
    /* 0 → caller, 1..count → subordinate range, written by newuidmap/newgidmap. */
    KO_IDMAP_SUBID = 2,
    /* Already inside a prepared user namespace as its root: like NONE. */
    KO_IDMAP_INHERITED = 3,
    /* Real root: the command runs in its own user namespace mapping container ids
       0…count-1 to the host range subuid_start… / subgid_start… (root's own range),
       entered after the mounts, so uid 0 inside is never uid 0 outside. */
    KO_IDMAP_RANGE = 4,
};

/* How the command is isolated. */
enum ko_isolation {
    /* Mount, pid, uts, ipc (and net) namespaces, pivot_root. */
    KO_ISOLATION_NAMESPACES = 0,
    /* chroot(2) into a plain directory only: no mounts, no namespaces. */
    KO_ISOLATION_CHROOT = 1,
};

typedef struct {
    /* Directory that becomes "/" (the overlay mount point when overlay_lower is set). */
    const char *rootfs;
    /* NULL-terminated argv and envp; argv[0] is searched in PATH from envp if it has no '/'. */
    const char *const *argv;
    const char *const *envp;
    /* Working directory inside the container (must exist). */
    const char *cwd;
    /* Container user, group and supplementary groups. */
    uid_t uid;
    gid_t gid;
    const gid_t *groups;
    size_t ngroups;
    const char *hostname;

    int idmap_mode;               /* enum ko_idmap_mode */
    uid_t host_uid;               /* the caller's ids (SINGLE and SUBID) */
    gid_t host_gid;
    unsigned long subuid_start;   /* SUBID: first subordinate uid/gid and count */
    unsigned long subuid_count;
    unsigned long subgid_start;
    unsigned long subgid_count;
    const char *newuidmap;        /* paths of the setuid helpers (SUBID) */
    const char *newgidmap;

    /* Overlay: colon-separated lower dirs (top first), upper and work dirs; NULL for none. */
    const char *overlay_lower;
    const char *overlay_upper;
    const char *overlay_work;
    int overlay_userxattr;        /* pass "userxattr" (required inside a user namespace) */
    /* Directory the lower paths are relative to (keeps long layer stacks under the
       one-page limit of mount options); NULL when they are absolute. */
    const char *overlay_lower_base;

    /* Host files bound onto /etc/resolv.conf and /etc/hosts when those exist in the rootfs. */
    const char *resolv_conf;
    const char *hosts;

    /* Extra bind mounts (`kolla-oci run -v`): host sources onto container paths (created
       as mount points when missing), read-only where bind_readonly[i] is non-zero. */
    const char *const *bind_sources;
    const char *const *bind_targets;
    const int *bind_readonly;
    size_t nbinds;

    /* Empty tmpfs mounts at these container paths. */
    const char *const *tmpfs_targets;
    size_t ntmpfs;

    /* Descriptors for the command's stdin/stdout/stderr (-1: /dev/null). */
    int stdin_fd;
    int stdout_fd;
    int stderr_fd;

    int isolation;                /* enum ko_isolation */
    int network_none;             /* own network namespace with only loopback up */
    int terminal;                 /* make stdin the controlling terminal (run -t) */
    /* Leave no_new_privs unset, as Docker does by default, so setuid programs work (kolla's
       kolla_start runs `sudo kolla_set_configs` as the service's user): the seccomp filter
       is then loaded while the user namespace's root still holds CAP_SYS_ADMIN, before the
       user and groups change. `kolla-oci run` only; RUN steps always set no_new_privs.
       Ignored by the chroot rung (no user namespace: uid 0 there is the host's). */
    int allow_new_privs;
    /* Single-id user namespace: chown calls are answered by a supervisor thread of the
       caller (seccomp user notification), which records the owner in the xattr
       "user.kolla-oci.owner" ("uid:gid") instead of failing, as fakeroot does. */
    int record_owners;
    /* Writes need no durability (build steps): the overlay is mounted "volatile", and on
       the chroot rung fsync, fdatasync, sync_file_range, syncfs and sync return 0 without
       syncing (seccomp). */
    int skip_sync;
    /* CHROOT: the builder's pid and process group, which the command may not signal. */
    pid_t protect_pid;
    pid_t protect_pgid;
} ko_sandbox_spec;

/*
 * Runs the command described by `spec` and waits for it. Returns 0 and stores the
 * exit status (0–255; 128+N when killed by signal N) in *status when the command ran,
 * or -1 with a message in `err` (at most errlen bytes) when the sandbox could not be
 * set up. Blocking; call from a thread that may block.
 */
int ko_sandbox_run(const ko_sandbox_spec *spec, int *status, char *err, size_t errlen);

/*
 * Probes what this process may do, each in a short-lived child: 1 when a new mount
 * namespace can be made and a tmpfs mounted in it (CAP_SYS_ADMIN in the current user
 * namespace, not refused by seccomp), 0 when not, with the failing step in `err`.
 */
int ko_sandbox_probe_mount(char *err, size_t errlen);

/* 1 when a new user namespace can be created here (probe in a child), else 0 with `err`. */
int ko_sandbox_probe_userns(char *err, size_t errlen);

/*
 * Re-executes the running program inside a new user namespace with the given id maps
 * (SINGLE or SUBID), mount namespace included, as the namespace's root: forks, the child
 * unshares and waits for the parent to write the maps, then execv(exe, argv) with
 * KOLLA_OCI_USERNS=1 in the environment. The parent waits and returns the child's exit
 * status in *status (0 on success), or -1 with `err` set if the namespace could not be
 * created. Used to run a whole rootless build as "root" of its own namespace, the way
 * `buildah unshare` does.
 */
int ko_userns_reexec(const char *exe, const char *const *argv, const char *const *envp, int idmap_mode,
                     uid_t host_uid, gid_t host_gid, unsigned long subuid_start, unsigned long subuid_count,
                     unsigned long subgid_start, unsigned long subgid_count, const char *newuidmap,
                     const char *newgidmap, int *status, char *err, size_t errlen);

#endif /* KO_SANDBOX_H */
