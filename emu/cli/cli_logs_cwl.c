/* SPDX-License-Identifier: Apache-2.0 */
/* `fargate-emu logs cloudwatch://GROUP[/STREAM]`: reads the CloudWatch Logs shim's store
 * (<data-dir>/logs/<group>/group.json and <stream>.stream.jsonl, see
 * docs/shims/cloudwatch_logs.md) and prints the events as JSON lines, remembering how far each
 * stream was read so --follow prints only what is new. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "emu/base/err.h"
#include "emu/base/file.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"
#include "emu/cli/cli_logs.h"

#define STREAM_FILE_MAX (512u * 1024u * 1024u)
#define META_MAX (64u * 1024u)
#define CURSORS_MAX 100000u

struct cursor {
    char *path;
    size_t offset;
};

struct cwl_scan {
    struct emu_cli_logs_cwl *c;
    const char *group;  /* the group's name */
    const char *stream; /* the stream's name */
};

/* The string value of key in the first line of path (group.json or a stream header); only
 * the first META_MAX bytes are read. */
static int read_name(const char *path, const char *key, char *out, size_t n)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return -errno;
    }
    char *data = emu_malloc(META_MAX);
    size_t len = data ? fread(data, 1, META_MAX, f) : 0;
    (void)fclose(f);
    if (!data) {
        return -ENOMEM;
    }
    const char *nl = memchr(data, '\n', len);
    cJSON *root = NULL;
    struct emu_json_error err;
    int r = emu_json_parse(data, nl ? (size_t)(nl - data) : len, &root, &err);
    if (r == 0) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
        r = cJSON_IsString(v) ? 0 : -EBADMSG;
        if (r == 0) {
            (void)snprintf(out, n, "%s", v->valuestring);
        }
        cJSON_Delete(root);
    }
    emu_free(data);
    return r;
}

static size_t *cursor_of(struct emu_cli_logs_cwl *c, const char *path)
{
    struct cursor *cur = c->cursors;
    for (size_t i = 0; i < c->n_cursors; i++) {
        if (strcmp(cur[i].path, path) == 0) {
            return &cur[i].offset;
        }
    }
    if (c->n_cursors >= CURSORS_MAX) {
        return NULL;
    }
    struct cursor *n = emu_realloc(c->cursors, (c->n_cursors + 1) * sizeof(*n));
    if (!n) {
        return NULL;
    }
    c->cursors = n;
    n[c->n_cursors] = (struct cursor){.path = emu_strdup(path), .offset = 0};
    if (!n[c->n_cursors].path) {
        return NULL;
    }
    return &n[c->n_cursors++].offset;
}

void emu_cli_logs_print(const char *location, const char *line, size_t n, bool json)
{
    if (!json) {
        fwrite(line, 1, n, stdout);
        fputc('\n', stdout);
        return;
    }
    cJSON *rec = NULL;
    struct emu_json_error err;
    if (emu_json_parse(line, n, &rec, &err) < 0) {
        rec = NULL;
    }
    struct emu_buf b;
    emu_buf_init(&b, (size_t)64 * 1024 * 1024);
    int r = emu_buf_puts(&b, "{\"location\":");
    r = r ? r : emu_json_write_string(location, &b);
    r = r ? r : emu_buf_puts(&b, ",\"record\":");
    if (r == 0 && rec) {
        char *compact = emu_json_print(rec, 0);
        r = compact ? emu_buf_puts(&b, compact) : -ENOMEM;
        emu_free(compact);
    }
    else if (r == 0) {
        char *copy = emu_strndup(line, n);
        r = copy ? emu_json_write_string(copy, &b) : -ENOMEM;
        emu_free(copy);
    }
    r = r ? r : emu_buf_puts(&b, "}\n");
    if (r == 0) {
        fwrite(b.data, 1, b.len, stdout);
    }
    else {
        fprintf(stderr, "fargate-emu logs: %s: cannot print a record: %s\n", location,
                emu_strerror(r));
    }
    emu_buf_done(&b);
    cJSON_Delete(rec);
}

