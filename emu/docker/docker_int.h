/* SPDX-License-Identifier: Apache-2.0 */
/* Private to emu/docker: the call machinery of docker_http.c that the per-resource files use to
 * send a request and turn its answer into a reply. */
#ifndef EMU_DOCKER_DOCKER_INT_H
#define EMU_DOCKER_DOCKER_INT_H

#include "emu/docker/docker.h"

/* Default whole-request timeout of a call that is not a stream. */
#define EMU__DOCKER_TIMEOUT_MS (300L * 1000L)

/* What a resource file wants sent. Hooks run on the loop; state belongs to the caller and is
 * released by free_state (may be NULL) after the user callback ran. */
struct emu__docker_req {
    const char *method;
    const char *path;  /* without the version prefix, with the query: "/containers/x/json" */
    const char *body;  /* JSON, may be NULL */
    size_t body_len;
    long timeout_ms;   /* 0 = EMU__DOCKER_TIMEOUT_MS, < 0 = none (streams) */
    bool unversioned;  /* /version itself */
    bool ok_304;       /* 304 Not Modified is success (start, stop) */
    /* Success (2xx): fills reply from the parsed body (json is NULL for an empty or streamed
     * body). Returns 0 or a negative code. May be NULL. */
    int (*parse)(void *state, const cJSON *json, struct emu_docker_reply *reply);
    /* Streamed 2xx body pieces; NULL = buffer the body. Returns 0 or a negative code. */
    int (*chunk)(void *state, const char *data, size_t len);
    void (*free_state)(void *state);
    void *state;
};

/* Sends a request; the user callback runs once unless this returns an error (then free_state
 * was not called either: the caller still owns state). */
int emu__docker_send(struct emu_docker *d, const struct emu__docker_req *rq, emu_docker_cb cb,
                     void *ud, struct emu_http_req **ret_req);

/* Appends a path segment (an ID or a name) escaped for a URL path. */
int emu__docker_path(struct emu_buf *b, const char *prefix, const char *segment,
                     const char *suffix);

#endif
