/* SPDX-License-Identifier: Apache-2.0 */
/* The fault control protocol: a pure executor for one request line (fuzzed) and its unix-socket
 * server on the libuv loop, one JSON answer line per request line.
 *
 * DESIGN: at most SHIM_FAULT_CTL_MAX_CLIENTS clients, lines of at most
 * SHIM_FAULT_CTL_MAX_LINE bytes (a longer one is answered with an error and the client is
 * closed), answers written with uv_write from their own buffer. The socket file is created
 * with mode 0600 so only the user running the emulator can change its faults. */
#include "shims/common/fault_ctl.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"

static int answer_error(struct emu_buf *out, const char *msg)
{
    int r = emu_buf_puts(out, "{\"ok\":false,\"error\":");
    r = r ? r : emu_json_write_string(msg, out);
    return r ? r : emu_buf_puts(out, "}\n");
}

int shim_fault_ctl_exec(struct shim_faults *f, const char *line, size_t len, int64_t now_ms,
                        struct emu_buf *out)
{
    if (len > SHIM_FAULT_CTL_MAX_LINE) {
        return answer_error(out, "request line too long");
    }
    char buf[SHIM_FAULT_CTL_MAX_LINE + 1];
    memcpy(buf, line, len);
    buf[len] = '\0';
    if (strlen(buf) != len) {
        return answer_error(out, "NUL byte in request");
    }
    while (len > 0 && (buf[len - 1] == '\r' || buf[len - 1] == ' ')) {
        buf[--len] = '\0';
    }
    char *arg = strchr(buf, ' ');
    if (arg) {
        *arg++ = '\0';
        arg += strspn(arg, " ");
    }
    if (strcmp(buf, "list") == 0 && !arg) {
        int r = emu_buf_puts(out, "{\"ok\":true,");
        r = r ? r : shim_faults_list_json(f, now_ms, out);
        return r ? r : emu_buf_puts(out, "}\n");
    }
    if (strcmp(buf, "clear") == 0 && !arg) {
        size_t n = shim_faults_count(f);
        shim_faults_clear(f);
        return emu_buf_printf(out, "{\"ok\":true,\"removed\":%zu}\n", n);
    }
    if (strcmp(buf, "add") == 0 && arg && *arg) {
        char err[SHIM_FAULT_MAX_SPEC + 256];
        int id = shim_faults_add(f, arg, now_ms, err, sizeof(err));
        if (id == EMU_ENOMEM) {
            return id;
        }
        if (id < 0) {
            return answer_error(out, err);
        }
        return emu_buf_printf(out, "{\"ok\":true,\"id\":%d}\n", id);
    }
    if (strcmp(buf, "remove") == 0 && arg && *arg) {
        char *end = NULL;
        unsigned long id = strtoul(arg, &end, 10);
        if (*end || arg[0] < '0' || arg[0] > '9' || id == 0 || id > 0xffffffffUL) {
            return answer_error(out, "remove takes a rule id (see 'fault list')");
        }
        if (shim_faults_remove(f, (unsigned)id) < 0) {
            return answer_error(out, "no fault rule has that id");
        }
        return emu_buf_puts(out, "{\"ok\":true}\n");
    }
    return answer_error(out, "unknown request (expected: add SPEC, remove ID, clear, list)");
}

/* ---- the unix-socket server ---- */

struct client {
    uv_pipe_t pipe;
    struct shim_fault_ctl *ctl;
    struct client *next;
    char line[SHIM_FAULT_CTL_MAX_LINE + 1];
    size_t len;
    bool overflow;
    bool closing;
};

struct shim_fault_ctl {
    uv_loop_t *loop;
    uv_pipe_t server;
    struct shim_faults *faults;
    struct client *clients;
    size_t n_clients;
    int handles; /* open libuv handles, server included */
    char path[108];
};

struct write_req {
    uv_write_t w;
    char *data;
};

static void ctl_release(struct shim_fault_ctl *c)
{
    if (--c->handles == 0) {
        emu_free(c);
    }
}

static void on_client_closed(uv_handle_t *h)
{
    struct client *cl = h->data;
    struct shim_fault_ctl *c = cl->ctl;
    for (struct client **p = &c->clients; *p; p = &(*p)->next) {
        if (*p == cl) {
            *p = cl->next;
            break;
        }
    }
    c->n_clients--;
    emu_free(cl);
    ctl_release(c);
}

static void client_close(struct client *cl)
{
    if (!cl->closing) {
        cl->closing = true;
        uv_close((uv_handle_t *)&cl->pipe, on_client_closed);
    }
}

