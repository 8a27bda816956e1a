/*
 * Recorded owners for the single-id rung (private to the shim): a supervisor thread
 * that answers the chown calls a RUN command makes under a seccomp filter with
 * SECCOMP_RET_USER_NOTIF. In a user namespace that maps only the caller's own id, chown
 * to any other id fails with EINVAL; the supervisor instead records the owner in the
 * xattr "user.kolla-oci.owner" ("uid:gid") of the file, and the layer writer puts it into
 * the tar header, as fakeroot keeps owners in its database.
 */
#ifndef KO_OWNERS_H
#define KO_OWNERS_H

#include <pthread.h>

struct ko_owner_supervisor {
    int sock;            /* receives the seccomp listener (SCM_RIGHTS) */
    /* The identity the command starts with (the image's USER): emulated, not set. */
    unsigned int uid, gid;
    int ngroups;
    unsigned int groups[32];
    volatile int stop;   /* set once the command and everything it started is gone */
    pthread_t thread;
    int started;
};

/* Starts the thread on `sock` (owned by the supervisor from now on); 0, or -1 with errno.
   `sv`'s uid, gid and groups must be set first. */
int ko_owner_supervisor_start(struct ko_owner_supervisor *sv, int sock);

/* Stops the thread and waits for it. */
void ko_owner_supervisor_stop(struct ko_owner_supervisor *sv);

#endif /* KO_OWNERS_H */
