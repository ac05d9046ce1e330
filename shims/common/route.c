/* SPDX-License-Identifier: Apache-2.0 */
/* Pure route-table matching for the shims: path patterns with one-segment and rest-of-path
 * captures, plus method, query-parameter, header and X-Amz-Target conditions. */
#include "shims/common/route.h"

#include <string.h>

/* Matches a literal run of the pattern against the path; returns the new path position. */
static const char *match_literal(const char **pat, const char *path)
{
    const char *p = *pat;
    while (*p && *p != '{') {
        if (*p != *path) {
            return NULL;
        }
        p++;
        path++;
    }
    *pat = p;
    return path;
}

bool shim_route_match_path(const char *pattern, const char *path, struct shim_capture *caps,
                           size_t *ret_n)
{
    size_t n = 0;
    const char *pat = pattern;
    const char *s = path;
    while (*pat) {
        s = match_literal(&pat, s);
        if (!s) {
            return false;
        }
        if (!*pat) {
            break;
        }
        /* A capture "{name}" or "{name+}". */
        const char *close = strchr(pat, '}');
        if (!close || n >= SHIM_ROUTE_MAX_CAPTURES) {
            return false;
        }
        bool rest = close > pat + 1 && close[-1] == '+';
        const char *name = pat + 1;
        size_t name_len = (size_t)(close - name) - (rest ? 1 : 0);
        size_t len = rest ? strlen(s) : strcspn(s, "/");
        if (len == 0) {
            return false;
        }
        caps[n].name = name;
        caps[n].name_len = name_len;
        caps[n].value = s;
        caps[n].value_len = len;
        n++;
        s += len;
        pat = close + 1;
        if (!*pat && !rest && s[0] == '/' && s[1] == '\0') {
            s++; /* "/bucket/" is the bucket */
        }
    }
    if (*s) {
        return false;
    }
    *ret_n = n;
    return true;
}

const struct shim_route *shim_route_match(const struct shim_route *routes, size_t n_routes,
                                          const struct shim_route_input *in,
                                          struct shim_capture *caps, size_t *ret_n,
                                          bool *ret_path_matched)
{
    bool path_matched = false;
    for (size_t i = 0; i < n_routes; i++) {
        const struct shim_route *r = &routes[i];
        struct shim_capture tmp[SHIM_ROUTE_MAX_CAPTURES];
        size_t n = 0;
        if (r->pattern && !shim_route_match_path(r->pattern, in->path, tmp, &n)) {
            continue;
        }
        if (r->target && (!in->target || strcmp(r->target, in->target) != 0)) {
            continue;
        }
        if (r->query && (!in->has_query || !in->has_query(in->ctx, r->query))) {
            continue;
        }
        if (r->header && (!in->has_header || !in->has_header(in->ctx, r->header))) {
            continue;
        }
        if (r->method && strcmp(r->method, in->method) != 0) {
            path_matched = true;
            continue;
        }
        memcpy(caps, tmp, n * sizeof(*tmp));
        *ret_n = n;
        if (ret_path_matched) {
            *ret_path_matched = true;
        }
        return r;
    }
    if (ret_path_matched) {
        *ret_path_matched = path_matched;
    }
    return NULL;
}
