#include "ko_archive.h"

void ko_archive_set_error_msg(struct archive *a, int error_number, const char *message)
{
    /* "%s" so that a '%' in the message is never read as a conversion. */
    archive_set_error(a, error_number, "%s", message);
}
