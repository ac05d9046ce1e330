/* SPDX-License-Identifier: Apache-2.0 */
/* The Docker Engine API client: async emu_docker_* calls over uv_curl (unix socket or TCP),
 * each completing once with an int status and a reply; plus the pure builders, parsers and
 * stream decoders they use, exposed for tests and the runtime. */
#ifndef EMU_DOCKER_DOCKER_H
#define EMU_DOCKER_DOCKER_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "emu/base/buf.h"
#include "emu/base/uv_curl.h"

/* The oldest Engine API we speak (Docker 20.10) and the newest we ask for. */
#define EMU_DOCKER_API_MIN "1.41"
#define EMU_DOCKER_API_MAX "1.45"
#define EMU_DOCKER_DEFAULT_HOST "unix:///var/run/docker.sock"

/* Ceilings: one event or progress line, one log line, an error body. */
#define EMU_DOCKER_MAX_LINE (256u * 1024u)
#define EMU_DOCKER_MAX_ERROR_BODY (64u * 1024u)

/* ==== endpoint ============================================================================ */

struct emu_docker_endpoint {
    char unix_path[108];  /* socket path, "" for TCP */
    char base_url[300];   /* "http://localhost" or "http://127.0.0.1:2375" */
};

/* Picks the daemon address: the --docker-host flag, else $DOCKER_HOST (passed in by the CLI),
 * else EMU_DOCKER_DEFAULT_HOST. Never NULL. */
const char *emu_docker_host_pick(const char *flag, const char *env);

/* Parses "unix:///path", "/path" or "tcp://host:port". Returns 0, -ENAMETOOLONG (socket path
 * over 107 bytes) or -EINVAL (other schemes, such as ssh:// or a TLS setup). */
int emu_docker_host_parse(const char *host, struct emu_docker_endpoint *ret);

/* ==== client ============================================================================== */

struct emu_docker;

/* What a call returns; everything is borrowed and valid until the callback returns. */
struct emu_docker_reply {
    const char *call;    /* "POST /containers/create?name=web", for messages */
    long http_status;    /* 0 when no response arrived */
    const char *message; /* on failure: the daemon's message verbatim, or the transport error */
    const char *id;      /* container or network create: the new ID */
    const cJSON *json;   /* inspect: the whole parsed body */
    const struct emu_docker_container_info *container; /* container inspect */
    const struct emu_docker_image_info *image;         /* image inspect */
    long exit_code;      /* wait */
    const char *body;    /* archive: the raw tar stream */
    size_t body_len;
};

/* status is 0 or a negative EMU_E* code: -EDOCKER when the daemon answered with an error (its
 * message verbatim in reply->message, reply->http_status 404 for "no such ..."), or a transport
 * code from uv_curl (-ECONNREFUSED, -ETIMEDOUT, -ECANCELED, ...) with a message saying so. */
typedef void (*emu_docker_cb)(int status, const struct emu_docker_reply *reply, void *ud);

/* Creates a client of the daemon at host (see emu_docker_host_parse) on an emu_http the
 * caller keeps alive longer than the client. Returns 0 or a negative code. */
int emu_docker_new(struct emu_http *http, const char *host, struct emu_docker **ret);

/* The HTTP client the Docker client was made on (for other requests on the same loop). */
struct emu_http *emu_docker_http(const struct emu_docker *d);

/* Frees the client; calls in flight must have completed or been cancelled. Returns NULL. */
struct emu_docker *emu_docker_free(struct emu_docker *d);

/* Negotiates the API version from GET /version: min(daemon ApiVersion, EMU_DOCKER_API_MAX),
 * failing with -ENOTSUP below EMU_DOCKER_API_MIN. Every other call needs it done first
 * (they return -ENOTCONN before). */
int emu_docker_connect(struct emu_docker *d, emu_docker_cb cb, void *ud);

/* The negotiated "1.41", or NULL before emu_docker_connect() completed. */
const char *emu_docker_api_version(const struct emu_docker *d);
const char *emu_docker_server_version(const struct emu_docker *d);

/* Cancels every call in flight; their callbacks run with -ECANCELED from the loop. */
void emu_docker_cancel_all(struct emu_docker *d);

/* ==== containers ========================================================================== */

struct emu_docker_kv {
    const char *key;
    const char *value;
};

struct emu_docker_port {
    uint16_t container_port;
    uint16_t host_port; /* 0 = let Docker pick */
    const char *protocol; /* "tcp" when NULL */
};

