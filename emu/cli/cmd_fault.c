/* SPDX-License-Identifier: Apache-2.0 */
/* `fargate-emu fault`: adds, lists, removes and clears the injected faults of a running
 * emulator through its control socket (<data-dir>/control.sock for serve,
 * <data-dir>/tasks/<id>.ctl for a task started by run); `list --json` prints the
 * emulator's answer as is, for scripts and CI. */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "emu/base/buf.h"
#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/cli/cli.h"
#include "emu/cli/cli_fault.h"
#include "emu/cli/cli_tasks.h"
#include "emu/cli/commands.h"

#define ANSWER_MAX (4u * 1024u * 1024u)

struct fault_opts {
    const char *task;
};

static const struct emu_cli_option fault_options[] = {
    {"task", "ID", EMU_OPT_COMMAND, offsetof(struct fault_opts, task), NULL,
     "the faults of the `fargate-emu run` supervising task ID (its control socket "
     "<data-dir>/tasks/ID.ctl); default: serve's, else the one running task started by run",
     EMU_OPT_SCALAR},
    {NULL, NULL, 0, 0, NULL, NULL, EMU_OPT_SCALAR},
};

/* The control socket to talk to: --task ID's, else serve's <data-dir>/control.sock when it
 * exists, else the only <data-dir>/tasks/<id>.ctl. Prints why and returns -1 when none or
 * several could be meant. */
static int pick_socket(const char *dir, const char *task, char *out, size_t n)
{
    if (task) {
        struct emu_task_state st;
        if (emu_cli_task_load(dir, "fault", task, &st) < 0) {
            return -1;
        }
        (void)snprintf(out, n, "%s/tasks/%s%s", dir, st.id, EMU_CLI_FAULT_TASK_SUFFIX);
        emu_task_state_done(&st);
        return 0;
    }
    struct stat sb;
    (void)snprintf(out, n, "%s/%s", dir, EMU_CLI_FAULT_SOCKET);
    if (stat(out, &sb) == 0) {
        return 0;
    }
    char tasks[EMU_CLI_PATH_MAX + 8];
    (void)snprintf(tasks, sizeof(tasks), "%s/tasks", dir);
    DIR *d = opendir(tasks);
    size_t found = 0;
    for (struct dirent *e = d ? readdir(d) : NULL; e; e = readdir(d)) {
        size_t len = strlen(e->d_name);
        size_t sl = strlen(EMU_CLI_FAULT_TASK_SUFFIX);
        if (len > sl && strcmp(e->d_name + len - sl, EMU_CLI_FAULT_TASK_SUFFIX) == 0) {
            found++;
            (void)snprintf(out, n, "%s/%s", tasks, e->d_name);
        }
    }
    if (d) {
        closedir(d);
    }
    if (found == 1) {
        return 0;
    }
    if (found > 1) {
        fprintf(stderr, "fargate-emu fault: %zu tasks started by `fargate-emu run` are running "
                        "in %s: name one with --task ID\n", found, dir);
        return -1;
    }
    (void)snprintf(out, n, "%s/%s", dir, EMU_CLI_FAULT_SOCKET);
    return 0;
}

/* Prints the rules of a list answer as a table. */
static void print_table(const cJSON *root)
{
    const cJSON *rules = cJSON_GetObjectItemCaseSensitive(root, "rules");
    const cJSON *seed = cJSON_GetObjectItemCaseSensitive(root, "seed");
    const cJSON *inj = cJSON_GetObjectItemCaseSensitive(root, "injected");
    printf("seed %.0f, %.0f faults injected\n", cJSON_IsNumber(seed) ? seed->valuedouble : 0.0,
           cJSON_IsNumber(inj) ? inj->valuedouble : 0.0);
    if (cJSON_GetArraySize(rules) == 0) {
        printf("no fault rules\n");
        return;
    }
    printf("%-4s %-8s %-8s %8s %8s  %s\n", "ID", "ACTION", "STATE", "MATCHED", "INJECTED",
           "SPEC");
    const cJSON *r;
    cJSON_ArrayForEach(r, rules)
    {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(r, "id");
        const cJSON *act = cJSON_GetObjectItemCaseSensitive(r, "action");
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(r, "state");
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(r, "matched");
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(r, "injected");
        const cJSON *spec = cJSON_GetObjectItemCaseSensitive(r, "spec");
        printf("%-4.0f %-8s %-8s %8.0f %8.0f  %s\n", cJSON_IsNumber(id) ? id->valuedouble : 0.0,
               cJSON_IsString(act) ? act->valuestring : "?",
               cJSON_IsString(st) ? st->valuestring : "?",
               cJSON_IsNumber(m) ? m->valuedouble : 0.0, cJSON_IsNumber(n) ? n->valuedouble : 0.0,
               cJSON_IsString(spec) ? spec->valuestring : "?");
    }
}

