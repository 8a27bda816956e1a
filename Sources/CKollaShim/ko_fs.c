#define _GNU_SOURCE
#include "ko_fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

int ko_fs_o_path(void)
{
    return O_PATH;
}

int ko_fs_open_root(const char *path)
{
    return open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

int ko_fs_open_in_root(int rootfd, const char *path, int flags, mode_t mode)
{
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (uint64_t)(flags | O_CLOEXEC);
    /* openat2 rejects a mode unless O_CREAT or O_TMPFILE is given. */
    if (flags & (O_CREAT | __O_TMPFILE))
        how.mode = mode;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    const char *p = (path == NULL || path[0] == '\0') ? "." : path;
    long fd;
    do {
        fd = syscall(SYS_openat2, rootfd, p, &how, sizeof how);
        /* EAGAIN: a concurrent rename raced the lookup; the kernel asks for a retry. */
    } while (fd < 0 && errno == EAGAIN);
    return (int)fd;
}

int ko_fs_lstat_beneath(const char *root, const char *path, struct stat *st)
{
    int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return -1;
    struct open_how how;
    memset(&how, 0, sizeof how);
    /* O_PATH|O_NOFOLLOW: a final symlink is opened itself, as lstat(2) would see it. */
    how.flags = (uint64_t)(O_PATH | O_NOFOLLOW | O_CLOEXEC);
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS;
    const char *p = (path == NULL || path[0] == '\0') ? "." : path;
    long fd;
    do {
        fd = syscall(SYS_openat2, rootfd, p, &how, sizeof how);
    } while (fd < 0 && errno == EAGAIN);
    int saved = errno;
    close(rootfd);
    if (fd < 0) {
        errno = saved;
        return -1;
    }
    int result = fstat((int)fd, st);
    saved = errno;
    close((int)fd);
    errno = saved;
    return result;
}

int ko_fs_mkdir_all_in_root(int rootfd, const char *path, mode_t mode)
{
    int fd = ko_fs_open_in_root(rootfd, path, O_PATH | O_DIRECTORY, 0);
    if (fd >= 0 || errno != ENOENT)
        return fd;

    /* Walk the components: open each prefix inside the root, create what is missing. */
    size_t length = strlen(path);
    char *prefix = malloc(length + 1);
    if (prefix == NULL)
        return -1;
    int parent = ko_fs_open_in_root(rootfd, ".", O_PATH | O_DIRECTORY, 0);
    size_t start = 0;
    while (parent >= 0 && start < length) {
        size_t end = start;
        while (end < length && path[end] != '/')
            end++;
        if (end == start) { /* empty component ("a//b") */
            start = end + 1;
            continue;
        }
        memcpy(prefix, path, end);
        prefix[end] = '\0';
        int next = ko_fs_open_in_root(rootfd, prefix, O_PATH | O_DIRECTORY, 0);
        if (next < 0 && errno == ENOENT) {
            char component[NAME_MAX + 1];
            size_t n = end - start;
            if (n > NAME_MAX) {
                errno = ENAMETOOLONG;
                break;
            }
            memcpy(component, path + start, n);
            component[n] = '\0';
            /* The name is one component resolved against `parent`, itself inside the root. */
            if (mkdirat(parent, component, mode) < 0 && errno != EEXIST)
                break;
            next = ko_fs_open_in_root(rootfd, prefix, O_PATH | O_DIRECTORY, 0);
        }
        if (next < 0)
            break;
        close(parent);
        parent = next;
        start = end + 1;
    }
    int saved = errno;
    free(prefix);
    if (parent >= 0 && start >= length)
        return parent;
    if (parent >= 0)
        close(parent);
    errno = saved;
    return -1;
}

/* Removes every entry of the open directory `fd` (consumed). */
static int remove_children(int fd)
{
    DIR *dir = fdopendir(fd);
    if (dir == NULL) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    int result = 0;
    struct dirent *entry;
    errno = 0;
    while ((entry = readdir(dir)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        if (ko_fs_remove_all_at(dirfd(dir), entry->d_name) < 0) {
            result = -1;
            break;
        }
        errno = 0;
    }
    if (result == 0 && errno != 0)
        result = -1;
    int saved = errno;
    closedir(dir);
    errno = saved;
    return result;
}

int ko_fs_remove_all_at(int dirfd, const char *name)
{
    struct stat info;
    if (fstatat(dirfd, name, &info, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(info.st_mode)) {
        if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
            return -1;
        return 0;
    }
    if ((info.st_mode & S_IRWXU) != S_IRWXU)
        (void)fchmodat(dirfd, name, (info.st_mode & 07777) | S_IRWXU, 0);
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (remove_children(fd) < 0)
        return -1;
    if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
        return -1;
    return 0;
}

int ko_fs_mknodat(int dirfd, const char *name, mode_t mode, unsigned int major, unsigned int minor)
{
    return mknodat(dirfd, name, mode, makedev(major, minor));
}

unsigned int ko_fs_major(dev_t dev)
{
    return major(dev);
}

unsigned int ko_fs_minor(dev_t dev)
{
    return minor(dev);
}

/* "/proc/self/fd/<dirfd>/<name>" in `buffer`, or -1 with ENAMETOOLONG. */
static int proc_path(char *buffer, size_t size, int dirfd, const char *name)
{
    int n = snprintf(buffer, size, "/proc/self/fd/%d/%s", dirfd, name);
    if (n < 0 || (size_t)n >= size) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

ssize_t ko_fs_llistxattrat(int dirfd, const char *name, char *list, size_t size)
{
    char path[PATH_MAX];
    if (proc_path(path, sizeof path, dirfd, name) < 0)
        return -1;
    return llistxattr(path, list, size);
}

ssize_t ko_fs_lgetxattrat(int dirfd, const char *name, const char *attr, void *value, size_t size)
{
    char path[PATH_MAX];
    if (proc_path(path, sizeof path, dirfd, name) < 0)
        return -1;
    return lgetxattr(path, attr, value, size);
}

int ko_fs_flock(int fd, int exclusive, int wait)
{
    int operation = (exclusive ? LOCK_EX : LOCK_SH) | (wait ? 0 : LOCK_NB);
    int result;
    do {
        result = flock(fd, operation);
    } while (result < 0 && errno == EINTR);
    return result;
}
