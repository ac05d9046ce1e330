/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the image map loader of `run`: map file syntax (comments, blanks, spaces around
 * '='), repeatable flags with comma lists, flags overriding the file, and errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "emu/base/err.h"
#include "emu/base/mem.h"
#include "emu/cli/cli_image_map.h"

static char *write_tmp(const char *text)
{
    static char path[64];
    snprintf(path, sizeof(path), "/tmp/emu-image-map-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

static void file_then_flags(void **state)
{
    long before = emu_mem_outstanding();
    char *path = write_tmp("# seed images\n\n  ecr.example/fluent-bit-s3:2.32.4 = local/fb-s3 \r\n"
                           "nginx=local/nginx\nbusybox=old/busybox");
    struct emu_cli_list flags = {.items = {"busybox=new/busybox,a=b", "c=d"}, .n = 2};
    struct emu_docker_image_map map;
    emu_docker_image_map_init(&map);
    assert_int_equal(emu_cli_image_map_load(&flags, path, &map), 0);
    assert_string_equal(emu_docker_image_map_apply(&map, "ecr.example/fluent-bit-s3:2.32.4"),
                        "local/fb-s3");
    assert_string_equal(emu_docker_image_map_apply(&map, "nginx"), "local/nginx");
    assert_string_equal(emu_docker_image_map_apply(&map, "busybox"), "new/busybox");
    assert_string_equal(emu_docker_image_map_apply(&map, "a"), "b");
    assert_string_equal(emu_docker_image_map_apply(&map, "c"), "d");
    assert_string_equal(emu_docker_image_map_apply(&map, "other"), "other");
    emu_docker_image_map_done(&map);
    unlink(path);
    assert_int_equal(emu_mem_outstanding(), before);
}

static void errors_are_usage_errors(void **state)
{
    struct emu_docker_image_map map;
    emu_docker_image_map_init(&map);
    char *path = write_tmp("ok=fine\nnot a mapping\n");
    struct emu_cli_list none = {.n = 0};
    assert_int_equal(emu_cli_image_map_load(&none, path, &map), EMU_EUSAGE);
    unlink(path);
    assert_int_equal(emu_cli_image_map_load(&none, "/nonexistent/map", &map), EMU_EUSAGE);
    struct emu_cli_list bad = {.items = {"=x"}, .n = 1};
    assert_int_equal(emu_cli_image_map_load(&bad, NULL, &map), EMU_EUSAGE);
    emu_docker_image_map_done(&map);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(file_then_flags),
        cmocka_unit_test(errors_are_usage_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
