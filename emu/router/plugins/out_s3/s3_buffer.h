/* SPDX-License-Identifier: Apache-2.0 */
/* out_s3's local buffer: one file per pending object under store_dir, so data waiting for
 * total_file_size or upload_timeout (or for a failed upload's retry) survives a restart. */
#ifndef EMU_ROUTER_OUT_S3_BUFFER_H
#define EMU_ROUTER_OUT_S3_BUFFER_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define S3_STORE_PATH_MAX 1024

struct s3_file {
    struct s3_file *next; /* creation order */
    char *tag;
    char path[S3_STORE_PATH_MAX];
    uint64_t seq;
    size_t data_off;      /* header length */
    size_t size;          /* data bytes */
    uint64_t records;
    time_t first_time;    /* first record's time: the key's strftime time */
    time_t created;       /* for upload_timeout */
    time_t next_try;      /* retry backoff */
    size_t seal_at;       /* multipart + gzip: seal again only past this size */
    int sealed, busy, failures, final_part;
};

struct s3buf {
    char dir[S3_STORE_PATH_MAX];
    struct s3_file *head, **tail;
    uint64_t next_seq;
    uint64_t used;   /* data bytes in all files */
    uint64_t limit;  /* store_dir_limit_size (hard ceiling when 0) */
    uint64_t index;  /* $INDEX, persisted in <dir>/index */
};

/* Opens (mkdir -p) store_dir/sub and adopts every buffer file left there (sealed: they are
 * uploaded first). Returns 0 or a negative errno. */
int s3buf_open(struct s3buf *st, const char *store_dir, const char *sub, uint64_t limit);
/* Frees the in-memory list (files stay on disk). */
void s3buf_close(struct s3buf *st);

/* The open (unsealed) file of tag, or NULL. */
struct s3_file *s3buf_active(struct s3buf *st, const char *tag);
/* Appends len bytes of n records to tag's open file (created with first_time when needed).
 * Returns 0, -ENOSPC over the limit, or a negative errno (nothing written then). */
int s3buf_append(struct s3buf *st, const char *tag, const char *data, size_t len,
                    uint64_t n, time_t first_time, struct s3_file **ret);
/* Deletes f's file and frees it. */
void s3buf_remove(struct s3buf *st, struct s3_file *f);
/* Reads f's data into buf (f->size bytes). Thread-safe, allocates nothing. 0 or -EIO. */
int s3buf_read(const char *path, size_t off, char *buf, size_t len);
/* Appends g's data to f (f older than g, same tag) and removes g. 0 or a negative errno. */
int s3buf_merge(struct s3buf *st, struct s3_file *f, struct s3_file *g);
/* Persists st->index. */
int s3buf_save_index(struct s3buf *st);

#endif