/* Sends one request and reports; returns an exit code. */
static int request(const char *sock, const char *verb, const char *line, bool json)
{
    struct emu_buf ans;
    emu_buf_init(&ans, ANSWER_MAX);
    int r = emu_cli_fault_request_path(sock, line, &ans);
    if (r == EMU_ENOENT || r == EMU_ECONNREFUSED) {
        fprintf(stderr, "fargate-emu fault: no emulator is running on %s (start `fargate-emu serve` or "
                        "`fargate-emu run` with the same --data-dir)\n", sock);
        emu_buf_done(&ans);
        return EMU_EXIT_FAILURE;
    }
    if (r < 0) {
        fprintf(stderr, "fargate-emu fault: control socket %s: %s\n", sock, emu_strerror(r));
        emu_buf_done(&ans);
        return EMU_EXIT_FAILURE;
    }
    cJSON *root = NULL;
    struct emu_json_error jerr;
    int code = EMU_EXIT_OK;
    if (emu_json_parse(ans.data, ans.len, &root, &jerr) < 0 || !cJSON_IsObject(root)) {
        fprintf(stderr, "fargate-emu fault: malformed answer from the emulator\n");
        code = EMU_EXIT_FAILURE;
    }
    else if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "ok"))) {
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "error");
        fprintf(stderr, "fargate-emu fault %s: %s\n", verb,
                cJSON_IsString(e) ? e->valuestring : "refused");
        code = EMU_EXIT_USAGE; /* the emulator refuses only input: a bad spec, an unknown id */
    }
    else if (json) {
        printf("%.*s\n", (int)strcspn(ans.data, "\n"), ans.data);
    }
    else if (strcmp(verb, "list") == 0) {
        print_table(root);
    }
    else if (strcmp(verb, "add") == 0) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(root, "id");
        printf("fault %.0f added: %s\n", cJSON_IsNumber(id) ? id->valuedouble : 0.0, line + 4);
    }
    else if (strcmp(verb, "clear") == 0) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(root, "removed");
        printf("%.0f fault rules removed\n", cJSON_IsNumber(n) ? n->valuedouble : 0.0);
    }
    else {
        printf("fault %s removed\n", line + 7);
    }
    cJSON_Delete(root);
    emu_buf_done(&ans);
    return code;
}

static int usage(void)
{
    fprintf(stderr, "usage: fargate-emu fault %s\n", emu_cmd_fault.usage);
    return EMU_EXIT_USAGE;
}

static int exec_fault(const struct emu_cli_global *g, void *optsp, int argc, char **argv)
{
    const struct fault_opts *o = optsp;
    if (argc < 1) {
        return usage();
    }
    const char *verb = argv[0];
    bool needs_arg = strcmp(verb, "add") == 0 || strcmp(verb, "remove") == 0;
    bool bare = strcmp(verb, "list") == 0 || strcmp(verb, "clear") == 0;
    if ((!needs_arg && !bare) || (bare && argc != 1) || (needs_arg && argc < 2) ||
        (strcmp(verb, "remove") == 0 && argc != 2)) {
        return usage();
    }
    char dir[EMU_CLI_PATH_MAX];
    if (emu_cli_data_dir(g, "fault", dir, sizeof(dir)) < 0) {
        return EMU_EXIT_USAGE;
    }
    char sock[EMU_CLI_PATH_MAX + 320];
    if (pick_socket(dir, o->task, sock, sizeof(sock)) < 0) {
        return o->task ? EMU_EXIT_USAGE : EMU_EXIT_FAILURE;
    }
    if (bare) {
        return request(sock, verb, verb, g->json);
    }
    int code = EMU_EXIT_OK;
    for (int i = 1; i < argc && code == EMU_EXIT_OK; i++) {
        char line[SHIM_FAULT_CTL_MAX_LINE + 1];
        int n = snprintf(line, sizeof(line), "%s %s", verb, argv[i]);
        if (n < 0 || (size_t)n >= sizeof(line) || strchr(argv[i], '\n')) {
            fprintf(stderr, "fargate-emu fault %s: argument too long or holds a newline\n",
                    verb);
            return EMU_EXIT_USAGE;
        }
        code = request(sock, verb, line, g->json);
    }
    return code;
}

static const struct emu_cli_exit fault_exits[] = {
    {EMU_EXIT_OK, "done (list: listed)"},
    {EMU_EXIT_FAILURE, "no emulator is running with that data dir, or its control socket could "
                       "not be used"},
    {EMU_EXIT_USAGE, "usage error, an invalid fault SPEC (with the position of the mistake) or "
                     "no fault rule with that ID"},
    {0, NULL},
};

const struct emu_cli_command emu_cmd_fault = {
    .name = "fault",
    .summary = "Change the injected faults of a running emulator: add SPEC..., list, "
               "remove ID, clear (see docs/faults.md).",
    .usage = "[--data-dir DIR] [--task ID] [--json] add SPEC... | list | remove ID | clear",
    .description = "Talks to the emulator (`serve`, or a `run` supervisor) whose data dir is "
                   "given, through <data-dir>/control.sock (a `run` task: --task ID, through "
                   "<data-dir>/tasks/<id>.ctl). With --json every verb prints the "
                   "emulator's answer as one JSON line: {\"ok\": true, \"id\": N} for add, "
                   "{\"ok\": true, \"seed\": N, \"injected\": N, \"rules\": [...]} for list, "
                   "{\"ok\": true, \"removed\": N} for clear, {\"ok\": true} for remove; the SPEC grammar is in "
                   "docs/faults.md.",
    .options = fault_options,
    .exit_codes = fault_exits,
    .opts_size = sizeof(struct fault_opts),
    .reads_taskdef = false,
    .exec = exec_fault,
};
