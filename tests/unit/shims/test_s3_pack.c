/* SPDX-License-Identifier: Apache-2.0 */
/* The S3 pack log: record encoding and validation, recovery from a torn tail, takeover, and
 * versions deciding between a pack record, a delete record and an object file. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "emu/base/err.h"
#include "emu/base/mem.h"
#include "shims/common/crc.h"
#include "shims/s3/s3_internal.h"
#include "tests/support/test_support.h"

static void test_crc(void **state)
{
    (void)state;
    /* The check values of the CRC catalogue: "123456789". */
    assert_int_equal(shim_crc32(0, "123456789", 9), 0xCBF43926u);
    assert_int_equal(shim_crc32c(0, "123456789", 9), 0xE3069283u);
    uint32_t c = shim_crc32c(0, "1234", 4);
    assert_int_equal(shim_crc32c(c, "56789", 5), 0xE3069283u);
}

static void test_record(void **state)
{
    (void)state;
    unsigned char rec[S3_PACK_HDR + 3 + 4];
    s3_pack_encode_header(S3_PACK_PUT, 42, "{}x", 3, "data", 4, rec);
    memcpy(rec + S3_PACK_HDR, "{}xdata", 7);
    struct s3_pack_rec r;
    assert_int_equal(s3_pack_parse_header(rec, S3_PACK_HDR - 1, &r), 0);
    assert_int_equal(s3_pack_parse_header(rec, sizeof(rec), &r), (int64_t)sizeof(rec));
    assert_int_equal(r.type, S3_PACK_PUT);
    assert_int_equal(r.ver, 42);
    assert_int_equal(r.meta_len, 3);
    assert_int_equal(r.data_len, 4);
    assert_true(s3_pack_check(rec, sizeof(rec), &r));
    assert_false(s3_pack_check(rec, sizeof(rec) - 1, &r));
    for (size_t i = 0; i < sizeof(rec); i++) { /* any flipped byte is caught */
        rec[i] ^= 0x10;
        struct s3_pack_rec r2;
        int64_t n = s3_pack_parse_header(rec, sizeof(rec), &r2);
        assert_true(n <= 0 || (size_t)n != sizeof(rec) || !s3_pack_check(rec, (size_t)n, &r2));
        rec[i] ^= 0x10;
    }
    unsigned char big[S3_PACK_HDR];
    s3_pack_encode_header(S3_PACK_PUT, 1, "k", 1, NULL, 0, big);
    uint64_t over = (uint64_t)S3_PACK_MAX_DATA + 1; /* data_len past the ceiling */
    for (int i = 0; i < 8; i++) {
        big[24 + i] = (unsigned char)(over >> (8 * i));
    }
    assert_int_equal(s3_pack_parse_header(big, sizeof(big), &r), EMU_EBADMSG);
    s3_pack_encode_header(S3_PACK_DEL, 1, "k", 1, NULL, 0, big);
    assert_int_equal(s3_pack_parse_header(big, sizeof(big), &r), S3_PACK_HDR + 1);
}

static void put_small(struct s3_bucket *b, const char *key, const char *body, uint64_t ver)
{
    struct s3_pack *p = NULL;
    assert_int_equal(s3_bucket_pack_mine(b, &p), 0);
    struct s3_meta m = {0};
    m.key = emu_strdup(key);
    m.size = strlen(body);
    m.ver = ver;
    snprintf(m.etag, sizeof(m.etag), "small-%s", body);
    uint64_t off = 0;
    uint32_t ml = 0;
    assert_int_equal(s3_pack_put_object(p, &m, body, m.size, &off, &ml), 0);
    assert_int_equal(s3_index_put_pack(b, &m, p, off, ml), 0);
    s3_pack_release(p);
    s3_meta_done(&m);
}

static void put_file(struct s3_bucket *b, const char *key, const char *body)
{
    struct s3_writer *w = NULL;
    assert_int_equal(s3_writer_open(b, 1 << 20, &w), 0);
    assert_int_equal(s3_writer_write(w, body, strlen(body)), 0);
    struct s3_meta m = {0};
    m.key = emu_strdup(key);
    m.size = strlen(body);
    snprintf(m.etag, sizeof(m.etag), "file-%s", body);
    assert_int_equal(s3_writer_commit_object(b, w, &m), 0);
    s3_writer_free(w);
    s3_meta_done(&m);
}

