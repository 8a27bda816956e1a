/*
 * Parallel gzip (pigz-style) for layer blobs: the input is cut into fixed 128 KiB
 * blocks, each block is deflated on a worker thread with the previous block's last
 * 32 KiB as its dictionary and ends on a byte boundary (a sync flush; the last one
 * finishes the stream), and the compressed blocks are emitted in order. The result is
 * ONE ordinary gzip member (header, one deflate stream, CRC-32, size) that every gzip
 * reader accepts. The bytes depend only on the input and the level, never on the number
 * of threads, the caller's write sizes or timing: same input, same blob digest.
 */
#ifndef KO_GZIP_H
#define KO_GZIP_H

#include <stddef.h>

typedef struct ko_gzip ko_gzip;

/* Receives compressed bytes, in order, on the thread that called write/finish.
   Returns 0, or non-zero to stop (the call then fails with KO_GZIP_SINK_STOPPED). */
typedef int (*ko_gzip_sink)(void *context, const void *bytes, size_t length);

enum { KO_GZIP_SINK_STOPPED = -2 };

/* A compressor at `level` (1–9; 0 or out of range means 6) with `threads` workers
   (at least 1). NULL with `err` set when memory or threads cannot be had. */
ko_gzip *ko_gzip_new(int level, int threads, ko_gzip_sink sink, void *context, char *err, size_t errlen);

/* Adds input. Returns 0, KO_GZIP_SINK_STOPPED, or -1 with `err` set. */
int ko_gzip_write(ko_gzip *z, const void *bytes, size_t length, char *err, size_t errlen);

/* Compresses what is left and writes the trailer. Returns like ko_gzip_write. */
int ko_gzip_finish(ko_gzip *z, char *err, size_t errlen);

/* Stops the workers and frees everything (also after a failure or without finish). */
void ko_gzip_free(ko_gzip *z);

#endif /* KO_GZIP_H */
