/* SPDX-License-Identifier: Apache-2.0 */
/* Image calls: the --image-map table, inspect, pull with streamed progress (a bar on a TTY,
 * plain lines otherwise), and ensure (inspect, then pull under --pull always|missing|never). */
#include <stdio.h>
#include <string.h>

#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"
#include "emu/docker/docker_int.h"

#define IMAGE_MAP_MAX 256
#define MAX_TAGS 160 /* repo tags, then Entrypoint and Cmd */

/* ---- policy and map --------------------------------------------------------------------- */

enum emu_docker_pull_policy emu_docker_pull_policy_from_string(const char *s)
{
    static const char *const names[_EMU_DOCKER_PULL_MAX] = {"missing", "always", "never"};
    for (int i = 0; s && i < _EMU_DOCKER_PULL_MAX; i++) {
        if (strcmp(s, names[i]) == 0) {
            return (enum emu_docker_pull_policy)i;
        }
    }
    return _EMU_DOCKER_PULL_INVALID;
}

void emu_docker_image_map_init(struct emu_docker_image_map *m)
{
    memset(m, 0, sizeof(*m));
}

void emu_docker_image_map_done(struct emu_docker_image_map *m)
{
    for (size_t i = 0; i < m->n; i++) {
        emu_free(m->from[i]);
        emu_free(m->to[i]);
    }
    emu_free(m->from);
    emu_free(m->to);
    memset(m, 0, sizeof(*m));
}

int emu_docker_image_map_add(struct emu_docker_image_map *m, const char *spec)
{
    const char *eq = spec ? strchr(spec, '=') : NULL;
    if (!eq || eq == spec || eq[1] == '\0') {
        return EMU_EINVAL;
    }
    if (m->n >= IMAGE_MAP_MAX) {
        return EMU_E2BIG;
    }
    char **from = emu_realloc(m->from, (m->n + 1) * sizeof(*from));
    if (!from) {
        return EMU_ENOMEM;
    }
    m->from = from;
    char **to = emu_realloc(m->to, (m->n + 1) * sizeof(*to));
    if (!to) {
        return EMU_ENOMEM;
    }
    m->to = to;
    char *f = emu_strndup(spec, (size_t)(eq - spec));
    char *t = emu_strdup(eq + 1);
    if (!f || !t) {
        emu_free(f);
        emu_free(t);
        return EMU_ENOMEM;
    }
    m->from[m->n] = f;
    m->to[m->n] = t;
    m->n++;
    return 0;
}

const char *emu_docker_image_map_apply(const struct emu_docker_image_map *m, const char *image)
{
    for (size_t i = m ? m->n : 0; i > 0; i--) {
        if (strcmp(m->from[i - 1], image) == 0) {
            return m->to[i - 1];
        }
    }
    return image;
}

/* ---- inspect ---------------------------------------------------------------------------- */

struct inspect_state {
    struct emu_docker_image_info info;
    const char *tags[MAX_TAGS];
};

static int parse_image(void *state, const cJSON *json, struct emu_docker_reply *reply)
{
    struct inspect_state *st = state;
    int r = emu_docker_image_info_parse(json, st->tags, MAX_TAGS, &st->info);
    if (r < 0) {
        reply->message = "malformed image inspect answer";
        return r;
    }
    reply->image = &st->info;
    reply->json = json;
    reply->id = st->info.id;
    return 0;
}

int emu_docker_image_inspect(struct emu_docker *d, const char *image, emu_docker_cb cb,
                             void *ud)
{
    struct inspect_state *st = emu_calloc(1, sizeof(*st));
    struct emu_buf path;
    emu_buf_init(&path, 4096);
    int r = st ? emu_buf_puts(&path, "/images/") : EMU_ENOMEM;
    r = r ? r : (image && *image ? emu_docker_url_escape(image, true, &path) : EMU_EINVAL);
    r = r ? r : emu_buf_puts(&path, "/json");
    if (r == 0) {
        struct emu__docker_req rq = {.method = "GET", .path = path.data, .parse = parse_image,
                                     .free_state = emu_free, .state = st};
        r = emu__docker_send(d, &rq, cb, ud, NULL);
    }
    emu_buf_done(&path);
    if (r < 0) {
        emu_free(st);
    }
    return r;
}

/* ---- pull ------------------------------------------------------------------------------- */

struct pull_state {
    struct emu_docker_pull_state prog;
    struct emu_buf line;
    struct emu_buf out;
    FILE *progress;
    bool tty;
};

static int pull_line(const char *line, size_t len, void *ud)
{
    struct pull_state *ps = ud;
    cJSON *root = NULL;
    struct emu_json_error jerr;
    if (emu_json_parse(line, len, &root, &jerr) < 0) {
        return 0; /* not ours to judge: skip a line we cannot read */
    }
    struct emu_docker_pull_line pl;
    int r = 0;
    if (emu_docker_pull_line_parse(root, &pl) == 0) {
        ps->out.len = 0;
        r = emu_docker_pull_progress(&ps->prog, &pl, ps->tty, &ps->out);
        if (r == 0 && ps->progress && ps->out.len > 0) {
            (void)fwrite(ps->out.data, 1, ps->out.len, ps->progress);
            (void)fflush(ps->progress);
        }
    }
    cJSON_Delete(root);
    return r;
}

static int pull_chunk(void *state, const char *data, size_t len)
{
    struct pull_state *ps = state;
    return emu__docker_lines_feed(&ps->line, data, len, pull_line, ps);
}

