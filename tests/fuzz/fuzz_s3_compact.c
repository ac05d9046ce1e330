/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target for S3 pack compaction, model-based: the input is a program of store operations
 * (small PUT into the pack, large PUT into a file, DELETE, compact now, reopen the store) over
 * 8 keys; after every step each key must read back as the model says. */
#define _GNU_SOURCE
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu/base/err.h"
#include "emu/base/log.h"
#include "emu/base/mem.h"
#include "shims/s3/s3_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define KEYS 8
#define MAX_BODY 4096

struct model {
    unsigned char body[KEYS][MAX_BODY];
    size_t len[KEYS];
    bool present[KEYS];
};

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void key_name(int k, char out[8])
{
    snprintf(out, 8, "k/%d", k);
}

static struct s3_bucket *open_bucket(struct s3_store **st, const char *dir)
{
    s3_store_free(*st);
    *st = NULL;
    struct s3_bucket *b = NULL;
    if (s3_store_open(dir, st) < 0 || s3_store_bucket_get(*st, "bkt", &b) < 0 ||
        s3_bucket_index(b) < 0) {
        __builtin_trap(); /* the store must always reopen */
    }
    s3_store_set_compact_min(*st, 256);
    return b;
}

static void put_small(struct s3_bucket *b, const char *key, const unsigned char *body,
                      size_t len)
{
    struct s3_pack *p = NULL;
    if (s3_bucket_pack_mine(b, &p) < 0) {
        __builtin_trap();
    }
    struct s3_meta m = {0};
    m.key = emu_strdup(key);
    m.size = len;
    m.ver = s3_version_next();
    memcpy(m.etag, "etag", 5);
    uint64_t off = 0;
    uint32_t ml = 0;
    if (!m.key || s3_pack_put_object(p, &m, body, len, &off, &ml) < 0 ||
        s3_index_put_pack(b, &m, p, off, ml) < 0) {
        __builtin_trap();
    }
    s3_pack_release(p);
    s3_meta_done(&m);
}

static void put_file(struct s3_bucket *b, const char *key, const unsigned char *body, size_t len)
{
    struct s3_writer *w = NULL;
    struct s3_meta m = {0};
    m.key = emu_strdup(key);
    m.size = len;
    memcpy(m.etag, "file", 5);
    if (!m.key || s3_writer_open(b, MAX_BODY, &w) < 0 || s3_writer_write(w, body, len) < 0 ||
        s3_writer_commit_object(b, w, &m) < 0) {
        __builtin_trap();
    }
    s3_writer_free(w);
    s3_meta_done(&m);
}

static void check(struct s3_bucket *b, const struct model *md)
{
    static unsigned char buf[MAX_BODY];
    for (int k = 0; k < KEYS; k++) {
        char key[8];
        key_name(k, key);
        int fd = -1;
        struct s3_meta m = {0};
        int r = s3_object_open(b, key, &fd, &m);
        if (r == EMU_ENOENT && !md->present[k]) {
            continue;
        }
        if (r < 0 || !md->present[k] || m.size != md->len[k] ||
            pread(fd, buf, m.size, (off_t)m.data_off) != (ssize_t)m.size ||
            memcmp(buf, md->body[k], m.size) != 0) {
            __builtin_trap(); /* a key lost, resurrected or holding other bytes */
        }
        close(fd);
        s3_meta_done(&m);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 512) {
        return 0;
    }
    emu_log_set_level(EMU_LOG_WARN); /* not a line per compaction */
    char dir[] = "/tmp/fuzz_s3_compact.XXXXXX";
    if (!mkdtemp(dir)) {
        return 0;
    }
    static struct model md;
    memset(&md, 0, sizeof(md));
    struct s3_store *st = NULL;
    if (s3_store_open(dir, &st) < 0 || s3_store_bucket_create(st, "bkt", "us-east-1") < 0) {
        __builtin_trap();
    }
    struct s3_bucket *b = open_bucket(&st, dir);
    for (size_t i = 0; i + 1 < size; i += 2) {
        int op = data[i] % 5, k = (data[i] / 5) % KEYS;
        char key[8];
        key_name(k, key);
        size_t len = (size_t)data[i + 1] * 16 % MAX_BODY;
        if (op == 0 || op == 1) {
            for (size_t j = 0; j < len; j++) {
                md.body[k][j] = (unsigned char)(data[i + 1] + j * 7 + i);
            }
            if (op == 0) {
                put_small(b, key, md.body[k], len);
            }
            else {
                put_file(b, key, md.body[k], len);
            }
            md.len[k] = len;
            md.present[k] = true;
        }
        else if (op == 2) {
            if (s3_object_delete(b, key) < 0) {
                __builtin_trap();
            }
            md.present[k] = false;
        }
        else if (op == 3) {
            for (int n = 0; n < 16 && s3_compact_start(NULL, b, NULL, NULL) == 0; n++) {
            }
        }
        else {
            b = open_bucket(&st, dir);
        }
        check(b, &md);
    }
    b = open_bucket(&st, dir);
    check(b, &md);
    s3_store_free(st);
    (void)nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}
