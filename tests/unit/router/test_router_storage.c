/* SPDX-License-Identifier: Apache-2.0 */
/* Runtime test of storage.type filesystem with the emu-router binary: 50,000 records buffered
 * for an output that cannot deliver, SIGKILL, then a restart with a file output delivers every
 * record exactly once from the chunk files (torn leftovers are reported and removed) and leaves
 * the storage directory empty. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "emu/base/buf.h"
#include "emu/base/file.h"
#include "emu/base/mem.h"
#include "emu/router/chunkfile.h"
#include "tests/support/test_support.h"

#define N_RECORDS 50000

extern char **environ;

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void write_text(const char *path, const char *text)
{
    assert_int_equal(emu_file_write_atomic(path, text, strlen(text), 0600), 0);
}

/* Starts argv with stdout and stderr appended to log. */
static pid_t spawn(char *const argv[], const char *log)
{
    posix_spawn_file_actions_t fa;
    pid_t pid;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    assert_int_equal(posix_spawn(&pid, argv[0], &fa, NULL, argv, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    return pid;
}

static int wait_exit(pid_t pid)
{
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    return st;
}

/* Records in the chunk files of dir (and how many files there are). */
static size_t count_stored(const char *dir, size_t *ret_files)
{
    size_t n = 0;
    *ret_files = 0;
    DIR *d = opendir(dir);
    if (!d) {
        return 0;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        char path[1024], *data = NULL;
        size_t len = 0;
        struct emu_chunkfile cf;
        struct emu_buf out;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        (*ret_files)++;
        if (emu_file_read(path, 128u << 20, &data, &len) < 0) {
            continue;
        }
        emu_buf_init(&out, 128u << 20);
        if (emu_chunkfile_decode(data, len, &cf, &out) == 0) {
            n += cf.n;
        }
        emu_buf_done(&out);
        emu_free(data);
    }
    closedir(d);
    return n;
}

/* Lines of out.log, each seq seen at most once; returns the count. */
static size_t count_output(const char *path)
{
    size_t len = 0, lines = 0;
    char *text = NULL;
    if (emu_file_read(path, 256u << 20, &text, &len) < 0) {
        return 0;
    }
    unsigned char *seen = emu_calloc(N_RECORDS, 1);
    for (char *line = text; *line;) {
        char *nl = strchr(line, '\n');
        if (!nl) {
            break;
        }
        *nl = '\0';
        const char *seq = strstr(line, "\"log\":\"seq=");
        assert_non_null(seq);
        long k = strtol(seq + 11, NULL, 10);
        assert_true(k >= 0 && k < N_RECORDS);
        if (seen[k]) {
            fail_msg("record seq=%ld delivered twice", k);
        }
        seen[k] = 1;
        lines++;
        line = nl + 1;
    }
    emu_free(seen);
    emu_free(text);
    return lines;
}

static void test_sigkill_then_backlog(void **state)
{
    (void)state;
    char dir[] = "/tmp/emu-router-st-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char conf_a[1024], conf_b[1024], log_a[1024], log_b[1024], store[1024], out[1024];
    char sock[1024], text[4096];
    snprintf(conf_a, sizeof(conf_a), "%s/a.conf", dir);
    snprintf(conf_b, sizeof(conf_b), "%s/b.conf", dir);
    snprintf(log_a, sizeof(log_a), "%s/a.log", dir);
    snprintf(log_b, sizeof(log_b), "%s/b.log", dir);
    snprintf(store, sizeof(store), "%s/store/forward.0", dir);
    snprintf(out, sizeof(out), "%s/out.log", dir);
    snprintf(sock, sizeof(sock), "%s/fw.sock", dir);
    static const char svc[] = "[SERVICE]\n    Flush 1\n    Grace 5\n    storage.path %s/store\n"
                              "    storage.checksum on\n    storage.backlog.mem_limit %s\n"
                              "[INPUT]\n    Name forward\n    unix_path %s\n"
                              "    storage.type filesystem\n";
    int n = snprintf(text, sizeof(text), svc, dir, "5M", sock);
    snprintf(text + n, sizeof(text) - (size_t)n,
             "[OUTPUT]\n    Name http\n    Match *\n    Host 127.0.0.1\n    Port 1\n"
             "    Retry_Limit no_limits\n");
    write_text(conf_a, text);
    n = snprintf(text, sizeof(text), svc, dir, "1M", sock);
    snprintf(text + n, sizeof(text) - (size_t)n,
             "[OUTPUT]\n    Name file\n    Match *\n    Path %s\n    File out.log\n"
             "    Format plain\n",
             dir);
    write_text(conf_b, text);

    /* Run 1: the http output cannot connect; every record stays in chunk files. */
    char bin[] = EMU_ROUTER_BIN, c_flag[] = "-c";
    char *argv_a[] = {bin, c_flag, conf_a, NULL};
    pid_t router = spawn(argv_a, log_a);
    char python[] = "/usr/bin/python3", script[1024], count[32], mode[] = "packed";
    snprintf(script, sizeof(script), "%s", emu_test_source_path("tests/support/fw_send.py"));
    snprintf(count, sizeof(count), "%d", N_RECORDS);
    char *argv_send[] = {python, script, sock, count, mode, NULL};
    int st = wait_exit(spawn(argv_send, log_a));
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    size_t stored = 0, files = 0;
    for (int i = 0; i < 200 && stored < N_RECORDS; i++) {
        sleep_ms(100);
        stored = count_stored(store, &files);
    }
    assert_int_equal(stored, N_RECORDS);
    assert_true(files >= 2); /* ~11 MB of events: several 2 MB chunks */
    assert_int_equal(kill(router, SIGKILL), 0);
    st = wait_exit(router);
    assert_true(WIFSIGNALED(st));

    /* What a SIGKILL can leave besides: an empty file and one cut inside its first event. */
    char torn[2048];
    snprintf(torn, sizeof(torn), "%s/9999999999-000000000-99999998.chk", store);
    write_text(torn, "");
    static const unsigned char cut[] = {'E', 'M', 'C', 'K', 1, 1, 0, 1, 't', 0,    0,   0,
                                        40,  0,   0,   0,   1, 0, 0, 0, 0,   0x92, 0xd7};
    snprintf(torn, sizeof(torn), "%s/9999999999-000000000-99999999.chk", store);
    assert_int_equal(emu_file_write_atomic(torn, cut, sizeof(cut), 0600), 0);
    unlink(sock);
    /* A chunk file of an input that no longer exists is backlog too. */
    char gone[1024], moved[2048];
    snprintf(gone, sizeof(gone), "%s/store/gone.7", dir);
    assert_int_equal(mkdir(gone, 0700), 0);
    DIR *d = opendir(store);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL && e->d_name[0] == '.') {
    }
    assert_non_null(e);
    snprintf(torn, sizeof(torn), "%s/%s", store, e->d_name);
    snprintf(moved, sizeof(moved), "%s/%s", gone, e->d_name);
    closedir(d);
    assert_int_equal(rename(torn, moved), 0);

    /* Run 2: the backlog is delivered to a file output, in 1M batches, then deleted. */
    char *argv_b[] = {bin, c_flag, conf_b, NULL};
    router = spawn(argv_b, log_b);
    size_t lines = 0;
    for (int i = 0; i < 300; i++) {
        sleep_ms(100);
        lines = count_output(out);
        size_t gone_files = 0;
        stored = count_stored(store, &files) + count_stored(gone, &gone_files);
        files += gone_files;
        if (lines >= N_RECORDS && files == 0) {
            break;
        }
    }
    assert_int_equal(kill(router, SIGTERM), 0);
    st = wait_exit(router);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_int_equal(count_output(out), N_RECORDS);
    assert_int_equal(count_stored(store, &files), 0);
    assert_int_equal(files, 0);
    char *log = emu_test_read_file(log_b, NULL);
    assert_non_null(strstr(log, "holds no whole record, deleting it"));
    emu_free(log);

    const char *rm[] = {conf_a, conf_b, log_a, log_b, out};
    for (size_t i = 0; i < sizeof(rm) / sizeof(rm[0]); i++) {
        unlink(rm[i]);
    }
    assert_int_equal(rmdir(store), 0);
    assert_int_equal(rmdir(gone), 0);
    snprintf(store, sizeof(store), "%s/store", dir);
    assert_int_equal(rmdir(store), 0);
    assert_int_equal(rmdir(dir), 0);
}

/* storage.total_limit_size: a second burst for an output that keeps failing pushes out the
 * oldest chunk waiting for its retry, whose file is deleted. */
static void test_total_limit_size(void **state)
{
    (void)state;
    char dir[] = "/tmp/emu-router-st-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char conf[1024], log[1024], store[1024], sock[1024], text[4096];
    snprintf(conf, sizeof(conf), "%s/a.conf", dir);
    snprintf(log, sizeof(log), "%s/a.log", dir);
    snprintf(store, sizeof(store), "%s/store/forward.0", dir);
    snprintf(sock, sizeof(sock), "%s/fw.sock", dir);
    snprintf(
        text, sizeof(text),
        "[SERVICE]\n    Flush 1\n    Grace 1\n    scheduler.base 30\n    storage.path %s/store\n"
        "[INPUT]\n    Name forward\n    unix_path %s\n    storage.type filesystem\n"
        "[OUTPUT]\n    Name http\n    Match *\n    Host 127.0.0.1\n    Port 1\n"
        "    Retry_Limit no_limits\n    storage.total_limit_size 3M\n",
        dir, sock);
    write_text(conf, text);
    char bin[] = EMU_ROUTER_BIN, c_flag[] = "-c";
    char *argv_r[] = {bin, c_flag, conf, NULL};
    pid_t router = spawn(argv_r, log);
    char python[] = "/usr/bin/python3", script[1024], count[] = "10000", mode[] = "packed";
    snprintf(script, sizeof(script), "%s", emu_test_source_path("tests/support/fw_send.py"));
    char *argv_send[] = {python, script, sock, count, mode, NULL};
    size_t files = 0;
    for (int burst = 0; burst < 2; burst++) {
        int st = wait_exit(spawn(argv_send, log));
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        sleep_ms(2500); /* flushed, failed, waiting for the retry (scheduler.base 30 s) */
    }
    size_t stored = count_stored(store, &files);
    assert_int_equal(kill(router, SIGTERM), 0);
    int st = wait_exit(router);
    assert_true(WIFEXITED(st));
    char *text_log = emu_test_read_file(log, NULL);
    assert_non_null(strstr(text_log, "storage.total_limit_size 3000000 bytes reached"));
    emu_free(text_log);
    assert_true(stored > 0 && stored < 20000);
    /* The router stopped with the rest undelivered: those files stay for the next start. */
    assert_int_equal(count_stored(store, &files), stored);
    DIR *d = opendir(store);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] != '.') {
            char path[2048];
            snprintf(path, sizeof(path), "%s/%s", store, e->d_name);
            unlink(path);
        }
    }
    closedir(d);
    unlink(conf);
    unlink(log);
    rmdir(store);
    snprintf(store, sizeof(store), "%s/store", dir);
    rmdir(store);
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    if (access("/usr/bin/python3", X_OK) != 0) {
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sigkill_then_backlog),
        cmocka_unit_test(test_total_limit_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
