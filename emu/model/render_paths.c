/* SPDX-License-Identifier: Apache-2.0 */
/* Host paths of a task's FireLens resource directory (spec 1.1, 1.2), joined and cleaned the way
 * Go's filepath.Join does, and the sun_path length check for the forward socket. */
#include <errno.h>
#include <string.h>

#include "emu/model/render_internal.h"

/* sizeof(((struct sockaddr_un *)0)->sun_path) on Linux; the path needs its NUL too. */
#define EMU_SUN_PATH_MAX 108

char *emu_render_path_clean(struct emu_arena *a, const char *path)
{
    size_t len = strlen(path);
    bool rooted = len > 0 && path[0] == '/';
    /* Output never grows: at most len bytes plus "." and the NUL. */
    char *out = emu_arena_alloc(a, len + 2);
    if (!out) {
        return NULL;
    }
    size_t n = 0;
    size_t dotdot = 0; /* out[0..dotdot) holds leading ".." elements that cannot be removed */
    if (rooted) {
        out[n++] = '/';
        dotdot = 1;
    }
    size_t i = 0;
    while (i < len) {
        if (path[i] == '/') {
            i++;
            continue;
        }
        size_t j = i;
        while (j < len && path[j] != '/') {
            j++;
        }
        size_t el = j - i;
        if (el == 1 && path[i] == '.') {
            /* drop "." */
        }
        else if (el == 2 && path[i] == '.' && path[i + 1] == '.') {
            if (n > dotdot) {
                /* back up to the previous separator */
                n--;
                while (n > dotdot && out[n] != '/') {
                    n--;
                }
            }
            else if (!rooted) {
                if (n > 0) {
                    out[n++] = '/';
                }
                out[n++] = '.';
                out[n++] = '.';
                dotdot = n;
            }
        }
        else {
            if ((rooted && n != 1) || (!rooted && n != 0)) {
                out[n++] = '/';
            }
            memcpy(out + n, path + i, el);
            n += el;
        }
        i = j;
    }
    if (n == 0) {
        out[n++] = '.';
    }
    out[n] = '\0';
    return out;
}

int emu_render_firelens_paths(const struct emu_render_ctx *ctx, struct emu_arena *arena,
                              struct emu_firelens_paths *ret)
{
    const char *host = ctx->host_data_dir ? ctx->host_data_dir : "/var/lib/ecs";
    const char *task_id = emu_render_task_id(ctx);
    memset(ret, 0, sizeof(*ret));
    /* filepath.Join skips empty elements. */
    char *joined = *host ? emu_arena_printf(arena, "%s/data/firelens/%s", host, task_id)
                         : emu_arena_printf(arena, "data/firelens/%s", task_id);
    const char *dir = joined ? emu_render_path_clean(arena, joined) : NULL;
    if (!dir) {
        return -ENOMEM;
    }
    ret->resource_dir = dir;
    ret->config_dir = emu_arena_printf(arena, "%s/config", dir);
    ret->config_file = emu_arena_printf(arena, "%s/config/fluent.conf", dir);
    ret->external_file = emu_arena_printf(arena, "%s/config/external.conf", dir);
    ret->socket_dir = emu_arena_printf(arena, "%s/socket/", dir);
    ret->socket_path = emu_arena_printf(arena, "%s/socket/fluent.sock", dir);
    if (!ret->config_dir || !ret->config_file || !ret->external_file || !ret->socket_dir ||
        !ret->socket_path) {
        return -ENOMEM;
    }
    if (strlen(ret->socket_path) >= EMU_SUN_PATH_MAX) {
        return -ENAMETOOLONG;
    }
    return 0;
}
