/* SPDX-License-Identifier: Apache-2.0 */
/* The pure rules of the S3 shim (bucket names, key limits, virtual-host buckets, Range, the
 * listing logic, the request-body XML) and the store's atomic objects surviving a reopen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "emu/base/err.h"
#include "emu/base/mem.h"
#include "shims/s3/s3_internal.h"
#include "tests/support/test_support.h"

static void test_names(void **state)
{
    (void)state;
    assert_true(s3_bucket_name_valid("my-bucket.logs"));
    assert_true(s3_bucket_name_valid("abc"));
    assert_false(s3_bucket_name_valid("ab"));
    assert_false(s3_bucket_name_valid("Upper"));
    assert_false(s3_bucket_name_valid("a..b"));
    assert_false(s3_bucket_name_valid("-abc"));
    assert_false(s3_bucket_name_valid("192.168.1.1"));
    assert_false(s3_bucket_name_valid("../etc"));
    assert_false(s3_bucket_name_valid("a/b"));
    char k[1100];
    memset(k, 'k', sizeof(k));
    assert_int_equal(s3_key_check(k, 1024), 0);
    assert_int_equal(s3_key_check(k, 1025), EMU_ENAMETOOLONG);
    assert_int_equal(s3_key_check("a\0b", 3), EMU_EINVAL);
    assert_int_equal(s3_key_check("", 0), EMU_EINVAL);
    char b[64];
    assert_true(s3_host_bucket("logs.localhost:9000", "localhost", b, sizeof(b)));
    assert_string_equal(b, "logs");
    assert_true(s3_host_bucket("A.B.localhost", "localhost", b, sizeof(b)));
    assert_string_equal(b, "a.b");
    assert_false(s3_host_bucket("localhost:9000", "localhost", b, sizeof(b)));
    assert_false(s3_host_bucket("127.0.0.1:9000", "localhost", b, sizeof(b)));
    assert_false(s3_host_bucket("s3.localhost", "localhost", b, sizeof(b)));
    assert_false(s3_host_bucket("xlocalhost", "localhost", b, sizeof(b)));
}

static void test_range(void **state)
{
    (void)state;
    uint64_t s = 0, n = 0;
    assert_int_equal(s3_range_parse("bytes=0-9", 100, &s, &n), 1);
    assert_true(s == 0 && n == 10);
    assert_int_equal(s3_range_parse("bytes=90-", 100, &s, &n), 1);
    assert_true(s == 90 && n == 10);
    assert_int_equal(s3_range_parse("bytes=-5", 100, &s, &n), 1);
    assert_true(s == 95 && n == 5);
    assert_int_equal(s3_range_parse("bytes=-500", 100, &s, &n), 1);
    assert_true(s == 0 && n == 100);
    assert_int_equal(s3_range_parse("bytes=50-500", 100, &s, &n), 1);
    assert_true(s == 50 && n == 50);
    assert_int_equal(s3_range_parse("bytes=100-", 100, &s, &n), EMU_ERANGE);
    assert_int_equal(s3_range_parse("bytes=0-", 0, &s, &n), EMU_ERANGE);
    assert_int_equal(s3_range_parse("bytes=5-2", 100, &s, &n), 0);
    assert_int_equal(s3_range_parse("bytes=0-1,3-4", 100, &s, &n), 0);
    assert_int_equal(s3_range_parse("items=0-1", 100, &s, &n), 0);
    assert_int_equal(s3_range_parse("bytes=x-1", 100, &s, &n), 0);
    assert_int_equal(s3_range_parse("bytes=99999999999999999999999-", 100, &s, &n), 0);
}

static const char *const keys[] = {"a/1", "a/2", "a/b/3", "b", "c/1", "c/2", "d"};

static void list(const char *prefix, const char *delim, const char *after, size_t max,
                 const char *expect, bool truncated)
{
    struct s3_entry ents[7];
    struct s3_entry *ptrs[7];
    for (size_t i = 0; i < 7; i++) {
        memset(&ents[i], 0, sizeof(ents[i]));
        ents[i].key = (char *)(uintptr_t)keys[i];
        ptrs[i] = &ents[i];
    }
    struct s3_list_params p = {prefix, delim, after, max};
    struct s3_list_result res;
    assert_int_equal(s3_list_run(ptrs, 7, &p, &res), 0);
    char got[256] = "";
    for (size_t i = 0; i < res.n_items; i++) {
        const struct s3_list_item *it = &res.items[i];
        size_t len = strlen(got);
        if (it->entry) {
            snprintf(got + len, sizeof(got) - len, "%s%s", i ? " " : "", it->entry->key);
        }
        else {
            snprintf(got + len, sizeof(got) - len, "%sP:%.*s", i ? " " : "",
                     (int)it->prefix_len, it->prefix);
        }
    }
    assert_string_equal(got, expect);
    assert_int_equal(res.truncated, truncated);
    emu_free(res.items);
}

static void test_listing(void **state)
{
    (void)state;
    list("", NULL, NULL, 1000, "a/1 a/2 a/b/3 b c/1 c/2 d", false);
    list("", "/", NULL, 1000, "P:a/ b P:c/ d", false);
    list("a/", "/", NULL, 1000, "a/1 a/2 P:a/b/", false);
    list("", "/", NULL, 2, "P:a/ b", true);
    list("", "/", "b", 2, "P:c/ d", false);
    list("", "/", "a/", 1, "b", true);
    list("", NULL, "a/2", 2, "a/b/3 b", true);
    list("c", NULL, NULL, 1000, "c/1 c/2", false);
    list("", NULL, NULL, 0, "", true);
    list("zzz", "/", NULL, 1000, "", false);
    list("", "1", NULL, 1000, "P:a/1 a/2 a/b/3 b P:c/1 c/2 d", false);
}

static void test_xml(void **state)
{
    (void)state;
    static const char complete[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        "<Part><ETag>&quot;aaa&quot;</ETag><PartNumber>1</PartNumber></Part>"
        "<!-- c --><Part><PartNumber> 2 </PartNumber><ETag>\"bbb\"</ETag></Part>"
        "</CompleteMultipartUpload>";
    struct s3_complete_part parts[4];
    assert_int_equal(s3_xml_parse_complete(complete, strlen(complete), parts, 4), 2);
    assert_int_equal(parts[0].number, 1);
    assert_string_equal(parts[0].etag, "aaa");
    assert_int_equal(parts[1].number, 2);
    assert_string_equal(parts[1].etag, "bbb");
    assert_int_equal(s3_xml_parse_complete(complete, strlen(complete), parts, 1), EMU_E2BIG);
    static const char *const bad[] = {
        "", "<CompleteMultipartUpload>", "<CompleteMultipartUpload></Other>",
        ("<CompleteMultipartUpload><Part><PartNumber>x</PartNumber><ETag>1</ETag></Part>"
         "</CompleteMultipartUpload>"),
        "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><Delete/>",
        "<CompleteMultipartUpload/>", "<a>&bogus;</a>", "<a>&#0;</a>",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_true(s3_xml_parse_complete(bad[i], strlen(bad[i]), parts, 4) < 0);
    }
    static const char del[] = "<Delete><Quiet>true</Quiet><Object><Key>a&amp;b</Key></Object>"
                              "<Object><Key><![CDATA[<c>]]>&#x263A;</Key><VersionId>null"
                              "</VersionId></Object></Delete>";
    struct emu_arena a;
    emu_arena_init(&a, 1 << 20);
    const char *k[4];
    bool quiet = false;
    assert_int_equal(s3_xml_parse_delete(del, strlen(del), &a, k, 4, &quiet), 2);
    assert_true(quiet);
    assert_string_equal(k[0], "a&b");
    assert_string_equal(k[1], "<c>\xE2\x98\xBA");
    emu_arena_done(&a);
    char loc[64];
    static const char cfg[] = "<CreateBucketConfiguration><LocationConstraint>eu-west-1"
                              "</LocationConstraint></CreateBucketConfiguration>";
    assert_int_equal(s3_xml_parse_location(cfg, strlen(cfg), loc, sizeof(loc)), 0);
    assert_string_equal(loc, "eu-west-1");
    assert_int_equal(s3_xml_parse_location("", 0, loc, sizeof(loc)), 0);
    assert_string_equal(loc, "");
    /* Deep nesting is refused, not recursed into. */
    char deep[4096] = "";
    for (int i = 0; i < 100; i++) {
        memcpy(deep + 3 * i, "<a>", 4);
    }
    struct emu_arena a2;
    emu_arena_init(&a2, 1 << 20);
    struct s3_xml_node *root;
    assert_int_equal(s3_xml_parse(deep, strlen(deep), &a2, &root), EMU_E2BIG);
    emu_arena_done(&a2);
}

