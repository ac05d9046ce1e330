/* SPDX-License-Identifier: Apache-2.0 */
/* In-process access to the S3 store for the rest of fargate-emu: `run` creates the buckets its
 * task's outputs write to and reads config-file-type s3 objects; `logs` lists and reads what
 * arrived through a view that opens the store without serving it. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "emu/base/err.h"
#include "emu/base/mem.h"
#include "shims/s3/s3_internal.h"

struct shim_s3_view {
    struct s3_store *store;
};

/* Reads the object bytes [0, size) of an open object file into out. */
static int read_object(struct s3_bucket *b, const char *key, struct emu_buf *out)
{
    int fd = -1;
    struct s3_meta m = {0};
    int r = s3_object_open(b, key, &fd, &m);
    if (r < 0) {
        return r;
    }
    char buf[65536];
    uint64_t off = 0;
    while (r == 0 && off < m.size) {
        size_t want = m.size - off < sizeof(buf) ? (size_t)(m.size - off) : sizeof(buf);
        ssize_t n = pread(fd, buf, want, (off_t)(m.data_off + off));
        if (n <= 0) {
            r = n < 0 ? -errno : EMU_EBADMSG;
            break;
        }
        r = emu_buf_append(out, buf, (size_t)n);
        off += (uint64_t)n;
    }
    if (r == 0 && !out->data) {
        r = emu_buf_puts(out, "");
    }
    close(fd);
    s3_meta_done(&m);
    return r;
}

static int store_read(struct s3_store *st, const char *bucket, const char *key,
                      struct emu_buf *out)
{
    struct s3_bucket *b = NULL;
    int r = s3_store_bucket_get(st, bucket, &b);
    return r < 0 ? r : read_object(b, key, out);
}

int shim_s3_ensure_bucket(struct shim_s3 *s3, const char *name, bool *ret_created)
{
    struct s3_bucket *b = NULL;
    *ret_created = false;
    if (!s3_bucket_name_valid(name)) {
        return EMU_EINVAL;
    }
    if (s3_store_bucket_get(s3->store, name, &b) == 0) {
        return 0;
    }
    int r = s3_store_bucket_create(s3->store, name, s3->region);
    *ret_created = r == 0;
    return r == EMU_EEXIST ? 0 : r;
}

int shim_s3_read(struct shim_s3 *s3, const char *bucket, const char *key, struct emu_buf *out)
{
    return store_read(s3->store, bucket, key, out);
}

int shim_s3_view_open(const char *root, struct shim_s3_view **ret)
{
    struct shim_s3_view *v = emu_calloc(1, sizeof(*v));
    if (!v) {
        return EMU_ENOMEM;
    }
    int r = s3_store_open(root, &v->store);
    if (r < 0) {
        emu_free(v);
        return r;
    }
    *ret = v;
    return 0;
}

void shim_s3_view_free(struct shim_s3_view *v)
{
    if (v) {
        s3_store_free(v->store);
        emu_free(v);
    }
}

size_t shim_s3_view_bucket_count(struct shim_s3_view *v)
{
    return s3_store_bucket_count(v->store);
}

const char *shim_s3_view_bucket_name(struct shim_s3_view *v, size_t i)
{
    struct s3_bucket *b = s3_store_bucket_at(v->store, i);
    return b ? b->name : NULL;
}

int shim_s3_view_list(struct shim_s3_view *v, const char *bucket, const char *prefix,
                      int (*cb)(const char *key, uint64_t size, int64_t mtime_ms, void *ud),
                      void *ud)
{
    struct s3_bucket *b = NULL;
    int r = s3_store_bucket_get(v->store, bucket, &b);
    r = r ? r : s3_bucket_index(b);
    size_t plen = prefix ? strlen(prefix) : 0;
    for (size_t i = 0; r == 0 && i < b->n_ents; i++) {
        const struct s3_entry *e = b->ents[i];
        if (plen == 0 || strncmp(e->key, prefix, plen) == 0) {
            r = cb(e->key, e->size, e->mtime_ms, ud);
        }
    }
    return r;
}

int shim_s3_view_read(struct shim_s3_view *v, const char *bucket, const char *key,
                      struct emu_buf *out)
{
    return store_read(v->store, bucket, key, out);
}