struct emu_docker_ulimit {
    const char *name;
    long long soft;
    long long hard;
};

struct emu_docker_health {
    const char *const *test; /* {"CMD-SHELL", "curl -f localhost"} */
    size_t n_test;
    long long interval_ns, timeout_ns, start_period_ns; /* 0 = Docker's default */
    int retries;                                        /* 0 = Docker's default */
};

/* A container to create: only what the emulator needs. Unset fields (NULL, 0) are omitted. */
struct emu_docker_create {
    const char *name; /* in the query */
    const char *image;
    const char *const *cmd;
    size_t n_cmd;
    const char *const *entrypoint;
    size_t n_entrypoint;
    const char *const *env; /* "KEY=value" */
    size_t n_env;
    const struct emu_docker_kv *labels;
    size_t n_labels;
    const char *const *binds; /* "/host:/container[:ro]" */
    size_t n_binds;
    const char *network_mode; /* "bridge", "none", "container:<id>", a network name */
    const struct emu_docker_port *ports; /* published on 127.0.0.1 only */
    size_t n_ports;
    const char *log_type; /* "fluentd", "json-file" */
    const struct emu_docker_kv *log_opts;
    size_t n_log_opts;
    const struct emu_docker_health *health;
    const char *user;
    const char *workdir;
    const char *hostname;
    long long memory_bytes;
    long long memory_reservation_bytes;
    long long cpu_shares;
    const struct emu_docker_ulimit *ulimits;
    size_t n_ulimits;
    bool init;
    const char *const *cap_add;
    size_t n_cap_add;
    const char *const *cap_drop;
    size_t n_cap_drop;
    bool readonly_rootfs;
    int stop_timeout; /* seconds; < 0 = unset (0 is valid) */
};

/* Initialises a create description with everything unset. */
void emu_docker_create_init(struct emu_docker_create *c);

struct emu_docker_container_info {
    const char *id;
    const char *name;     /* without the leading "/" */
    const char *image;    /* the image ID */
    const char *status;   /* "created", "running", "exited", ... */
    bool running;
    bool oom_killed;
    long exit_code;
    long pid;
    const char *health;   /* "starting", "healthy", "unhealthy", or NULL without a check */
    const char *started_at;
    const char *finished_at;
    const char *error;    /* State.Error, "" when none */
    const char *ip_address; /* first network's address, may be "" */
};

/* POST /containers/create; reply->id. */
int emu_docker_container_create(struct emu_docker *d, const struct emu_docker_create *c,
                                emu_docker_cb cb, void *ud);
/* POST /containers/{id}/start (already started counts as success). */
int emu_docker_container_start(struct emu_docker *d, const char *id, emu_docker_cb cb, void *ud);
/* POST /containers/{id}/wait?condition=not-running|next-exit|removed; reply->exit_code. */
int emu_docker_container_wait(struct emu_docker *d, const char *id, const char *condition,
                              emu_docker_cb cb, void *ud);
/* GET /containers/{id}/json; reply->container and reply->json. */
int emu_docker_container_inspect(struct emu_docker *d, const char *id, emu_docker_cb cb,
                                 void *ud);
/* GET /containers/{id}/stats?stream=false&one-shot=true; reply->json (Docker's stats). */
int emu_docker_container_stats(struct emu_docker *d, const char *id, emu_docker_cb cb, void *ud);
/* POST /containers/{id}/stop?t=timeout_s: SIGTERM (or the image's stop signal), SIGKILL after
 * timeout_s seconds (< 0: the container's own StopTimeout). Already stopped is success. */
int emu_docker_container_stop(struct emu_docker *d, const char *id, int timeout_s,
                              emu_docker_cb cb, void *ud);
/* POST /containers/{id}/kill?signal=<signal> ("SIGKILL" when NULL). */
int emu_docker_container_kill(struct emu_docker *d, const char *id, const char *signal,
                              emu_docker_cb cb, void *ud);
/* DELETE /containers/{id}?force=...&v=1. */
int emu_docker_container_remove(struct emu_docker *d, const char *id, bool force,
                                emu_docker_cb cb, void *ud);

/* One log line, stream 1 = stdout, 2 = stderr; timestamp is Docker's RFC 3339 text ("" when
 * logs were asked without timestamps). Borrowed until the callback returns. */
typedef void (*emu_docker_log_line_cb)(int stream, const char *timestamp, const char *line,
                                       size_t len, void *ud);

