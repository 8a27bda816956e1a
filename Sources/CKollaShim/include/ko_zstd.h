/*
 * libzstd for Swift: the streaming compression API (ZSTD_createCCtx,
 * ZSTD_CCtx_setParameter, ZSTD_compressStream2, ZSTD_isError, ZSTD_getErrorName)
 * imports as it is. The layer writer uses it directly rather than through
 * libarchive's zstd filter, which in libarchive 3.6 cannot start zstd's worker
 * threads (`zstd -T0` parity needs them).
 */
#ifndef KO_ZSTD_H
#define KO_ZSTD_H

#include <zstd.h>
#include <zstd_errors.h>

#endif /* KO_ZSTD_H */
