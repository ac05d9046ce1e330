/* SPDX-License-Identifier: Apache-2.0 */
/* Route tables of the shims: {method, path pattern or X-Amz-Target, query/header condition,
 * operation}, matched first-wins by pure code, with captures such as "/{bucket}/{key+}". */
#ifndef SHIMS_COMMON_ROUTE_H
#define SHIMS_COMMON_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#define SHIM_ROUTE_MAX_CAPTURES 4

/* One row. NULL fields match anything. A pattern is literal segments and captures: "{name}"
 * takes one non-empty segment, "{name+}" the non-empty rest of the path (slashes included). A
 * pattern ending in a capture also matches with one trailing '/' after a one-segment capture
 * ("/bkt/" matches "/{bucket}"). */
struct shim_route {
    const char *method;  /* "GET" */
    const char *pattern; /* "/{bucket}/{key+}" */
    const char *query;   /* query parameter that must be present ("uploads") */
    const char *header;  /* header that must be present ("x-amz-copy-source") */
    const char *target;  /* X-Amz-Target value that must match exactly */
    int op;              /* the service's operation number */
    const char *name;    /* the AWS operation name ("PutObject"): fault specs and logs */
};

/* A capture: a slice of the raw (still percent-encoded) path. */
struct shim_capture {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
};

/* What the matcher asks about a request. */
struct shim_route_input {
    const char *method;
    const char *path; /* raw path, starting with '/' */
    bool (*has_query)(const void *ctx, const char *name);
    bool (*has_header)(const void *ctx, const char *name);
    const char *target; /* X-Amz-Target header value or NULL */
    const void *ctx;
};

/* Returns the first matching row (filling caps with up to SHIM_ROUTE_MAX_CAPTURES captures and
 * *ret_n), or NULL. n_routes rows are read; the table needs no terminator. When no row matches
 * but some row matches the path with another method, *ret_path_matched is set (405-style). */
const struct shim_route *shim_route_match(const struct shim_route *routes, size_t n_routes,
                                          const struct shim_route_input *in,
                                          struct shim_capture *caps, size_t *ret_n,
                                          bool *ret_path_matched);

/* Matches one pattern against a path; returns true and the captures. */
bool shim_route_match_path(const char *pattern, const char *path, struct shim_capture *caps,
                           size_t *ret_n);

#endif
