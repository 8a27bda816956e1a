/*
 * File-system calls for Swift that the Glibc overlay lacks or cannot express:
 * openat2(2) with RESOLVE_IN_ROOT (no libc wrapper; syscall() is variadic),
 * O_PATH (a _GNU_SOURCE constant), makedev/major/minor (macros), and a few
 * compound operations that must stay confined to one directory tree.
 *
 * Every function returns -1 (or NULL) with errno set on failure, never exits,
 * and never follows a symbolic link out of the tree it was given: paths are
 * resolved with RESOLVE_IN_ROOT, so ".." and absolute symlink targets stop at
 * the root, as they would after chroot(2) (umoci's SecureJoin, CVE-2021-29136).
 */
#ifndef KO_FS_H
#define KO_FS_H

#include <stdint.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/xattr.h>

/* Opens `path` as an O_PATH|O_DIRECTORY descriptor: the root of a confined tree. */
int ko_fs_open_root(const char *path);

/*
 * openat2(rootfd, path, flags | O_CLOEXEC, mode) with RESOLVE_IN_ROOT and
 * RESOLVE_NO_MAGICLINKS: every symlink and ".." met while resolving `path`
 * stays inside the tree of `rootfd`. `path` "" or "." opens the root itself.
 * `flags` may include O_PATH (pass KO_O_PATH from ko_fs_o_path()).
 */
int ko_fs_open_in_root(int rootfd, const char *path, int flags, mode_t mode);

/*
 * lstat(2) of `path` below directory `root` without following any symlink on the
 * way (openat2 with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS): a symlink before the
 * last component fails with ELOOP, a non-directory with ENOTDIR. A final symlink
 * is reported itself.
 */
int ko_fs_lstat_beneath(const char *root, const char *path, struct stat *st);

/* The value of O_PATH, which Swift's Glibc module does not export. */
int ko_fs_o_path(void);

/*
 * Returns an O_PATH|O_DIRECTORY descriptor of directory `path` inside the
 * tree of `rootfd`, creating each missing component with mkdirat(`mode`)
 * inside the directory its parent resolved to. A component that exists but
 * is not a directory (or a dangling symlink) fails with ENOTDIR / EEXIST.
 */
int ko_fs_mkdir_all_in_root(int rootfd, const char *path, mode_t mode);

/*
 * Removes the entry `name` of directory `dirfd` and, if it is a directory,
 * everything below it; never follows symlinks (they are removed as links).
 * Directories without owner rwx are made accessible first. A missing entry
 * is not an error.
 */
int ko_fs_remove_all_at(int dirfd, const char *name);

/* mknodat(dirfd, name, mode, makedev(major, minor)). */
int ko_fs_mknodat(int dirfd, const char *name, mode_t mode, unsigned int major, unsigned int minor);

/* major(dev) and minor(dev). */
unsigned int ko_fs_major(dev_t dev);
unsigned int ko_fs_minor(dev_t dev);

/*
 * lgetxattr/llistxattr/lsetxattr relative to a directory descriptor: the
 * entry `name` of `dirfd` (a single component, never followed if it is a
 * symlink), reached through /proc/self/fd so no path is re-resolved.
 */
ssize_t ko_fs_llistxattrat(int dirfd, const char *name, char *list, size_t size);
ssize_t ko_fs_lgetxattrat(int dirfd, const char *name, const char *attr, void *value, size_t size);

/*
 * Sets the descriptor `fd`'s advisory lock: `exclusive` (LOCK_EX) or shared
 * (LOCK_SH), waiting when `wait` is non-zero, else failing with EWOULDBLOCK.
 */
int ko_fs_flock(int fd, int exclusive, int wait);

#endif /* KO_FS_H */
