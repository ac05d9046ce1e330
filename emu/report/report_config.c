/* SPDX-License-Identifier: Apache-2.0 */
/* The task's destinations from its router config, parsed with the router's own Fluent Bit
 * parser: the snapshot the runtime keeps (<id>.out/.router/<path in the router>, loaded from
 * fluent-bit.conf with its @INCLUDEs as the router resolves them), or for a task without one
 * every *.conf of the live FireLens config dir on its own. Each [OUTPUT] of s3,
 * cloudwatch_logs or cloudwatch becomes a destination. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "emu/base/diag.h"
#include "emu/base/err.h"
#include "emu/base/file.h"
#include "emu/base/mem.h"
#include "emu/report/report_int.h"
#include "emu/router/config.h"

#define MAX_FILES 64

static void copy(char *dst, size_t n, const char *src)
{
    (void)snprintf(dst, n, "%s", src ? src : "");
}

/* The fixed start of an s3_key_format, before its first $ or % (leading '/' dropped as the
 * output drops it from keys). */
static void key_prefix(const char *fmt, char *out, size_t n)
{
    while (*fmt == '/') {
        fmt++;
    }
    size_t len = strcspn(fmt, "$%");
    (void)snprintf(out, n, "%.*s", (int)len, fmt);
}

static bool same(const struct emu_report_dest *a, const struct emu_report_dest *b)
{
    return a->kind == b->kind && strcmp(a->name, b->name) == 0 &&
           strcmp(a->prefix, b->prefix) == 0 && strcmp(a->stream, b->stream) == 0;
}

static void add_output(struct emu_report *r, const struct emu_router_section *sec)
{
    const char *name = emu_router_section_get(sec, "Name");
    if (!name || r->n_dests >= EMU_REPORT_MAX_DESTS) {
        return;
    }
    struct emu_report_dest d;
    memset(&d, 0, sizeof(d));
    copy(d.plugin, sizeof(d.plugin), name);
    (void)snprintf(d.where, sizeof(d.where), "%s:%u", sec->file, sec->line);
    if (strcasecmp(name, "s3") == 0) {
        const char *bucket = emu_router_section_get(sec, "bucket");
        const char *fmt = emu_router_section_get(sec, "s3_key_format");
        const char *dk = emu_router_section_get(sec, "json_date_key");
        if (!bucket || !*bucket) {
            return;
        }
        d.kind = EMU_REPORT_S3;
        copy(d.bucket, sizeof(d.bucket), bucket);
        (void)snprintf(d.name, sizeof(d.name), "s3://%s", bucket);
        key_prefix(fmt ? fmt : "/fluent-bit-logs/$TAG/%Y/%m/%d/%H/%M/%S", d.prefix,
                   sizeof(d.prefix));
        copy(d.date_key, sizeof(d.date_key),
             !dk ? "date" : strcasecmp(dk, "false") == 0 || strcasecmp(dk, "off") == 0 ? "" : dk);
    }
    else if (strcasecmp(name, "cloudwatch_logs") == 0 || strcasecmp(name, "cloudwatch") == 0) {
        const char *group = emu_router_section_get(sec, "log_group_name");
        if (!group || !*group) {
            return;
        }
        d.kind = EMU_REPORT_CWL;
        copy(d.group, sizeof(d.group), group);
        copy(d.stream, sizeof(d.stream), emu_router_section_get(sec, "log_stream_name"));
        copy(d.prefix, sizeof(d.prefix), emu_router_section_get(sec, "log_stream_prefix"));
        (void)snprintf(d.name, sizeof(d.name), "cloudwatch://%s", group);
    }
    else {
        return;
    }
    for (size_t i = 0; i < r->n_dests; i++) {
        if (same(&r->dests[i], &d)) {
            return;
        }
    }
    r->dests[r->n_dests++] = d;
}

/* @INCLUDE lines are blanked: every included file the run wrote is in the same directory and
 * read on its own (the originals are inside the router image). */
