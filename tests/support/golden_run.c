/* SPDX-License-Identifier: Apache-2.0 */
/* Golden CLI case runner: runs `fargate-emu <args>` inside a fixture directory and compares its
 * stdout, stderr and exit status byte for byte (memcmp) with expected.stdout, expected.stderr
 * and expected.exit. A missing expected.stdout/stderr means that stream must be empty; a
 * missing expected.exit means 0. Usage: golden_run FARGATE_EMU CASE_DIR */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "emu/base/file.h"
#include "emu/base/mem.h"

#define MAX_ARGS 128
#define MAX_OUTPUT (64u * 1024u * 1024u)

extern char **environ;

static char *read_or_empty(const char *dir, const char *name, size_t *len, int *present)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    char *data = NULL;
    int r = emu_file_read(path, MAX_OUTPUT, &data, len);
    *present = r == 0;
    if (r < 0) {
        *len = 0;
        return emu_strdup("");
    }
    return data;
}

static int compare(const char *what, const char *want, size_t want_len, const char *got,
                   size_t got_len)
{
    if (want_len == got_len && memcmp(want, got, want_len) == 0) {
        return 0;
    }
    size_t i = 0;
    while (i < want_len && i < got_len && want[i] == got[i]) {
        i++;
    }
    fprintf(stderr, "MISMATCH in %s at byte %zu (expected %zu bytes, got %zu)\n", what, i,
            want_len, got_len);
    fprintf(stderr, "--- expected ---\n%.*s\n--- got ---\n%.*s\n--- end ---\n", (int)want_len,
            want, (int)got_len, got);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: golden_run FARGATE_EMU CASE_DIR\n");
        return 2;
    }
    char *bin = argv[1];
    const char *dir = argv[2];
    size_t args_len;
    int present;
    char *args = read_or_empty(dir, "args", &args_len, &present);
    if (!present) {
        fprintf(stderr, "%s/args is missing\n", dir);
        return 2;
    }
    char *av[MAX_ARGS + 2];
    int ac = 0;
    av[ac++] = bin;
    for (char *line = args; *line && ac < MAX_ARGS;) {
        char *nl = strchr(line, '\n');
        if (nl) {
            *nl = '\0';
        }
        av[ac++] = line;
        if (!nl) {
            break;
        }
        line = nl + 1;
    }
    av[ac] = NULL;

    char out_path[] = "/tmp/golden-out-XXXXXX";
    char err_path[] = "/tmp/golden-err-XXXXXX";
    int out_fd = mkstemp(out_path);
    int err_fd = mkstemp(err_path);
    if (out_fd < 0 || err_fd < 0) {
        perror("mkstemp");
        return 2;
    }
    if (chdir(dir) < 0) {
        perror(dir);
        return 2;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, err_fd, STDERR_FILENO);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    pid_t pid;
    int r = posix_spawn(&pid, bin, &fa, NULL, av, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (r != 0) {
        fprintf(stderr, "spawn %s: %s\n", bin, strerror(r));
        return 2;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    close(out_fd);
    close(err_fd);

    size_t got_out_len, got_err_len;
    char *got_out = NULL, *got_err = NULL;
    if (emu_file_read(out_path, MAX_OUTPUT, &got_out, &got_out_len) < 0 ||
        emu_file_read(err_path, MAX_OUTPUT, &got_err, &got_err_len) < 0) {
        fprintf(stderr, "cannot read captured output\n");
        return 2;
    }
    unlink(out_path);
    unlink(err_path);

    size_t want_out_len, want_err_len, want_exit_len;
    char *want_out = read_or_empty(".", "expected.stdout", &want_out_len, &present);
    char *want_err = read_or_empty(".", "expected.stderr", &want_err_len, &present);
    char *want_exit_s = read_or_empty(".", "expected.exit", &want_exit_len, &present);
    long want_exit = present ? strtol(want_exit_s, NULL, 10) : 0;

    int failed = 0;
    if (!WIFEXITED(status)) {
        fprintf(stderr, "fargate-emu did not exit normally (status 0x%x)\n", status);
        failed = 1;
    }
    else if (WEXITSTATUS(status) != want_exit) {
        fprintf(stderr, "exit status %d, expected %ld\n", WEXITSTATUS(status), want_exit);
        failed = 1;
    }
    failed |= compare("stdout", want_out, want_out_len, got_out, got_out_len);
    failed |= compare("stderr", want_err, want_err_len, got_err, got_err_len);
    emu_free(args);
    emu_free(got_out);
    emu_free(got_err);
    emu_free(want_out);
    emu_free(want_err);
    emu_free(want_exit_s);
    printf("%s: %s\n", dir, failed ? "FAILED" : "ok");
    return failed;
}
