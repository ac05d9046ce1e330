/* SPDX-License-Identifier: Apache-2.0 */
/* Keeps the router config files a task ran with (the generated fluent.conf, patched image
 * configs, external.conf) as <data-dir>/tasks/<id>.router/ when its FireLens dir is removed,
 * so `fargate-emu report` can name the task's destinations after the task is gone. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "emu/base/err.h"
#include "emu/base/file.h"
#include "emu/base/log.h"
#include "emu/base/mem.h"
#include "emu/runtime/runtime_int.h"

#define COPY_MAX_FILES 64

int emu__local_save_config(struct emu_task_runner *r)
{
    const char *from = r->local.paths.config_dir;
    char to[4200];
    int n = snprintf(to, sizeof(to), "%s/tasks/%s.router", r->opts.data_dir, r->st->id);
    if (!from || n < 0 || (size_t)n >= sizeof(to)) {
        return EMU_ENAMETOOLONG;
    }
    DIR *dp = opendir(from);
    if (!dp) {
        return -errno;
    }
    int rv = mkdir(to, 0755) == 0 || errno == EEXIST ? 0 : -errno;
    struct dirent *de;
    size_t copied = 0;
    while (rv == 0 && copied < COPY_MAX_FILES && (de = readdir(dp)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len <= 5 || strcmp(de->d_name + len - 5, ".conf") != 0) {
            continue;
        }
        char src[4400], dst[4400];
        int a = snprintf(src, sizeof(src), "%s/%s", from, de->d_name);
        int b = snprintf(dst, sizeof(dst), "%s/%s", to, de->d_name);
        if (a < 0 || (size_t)a >= sizeof(src) || b < 0 || (size_t)b >= sizeof(dst)) {
            continue;
        }
        char *data = NULL;
        size_t size = 0;
        rv = emu_file_read(src, EMU_LOCAL_CONF_MAX, &data, &size);
        rv = rv ? rv : emu_file_write_atomic(dst, data ? data : "", size, 0644);
        emu_free(data);
        copied++;
    }
    closedir(dp);
    return rv;
}
