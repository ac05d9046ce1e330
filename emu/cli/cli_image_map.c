/* SPDX-License-Identifier: Apache-2.0 */
/* The image map from the command line: repeatable `--image-map FROM=TO[,FROM=TO...]` flags and
 * an `--image-map-file` with one FROM=TO per line (blank lines and # comments allowed), so a
 * task definition naming ECR images runs with local ones. Errors name the flag or file:line. */
#include <stdio.h>
#include <string.h>

#include "emu/base/err.h"
#include "emu/base/file.h"
#include "emu/base/mem.h"
#include "emu/cli/cli_image_map.h"

#define IMAGE_MAP_FILE_MAX (1024u * 1024u)
#define IMAGE_MAP_ENTRY_MAX 4096

static const char *trim(const char *s, size_t *len)
{
    while (*len && (*s == ' ' || *s == '\t' || *s == '\r')) {
        s++;
        (*len)--;
    }
    while (*len && (s[*len - 1] == ' ' || s[*len - 1] == '\t' || s[*len - 1] == '\r')) {
        (*len)--;
    }
    return s;
}

static int add_entry(struct emu_docker_image_map *map, const char *entry, size_t len,
                     const char *where)
{
    char buf[IMAGE_MAP_ENTRY_MAX];
    if (len >= sizeof(buf)) {
        fprintf(stderr, "%s: image map entry too long (over %d bytes)\n", where,
                IMAGE_MAP_ENTRY_MAX - 1);
        return EMU_EUSAGE;
    }
    /* "FROM = TO" reads as "FROM=TO": names never hold spaces. */
    const char *eq = memchr(entry, '=', len);
    if (eq) {
        size_t from_len = (size_t)(eq - entry), to_len = len - from_len - 1;
        const char *from = trim(entry, &from_len);
        const char *to = trim(eq + 1, &to_len);
        len = (size_t)snprintf(buf, sizeof(buf), "%.*s=%.*s", (int)from_len, from, (int)to_len, to);
    }
    else {
        memcpy(buf, entry, len);
        buf[len] = '\0';
    }
    int r = emu_docker_image_map_add(map, buf);
    if (r == EMU_E2BIG) {
        fprintf(stderr, "%s: too many image map entries\n", where);
        return EMU_EUSAGE;
    }
    if (r < 0) {
        fprintf(stderr, "%s: '%s': expected FROM=TO\n", where, buf);
        return r == EMU_ENOMEM ? r : EMU_EUSAGE;
    }
    return 0;
}

static int load_file(const char *path, struct emu_docker_image_map *map)
{
    char *data = NULL;
    size_t len = 0;
    int r = emu_file_read(path, IMAGE_MAP_FILE_MAX, &data, &len);
    if (r < 0) {
        fprintf(stderr, "fargate-emu: --image-map-file %s: %s\n", path, emu_strerror(r));
        return EMU_EUSAGE;
    }
    unsigned line = 0;
    for (const char *p = data; r == 0 && p < data + len;) {
        const char *nl = memchr(p, '\n', (size_t)(data + len - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(data + len - p);
        line++;
        const char *s = trim(p, &n);
        if (n && s[0] != '#') {
            char where[4200];
            snprintf(where, sizeof(where), "fargate-emu: %s:%u", path, line);
            r = add_entry(map, s, n, where);
        }
        p += (nl ? (size_t)(nl - p) + 1 : n);
        if (!nl) {
            break;
        }
    }
    emu_free(data);
    return r;
}

int emu_cli_image_map_load(const struct emu_cli_list *flags, const char *file,
                           struct emu_docker_image_map *map)
{
    int r = file ? load_file(file, map) : 0;
    for (size_t i = 0; r == 0 && i < flags->n; i++) {
        const char *v = flags->items[i];
        while (r == 0 && *v) {
            const char *comma = strchr(v, ',');
            size_t n = comma ? (size_t)(comma - v) : strlen(v);
            if (n) {
                r = add_entry(map, v, n, "fargate-emu: --image-map");
            }
            v += n + (comma ? 1 : 0);
        }
    }
    return r;
}