static void on_written(uv_write_t *w, int status)
{
    struct write_req *wr = (struct write_req *)w;
    (void)status;
    emu_free(wr->data);
    emu_free(wr);
}

static void send_answer(struct client *cl, struct emu_buf *out)
{
    struct write_req *wr = emu_calloc(1, sizeof(*wr));
    size_t len = out->len;
    if (!wr) {
        emu_buf_done(out);
        client_close(cl);
        return;
    }
    wr->data = emu_buf_steal(out);
    uv_buf_t b = uv_buf_init(wr->data, (unsigned)len);
    if (!wr->data || uv_write(&wr->w, (uv_stream_t *)&cl->pipe, &b, 1, on_written) < 0) {
        emu_free(wr->data);
        emu_free(wr);
        client_close(cl);
    }
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct client *cl = h->data;
    (void)suggested;
    static char sink[256];
    size_t room = sizeof(cl->line) - 1 - cl->len;
    *buf = room ? uv_buf_init(cl->line + cl->len, (unsigned)room) : uv_buf_init(sink, sizeof(sink));
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    struct client *cl = s->data;
    (void)buf;
    if (nread < 0) {
        client_close(cl);
        return;
    }
    cl->len += (size_t)nread;
    char *nl;
    while (!cl->closing && (nl = memchr(cl->line, '\n', cl->len)) != NULL) {
        size_t n = (size_t)(nl - cl->line);
        struct emu_buf out;
        emu_buf_init(&out, 4u * 1024u * 1024u);
        if (shim_fault_ctl_exec(cl->ctl->faults, cl->line, n, (int64_t)uv_now(cl->ctl->loop),
                                &out) < 0) {
            emu_buf_done(&out);
            (void)answer_error(&out, "out of memory");
        }
        send_answer(cl, &out);
        memmove(cl->line, nl + 1, cl->len - n - 1);
        cl->len -= n + 1;
    }
    if (!cl->closing && cl->len >= sizeof(cl->line) - 1) {
        struct emu_buf out;
        emu_buf_init(&out, 256);
        (void)answer_error(&out, "request line too long");
        send_answer(cl, &out);
        client_close(cl);
    }
}

static void on_connection(uv_stream_t *server, int status)
{
    struct shim_fault_ctl *c = server->data;
    if (status < 0) {
        return;
    }
    struct client *cl = emu_calloc(1, sizeof(*cl));
    if (!cl || uv_pipe_init(c->loop, &cl->pipe, 0) < 0) {
        emu_free(cl);
        return;
    }
    cl->ctl = c;
    cl->pipe.data = cl;
    c->handles++;
    c->n_clients++;
    cl->next = c->clients;
    c->clients = cl;
    if (uv_accept(server, (uv_stream_t *)&cl->pipe) < 0 ||
        c->n_clients > SHIM_FAULT_CTL_MAX_CLIENTS ||
        uv_read_start((uv_stream_t *)&cl->pipe, on_alloc, on_read) < 0) {
        client_close(cl);
    }
}

static void on_server_closed(uv_handle_t *h)
{
    ctl_release(h->data);
}

int shim_fault_ctl_start(uv_loop_t *loop, struct shim_faults *f, const char *path,
                         struct shim_fault_ctl **ret)
{
    size_t len = strlen(path);
    if (len == 0 || len >= sizeof(((struct shim_fault_ctl *)0)->path)) {
        return EMU_ENAMETOOLONG;
    }
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            return EMU_EEXIST;
        }
        (void)unlink(path); /* a socket left by an emulator that did not stop cleanly */
    }
    struct shim_fault_ctl *c = emu_calloc(1, sizeof(*c));
    if (!c) {
        return EMU_ENOMEM;
    }
    c->loop = loop;
    c->faults = f;
    memcpy(c->path, path, len + 1);
    int r = uv_pipe_init(loop, &c->server, 0);
    if (r < 0) {
        emu_free(c);
        return r;
    }
    c->server.data = c;
    c->handles = 1;
    mode_t old = umask(0077);
    r = uv_pipe_bind(&c->server, path);
    (void)umask(old);
    r = r ? r : uv_listen((uv_stream_t *)&c->server, 16, on_connection);
    if (r < 0) {
        c->path[0] = '\0';
        shim_fault_ctl_stop(c);
        return r;
    }
    *ret = c;
    return 0;
}

void shim_fault_ctl_stop(struct shim_fault_ctl *c)
{
    if (!c) {
        return;
    }
    for (struct client *cl = c->clients; cl; cl = cl->next) {
        client_close(cl);
    }
    if (c->path[0]) {
        (void)unlink(c->path);
    }
    uv_close((uv_handle_t *)&c->server, on_server_closed);
}
