/*
 * The RUN sandbox: a C child path from fork to exec, because a multithreaded Swift
 * process may not run Swift code between fork and exec, and the kernel refuses
 * unshare(CLONE_NEWUSER) in a multithreaded process.
 *
 *   parent ── fork ──► child: [unshare(USER)] + unshare(NS|PID|UTS|IPC)
 *                              "ready" ──► parent writes the id maps
 *                              (single id itself, full range via newuidmap/newgidmap)
 *                      ◄── "go"
 *                      setresuid/gid(0) in the namespace, fork ──► init (pid 1):
 *                              make mounts private; overlay (lower/upper/work) at
 *                              ROOT; proc; /dev as tmpfs with host nodes bound in;
 *                              /sys read-only; resolv.conf and hosts bound;
 *                              sethostname; chroot; chdir; groups/gid/uid; exec
 *                      relays the exit status of init
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

    /* Descriptors for the command's stdin/stdout/stderr (-1: /dev/null). */
    int stdin_fd;
    int stdout_fd;
    int stderr_fd;
} ko_sandbox_spec;

/*
 * Runs the command described by `spec` and waits for it. Returns 0 and stores the
 * exit status (0–255; 128+N when killed by signal N) in *status when the command ran,
 * or -1 with a message in `err` (at most errlen bytes) when the sandbox could not be
 * set up. Blocking; call from a thread that may block.
 */
int ko_sandbox_run(const ko_sandbox_spec *spec, int *status, char *err, size_t errlen);

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
