/* SPDX-License-Identifier: Apache-2.0 */
/* S3 pack compaction: live records survive the rewrite and a reopen, dead ones go, a delete
 * record that still hides an older record in a pack not compacted stays, and the states a
 * crash can leave (a .c- temp file; old and new pack side by side) load to the same objects. */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "emu/base/err.h"
#include "emu/base/mem.h"
#include "shims/s3/s3_internal.h"

static void put_small(struct s3_bucket *b, const char *key, const char *body)
{
    struct s3_pack *p = NULL;
    assert_int_equal(s3_bucket_pack_mine(b, &p), 0);
    struct s3_meta m = {0};
    m.key = emu_strdup(key);
    m.size = strlen(body);
    m.ver = s3_version_next();
    snprintf(m.etag, sizeof(m.etag), "e-%.20s", body);
    uint64_t off = 0;
    uint32_t ml = 0;
    assert_int_equal(s3_pack_put_object(p, &m, body, m.size, &off, &ml), 0);
    assert_int_equal(s3_index_put_pack(b, &m, p, off, ml), 0);
    s3_pack_release(p);
    s3_meta_done(&m);
}

/* The object's bytes, or NULL when absent (static buffer). */
static const char *get(struct s3_bucket *b, const char *key)
{
    static char buf[4096];
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
    s3_store_set_compact_min(*st, 4096);
    struct s3_bucket *b = NULL;
    assert_int_equal(s3_store_bucket_get(*st, "bkt", &b), 0);
    assert_int_equal(s3_bucket_index(b), 0);
    return b;
}

/* Files in packs/: their count, *ret_bytes their size. */
static int packs(const char *dir, long *ret_bytes)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/buckets/bkt/packs", dir);
    DIR *d = opendir(path);
    assert_non_null(d);
    int n = 0;
    long bytes = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' && (!e->d_name[1] || e->d_name[1] == '.')) {
            continue;
        }
        char p[1024];
        struct stat sb;
        snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
        assert_int_equal(stat(p, &sb), 0);
        bytes += sb.st_size;
        n++;
    }
    closedir(d);
    *ret_bytes = bytes;
    return n;
}

static void body(char *out, size_t len, int seed)
{
    for (size_t i = 0; i < len; i++) {
        out[i] = (char)('a' + (seed + (int)i) % 26);
    }
    out[len] = '\0';
}

static void test_compact(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_s3_compact.XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct s3_store *st = NULL;
    assert_int_equal(s3_store_open(dir, &st), 0);
    assert_int_equal(s3_store_bucket_create(st, "bkt", "us-east-1"), 0);
    struct s3_bucket *b = reopen(&st, dir);
    char buf[1100];
    /* "old" sits in a first pack that another process will hold during the compaction. */
    put_small(b, "old", "old-bytes");
    put_small(b, "keep", "keep-1");
    char first[512];
    snprintf(first, sizeof(first), "%s/buckets/bkt/packs/%s", dir, b->mine->name);
    b = reopen(&st, dir);
    s3_store_free(st);
    st = NULL;
    int lock = open(first, O_RDONLY);
    assert_true(lock >= 0);
    assert_int_equal(flock(lock, LOCK_EX | LOCK_NB), 0);
    assert_int_equal(s3_store_open(dir, &st), 0);
    s3_store_set_compact_min(st, 4096);
    assert_int_equal(s3_store_bucket_get(st, "bkt", &b), 0);
    assert_int_equal(s3_bucket_index(b), 0);
    /* A second pack: the delete of "old", overwrites making it mostly dead. */
    assert_int_equal(s3_object_delete(b, "old"), 0);
    for (int i = 0; i < 40; i++) {
        body(buf, 1000, i);
        put_small(b, i % 2 ? "x" : "y", buf);
    }
    put_small(b, "gone", "soon");
    assert_int_equal(s3_object_delete(b, "gone"), 0);
    put_small(b, "gone", "again");
    assert_int_equal(s3_object_delete(b, "gone"), 0);
    assert_true(b->compact_due);
    long before = 0, after = 0;
    assert_int_equal(packs(dir, &before), 2);
    assert_int_equal(s3_compact_start(NULL, b, NULL, NULL), 0);
    assert_int_equal(s3_compact_start(NULL, b, NULL, NULL), 1); /* nothing due any more */
    assert_int_equal(packs(dir, &after), 2);                   /* the first, the rewrite */
    assert_true(after < before - 30000);
    body(buf, 1000, 38);
    assert_string_equal(get(b, "y"), buf);
    body(buf, 1000, 39);
    assert_string_equal(get(b, "x"), buf);
    assert_null(get(b, "old"));
    assert_null(get(b, "gone"));
    /* New writes go to a new pack; everything survives a reopen, the first pack included. */
    put_small(b, "new", "new-bytes");
    close(lock);
    b = reopen(&st, dir);
    assert_string_equal(get(b, "x"), buf);
    assert_string_equal(get(b, "keep"), "keep-1");
    assert_string_equal(get(b, "new"), "new-bytes");
    assert_null(get(b, "old")); /* its delete record was kept: the first pack still has it */
    assert_null(get(b, "gone"));
    assert_int_equal(b->n_ents, 4);

    /* A crash between the rename and the unlink: old and new side by side load alike; a crash
     * before the rename leaves a .c- file, removed at the next load. */
    for (int i = 0; i < 40; i++) {
        body(buf, 1000, 100 + i);
        put_small(b, "x", buf);
    }
    char saved[600], cmd[1400];
    snprintf(saved, sizeof(saved), "%s/saved", dir);
    snprintf(cmd, sizeof(cmd), "cp -a %s/buckets/bkt/packs %s", dir, saved);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(s3_compact_start(NULL, b, NULL, NULL), 0);
    snprintf(cmd, sizeof(cmd), "cp -n %s/*.pack %s/buckets/bkt/packs/ && "
             "echo torn > %s/buckets/bkt/packs/.c-0123456789abcdef", saved, dir, dir);
    assert_int_equal(system(cmd), 0);
    b = reopen(&st, dir);
    assert_string_equal(get(b, "x"), buf);
    assert_string_equal(get(b, "keep"), "keep-1");
    assert_null(get(b, "old"));
    assert_int_equal(b->n_ents, 4);
    snprintf(cmd, sizeof(cmd), "%s/buckets/bkt/packs/.c-0123456789abcdef", dir);
    assert_int_equal(access(cmd, F_OK), -1);
    s3_store_free(st);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    long before = emu_mem_outstanding();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compact),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    if (emu_mem_outstanding() != before) {
        fprintf(stderr, "leak: %ld allocations outstanding\n", emu_mem_outstanding() - before);
        return 1;
    }
    return failed;
}
