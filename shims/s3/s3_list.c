/* SPDX-License-Identifier: Apache-2.0 */
/* Pure listing logic of ListObjects and ListObjectsV2 over a sorted key index: prefix,
 * delimiter and common prefixes, the start-after/marker position, and max-keys truncation. */
#include <string.h>

#include "emu/base/err.h"
#include "emu/base/mem.h"
#include "shims/s3/s3_internal.h"

/* First index whose key is > after (or >= prefix when that is later). */
static size_t start_index(struct s3_entry *const *ents, size_t n, const char *prefix,
                          const char *after)
{
    const char *from = prefix;
    bool strict = false;
    if (after && strcmp(after, prefix) >= 0) {
        from = after;
        strict = true;
    }
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(ents[mid]->key, from);
        if (c < 0 || (strict && c == 0)) {
            lo = mid + 1;
        }
        else {
            hi = mid;
        }
    }
    return lo;
}

int s3_list_run(struct s3_entry *const *ents, size_t n, const struct s3_list_params *p,
                struct s3_list_result *res)
{
    const char *prefix = p->prefix ? p->prefix : "";
    const char *delim = p->delimiter && *p->delimiter ? p->delimiter : NULL;
    size_t plen = strlen(prefix);
    size_t dlen = delim ? strlen(delim) : 0;
    memset(res, 0, sizeof(*res));
    size_t cap = p->max_keys < 1000 ? p->max_keys : 1000;
    if (cap > 0) {
        res->items = emu_calloc(cap, sizeof(*res->items));
        if (!res->items) {
            return EMU_ENOMEM;
        }
    }
    const char *last_prefix = NULL;
    size_t last_prefix_len = 0;
    for (size_t i = start_index(ents, n, prefix, p->after); i < n; i++) {
        const char *key = ents[i]->key;
        if (strncmp(key, prefix, plen) != 0) {
            break; /* sorted: no later key has the prefix */
        }
        struct s3_list_item item = {ents[i], NULL, 0};
        if (delim) {
            const char *d = strstr(key + plen, delim);
            if (d) {
                size_t len = (size_t)(d - key) + dlen;
                if (last_prefix && len == last_prefix_len &&
                    memcmp(key, last_prefix, len) == 0) {
                    continue; /* same common prefix as the previous item */
                }
                /* A marker inside this group ("a/" itself, or "a/x") was already returned. */
                if (p->after && strncmp(p->after, key, len) == 0 && strlen(p->after) >= len) {
                    last_prefix = key;
                    last_prefix_len = len;
                    continue;
                }
                item = (struct s3_list_item){NULL, key, len};
                last_prefix = key;
                last_prefix_len = len;
            }
        }
        if (res->n_items == p->max_keys) {
            res->truncated = true;
            break;
        }
        if (res->n_items == cap) {
            size_t ncap = cap * 2;
            struct s3_list_item *np = emu_realloc(res->items, ncap * sizeof(*np));
            if (!np) {
                emu_free(res->items);
                res->items = NULL;
                return EMU_ENOMEM;
            }
            res->items = np;
            cap = ncap;
        }
        res->items[res->n_items++] = item;
    }
    return 0;
}