static void blank_includes(char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && (s[j] == ' ' || s[j] == '\t')) {
            j++;
        }
        bool inc = len - j >= 8 && strncasecmp(s + j, "@INCLUDE", 8) == 0;
        while (i < len && s[i] != '\n') {
            if (inc) {
                s[i] = ' ';
            }
            i++;
        }
        i++;
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_outputs(struct emu_report *r, const struct emu_router_config *cf);

static void read_one(const char *dir, const char *name, struct emu_report *r)
{
    char path[4400];
    int n = snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        return;
    }
    char *data = NULL;
    size_t len = 0;
    int rv = emu_file_read(path, EMU_ROUTER_CONF_MAX_FILE, &data, &len);
    if (rv < 0) {
        emu__report_note(r, "%s: %s", path, emu_strerror(rv));
        return;
    }
    blank_includes(data, len);
    struct emu_router_config_env env = {0};
    struct emu_router_config *cf = NULL;
    struct emu_diags diags;
    emu_diags_init(&diags);
    rv = emu_router_config_load_buffer(path, data, len, &env, &cf, &diags);
    if (rv < 0) {
        emu__report_note(r, "%s", diags.n ? diags.items[0].message : emu_strerror(rv));
    }
    add_outputs(r, cf);
    emu_router_config_free(cf);
    emu_diags_done(&diags);
    emu_free(data);
}

static void add_outputs(struct emu_report *r, const struct emu_router_config *cf)
{
    for (size_t i = 0; cf && i < cf->n_sections; i++) {
        if (cf->sections[i].kind == EMU_RSEC_OUTPUT) {
            add_output(r, &cf->sections[i]);
        }
    }
}

/* The path in the router of the file it loads: <root>.main (the runtime's .router.main
 * beside .router), else Fluent Bit's default. */
static void router_main(const char *root, char *out, size_t n)
{
    char path[4200], *data = NULL;
    size_t len = 0;
    (void)snprintf(out, n, "/fluent-bit/etc/fluent-bit.conf");
    int m = snprintf(path, sizeof(path), "%s.main", root);
    if (m < 0 || (size_t)m >= sizeof(path) || emu_file_read(path, 4096, &data, &len) < 0) {
        return;
    }
    while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == ' ')) {
        data[--len] = '\0';
    }
    if (len > 1 && len < n && data[0] == '/' && strlen(data) == len && !strstr(data, "/../")) {
        memcpy(out, data, len + 1);
    }
    emu_free(data);
}

int emu__report_dests_snapshot(const char *root, struct emu_report *r)
{
    char main_path[4096], path[8200];
    router_main(root, main_path, sizeof(main_path));
    int n = snprintf(path, sizeof(path), "%s%s", root, main_path);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        return EMU_ENAMETOOLONG;
    }
    struct emu_router_config_env env = {.root = root};
    struct emu_router_config *cf = NULL;
    struct emu_diags diags;
    emu_diags_init(&diags);
    int rv = emu_router_config_load(path, &env, &cf, &diags);
    if (rv == EMU_ENOMEM) {
        emu_diags_done(&diags);
        return rv;
    }
    if (rv < 0) {
        emu__report_note(r, "%s", diags.n ? diags.items[0].message : emu_strerror(rv));
    }
    add_outputs(r, cf);
    emu_router_config_free(cf);
    emu_diags_done(&diags);
    return 0;
}

int emu__report_dests(const char *dir, struct emu_report *r)
{
    DIR *dp = opendir(dir);
    if (!dp) {
        return EMU_ENOENT;
    }
    char *names[MAX_FILES];
    size_t n = 0;
    struct dirent *de;
    int rv = 0;
    while ((de = readdir(dp)) != NULL && n < MAX_FILES) {
        size_t len = strlen(de->d_name);
        if (len > 5 && strcmp(de->d_name + len - 5, ".conf") == 0) {
            names[n] = emu_malloc(len + 1);
            if (!names[n]) {
                rv = EMU_ENOMEM;
                break;
            }
            memcpy(names[n++], de->d_name, len + 1);
        }
    }
    closedir(dp);
    qsort(names, n, sizeof(names[0]), cmp_str);
    for (size_t i = 0; i < n; i++) {
        if (rv == 0) {
            read_one(dir, names[i], r);
        }
        emu_free(names[i]);
    }
    return rv;
}