/* The object's bytes, or NULL when absent (static buffer). */
static const char *get(struct s3_bucket *b, const char *key)
{
    static char buf[256];
    int fd = -1;
    struct s3_meta m = {0};
    int r = s3_object_open(b, key, &fd, &m);
    if (r == EMU_ENOENT) {
        return NULL;
    }
    assert_int_equal(r, 0);
    assert_true(m.size < sizeof(buf));
    assert_int_equal(pread(fd, buf, m.size, (off_t)m.data_off), (ssize_t)m.size);
    buf[m.size] = '\0';
    close(fd);
    s3_meta_done(&m);
    return buf;
}

static struct s3_bucket *reopen(struct s3_store **st, const char *dir)
{
    s3_store_free(*st);
    assert_int_equal(s3_store_open(dir, st), 0);
    struct s3_bucket *b = NULL;
    assert_int_equal(s3_store_bucket_get(*st, "bkt", &b), 0);
    assert_int_equal(s3_bucket_index(b), 0);
    return b;
}

static void test_store(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_s3_pack.XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct s3_store *st = NULL;
    assert_int_equal(s3_store_open(dir, &st), 0);
    assert_int_equal(s3_store_bucket_create(st, "bkt", "us-east-1"), 0);
    struct s3_bucket *b = reopen(&st, dir);
    /* file then pack (pack newer), pack then file (file newer), pack then delete. */
    put_file(b, "a", "file-a");
    put_small(b, "a", "pack-a", s3_version_next());
    put_small(b, "b", "pack-b", s3_version_next());
    put_file(b, "b", "file-b");
    put_small(b, "c", "pack-c", s3_version_next());
    assert_int_equal(s3_object_delete(b, "c"), 0);
    put_small(b, "d", "pack-d", s3_version_next());
    assert_string_equal(get(b, "a"), "pack-a");
    assert_string_equal(get(b, "b"), "file-b");
    assert_null(get(b, "c"));
    assert_int_equal(b->n_ents, 3);
    char path[256];
    snprintf(path, sizeof(path), "%s/buckets/bkt/packs/%s", dir, b->mine->name);
    b = reopen(&st, dir);
    assert_int_equal(b->n_ents, 3);
    assert_string_equal(get(b, "a"), "pack-a");
    assert_string_equal(get(b, "b"), "file-b");
    assert_null(get(b, "c"));
    assert_string_equal(get(b, "d"), "pack-d");
    /* A torn tail: half a record after the last whole one. */
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    unsigned char half[S3_PACK_HDR + 5];
    char meta[100];
    memset(meta, ' ', sizeof(meta));
    memcpy(meta, "{\"key", 5);
    s3_pack_encode_header(S3_PACK_PUT, s3_version_next(), meta, sizeof(meta), NULL, 0, half);
    memcpy(half + S3_PACK_HDR, "{\"key", 5);
    int fd = open(path, O_WRONLY | O_APPEND);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, half, sizeof(half)), (ssize_t)sizeof(half));
    close(fd);
    b = reopen(&st, dir);
    assert_int_equal(b->n_ents, 3);
    assert_string_equal(get(b, "d"), "pack-d");
    /* Taking the pack over drops the tail; what is appended then survives a reopen. */
    put_small(b, "e", "pack-e", s3_version_next());
    struct stat sa;
    assert_int_equal(stat(path, &sa), 0);
    assert_true(sa.st_size > sb.st_size);
    assert_int_equal(b->n_packs, 1);
    b = reopen(&st, dir);
    assert_string_equal(get(b, "e"), "pack-e");
    assert_string_equal(get(b, "d"), "pack-d");
    assert_int_equal(b->n_ents, 4);
    /* A reader that loaded its index earlier sees what another process appends. */
    struct s3_store *other = NULL;
    assert_int_equal(s3_store_open(dir, &other), 0);
    struct s3_bucket *ob = NULL;
    assert_int_equal(s3_store_bucket_get(other, "bkt", &ob), 0);
    assert_int_equal(s3_bucket_index(ob), 0);
    put_small(b, "f", "pack-f", s3_version_next());
    assert_string_equal(get(ob, "f"), "pack-f");
    assert_int_equal(s3_object_delete(b, "f"), 0);
    assert_int_equal(s3_bucket_catch_up(ob), 0);
    assert_null(get(ob, "f"));
    s3_store_free(other);
    s3_store_free(st);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    long before = emu_mem_outstanding();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc),
        cmocka_unit_test(test_record),
        cmocka_unit_test(test_store),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    if (emu_mem_outstanding() != before) {
        fprintf(stderr, "leak: %ld allocations outstanding\n", emu_mem_outstanding() - before);
        return 1;
    }
    return failed;
}
