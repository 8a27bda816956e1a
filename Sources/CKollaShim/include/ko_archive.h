/*
 * libarchive for Swift.
 *
 * archive.h and archive_entry.h import as they are; the only thing Swift
 * cannot call is the variadic archive_set_error(), which custom read/write
 * callbacks need in order to report why they failed.
 */
#ifndef KO_ARCHIVE_H
#define KO_ARCHIVE_H

#include <archive.h>
#include <archive_entry.h>

/*
 * Records `message` (copied verbatim, never used as a format string) and
 * `error_number` (an errno value, or -1 / ARCHIVE_ERRNO_MISC) as the current
 * error of `a`, as archive_set_error(a, error_number, "%s", message) does.
 * Afterwards archive_errno(a) and archive_error_string(a) report them.
 */
void ko_archive_set_error_msg(struct archive *a, int error_number, const char *message);

#endif /* KO_ARCHIVE_H */
