/* SPDX-License-Identifier: Apache-2.0 */
/* Tag routing rules: Fluent Bit's Match patterns ('*' matches any run of characters, the rest
 * is literal and case-sensitive) and Match_Regex (Oniguruma, Ruby syntax, unanchored). */
#include <errno.h>
#include <string.h>

#include "emu/router/router_internal.h"

int emu_router_match_tag(const char *pattern, const char *tag, size_t tag_len)
{
    const char *star_p = NULL;
    size_t star_t = 0, t = 0;
    while (t < tag_len) {
        if (*pattern == '*') {
            star_p = pattern++;
            star_t = t;
        }
        else if (*pattern && *pattern == tag[t]) {
            pattern++;
            t++;
        }
        else if (star_p) {
            pattern = star_p + 1;
            t = ++star_t;
        }
        else {
            return 0;
        }
    }
    while (*pattern == '*') {
        pattern++;
    }
    return *pattern == '\0';
}

int emu__router_regex_new(const char *pattern, OnigRegex *ret)
{
    OnigErrorInfo einfo;
    const UChar *p = (const UChar *)pattern;
    int r = onig_new(ret, p, p + strlen(pattern), ONIG_OPTION_NONE, ONIG_ENCODING_UTF8,
                     ONIG_SYNTAX_RUBY, &einfo);
    return r == ONIG_NORMAL ? 0 : -EINVAL;
}

int emu__router_match(const char *match, OnigRegex re, const char *tag, size_t tag_len)
{
    if (re) {
        const UChar *s = (const UChar *)tag;
        return onig_search(re, s, s + tag_len, s, s + tag_len, NULL, ONIG_OPTION_NONE) >= 0;
    }
    return match && emu_router_match_tag(match, tag, tag_len);
}
