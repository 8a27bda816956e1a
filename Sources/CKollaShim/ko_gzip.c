/*
 * Parallel gzip: see ko_gzip.h for the format. The caller's thread fills blocks and
 * emits finished ones in order; `threads` workers deflate them. At most 2 × threads
 * blocks are in flight, so memory stays bounded (~0.5 MiB per block with zlib's state).
 */
#define _GNU_SOURCE
#include "ko_gzip.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define BLOCK (128u * 1024u)
#define DICT (32u * 1024u)

enum job_state { JOB_FREE, JOB_QUEUED, JOB_RUNNING, JOB_DONE };

struct job {
    enum job_state state;
    int last;
    int failed;
    unsigned char *in;
    size_t in_len;
    unsigned char dict[DICT];
    size_t dict_len;
    unsigned char *out;
    size_t out_cap;
    size_t out_len;
    uLong crc;
    z_stream strm;
    int strm_ready;
};

struct ko_gzip {
    int level;
    int nthreads;
    int started;
    pthread_t *threads;
    pthread_mutex_t lock;
    pthread_cond_t work;    /* a job was queued, or stop */
    pthread_cond_t done;    /* a job finished */
    int stop;
    size_t njobs;
    struct job *jobs;       /* ring: next_submit fills, next_emit drains, in order */
    size_t next_submit;
    size_t next_emit;
    size_t next_queued;     /* oldest queued job not yet taken by a worker */
    ko_gzip_sink sink;
    void *context;
    unsigned char window[DICT];  /* the last DICT bytes of input submitted so far */
    size_t window_len;
    uLong crc;
    uint64_t total_in;
    int header_written;
    int finished;
};

static void set_err(char *err, size_t errlen, const char *what, int code) {
    if (err && errlen) snprintf(err, errlen, "%s (%d)", what, code);
}

/* Worker side: deflate one block. Z_SYNC_FLUSH ends a middle block on a byte boundary so
   the blocks concatenate into one deflate stream; the last block finishes the stream. */