static void test_store_reopen(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_s3_store.XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct s3_store *st = NULL;
    assert_int_equal(s3_store_open(dir, &st), 0);
    assert_int_equal(s3_store_bucket_create(st, "bkt", "us-east-1"), 0);
    assert_int_equal(s3_store_bucket_create(st, "bkt", "us-east-1"), EMU_EEXIST);
    assert_int_equal(s3_store_bucket_create(st, "../x", "us-east-1"), EMU_EINVAL);
    struct s3_bucket *b = NULL;
    assert_int_equal(s3_store_bucket_get(st, "bkt", &b), 0);
    static const char *const names[] = {"../../etc/passwd", "z", "a//b/", "ü"};
    for (size_t i = 0; i < 4; i++) {
        struct s3_writer *w = NULL;
        assert_int_equal(s3_writer_open(b, 100, &w), 0);
        assert_int_equal(s3_writer_write(w, names[i], strlen(names[i])), 0);
        assert_int_equal(s3_writer_write(w, names[i], 101), EMU_E2BIG);
        struct s3_meta m = {0};
        m.key = emu_strdup(names[i]);
        m.size = strlen(names[i]);
        snprintf(m.etag, sizeof(m.etag), "etag%zu", i);
        assert_int_equal(s3_meta_add(&m, "Content-Type", "text/plain"), 0);
        assert_int_equal(s3_writer_commit_object(b, w, &m), 0);
        s3_writer_free(w);
        s3_meta_done(&m);
    }
    /* An abandoned writer leaves nothing behind. */
    struct s3_writer *w = NULL;
    assert_int_equal(s3_writer_open(b, 100, &w), 0);
    assert_int_equal(s3_writer_write(w, "partial", 7), 0);
    s3_writer_free(w);
    assert_int_equal(b->n_ents, 4);
    assert_int_equal(s3_object_delete(b, "z"), 0);
    s3_store_free(st);
    assert_int_equal(s3_store_open(dir, &st), 0);
    assert_int_equal(s3_store_bucket_get(st, "bkt", &b), 0);
    assert_int_equal(s3_bucket_index(b), 0);
    assert_int_equal(b->n_ents, 3);
    assert_string_equal(b->ents[0]->key, "../../etc/passwd");
    assert_string_equal(b->ents[1]->key, "a//b/");
    int fd = -1;
    struct s3_meta m = {0};
    assert_int_equal(s3_object_open(b, "a//b/", &fd, &m), 0);
    assert_int_equal(m.size, 5);
    assert_string_equal(s3_meta_get(&m, "content-type"), "text/plain");
    close(fd);
    s3_meta_done(&m);
    assert_int_equal(s3_object_open(b, "z", &fd, &m), EMU_ENOENT);
    assert_int_equal(s3_store_bucket_delete(st, "bkt"), -ENOTEMPTY);
    s3_store_free(st);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_upload_select(void **state)
{
    (void)state;
    static const char *const names[] = {"a/1", "a/1", "a/2", "b", "c/x", "c/y", "d"};
    struct s3_upload_info ups[7];
    memset(ups, 0, sizeof(ups));
    for (size_t i = 0; i < 7; i++) {
        snprintf(ups[i].id, sizeof(ups[i].id), "%032zu", i);
        ups[i].init.key = (char *)(uintptr_t)names[i];
    }
    long items[8];
    size_t lens[8];
    bool more = false;
    /* Paging by key-marker + upload-id-marker inside one key's uploads. */
    assert_int_equal(s3_upload_select(ups, 7, NULL, NULL, NULL, NULL, 1, items, lens, &more), 1);
    assert_true(more);
    assert_int_equal(items[0], 0);
    assert_int_equal(s3_upload_select(ups, 7, NULL, NULL, "a/1", ups[0].id, 2, items, lens,
                                      &more), 2);
    assert_int_equal(items[0], 1);
    assert_int_equal(items[1], 2);
    /* Without upload-id-marker, the key-marker's own uploads are skipped. */
    assert_int_equal(s3_upload_select(ups, 7, NULL, NULL, "a/1", NULL, 9, items, lens, &more), 5);
    assert_false(more);
    assert_int_equal(items[0], 2);
    /* Delimiter: common prefixes count once; a marker inside a group skips the group. */
    assert_int_equal(s3_upload_select(ups, 7, NULL, "/", NULL, NULL, 2, items, lens, &more), 2);
    assert_true(more);
    assert_int_equal(items[0], -1);
    assert_int_equal(lens[0], 2);
    assert_int_equal(items[1], 3);
    assert_int_equal(s3_upload_select(ups, 7, NULL, "/", "b", ups[3].id, 5, items, lens, &more),
                     2);
    assert_int_equal(items[0], -1 - 4);
    assert_int_equal(items[1], 6);
    assert_int_equal(s3_upload_select(ups, 7, NULL, "/", "a/", NULL, 5, items, lens, &more), 3);
    assert_int_equal(items[0], 3);
    /* Prefix with the delimiter: the uploads under it. */
    assert_int_equal(s3_upload_select(ups, 7, "c/", "/", NULL, NULL, 5, items, lens, &more), 2);
    assert_int_equal(items[0], 4);
    assert_int_equal(items[1], 5);
}

int main(void)
{
    long before = emu_mem_outstanding();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),   cmocka_unit_test(test_range),
        cmocka_unit_test(test_listing), cmocka_unit_test(test_xml),
        cmocka_unit_test(test_store_reopen), cmocka_unit_test(test_upload_select),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    if (emu_mem_outstanding() != before) {
        fprintf(stderr, "leak: %ld allocations outstanding\n", emu_mem_outstanding() - before);
        return 1;
    }
    return failed;
}