/* Prints the events of one stream file from its cursor on. */
static void print_stream(struct cwl_scan *s, const char *path)
{
    struct emu_cli_logs_cwl *c = s->c;
    char *data = NULL;
    size_t len = 0;
    if (emu_file_read(path, STREAM_FILE_MAX, &data, &len) < 0) {
        return;
    }
    size_t *off = c->follow ? cursor_of(c, path) : NULL;
    size_t pos = off ? *off : 0;
    if (pos == 0) {
        pos = strcspn(data, "\n") + 1; /* the header line */
    }
    unsigned long long here = 0;
    while (pos < len) {
        const char *p = data + pos, *nl = memchr(p, '\n', len - pos);
        if (!nl) {
            break; /* a line still being written */
        }
        size_t n = (size_t)(nl - p);
        cJSON *ev = NULL;
        struct emu_json_error err;
        if (n > 0 && emu_json_parse(p, n, &ev, &err) == 0) {
            const cJSON *m = cJSON_GetObjectItemCaseSensitive(ev, "message");
            const char *msg = cJSON_IsString(m) ? m->valuestring : "";
            if (!c->want || c->want(c->ud, s->stream, msg, strlen(msg))) {
                here++;
                if (!c->count) {
                    char where[1200];
                    (void)snprintf(where, sizeof(where), "cloudwatch://%s/%s", s->group,
                                   s->stream);
                    emu_cli_logs_print(where, p, n, c->json);
                }
            }
            cJSON_Delete(ev);
        }
        pos += n + 1;
    }
    if (off) {
        *off = pos;
    }
    if (here > 0 && !c->count) {
        fprintf(stderr, "cloudwatch://%s/%s: %llu event%s\n", s->group, s->stream, here,
                here == 1 ? "" : "s");
    }
    c->matched += here;
    emu_free(data);
}

/* Whether target (GROUP[/STREAM]) selects group; *ret_stream is the stream prefix ("" = all). */
static bool selects(const char *target, const char *group, const char **ret_stream)
{
    if (!target) {
        *ret_stream = "";
        return true;
    }
    size_t gl = strlen(group);
    if (strncmp(target, group, gl) != 0 || (target[gl] != '\0' && target[gl] != '/')) {
        return false;
    }
    *ret_stream = target[gl] ? target + gl + 1 : "";
    return true;
}

static void scan_group(struct emu_cli_logs_cwl *c, const char *dir, const char *group,
                       const char *stream_prefix)
{
    DIR *d = opendir(dir);
    if (!d) {
        return;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t nl = strlen(de->d_name), sl = strlen(".stream.jsonl");
        if (nl <= sl || strcmp(de->d_name + nl - sl, ".stream.jsonl") != 0) {
            continue;
        }
        char path[EMU_CLI_PATH_MAX + 1024], stream[1024];
        (void)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        if (read_name(path, "logStreamName", stream, sizeof(stream)) < 0 ||
            strncmp(stream, stream_prefix, strlen(stream_prefix)) != 0) {
            continue;
        }
        struct cwl_scan s = {.c = c, .group = group, .stream = stream};
        print_stream(&s, path);
    }
    closedir(d);
}

int emu_cli_logs_cwl_scan(struct emu_cli_logs_cwl *c)
{
    DIR *d = opendir(c->root);
    if (!d) {
        return errno == ENOENT ? 0 : -errno;
    }
    /* The longest group name that prefixes the target wins ("/ecs/app" over "/ecs"). */
    char best[1024] = "";
    bool any = false;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.') {
            continue;
        }
        char path[EMU_CLI_PATH_MAX + 1024], group[1024];
        (void)snprintf(path, sizeof(path), "%s/%s/group.json", c->root, de->d_name);
        const char *stream = NULL;
        if (read_name(path, "logGroupName", group, sizeof(group)) < 0 ||
            !selects(c->target, group, &stream)) {
            continue;
        }
        if (!c->target) {
            (void)snprintf(path, sizeof(path), "%s/%s", c->root, de->d_name);
            scan_group(c, path, group, "");
        }
        else if (!any || strlen(group) > strlen(best)) {
            (void)snprintf(best, sizeof(best), "%s", group);
            (void)snprintf(c->best_dir, sizeof(c->best_dir), "%s/%s", c->root, de->d_name);
            any = true;
        }
    }
    closedir(d);
    if (c->target && any) {
        const char *stream = "";
        (void)selects(c->target, best, &stream);
        scan_group(c, c->best_dir, best, stream);
    }
    fflush(stdout);
    return 0;
}

void emu_cli_logs_cwl_done(struct emu_cli_logs_cwl *c)
{
    struct cursor *cur = c->cursors;
    for (size_t i = 0; i < c->n_cursors; i++) {
        emu_free(cur[i].path);
    }
    emu_free(c->cursors);
    c->cursors = NULL;
    c->n_cursors = 0;
}