static void run_job(struct ko_gzip *z, struct job *j) {
    if (!j->strm_ready) {
        memset(&j->strm, 0, sizeof j->strm);
        if (deflateInit2(&j->strm, z->level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
            j->failed = 1;
            return;
        }
        j->strm_ready = 1;
    } else if (deflateReset(&j->strm) != Z_OK) {
        j->failed = 1;
        return;
    }
    if (j->dict_len > 0 && deflateSetDictionary(&j->strm, j->dict, (uInt)j->dict_len) != Z_OK) {
        j->failed = 1;
        return;
    }
    j->crc = crc32(0L, j->in, (uInt)j->in_len);
    j->strm.next_in = j->in;
    j->strm.avail_in = (uInt)j->in_len;
    j->strm.next_out = j->out;
    j->strm.avail_out = (uInt)j->out_cap;
    int rc = deflate(&j->strm, j->last ? Z_FINISH : Z_SYNC_FLUSH);
    if (j->last ? rc != Z_STREAM_END : (rc != Z_OK || j->strm.avail_in != 0 || j->strm.avail_out == 0)) {
        j->failed = 1;
        return;
    }
    j->out_len = j->out_cap - j->strm.avail_out;
}

static void *worker(void *arg) {
    struct ko_gzip *z = arg;
    pthread_mutex_lock(&z->lock);
    for (;;) {
        while (!z->stop && (z->next_queued == z->next_submit || z->jobs[z->next_queued % z->njobs].state != JOB_QUEUED))
            pthread_cond_wait(&z->work, &z->lock);
        if (z->stop) break;
        struct job *j = &z->jobs[z->next_queued % z->njobs];
        z->next_queued++;
        j->state = JOB_RUNNING;
        pthread_mutex_unlock(&z->lock);
        run_job(z, j);
        pthread_mutex_lock(&z->lock);
        j->state = JOB_DONE;
        pthread_cond_broadcast(&z->done);
    }
    pthread_mutex_unlock(&z->lock);
    return NULL;
}

ko_gzip *ko_gzip_new(int level, int threads, ko_gzip_sink sink, void *context, char *err, size_t errlen) {
    struct ko_gzip *z = calloc(1, sizeof *z);
    if (!z) {
        set_err(err, errlen, "out of memory", ENOMEM);
        return NULL;
    }
    z->level = (level >= 1 && level <= 9) ? level : 6;
    z->nthreads = threads < 1 ? 1 : threads;
    z->sink = sink;
    z->context = context;
    z->njobs = (size_t)z->nthreads * 2;
    z->jobs = calloc(z->njobs, sizeof *z->jobs);
    z->threads = calloc((size_t)z->nthreads, sizeof *z->threads);
    if (!z->jobs || !z->threads) goto oom;
    /* A sync-flushed block never exceeds deflateBound plus the flush marker. */
    size_t cap = BLOCK + BLOCK / 8;
    for (size_t i = 0; i < z->njobs; i++) {
        z->jobs[i].in = malloc(BLOCK);
        z->jobs[i].out = malloc(cap);
        z->jobs[i].out_cap = cap;
        if (!z->jobs[i].in || !z->jobs[i].out) goto oom;
    }
    pthread_mutex_init(&z->lock, NULL);
    pthread_cond_init(&z->work, NULL);
    pthread_cond_init(&z->done, NULL);
    for (int i = 0; i < z->nthreads; i++) {
        int rc = pthread_create(&z->threads[i], NULL, worker, z);
        if (rc != 0) {
            set_err(err, errlen, "pthread_create failed", rc);
            ko_gzip_free(z);
            return NULL;
        }
        z->started++;
    }
    z->crc = crc32(0L, Z_NULL, 0);
    return z;
oom:
    set_err(err, errlen, "out of memory", ENOMEM);
    if (z->jobs)
        for (size_t i = 0; i < z->njobs; i++) {
            free(z->jobs[i].in);
            free(z->jobs[i].out);
        }
    free(z->jobs);
    free(z->threads);
    free(z);
    return NULL;
}

static int emit(struct ko_gzip *z, const void *bytes, size_t n) {
    if (n == 0) return 0;
    return z->sink(z->context, bytes, n) == 0 ? 0 : KO_GZIP_SINK_STOPPED;
}

/* Waits for the oldest in-flight job, emits it and frees its slot. */
static int drain_one(struct ko_gzip *z, char *err, size_t errlen) {
    struct job *j = &z->jobs[z->next_emit % z->njobs];
    pthread_mutex_lock(&z->lock);
    while (j->state != JOB_DONE) pthread_cond_wait(&z->done, &z->lock);
    pthread_mutex_unlock(&z->lock);
    z->next_emit++;
    j->state = JOB_FREE;
    if (j->failed) {
        set_err(err, errlen, "deflate failed", Z_STREAM_ERROR);
        return -1;
    }
    z->crc = crc32_combine(z->crc, j->crc, (z_off_t)j->in_len);
    return emit(z, j->out, j->out_len);
}

static int write_header(struct ko_gzip *z) {
    if (z->header_written) return 0;
    z->header_written = 1;
    /* No name, MTIME 0, XFL as gzip sets it for the level, OS = Unix. */
    unsigned char h[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, z->level == 9 ? 2 : (z->level == 1 ? 4 : 0), 3};
    return emit(z, h, sizeof h);
}

/* Queues the block being filled (slot next_submit). */
static void submit(struct ko_gzip *z, int last) {
    struct job *j = &z->jobs[z->next_submit % z->njobs];
    memcpy(j->dict, z->window, z->window_len);
    j->dict_len = z->window_len;
    j->last = last;
    j->failed = 0;
    /* The window for the next block: the tail of this one (plus the old window if short). */
    if (j->in_len >= DICT) {
        memcpy(z->window, j->in + j->in_len - DICT, DICT);
        z->window_len = DICT;
    } else {
        size_t keep = z->window_len + j->in_len > DICT ? DICT - j->in_len : z->window_len;
        memmove(z->window, z->window + z->window_len - keep, keep);
        memcpy(z->window + keep, j->in, j->in_len);
        z->window_len = keep + j->in_len;
    }
    z->total_in += j->in_len;
    pthread_mutex_lock(&z->lock);
    j->state = JOB_QUEUED;
    z->next_submit++;
    pthread_cond_signal(&z->work);
    pthread_mutex_unlock(&z->lock);
}

/* The slot being filled, after making room (draining the oldest) when all are busy. */
static struct job *filling(struct ko_gzip *z, int *rc, char *err, size_t errlen) {
    *rc = 0;
    if (z->next_submit - z->next_emit == z->njobs) {
        *rc = drain_one(z, err, errlen);
        if (*rc != 0) return NULL;
    }
    return &z->jobs[z->next_submit % z->njobs];
}

int ko_gzip_write(ko_gzip *z, const void *bytes, size_t length, char *err, size_t errlen) {
    int rc = write_header(z);
    if (rc != 0) return rc;
    const unsigned char *p = bytes;
    while (length > 0) {
        struct job *j = filling(z, &rc, err, errlen);
        if (!j) return rc;
        size_t take = BLOCK - j->in_len;
        if (take > length) take = length;
        memcpy(j->in + j->in_len, p, take);
        j->in_len += take;
        p += take;
        length -= take;
        /* A full block is queued only when more input follows, so the last block is
           always the one finish() marks. */
        if (j->in_len == BLOCK && length > 0) {
            submit(z, 0);
            struct job *next = filling(z, &rc, err, errlen);
            if (!next) return rc;
            next->in_len = 0;
        }
    }
    /* A full block with no input after it yet: queue it now, keeping workers busy. */
    struct job *j = &z->jobs[z->next_submit % z->njobs];
    if (j->state == JOB_FREE && j->in_len == BLOCK) {
        submit(z, 0);
        struct job *next = filling(z, &rc, err, errlen);
        if (!next) return rc;
        next->in_len = 0;
    }
    return 0;
}

int ko_gzip_finish(ko_gzip *z, char *err, size_t errlen) {
    int rc = write_header(z);
    if (rc != 0) return rc;
    struct job *j = filling(z, &rc, err, errlen);
    if (!j) return rc;
    submit(z, 1);
    while (z->next_emit < z->next_submit) {
        rc = drain_one(z, err, errlen);
        if (rc != 0) return rc;
    }
    unsigned char t[8];
    uint32_t crc = (uint32_t)z->crc, size = (uint32_t)z->total_in;
    for (int i = 0; i < 4; i++) {
        t[i] = (unsigned char)(crc >> (8 * i));
        t[4 + i] = (unsigned char)(size >> (8 * i));
    }
    z->finished = 1;
    return emit(z, t, sizeof t);
}

void ko_gzip_free(ko_gzip *z) {
    if (!z) return;
    if (z->started > 0) {
        pthread_mutex_lock(&z->lock);
        z->stop = 1;
        pthread_cond_broadcast(&z->work);
        pthread_mutex_unlock(&z->lock);
        for (int i = 0; i < z->started; i++) pthread_join(z->threads[i], NULL);
    }
    if (z->threads && z->jobs) {
        pthread_mutex_destroy(&z->lock);
        pthread_cond_destroy(&z->work);
        pthread_cond_destroy(&z->done);
    }
    for (size_t i = 0; i < z->njobs; i++) {
        if (z->jobs[i].strm_ready) deflateEnd(&z->jobs[i].strm);
        free(z->jobs[i].in);
        free(z->jobs[i].out);
    }
    free(z->jobs);
    free(z->threads);
    free(z);
}