/* GET /containers/{id}/logs?stdout=1&stderr=1&timestamps=1[&follow=1], decoding the
 * multiplexed stream into lines for on_line(line_ud) (the container must run without a TTY);
 * cb completes it. */
int emu_docker_container_logs(struct emu_docker *d, const char *id, bool follow,
                              emu_docker_log_line_cb on_line, void *line_ud, emu_docker_cb cb,
                              void *ud);
/* The same, also handing back the request so the caller can end a follow early with
 * emu_http_cancel() (cb then runs with -ECANCELED); *ret_req is valid until cb runs. */
int emu_docker_container_logs_req(struct emu_docker *d, const char *id, bool follow,
                                  emu_docker_log_line_cb on_line, void *line_ud,
                                  emu_docker_cb cb, void *ud, struct emu_http_req **ret_req);

/* The same without follow, only the lines at or after since (a Unix time "SECONDS[.NANOS]",
 * as the API's since parameter takes it). */
int emu_docker_container_logs_since(struct emu_docker *d, const char *id, const char *since,
                                    emu_docker_log_line_cb on_line, void *line_ud,
                                    emu_docker_cb cb, void *ud, struct emu_http_req **ret_req);
/* The lines at or after since, following when follow (ret_req may be NULL). */
int emu_docker_container_logs_from(struct emu_docker *d, const char *id, const char *since,
                                   bool follow, emu_docker_log_line_cb on_line, void *line_ud,
                                   emu_docker_cb cb, void *ud, struct emu_http_req **ret_req);

/* GET /containers/{id}/archive?path=PATH: the tar stream of one path of a container's file
 * system (a created, never started container reads its image's files), at most max_bytes
 * (-E2BIG beyond); reply->body and body_len. A missing path is -EDOCKER with HTTP 404. */
int emu_docker_container_archive(struct emu_docker *d, const char *id, const char *path,
                                 size_t max_bytes, emu_docker_cb cb, void *ud);

/* ==== tar streams (docker_tar.c, pure) ==================================================== */

#define EMU_DOCKER_TAR_NAME_MAX 1024

struct emu_docker_tar_entry {
    char name[EMU_DOCKER_TAR_NAME_MAX];
    char link[EMU_DOCKER_TAR_NAME_MAX]; /* symlink or hard link target */
    char type;                          /* '0' file, '1' hard link, '2' symlink, '5' dir, ... */
    const char *data;                   /* file bytes, inside the walked buffer */
    size_t size;
};

struct emu_docker_tar_iter {
    const char *data;
    size_t len;
    size_t off;
};

void emu_docker_tar_init(struct emu_docker_tar_iter *it, const char *data, size_t len);
/* The next entry: 1 with e filled, 0 at the end, -EBADMSG for a malformed or truncated stream
 * (bad checksum, size past the end, base-256 numbers), -E2BIG for a name over the limit. */
int emu_docker_tar_next(struct emu_docker_tar_iter *it, struct emu_docker_tar_entry *e);

/* ==== images ============================================================================== */

struct emu_docker_image_info {
    const char *id;
    const char *const *repo_tags;
    size_t n_repo_tags;
    const char *user; /* Config.User, may be "" */
    const char *const *cmd; /* Config.Cmd */
    size_t n_cmd;
    const char *const *entrypoint; /* Config.Entrypoint */
    size_t n_entrypoint;
};

enum emu_docker_pull_policy {
    EMU_DOCKER_PULL_MISSING = 0,
    EMU_DOCKER_PULL_ALWAYS,
    EMU_DOCKER_PULL_NEVER,
    _EMU_DOCKER_PULL_MAX,
    _EMU_DOCKER_PULL_INVALID = -22
};

/* "always|missing|never" -> policy, or _EMU_DOCKER_PULL_INVALID. */
enum emu_docker_pull_policy emu_docker_pull_policy_from_string(const char *s);

/* --image-map FROM=TO entries, applied before inspect and pull. */
struct emu_docker_image_map {
    char **from;
    char **to;
    size_t n;
};

void emu_docker_image_map_init(struct emu_docker_image_map *m);
void emu_docker_image_map_done(struct emu_docker_image_map *m);
/* Adds "FROM=TO" (both non-empty). Returns 0, -EINVAL, -E2BIG (over 256 entries), -ENOMEM. */
int emu_docker_image_map_add(struct emu_docker_image_map *m, const char *spec);
/* The mapped name of image (the last matching entry wins), or image itself. */
const char *emu_docker_image_map_apply(const struct emu_docker_image_map *m, const char *image);

