/* SPDX-License-Identifier: Apache-2.0 */
/* Reloads the CloudWatch Logs store at start: every group directory's group.json, every
 * stream file's header and event lines into the in-memory index. A torn last line (a crash
 * in the middle of a write) is cut off, so the file stays appendable. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu/base/err.h"
#include "emu/base/file.h"
#include "emu/base/json.h"
#include "emu/base/log.h"
#include "emu/base/mem.h"
#include "shims/cloudwatch_logs/cwl_internal.h"

#define MAX_LINE (9u * 1024u * 1024u)
#define READ_CHUNK (1u << 20)

/* Parses one event line (without '\n') that starts at file offset off. */
static int parse_event(const char *line, size_t len, uint64_t off, uint32_t seq,
                       struct cwl_ev *ev)
{
    static const char p1[] = "{\"timestamp\":", p2[] = ",\"ingestionTime\":",
                      p3[] = ",\"message\":";
    const char *s = line;
    char *end;
    if (len < sizeof(p1) || memcmp(s, p1, sizeof(p1) - 1) != 0) {
        return EMU_EBADMSG;
    }
    s += sizeof(p1) - 1;
    long long ts = strtoll(s, &end, 10);
    if (end == s || strncmp(end, p2, sizeof(p2) - 1) != 0) {
        return EMU_EBADMSG;
    }
    s = end + sizeof(p2) - 1;
    long long ing = strtoll(s, &end, 10);
    if (end == s || strncmp(end, p3, sizeof(p3) - 1) != 0) {
        return EMU_EBADMSG;
    }
    s = end + sizeof(p3) - 1;
    size_t at = (size_t)(s - line);
    if (len < at + 3 || line[at] != '"' || line[len - 1] != '}' || line[len - 2] != '"') {
        return EMU_EBADMSG;
    }
    *ev = (struct cwl_ev){ts, ing, off + at, (uint32_t)(len - 1 - at), seq};
    return 0;
}

/* Header line: name, creation time, id. */
static int parse_header(struct cwl_stream *st, const char *line, size_t len)
{
    cJSON *j = NULL;
    struct emu_json_error je;
    int r = emu_json_parse(line, len, &j, &je);
    if (r < 0) {
        return EMU_EBADMSG;
    }
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(j, "logStreamName");
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "creationTime");
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
    if (cJSON_IsString(n) && cJSON_IsNumber(c) && cJSON_IsNumber(id)) {
        st->name = emu_strdup(n->valuestring);
        st->created = (int64_t)c->valuedouble;
        st->id = (uint32_t)id->valuedouble;
        r = st->name ? 0 : EMU_ENOMEM;
    }
    else {
        r = EMU_EBADMSG;
    }
    cJSON_Delete(j);
    return r;
}

/* Feeds one complete line. */
static int load_line(struct cwl_stream *st, const char *line, size_t len, uint64_t off)
{
    if (!st->name) {
        return parse_header(st, line, len);
    }
    struct cwl_ev ev;
    int r = parse_event(line, len, off, st->next_seq, &ev);
    if (r < 0) {
        return r;
    }
    r = cwl__stream_index_add(st, &ev, 1);
    if (r == 0) {
        st->next_seq++;
        st->stored += ev.len - 2;
        if (ev.ingestion > st->last_ingestion) {
            st->last_ingestion = ev.ingestion;
        }
    }
    return r;
}