static int pull_parse(void *state, const cJSON *json, struct emu_docker_reply *reply)
{
    struct pull_state *ps = state;
    (void)json;
    if (ps->prog.error[0]) {
        reply->message = ps->prog.error;
        return EMU_EDOCKER;
    }
    return 0;
}

static void pull_free(void *state)
{
    struct pull_state *ps = state;
    emu_buf_done(&ps->line);
    emu_buf_done(&ps->out);
    emu_free(ps);
}

int emu_docker_image_pull(struct emu_docker *d, const char *image,
                          const struct emu_docker_pull_opts *opts, emu_docker_cb cb, void *ud)
{
    struct pull_state *ps = emu_calloc(1, sizeof(*ps));
    if (!ps) {
        return EMU_ENOMEM;
    }
    emu_buf_init(&ps->line, EMU_DOCKER_MAX_LINE);
    emu_buf_init(&ps->out, 4096);
    ps->progress = opts ? opts->progress : NULL;
    ps->tty = opts ? opts->tty : false;
    (void)snprintf(ps->prog.image, sizeof(ps->prog.image), "%s", image ? image : "");
    struct emu_buf repo, tag, path;
    emu_buf_init(&repo, 4096);
    emu_buf_init(&tag, 4096);
    emu_buf_init(&path, 8192);
    int r = emu_docker_split_image(image, &repo, &tag);
    r = r ? r : emu_buf_puts(&path, "/images/create?fromImage=");
    r = r ? r : emu_docker_url_escape(repo.data, false, &path);
    r = r ? r : emu_buf_puts(&path, "&tag=");
    r = r ? r : emu_docker_url_escape(tag.data, false, &path);
    if (r == 0) {
        struct emu__docker_req rq = {.method = "POST", .path = path.data, .timeout_ms = -1,
                                     .parse = pull_parse, .chunk = pull_chunk,
                                     .free_state = pull_free, .state = ps};
        r = emu__docker_send(d, &rq, cb, ud, NULL);
    }
    emu_buf_done(&repo);
    emu_buf_done(&tag);
    emu_buf_done(&path);
    if (r < 0) {
        pull_free(ps);
    }
    return r;
}

/* ---- ensure ----------------------------------------------------------------------------- */

struct ensure {
    struct emu_docker *d;
    char *image;
    enum emu_docker_pull_policy policy;
    struct emu_docker_pull_opts opts;
    emu_docker_cb cb;
    void *ud;
    bool pulled;
};

static void ensure_finish(struct ensure *e, int status, const struct emu_docker_reply *reply)
{
    e->cb(status, reply, e->ud);
    emu_free(e->image);
    emu_free(e);
}

static void ensure_on_inspect(int status, const struct emu_docker_reply *reply, void *ud);

static void ensure_on_pull(int status, const struct emu_docker_reply *reply, void *ud)
{
    struct ensure *e = ud;
    if (status < 0) {
        ensure_finish(e, status, reply);
        return;
    }
    e->pulled = true;
    int r = emu_docker_image_inspect(e->d, e->image, ensure_on_inspect, e);
    if (r < 0) {
        struct emu_docker_reply rep = {.call = reply->call, .message = emu_strerror(r)};
        ensure_finish(e, r, &rep);
    }
}

static void ensure_on_inspect(int status, const struct emu_docker_reply *reply, void *ud)
{
    struct ensure *e = ud;
    bool absent = status == EMU_EDOCKER && reply->http_status == 404;
    if (!absent || e->pulled) {
        ensure_finish(e, status, reply);
        return;
    }
    if (e->policy == EMU_DOCKER_PULL_NEVER) {
        char msg[600];
        (void)snprintf(msg, sizeof(msg), "image %s is not present locally and --pull is never",
                       e->image);
        struct emu_docker_reply rep = {.call = reply->call, .http_status = 404, .message = msg};
        ensure_finish(e, EMU_ENOENT, &rep);
        return;
    }
    int r = emu_docker_image_pull(e->d, e->image, &e->opts, ensure_on_pull, e);
    if (r < 0) {
        struct emu_docker_reply rep = {.call = reply->call, .message = emu_strerror(r)};
        ensure_finish(e, r, &rep);
    }
}

int emu_docker_image_ensure(struct emu_docker *d, const struct emu_docker_image_map *map,
                            const char *image, enum emu_docker_pull_policy policy,
                            const struct emu_docker_pull_opts *opts, emu_docker_cb cb,
                            void *ud)
{
    if (!image || !*image || !cb || policy < 0 || policy >= _EMU_DOCKER_PULL_MAX) {
        return EMU_EINVAL;
    }
    struct ensure *e = emu_calloc(1, sizeof(*e));
    if (!e) {
        return EMU_ENOMEM;
    }
    e->image = emu_strdup(emu_docker_image_map_apply(map, image));
    e->d = d;
    e->policy = policy;
    e->cb = cb;
    e->ud = ud;
    if (opts) {
        e->opts = *opts;
    }
    int r = !e->image ? EMU_ENOMEM
                      : (policy == EMU_DOCKER_PULL_ALWAYS
                             ? emu_docker_image_pull(d, e->image, &e->opts, ensure_on_pull, e)
                             : emu_docker_image_inspect(d, e->image, ensure_on_inspect, e));
    if (r < 0) {
        emu_free(e->image);
        emu_free(e);
    }
    return r;
}
