/* SPDX-License-Identifier: Apache-2.0 */
/* emu-router: the standalone Fluent-Bit-compatible log router (installed as
 * /fluent-bit/bin/fluent-bit in the emu-router image). Parses fluent-bit's command line,
 * loads the classic config with the process environment, runs until SIGTERM/SIGINT, then
 * drains within Grace and exits 0. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "emu/base/buf.h"
#include "emu/base/diag.h"
#include "emu/base/err.h"
#include "emu/base/log.h"
#include "emu/base/mem.h"
#include "emu/router/config.h"
#include "emu/router/router.h"

extern char **environ;

struct main_state {
    struct emu_router *router;
    uv_signal_t sigterm, sigint;
};

static void usage(FILE *f)
{
    fputs("Usage: emu-router [OPTION]\n\n"
          "  -c, --config=FILE       specify an optional configuration file\n"
          "  -i, --input=INPUT       set an input\n"
          "  -F, --filter=FILTER     set a filter\n"
          "  -o, --output=OUTPUT     set an output\n"
          "  -p, --prop=\"A=B\"        set plugin configuration property\n"
          "  -m, --match=MATCH       set plugin match, same as '-p match=abc'\n"
          "  -t, --tag=TAG           set plugin tag, same as '-p tag=abc'\n"
          "  -f, --flush=SECONDS     flush timeout in seconds (default: 1)\n"
          "  -R, --parser=FILE       specify a parser configuration file\n"
          "  -e, --plugin=FILE       load an external plugin (accepted and ignored)\n"
          "  -v, --verbose           increase logging verbosity (-vv for trace)\n"
          "  -q, --quiet             quiet mode (errors only)\n"
          "  -D, --dry-run           validate the configuration and exit\n"
          "  -J, --json              print the plugins and their options as JSON\n"
          "  -h, --help              print this help and the plugins' options\n",
          f);
}

static void print_diags(const struct emu_diags *d)
{
    for (size_t i = 0; i < d->n; i++) {
        fprintf(stderr, "%s: %s\n", d->items[i].where, d->items[i].message);
    }
}

static int print_help(int json)
{
    struct emu_buf b;
    emu_buf_init(&b, 4u * 1024u * 1024u);
    if (!json) {
        usage(stdout);
        fputs("\n", stdout);
    }
    int r = emu_router_help(&b, json);
    if (r == 0 && b.data) {
        fputs(b.data, stdout);
    }
    emu_buf_done(&b);
    return r < 0 ? 1 : 0;
}

static void on_stopped(struct emu_router *r, void *data)
{
    struct main_state *st = data;
    (void)r;
    uv_close((uv_handle_t *)&st->sigterm, NULL);
    uv_close((uv_handle_t *)&st->sigint, NULL);
    uv_stop(uv_default_loop());
}

static void on_signal(uv_signal_t *h, int signum)
{
    struct main_state *st = h->data;
    emu_log_info("[engine] caught signal (%s)", signum == SIGTERM ? "SIGTERM" : "SIGINT");
    emu_router_stop(st->router, on_stopped, st);
}

/* Adds -p KEY=VALUE (or -m/-t) to the section the last -i/-F/-o opened. */
static int cli_prop(struct emu_router_config *cf, struct emu_router_section *sec,
                    const char *key, const char *value)
{
    if (!sec) {
        fprintf(stderr, "emu-router: -p/-m/-t must follow -i, -F or -o\n");
        return -EINVAL;
    }
    return emu_router_config_add_prop(cf, sec, key, value, "command line", 0);
}

static int run(struct emu_router_config *cf, const struct emu_router_config_env *env,
               int dry_run, int verbosity)
{
    struct main_state st = {0};
    struct emu_diags diags;
    uv_loop_t *loop = uv_default_loop();
    int rc;
    emu_diags_init(&diags);
    st.router = emu_router_new(loop);
    if (!st.router) {
        return 1;
    }
    emu_router_set_env(st.router, env);
    emu_router_set_envp(st.router, (const char *const *)environ);
    rc = emu_router_configure(st.router, cf, &diags);
    if (rc < 0) {
        print_diags(&diags);
        emu_diags_done(&diags);
        emu_router_free(st.router);
        return 1;
    }
    emu_diags_done(&diags);
    if (dry_run) {
        printf("configuration test is successful\n");
        emu_router_free(st.router);
        return 0;
    }
    if (verbosity == 0) {
        enum emu_log_level lvl =
            emu_log_level_from_string(emu_router_get_service(st.router)->log_level);
        if (lvl != _EMU_LOG_LEVEL_INVALID) {
            emu_log_set_level(lvl);
        }
    }
    uv_signal_init(loop, &st.sigterm);
    uv_signal_init(loop, &st.sigint);
    st.sigterm.data = &st;
    st.sigint.data = &st;
    uv_signal_start(&st.sigterm, on_signal, SIGTERM);
    uv_signal_start(&st.sigint, on_signal, SIGINT);
    signal(SIGPIPE, SIG_IGN);
    rc = emu_router_start(st.router);
    if (rc < 0) {
        emu_router_stop(st.router, on_stopped, &st);
    }
    else {
        emu_log_info("[engine] started (emu-router %s)", EMU_VERSION);
    }
    uv_run(loop, UV_RUN_DEFAULT);
    const struct emu_router_stats *s = emu_router_get_stats(st.router);
    emu_log_info("[engine] records in %llu, out %llu, dropped %llu",
                 (unsigned long long)s->records_in, (unsigned long long)s->records_out,
                 (unsigned long long)s->records_dropped);
    emu_router_free(st.router);
    uv_run(loop, UV_RUN_NOWAIT);
    (void)uv_loop_close(loop);
    return rc < 0 ? 1 : 0;
}

