/* SPDX-License-Identifier: Apache-2.0 */
/* out_file: appends events to Path/File (File defaults to the tag), in Fluent Bit's out_file
 * format ("tag: [sec.nsec, {json}]") or plain JSON lines; Mkdir creates the directory. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "emu/base/buf.h"
#include "emu/base/log.h"
#include "emu/router/format.h"
#include "emu/router/mp.h"
#include "emu/router/plugin.h"

struct file_ctx {
    const char *path, *file, *format, *delimiter, *label_delimiter, *template_str;
    int mkdir, csv_column_names, plain;
};

#define OFF(f) offsetof(struct file_ctx, f)

static const struct emu_router_option file_options[] = {
    {EMU_ROPT_STR, "path", NULL, 0, OFF(path), "Directory to store files in."},
    {EMU_ROPT_STR, "file", NULL, 0, OFF(file), "File name (default: the tag)."},
    {EMU_ROPT_STR, "format", NULL, 0, OFF(format), "out_file (default) or plain."},
    {EMU_ROPT_BOOL, "mkdir", "false", 0, OFF(mkdir), "Create the directory (0755)."},
    {EMU_ROPT_STR, "delimiter", NULL, 0, OFF(delimiter), "csv/ltsv delimiter (unsupported)."},
    {EMU_ROPT_STR, "label_delimiter", NULL, 0, OFF(label_delimiter),
     "ltsv label delimiter (unsupported)."},
    {EMU_ROPT_STR, "template", "{time} {message}", 0, OFF(template_str),
     "template format string (unsupported)."},
    {EMU_ROPT_BOOL, "csv_column_names", "false", 0, OFF(csv_column_names),
     "csv header line (unsupported)."},
    {0, NULL, NULL, 0, 0, NULL},
};

static int mkdir_p(const char *dir)
{
    char tmp[4096];
    int n = snprintf(tmp, sizeof(tmp), "%s", dir);
    if (n < 0 || (size_t)n >= sizeof(tmp)) {
        return -ENAMETOOLONG;
    }
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0755) < 0 && errno != EEXIST) {
                return -errno;
            }
            *p = '/';
        }
    }
    return mkdir(tmp, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

static int cb_file_init(struct emu_router_output *ins, void *data)
{
    struct file_ctx *ctx = data;
    const char *name = emu_router_output_name(ins);
    if (ctx->format && strcasecmp(ctx->format, "plain") == 0) {
        ctx->plain = 1;
    }
    else if (ctx->format && strcasecmp(ctx->format, "out_file") != 0) {
        emu_plg_log(EMU_LOG_ERROR, name, "format '%s' is not supported by emu-router",
                    ctx->format);
        return -ENOTSUP;
    }
    if (ctx->path && ctx->mkdir) {
        int r = mkdir_p(ctx->path);
        if (r < 0) {
            emu_plg_log(EMU_LOG_ERROR, name, "cannot create %s: %s", ctx->path, strerror(-r));
            return r;
        }
    }
    return 0;
}

static int format(struct file_ctx *ctx, const char *data, size_t len, const char *tag,
                  struct emu_buf *out)
{
    struct emu_mp m = {.p = (const uint8_t *)data, .len = len};
    int r = 0;
    if (ctx->plain) {
        return emu_router_format_json(data, len, EMU_JSON_FMT_LINES, NULL, 0, out);
    }
    while (r == 0 && m.off < m.len) {
        int64_t sec;
        uint32_t nsec;
        const uint8_t *rec;
        size_t rec_len;
        if (emu_mp_read_event(&m, &sec, &nsec, &rec, &rec_len) < 0) {
            return -EBADMSG;
        }
        r = emu_buf_printf(out, "%s: [%" PRId64 ".%09u, ", tag, sec, nsec);
        if (r == 0) {
            r = emu_mp_to_json(rec, rec_len, out);
        }
        if (r == 0) {
            r = emu_buf_puts(out, "]\n");
        }
    }
    return r;
}

static void cb_file_flush(struct emu_router_flush *f, const char *data, size_t len,
                          const char *tag, size_t n, struct emu_router_output *ins, void *vctx)
{
    struct file_ctx *ctx = vctx;
    const char *name = emu_router_output_name(ins);
    char path[4096];
    struct emu_buf out;
    (void)n;
    const char *fname = ctx->file ? ctx->file : tag;
    int pl = ctx->path ? snprintf(path, sizeof(path), "%s/%s", ctx->path, fname)
                       : snprintf(path, sizeof(path), "%s", fname);
    if (pl < 0 || (size_t)pl >= sizeof(path)) {
        emu_plg_log(EMU_LOG_ERROR, name, "file path too long");
        emu_router_flush_done(f, EMU_FLUSH_ERROR);
        return;
    }
    emu_buf_init(&out, 512u * 1024u * 1024u);
    if (format(ctx, data, len, tag, &out) < 0) {
        emu_buf_done(&out);
        emu_router_flush_done(f, EMU_FLUSH_ERROR);
        return;
    }
    FILE *fp = fopen(path, "ab");
    if (!fp) {
        emu_plg_log(EMU_LOG_ERROR, name, "error opening %s: %s", path, strerror(errno));
        emu_buf_done(&out);
        emu_router_flush_done(f, EMU_FLUSH_RETRY);
        return;
    }
    size_t w = out.len ? fwrite(out.data, 1, out.len, fp) : 0;
    int bad = fclose(fp) != 0 || w != out.len;
    emu_buf_done(&out);
    emu_router_flush_done(f, bad ? EMU_FLUSH_RETRY : EMU_FLUSH_OK);
}

const struct emu_router_output_plugin out_file_plugin = {
    .name = "file",
    .description = "Generate log file",
    .options = file_options,
    .ctx_size = sizeof(struct file_ctx),
    .cb_init = cb_file_init,
    .cb_flush = cb_file_flush,
};