/* GET /images/{name}/json; reply->image and reply->json (-EDOCKER, http_status 404: absent). */
int emu_docker_image_inspect(struct emu_docker *d, const char *image, emu_docker_cb cb,
                             void *ud);

struct emu_docker_pull_opts {
    FILE *progress; /* where progress goes; NULL = nowhere */
    bool tty;       /* a one-line progress bar instead of plain lines */
};

/* POST /images/create?fromImage=..&tag=.. streaming the progress; an error reported inside the
 * stream fails the call with -EDOCKER and that message. */
int emu_docker_image_pull(struct emu_docker *d, const char *image,
                          const struct emu_docker_pull_opts *opts, emu_docker_cb cb, void *ud);

/* Makes image available under the policy (after the image map): inspect, then pull when
 * missing (or always); NEVER fails with -ENOENT when absent. reply->image describes it. */
int emu_docker_image_ensure(struct emu_docker *d, const struct emu_docker_image_map *map,
                            const char *image, enum emu_docker_pull_policy policy,
                            const struct emu_docker_pull_opts *opts, emu_docker_cb cb,
                            void *ud);

/* ==== networks ============================================================================ */

/* POST /networks/create (bridge driver, CheckDuplicate); reply->id. */
int emu_docker_network_create(struct emu_docker *d, const char *name,
                              const struct emu_docker_kv *labels, size_t n_labels, bool internal,
                              emu_docker_cb cb, void *ud);
/* DELETE /networks/{id}. */
int emu_docker_network_remove(struct emu_docker *d, const char *id, emu_docker_cb cb, void *ud);
/* POST /networks/{id}/connect with optional DNS aliases. */
int emu_docker_network_connect(struct emu_docker *d, const char *network, const char *container,
                               const char *const *aliases, size_t n_aliases, emu_docker_cb cb,
                               void *ud);
/* GET /networks/{id}; reply->json, reply->id. */
int emu_docker_network_inspect(struct emu_docker *d, const char *id, emu_docker_cb cb,
                               void *ud);

/* ==== events ============================================================================== */

enum emu_docker_event_kind {
    EMU_DOCKER_EVENT_OTHER = 0,
    EMU_DOCKER_EVENT_START,
    EMU_DOCKER_EVENT_DIE,
    EMU_DOCKER_EVENT_OOM,
    EMU_DOCKER_EVENT_HEALTH,
    _EMU_DOCKER_EVENT_MAX,
};

/* One decoded event; borrowed until the callback returns. */
struct emu_docker_event {
    enum emu_docker_event_kind kind;
    const char *type;   /* "container" */
    const char *action; /* "die", "health_status: healthy" */
    const char *id;     /* Actor.ID */
    const char *name;   /* Actor.Attributes.name, may be "" */
    const char *health; /* health_status: "healthy", "unhealthy", "starting"; else "" */
    long exit_code;     /* die: Attributes.exitCode; else -1 */
    long long time_nano;
    const cJSON *attributes; /* Actor.Attributes (labels are there) */
};

typedef void (*emu_docker_event_cb)(const struct emu_docker_event *ev, void *ud);

/* Incremental decoder of the /events stream (newline-delimited JSON objects). Events whose
 * actor lacks every label of the filter are dropped. */
struct emu_docker_events_decoder {
    struct emu_buf line;
    const struct emu_docker_kv *labels; /* required labels (value NULL = any value) */
    size_t n_labels;
    emu_docker_event_cb cb;
    void *ud;
    unsigned long bad; /* malformed lines skipped */
};

void emu_docker_events_decoder_init(struct emu_docker_events_decoder *dec,
                                    const struct emu_docker_kv *labels, size_t n_labels,
                                    emu_docker_event_cb cb, void *ud);
void emu_docker_events_decoder_done(struct emu_docker_events_decoder *dec);
/* Feeds bytes; calls cb for each complete event. Returns 0, or -E2BIG for a line over
 * EMU_DOCKER_MAX_LINE (the decoder is then reset), -ENOMEM. Malformed lines are counted and
 * skipped. */
int emu_docker_events_feed(struct emu_docker_events_decoder *dec, const char *data, size_t len);

/* Parses one event object. Returns 0, or -EBADMSG when it is not an event. The strings point
 * into root. */
int emu_docker_event_parse(const cJSON *root, struct emu_docker_event *ret);

/* GET /events?filters={"type":["container"],"event":[start,die,oom,health_status],"label":[..]}
 * as a long-lived stream; on_event(event_ud) for each event, cb(ud) once when the stream ends
 * (cancel with emu_docker_cancel_all or emu_docker_events_stop). The label strings must
 * outlive the stream. */
