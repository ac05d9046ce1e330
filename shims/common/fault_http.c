/* SPDX-License-Identifier: Apache-2.0 */
/* Fault injection in the shims' HTTP layer: asks the engine about each operation, answers
 * injected errors in the service's own shape, waits out injected latency on a libuv timer with
 * the connection suspended, resets connections, and follows down windows by closing and
 * reopening the listening socket.
 *
 * DESIGN: nothing here blocks the loop. A delayed request is suspended like an offloaded one
 * (it sits on the server's suspended list, so stopping the server resumes and closes it); its
 * timer is heap-owned and closed from the request's free if the connection goes first. A reset
 * sets SO_LINGER to zero and tells MHD to drop the connection, so the close sends a TCP RST and
 * the client reads ECONNRESET with no response. Down windows are checked every DOWN_TICK_MS. */
#include "shims/common/http_internal.h"

#include <string.h>
#include <sys/socket.h>

#include "emu/base/log.h"
#include "emu/base/mem.h"
#include "shims/common/auth.h"
#include "shims/common/fault.h"

#define DOWN_TICK_MS 50

struct shim_delay {
    uv_timer_t timer;
    struct shim_request *req; /* NULL once the request is gone */
    struct shim_fault_decision d;
    shim_done_fn cont;
};

static void answer(struct shim_request *req, const struct shim_fault_decision *d)
{
    struct shim_http_server *srv = req->srv;
    emu_log_debug("%s: fault rule %u: %s %s -> %u %s", srv->name, d->rule_id,
                  shim_request_method(req), shim_request_raw_path(req), d->status, d->code);
    switch (srv->error_shape) {
    case SHIM_ERRORS_JSON:
        shim_respond_error_json(req, d->status, d->code, d->message);
        break;
    case SHIM_ERRORS_QUERY:
        shim_respond_error_query(req, d->status, srv->error_xmlns, d->status < 500, d->code,
                                 d->message);
        break;
    default:
        shim_respond_error_xml(req, d->status, d->code, d->message, NULL);
        break;
    }
}

/* Carries out an error or reset; returns false when the decision was latency only. */
static bool act(struct shim_request *req, const struct shim_fault_decision *d)
{
    if (d->action == SHIM_FAULT_ERROR) {
        answer(req, d);
        return true;
    }
    if (d->action == SHIM_FAULT_RESET) {
        emu_log_debug("%s: fault rule %u: %s %s -> connection reset", req->srv->name,
                      d->rule_id, shim_request_method(req), shim_request_raw_path(req));
        req->reset = true;
        return true;
    }
    return false;
}

static void on_delay_closed(uv_handle_t *h)
{
    emu_free(h->data);
}

static void on_delay(uv_timer_t *t)
{
    struct shim_delay *dl = t->data;
    struct shim_request *req = dl->req;
    uv_close((uv_handle_t *)&dl->timer, on_delay_closed);
    if (!req) {
        return;
    }
    req->delay = NULL;
    if (!act(req, &dl->d)) {
        dl->cont(req);
    }
    if (req->suspended && !(req->job && !req->response)) {
        shim__request_resume(req); /* MHD calls on_access again: it queues, resets or reads */
    }
}

bool shim_request_fault(struct shim_request *req, const char *op, shim_done_fn cont)
{
    struct shim_http_server *srv = req->srv;
    if (!srv->faults || req->response || req->delay) {
        return false;
    }
    struct shim_fault_decision d;
    shim_faults_decide(srv->faults, srv->name, op, (int64_t)uv_now(srv->loop), &d);
    if (d.latency_ms > 0) {
        struct shim_delay *dl = emu_calloc(1, sizeof(*dl));
        if (dl && uv_timer_init(srv->loop, &dl->timer) == 0) {
            dl->timer.data = dl;
            dl->req = req;
            dl->d = d;
            dl->cont = cont;
            req->delay = dl;
            emu_log_debug("%s: fault rule: %s %s delayed %lld ms", srv->name,
                          shim_request_method(req), shim_request_raw_path(req),
                          (long long)d.latency_ms);
            (void)uv_timer_start(&dl->timer, on_delay, (uint64_t)d.latency_ms, 0);
            return true;
        }
        emu_free(dl); /* out of memory: skip the latency, keep the rest of the decision */
    }
    return act(req, &d);
}

void shim__fault_request_free(struct shim_request *req)
{
    if (req->delay) {
        req->delay->req = NULL;
        (void)uv_timer_stop(&req->delay->timer);
        uv_close((uv_handle_t *)&req->delay->timer, on_delay_closed);
        req->delay = NULL;
    }
}

bool shim__fault_refuse(struct shim_request *req)
{
    shim_faults_note_down(req->srv->faults, req->srv->name, (int64_t)uv_now(req->srv->loop));
    req->reset = true;
    return true;
}

shim_mhd_result shim__fault_reset(struct shim_request *req)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (ci) {
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        (void)setsockopt(ci->connect_fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    }
    return MHD_NO;
}

/* Closes or reopens the listening socket as the down windows say. */
static void on_down_tick(uv_timer_t *t)
{
    struct shim_http_server *srv = t->data;
    if (srv->stopping) {
        return;
    }
    bool down = shim_faults_down(srv->faults, srv->name, (int64_t)uv_now(srv->loop), NULL);
    if (down && !srv->down) {
        emu_log_info("%s: fault: endpoint down (connections refused)", srv->name);
        srv->down = true;
        shim__listen_close(srv);
    }
    else if (!down && srv->down) {
        int r = shim__listen_open(srv);
        if (r < 0) {
            emu_log_debug("%s: fault: cannot listen again yet (%s), retrying", srv->name,
                          uv_strerror(r));
            return;
        }
        emu_log_info("%s: fault: endpoint up again", srv->name);
        srv->down = false;
    }
}

int shim__fault_start(struct shim_http_server *srv)
{
    if (!srv->faults) {
        return 0;
    }
    int r = uv_timer_init(srv->loop, &srv->fault_timer);
    if (r < 0) {
        return r;
    }
    srv->fault_timer.data = srv;
    srv->handles_open++;
    uv_unref((uv_handle_t *)&srv->fault_timer);
    on_down_tick(&srv->fault_timer); /* a window starting at once is down before any accept */
    return uv_timer_start(&srv->fault_timer, on_down_tick, DOWN_TICK_MS, DOWN_TICK_MS);
}

static void on_fault_timer_closed(uv_handle_t *h)
{
    shim__server_handle_closed(h->data);
}

void shim__fault_stop(struct shim_http_server *srv)
{
    if (srv->fault_timer.data && !uv_is_closing((uv_handle_t *)&srv->fault_timer)) {
        uv_close((uv_handle_t *)&srv->fault_timer, on_fault_timer_closed);
    }
}
