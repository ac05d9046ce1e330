/* SPDX-License-Identifier: Apache-2.0 */
/* A SigV4-signed AWS request over uv_curl: endpoint splitting, the Host / X-Amz-Date /
 * X-Amz-Content-Sha256 / X-Amz-Security-Token headers, signing with emu_sigv4_sign, and the
 * hand-off to emu_http_request. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "emu/aws/aws_creds.h"
#include "emu/aws/sigv4.h"
#include "emu/base/buf.h"
#include "emu/base/err.h"
#include "emu/base/mem.h"

#define MAX_HEADERS 24
#define HEADER_BYTES (16u * 1024u)

int emu_aws_endpoint_split(const char *endpoint, char *base, size_t base_len, char *host,
                           size_t host_len)
{
    const char *scheme = "https://";
    const char *h = endpoint;
    if (!endpoint || !*endpoint) {
        return EMU_EINVAL;
    }
    if (strncasecmp(endpoint, "http://", 7) == 0) {
        scheme = "http://";
        h = endpoint + 7;
    }
    else if (strncasecmp(endpoint, "https://", 8) == 0) {
        h = endpoint + 8;
    }
    size_t n = strcspn(h, "/?#");
    if (n == 0 || n >= host_len) {
        return EMU_EINVAL;
    }
    memcpy(host, h, n);
    host[n] = '\0';
    int w = snprintf(base, base_len, "%s%s", scheme, host);
    return w < 0 || (size_t)w >= base_len ? EMU_EINVAL : 0;
}

/* Splits "Name: value" into a sigv4 header. */
static int split_header(const char *line, struct emu_sigv4_header *h)
{
    const char *colon = strchr(line, ':');
    if (!colon || colon == line) {
        return EMU_EINVAL;
    }
    h->name = line;
    h->name_len = (size_t)(colon - line);
    h->value = colon + 1;
    while (*h->value == ' ') {
        h->value++;
    }
    h->value_len = strlen(h->value);
    return 0;
}

int emu_aws_request(struct emu_http *http, const struct emu_aws_creds *creds,
                    const struct emu_aws_call *call, emu_http_done_cb cb, void *ud,
                    struct emu_http_req **ret_req)
{
    char base[512], host[300], amz_date[17], sha[65];
    struct emu_buf lines, url;
    size_t offs[MAX_HEADERS];
    size_t n = 0;
    int is_s3 = strcmp(call->service, "s3") == 0;
    time_t now = time(NULL);
    int r = emu_aws_endpoint_split(call->endpoint, base, sizeof(base), host, sizeof(host));
    if (r < 0) {
        return r;
    }
    if (emu_sigv4_format_date(now, amz_date) < 0) {
        return EMU_EINVAL;
    }
    emu_sigv4_sha256_hex(call->body, call->body_len, sha);
    emu_buf_init(&lines, HEADER_BYTES);
    emu_buf_init(&url, 64u * 1024u);
    /* Header lines, NUL-separated in one buffer; offsets fixed up after it stops growing. */
#define ADD(...)                                                                           \
    do {                                                                                   \
        if (r == 0 && n < MAX_HEADERS - 2) {                                               \
            offs[n++] = lines.len;                                                         \
            r = emu_buf_printf(&lines, __VA_ARGS__);                                       \
            r = r ? r : emu_buf_putc(&lines, '\0');                                        \
        }                                                                                  \
    } while (0)
    ADD("Host: %s", host);
    ADD("X-Amz-Date: %s", amz_date);
    if (is_s3) {
        ADD("X-Amz-Content-Sha256: %s", sha);
    }
    if (creds->session_token[0]) {
        ADD("X-Amz-Security-Token: %s", creds->session_token);
    }
    for (size_t i = 0; call->headers && call->headers[i]; i++) {
        ADD("%s", call->headers[i]);
    }
    struct emu_sigv4_header hs[MAX_HEADERS];
    for (size_t i = 0; r == 0 && i < n; i++) {
        r = split_header(lines.data + offs[i], &hs[i]);
    }
    struct emu_sigv4_request req = {
        .method = call->method,
        .path = call->path,
        .path_len = strlen(call->path),
        .query = call->query,
        .query_len = call->query ? strlen(call->query) : 0,
        .headers = hs,
        .n_headers = n,
        .payload_hash = sha,
    };
    struct emu_sigv4_sign_params sp = {
        .access_key_id = creds->access_key_id,
        .secret_access_key = creds->secret_access_key,
        .session_token = creds->session_token[0] ? creds->session_token : NULL,
        .region = call->region,
        .service = call->service,
        .time = now,
        .flags = is_s3 ? EMU_SIGV4_S3 : 0,
    };
    struct emu_sigv4_signature sig;
    emu_sigv4_signature_init(&sig);
    r = r ? r : emu_sigv4_sign(&req, &sp, &sig);
    ADD("Authorization: %s", sig.authorization.data);
    emu_sigv4_signature_done(&sig);
#undef ADD
    const char *hdrs[MAX_HEADERS + 1];
    for (size_t i = 0; r == 0 && i < n; i++) {
        hdrs[i] = lines.data + offs[i];
    }
    hdrs[r == 0 ? n : 0] = NULL;
    r = r ? r
          : emu_buf_printf(&url, "%s%s%s%s", base, call->path,
                           call->query && *call->query ? "?" : "", call->query ? call->query : "");
    if (r == 0) {
        struct emu_http_request rq = {
            .method = call->method,
            .url = url.data,
            .headers = hdrs,
            .body = call->body ? call->body : (strcmp(call->method, "GET") ? "" : NULL),
            .body_len = call->body_len,
            .timeout_ms = call->timeout_ms > 0 ? call->timeout_ms : 60000,
        };
        r = emu_http_request(http, &rq, cb, ud, ret_req);
    }
    emu_buf_done(&lines);
    emu_buf_done(&url);
    return r;
}