/* Test only: EMU_ROUTER_TEST_LEAK=N leaks four blocks of N bytes (1..4096) on purpose, so that
 * tests/e2e/runtime/e2e_run_router_sanitized.sh can show a LeakSanitizer report of the router
 * inside its container fails it. No pointer to a block is kept; nothing in a build without
 * LeakSanitizer but the lost bytes. */
static void test_leak(void)
{
    const char *v = getenv("EMU_ROUTER_TEST_LEAK");
    char *end = NULL;
    long n = v ? strtol(v, &end, 10) : 0;
    if (!v || end == v || *end != '\0' || n < 1 || n > 4096) {
        return;
    }
    for (int i = 0; i < 4; i++) {
        char *volatile p = emu_malloc((size_t)n);
        if (p) {
            memset(p, 'L', (size_t)n);
        }
        p = NULL;
    }
    emu_log_warn("[engine] EMU_ROUTER_TEST_LEAK: leaked 4 blocks of %ld bytes on purpose", n);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'}, {"input", required_argument, NULL, 'i'},
        {"filter", required_argument, NULL, 'F'}, {"output", required_argument, NULL, 'o'},
        {"prop", required_argument, NULL, 'p'},   {"match", required_argument, NULL, 'm'},
        {"tag", required_argument, NULL, 't'},    {"flush", required_argument, NULL, 'f'},
        {"parser", required_argument, NULL, 'R'}, {"plugin", required_argument, NULL, 'e'},
        {"verbose", no_argument, NULL, 'v'},      {"quiet", no_argument, NULL, 'q'},
        {"dry-run", no_argument, NULL, 'D'},      {"json", no_argument, NULL, 'J'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    struct emu_router_config_env env = {.envp = (const char *const *)environ};
    struct emu_router_config *cf = NULL;
    struct emu_router_section *last = NULL;
    struct emu_diags diags;
    const char *config = NULL, *flush = NULL;
    int dry_run = 0, verbosity = 0, opt, rc = 0;
    emu_log_set_program("emu-router");
    emu_diags_init(&diags);
    /* The config file is loaded first so that -i/-o sections follow its sections. */
    for (int i = 1; i + 1 < argc; i++) {
        if (strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) {
            config = argv[i + 1];
        }
    }
    if (config) {
        rc = emu_router_config_load(config, &env, &cf, &diags);
    }
    else {
        cf = emu_router_config_new();
        rc = cf ? 0 : -ENOMEM;
    }
    if (rc < 0) {
        print_diags(&diags);
        emu_diags_done(&diags);
        return 1;
    }
    while (rc == 0 && (opt = getopt_long(argc, argv, "c:i:F:o:p:m:t:f:R:e:vqDJh", longopts,
                                         NULL)) != -1) {
        char *eq;
        switch (opt) {
        case 'c':
            break;
        case 'i':
        case 'F':
        case 'o':
            last = emu_router_config_add_section(
                cf, opt == 'i' ? EMU_RSEC_INPUT : opt == 'F' ? EMU_RSEC_FILTER : EMU_RSEC_OUTPUT,
                "command line", 0);
            rc = last ? emu_router_config_add_prop(cf, last, "Name", optarg, "command line", 0)
                      : -ENOMEM;
            break;
        case 'p':
            eq = strchr(optarg, '=');
            if (!eq) {
                fprintf(stderr, "emu-router: -p expects KEY=VALUE\n");
                rc = -EINVAL;
                break;
            }
            *eq = '\0';
            rc = cli_prop(cf, last, optarg, eq + 1);
            break;
        case 'm':
            rc = cli_prop(cf, last, "Match", optarg);
            break;
        case 't':
            rc = cli_prop(cf, last, "Tag", optarg);
            break;
        case 'f':
            flush = optarg;
            break;
        case 'R':
            {
                /* Loaded with the config's Parsers_File entries (relative to the cwd). */
                struct emu_router_section *svc =
                    emu_router_config_add_section(cf, EMU_RSEC_SERVICE, "command line", 0);
                rc = svc ? emu_router_config_add_prop(cf, svc, "Parsers_File", optarg,
                                                      "command line", 0)
                         : -ENOMEM;
            }
            break;
        case 'e':
            fprintf(stderr, "emu-router: external plugins are not supported, ignoring %s\n",
                    optarg);
            break;
        case 'v':
            verbosity++;
            emu_log_set_level(verbosity > 1 ? EMU_LOG_TRACE : EMU_LOG_DEBUG);
            break;
        case 'q':
            verbosity = -1;
            emu_log_set_level(EMU_LOG_ERROR);
            break;
        case 'D':
            dry_run = 1;
            break;
        case 'J':
        case 'h':
            emu_router_config_free(cf);
            emu_diags_done(&diags);
            return print_help(opt == 'J');
        default:
            usage(stderr);
            rc = -EINVAL;
            break;
        }
    }
    if (rc == 0 && flush) {
        struct emu_router_section *svc =
            emu_router_config_add_section(cf, EMU_RSEC_SERVICE, "command line", 0);
        rc = svc ? emu_router_config_add_prop(cf, svc, "Flush", flush, "command line", 0)
                 : -ENOMEM;
    }
    emu_diags_done(&diags);
    if (rc == 0) {
        rc = run(cf, &env, dry_run, verbosity) ? -EINVAL : 0;
    }
    emu_router_config_free(cf);
    test_leak();
    return rc < 0 ? 1 : 0;
}