static int load_stream(struct cwl_stream *st)
{
    int fd = open(st->file, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    struct emu_buf line;
    emu_buf_init(&line, MAX_LINE);
    char *chunk = emu_malloc(READ_CHUNK);
    uint64_t off = 0, line_start = 0;
    int r = chunk ? 0 : EMU_ENOMEM;
    while (r == 0) {
        ssize_t got = read(fd, chunk, READ_CHUNK);
        if (got <= 0) {
            r = got < 0 ? -errno : 0;
            break;
        }
        size_t i = 0;
        while (r == 0 && i < (size_t)got) {
            const char *nl = memchr(chunk + i, '\n', (size_t)got - i);
            size_t take = nl ? (size_t)(nl - (chunk + i)) : (size_t)got - i;
            r = emu_buf_append(&line, chunk + i, take);
            i += take;
            off += take;
            if (r == 0 && nl) {
                r = load_line(st, line.data ? line.data : "", line.len, line_start);
                i++;
                off++;
                line_start = off;
                line.len = 0;
            }
        }
    }
    /* A partial or bad last line: cut it off so appends start on a clean line. */
    if ((r == 0 && line.len > 0) || r == EMU_EBADMSG) {
        emu_log_warn("cloudwatch-logs: '%s' ends with a torn line at %" PRIu64 ", truncating",
                     st->file, line_start);
        r = ftruncate(fd, (off_t)line_start) < 0 ? -errno : 0;
        off = line_start;
    }
    st->size = off;
    close(fd);
    emu_free(chunk);
    emu_buf_done(&line);
    return st->name ? r : (r ? r : EMU_EBADMSG);
}

static int load_group_meta(struct cwl_group *g, const char *path)
{
    char *data = NULL;
    size_t len = 0;
    int r = emu_file_read(path, 1024 * 1024, &data, &len);
    if (r < 0) {
        return r;
    }
    cJSON *j = NULL;
    struct emu_json_error je;
    r = emu_json_parse(data, len, &j, &je);
    emu_free(data);
    if (r < 0) {
        return EMU_EBADMSG;
    }
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(j, "logGroupName");
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "creationTime");
    const cJSON *ret = cJSON_GetObjectItemCaseSensitive(j, "retentionInDays");
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(j, "tags");
    r = cJSON_IsString(n) && cJSON_IsNumber(c) ? 0 : EMU_EBADMSG;
    if (r == 0) {
        g->name = emu_strdup(n->valuestring);
        g->created = (int64_t)c->valuedouble;
        g->retention = cJSON_IsNumber(ret) ? (long)ret->valuedouble : 0;
        r = g->name ? 0 : EMU_ENOMEM;
    }
    const cJSON *t;
    const cJSON *tag_obj = cJSON_IsObject(tags) ? tags : NULL;
    cJSON_ArrayForEach(t, tag_obj)
    {
        if (r == 0 && cJSON_IsString(t)) {
            r = cwl_group_tag_set(g, t->string, t->valuestring);
        }
    }
    cJSON_Delete(j);
    return r;
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && strcmp(s + n - m, suffix) == 0;
}

static int load_group(struct cwl_store *s, const char *dirname)
{
    struct cwl_group *g = emu_calloc(1, sizeof(*g));
    struct emu_buf p;
    emu_buf_init(&p, 8192);
    int r = g ? emu_buf_printf(&p, "%s/%s", s->root, dirname) : EMU_ENOMEM;
    if (r == 0) {
        g->dir = emu_strdup(p.data);
        r = g->dir ? emu_buf_puts(&p, "/group.json") : EMU_ENOMEM;
    }
    r = r ? r : load_group_meta(g, p.data);
    DIR *d = r == 0 ? opendir(g->dir) : NULL;
    struct dirent *de;
    while (d && r == 0 && (de = readdir(d)) != NULL) {
        if (!has_suffix(de->d_name, ".stream.jsonl")) {
            continue;
        }
        struct cwl_stream *st = emu_calloc(1, sizeof(*st));
        p.len = 0;
        r = st ? emu_buf_printf(&p, "%s/%s", g->dir, de->d_name) : EMU_ENOMEM;
        if (st && r == 0) {
            st->file = emu_strdup(p.data);
            r = st->file ? load_stream(st) : EMU_ENOMEM;
        }
        if (r == 0) {
            size_t at = cwl_group_stream_lower(g, st->name);
            r = cwl__array_insert((void ***)&g->streams, &g->n_streams, &g->cap_streams, at, st,
                                  CWL_MAX_STREAMS);
            s->next_stream_id = st->id >= s->next_stream_id ? st->id + 1 : s->next_stream_id;
        }
        if (r < 0) {
            cwl__stream_free(st);
        }
    }
    if (d) {
        closedir(d);
    }
    if (r == 0) {
        size_t at = cwl_store_group_lower(s, g->name);
        r = cwl__array_insert((void ***)&s->groups, &s->n_groups, &s->cap_groups, at, g,
                              CWL_MAX_GROUPS);
    }
    if (r < 0) {
        emu_log_warn("cloudwatch-logs: cannot load log group in '%s': %s, ignoring", dirname,
                     emu_strerror(r));
        cwl__group_free(g);
        r = r == EMU_ENOMEM ? r : 0;
    }
    emu_buf_done(&p);
    return r;
}

int cwl__store_load(struct cwl_store *s)
{
    DIR *d = opendir(s->root);
    if (!d) {
        return -errno;
    }
    int r = 0;
    struct dirent *de;
    while (r == 0 && (de = readdir(d)) != NULL) {
        if (de->d_name[0] != '.' && de->d_type != DT_REG) { /* files: the journals */
            r = load_group(s, de->d_name);
        }
    }
    closedir(d);
    return r;
}
