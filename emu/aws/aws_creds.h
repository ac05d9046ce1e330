/* SPDX-License-Identifier: Apache-2.0 */
/* AWS credentials: pure parsers for the sources Fluent Bit's standard chain reads (environment,
 * the shared credentials file, the container-credentials JSON, the STS AssumeRole XML), an async
 * provider that walks that chain on the loop and refreshes before expiry, and a SigV4-signed
 * request over uv_curl. */
#ifndef EMU_AWS_AWS_CREDS_H
#define EMU_AWS_AWS_CREDS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <uv.h>

#include "emu/base/uv_curl.h"

/* Limits of each field (a longer value is -E2BIG). */
#define EMU_AWS_KEY_ID_MAX 128
#define EMU_AWS_SECRET_MAX 256
#define EMU_AWS_TOKEN_MAX 4096
/* Credentials are refreshed this many seconds before they expire. */
#define EMU_AWS_REFRESH_WINDOW 300
/* Largest credentials document / file accepted. */
#define EMU_AWS_CREDS_DOC_MAX (64u * 1024u)

struct emu_aws_creds {
    char access_key_id[EMU_AWS_KEY_ID_MAX];
    char secret_access_key[EMU_AWS_SECRET_MAX];
    char session_token[EMU_AWS_TOKEN_MAX]; /* "" = none */
    time_t expiration;                     /* 0 = does not expire */
};

/* Value of name in a "NAME=value" list (environ shape), or NULL. envp may be NULL. */
const char *emu_aws_env_get(const char *const *envp, const char *name);

/* AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN). 0, -ENOENT, -E2BIG. */
int emu_aws_creds_from_env(const char *const *envp, struct emu_aws_creds *ret);

/* The container-credentials JSON ({"AccessKeyId","SecretAccessKey","Token","Expiration"}).
 * Returns 0, -EBADMSG (not that document), -E2BIG. */
int emu_aws_creds_parse_json(const char *data, size_t len, struct emu_aws_creds *ret);

/* An STS AssumeRoleResponse (Credentials: AccessKeyId, SecretAccessKey, SessionToken,
 * Expiration). Returns 0, -EAWS (an ErrorResponse: its Code in err, may be NULL), -EBADMSG. */
int emu_aws_creds_parse_sts_xml(const char *data, size_t len, struct emu_aws_creds *ret,
                                char *err, size_t err_len);

/* The [profile] section of a shared credentials file (aws_access_key_id,
 * aws_secret_access_key, aws_session_token). Returns 0, -ENOENT (no such profile or keys),
 * -E2BIG. */
int emu_aws_creds_parse_profile(const char *data, size_t len, const char *profile,
                                struct emu_aws_creds *ret);

/* Parses ISO 8601 UTC "2024-01-02T03:04:05Z" (fractional seconds allowed). 0 or -EINVAL. */
int emu_aws_parse_iso8601(const char *s, size_t len, time_t *ret);

/* Nonzero when c has a key and does not expire within EMU_AWS_REFRESH_WINDOW of now. */
int emu_aws_creds_fresh(const struct emu_aws_creds *c, time_t now);

/* The provider: environment, then the profile file (AWS_SHARED_CREDENTIALS_FILE or
 * $HOME/.aws/credentials, profile option or AWS_PROFILE or "default"), then container
 * credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI on http://169.254.170.2, or
 * AWS_CONTAINER_CREDENTIALS_FULL_URI with AWS_CONTAINER_AUTHORIZATION_TOKEN); with role_arn the
 * result is used to call STS AssumeRole. */
struct emu_aws_provider_config {
    const char *const *envp;  /* the process environment (borrowed; must outlive the provider) */
    const char *profile;      /* NULL = AWS_PROFILE or "default" */
    const char *role_arn;     /* NULL = no AssumeRole */
    const char *external_id;  /* NULL = none */
    const char *sts_endpoint; /* NULL = https://sts.<region>.amazonaws.com */
    const char *region;       /* "us-east-1" */
    /* An HTTP endpoint serving the container-credentials JSON, tried first (the Go CloudWatch
     * plugin's credentials_endpoint); NULL = none. */
    const char *credentials_endpoint;
};

struct emu_aws_provider;

/* Runs with status 0 and credentials valid until the callback returns, or a negative code. */
typedef void (*emu_aws_creds_cb)(int status, const struct emu_aws_creds *creds, void *ud);

/* A provider on loop using http (borrowed) for its calls. Copies every string. 0 or -ENOMEM. */
int emu_aws_provider_new(uv_loop_t *loop, struct emu_http *http,
                         const struct emu_aws_provider_config *cfg, struct emu_aws_provider **ret);
/* Cancels pending lookups (their callbacks run with -ECANCELED) and frees. Accepts NULL. */
void emu_aws_provider_free(struct emu_aws_provider *p);
/* Cached credentials when still fresh, else NULL. */
const struct emu_aws_creds *emu_aws_provider_cached(struct emu_aws_provider *p);
/* Gets credentials: cb runs once, later, from the loop. Returns 0, or -ENOMEM (cb never runs). */
int emu_aws_provider_get(struct emu_aws_provider *p, emu_aws_creds_cb cb, void *ud);

/* A SigV4-signed request. endpoint is "http://host:port" or "https://host" (a bare host gets
 * https://); path is already URI-encoded. */
struct emu_aws_call {
    const char *method;
    const char *endpoint;
    const char *path;
    const char *query;            /* NULL = none */
    const char *service;          /* "s3", "logs", "sts" */
    const char *region;
    const char *const *headers;   /* extra "Name: value" headers (signed), NULL-terminated */
    const char *body;
    size_t body_len;
    long timeout_ms;              /* 0 = 60 s */
};

/* Signs with creds (now = time(NULL)) and starts the request on http. Returns what
 * emu_http_request returns (cb runs once on 0), or -EINVAL/-E2BIG/-ENOMEM. */
int emu_aws_request(struct emu_http *http, const struct emu_aws_creds *creds,
                    const struct emu_aws_call *call, emu_http_done_cb cb, void *ud,
                    struct emu_http_req **ret_req);

/* Splits an endpoint into scheme+authority ("http://127.0.0.1:9000") and host header value
 * ("127.0.0.1:9000"). Returns 0 or -EINVAL. */
int emu_aws_endpoint_split(const char *endpoint, char *base, size_t base_len, char *host,
                           size_t host_len);

/* Extracts <Code> and <Message> of an AWS XML error body, or "__type"/"message" of a JSON one,
 * into code/msg (either may be NULL). Returns 0 when a code was found, else -ENOENT. */
int emu_aws_error_parse(const char *body, size_t len, char *code, size_t code_len, char *msg,
                        size_t msg_len);

/* Text between <tag> and </tag> (first occurrence at or after *pos) of an XML document; pure,
 * no entity decoding beyond &amp; &lt; &gt; &quot; &apos;. Returns 0 or -ENOENT/-E2BIG. */
int emu_aws_xml_text(const char *doc, size_t len, const char *tag, char *out, size_t out_len);

#endif