struct emu_docker_events;
int emu_docker_events_start(struct emu_docker *d, const struct emu_docker_kv *labels,
                            size_t n_labels, emu_docker_event_cb on_event, void *event_ud,
                            emu_docker_cb cb, void *ud, struct emu_docker_events **ret);
/* Stops the stream; its cb then runs with -ECANCELED. */
void emu_docker_events_stop(struct emu_docker_events *ev);

/* ==== pure helpers (docker_json.c) ======================================================== */

/* The create body (pretty JSON with a final newline, keys in a fixed order). Returns 0 or
 * -EINVAL (no image), -ENOMEM, -E2BIG. */
int emu_docker_create_body(const struct emu_docker_create *c, struct emu_buf *out);

/* Parses an inspect body into info (strings point into root). 0 or -EBADMSG. */
int emu_docker_container_info_parse(const cJSON *root, struct emu_docker_container_info *ret);
int emu_docker_image_info_parse(const cJSON *root, const char **tags, size_t max_tags,
                                struct emu_docker_image_info *ret);
/* Parses a wait body {"StatusCode":N,"Error":...}. 0, or -EBADMSG; -EDOCKER with ret_msg set
 * when Error.Message is not empty. */
int emu_docker_wait_parse(const cJSON *root, long *ret_code, const char **ret_msg);
/* The daemon's message of an error body ({"message":"..."}), or NULL when there is none. */
const char *emu_docker_error_message(const cJSON *root);
/* Compares API versions "1.41" < "1.43": <0, 0, >0. */
int emu_docker_api_cmp(const char *a, const char *b);
/* Percent-encodes s for a URL query or path segment (keeps '/' and ':' when keep_slash). */
int emu_docker_url_escape(const char *s, bool keep_slash, struct emu_buf *out);
/* Splits "repo[:tag][@digest]" into fromImage and tag for a pull ("latest" when none). */
int emu_docker_split_image(const char *image, struct emu_buf *repo, struct emu_buf *tag);

/* Multiplexed log stream (8-byte header: stream, 0, 0, 0, big-endian size). */
struct emu_docker_logs_decoder {
    unsigned char hdr[8];
    size_t hdr_len;
    int stream;
    uint32_t remaining;
    struct emu_buf line[3]; /* partial line per stream (index 1, 2) */
    bool timestamps;
    emu_docker_log_line_cb cb;
    void *ud;
};
void emu_docker_logs_decoder_init(struct emu_docker_logs_decoder *dec, bool timestamps,
                                  emu_docker_log_line_cb cb, void *ud);
/* Flushes unterminated last lines to cb and frees the buffers. */
void emu_docker_logs_decoder_done(struct emu_docker_logs_decoder *dec);
/* Returns 0, -EBADMSG for a bad stream type, -E2BIG for a line over EMU_DOCKER_MAX_LINE. */
int emu_docker_logs_feed(struct emu_docker_logs_decoder *dec, const char *data, size_t len);

/* Pull progress aggregation and rendering. */
#define EMU_DOCKER_PULL_MAX_LAYERS 128
struct emu_docker_pull_layer {
    char id[72];
    long long current;
    long long total;
    bool done;
};
struct emu_docker_pull_state {
    struct emu_docker_pull_layer layers[EMU_DOCKER_PULL_MAX_LAYERS];
    size_t n_layers;
    char image[256];
    char error[512];  /* the stream's "error", "" when none */
    char status[256]; /* last overall status line ("Status: Downloaded newer image for ...") */
};
struct emu_docker_pull_line {
    const char *status;
    const char *id;
    const char *error;
    long long current, total;
};
/* Parses one progress line. 0 or -EBADMSG. Strings point into root. */
int emu_docker_pull_line_parse(const cJSON *root, struct emu_docker_pull_line *ret);
/* Folds a line into the state and appends what to print: a plain line for status changes
 * (tty false) or a "\r"-led bar (tty true). Returns 0 or a negative buffer code. */
int emu_docker_pull_progress(struct emu_docker_pull_state *st, const struct emu_docker_pull_line *l,
                             bool tty, struct emu_buf *out);

/* Line splitter shared by the stream decoders: calls fn for each complete line. */
int emu__docker_lines_feed(struct emu_buf *line, const char *data, size_t len,
                           int (*fn)(const char *line, size_t len, void *ud), void *ud);

#endif
