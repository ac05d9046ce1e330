/* SPDX-License-Identifier: Apache-2.0 */
/* Filesystem buffering (storage.type filesystem): each chunk of such an input is mirrored in a
 * chunk file under <storage.path>/<input name>/ as it grows, deleted once every output routed
 * to it is done with it, and chunk files left by an earlier run are loaded as backlog. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emu/base/buf.h"
#include "emu/base/err.h"
#include "emu/base/file.h"
#include "emu/base/log.h"
#include "emu/base/mem.h"
#include "emu/router/chunkfile.h"
#include "emu/router/router_internal.h"

#define PATH_CAP 4096
/* Chunk files of one input considered at start; the rest wait for the next start. */
#define BACKLOG_FILES_MAX 65536

static int write_all(int fd, const void *p, size_t len)
{
    const char *b = p;
    while (len > 0) {
        ssize_t w = write(fd, b, len);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return w < 0 ? -errno : -EIO;
        }
        b += w;
        len -= (size_t)w;
    }
    return 0;
}

static int mkdir_p(char *path)
{
    for (char *s = path + 1; *s; s++) {
        if (*s == '/') {
            *s = '\0';
            int rc = mkdir(path, 0700);
            *s = '/';
            if (rc < 0 && errno != EEXIST) {
                return -errno;
            }
        }
    }
    return mkdir(path, 0700) < 0 && errno != EEXIST ? -errno : 0;
}

/* Backlog paths sort by file name (creation time, then sequence), whatever their directory. */
static int cmp_names(const void *a, const void *b)
{
    const char *x = *(char *const *)a, *y = *(char *const *)b;
    return strcmp(strrchr(x, '/') + 1, strrchr(y, '/') + 1);
}

static int is_chunk_name(const char *n)
{
    size_t len = strlen(n);
    return n[0] != '.' && len > 4 && strcmp(n + len - 4, ".chk") == 0;
}

/* Adds the chunk files an earlier run left in dir to in's backlog. */
static int list_backlog(struct emu_router_input *in, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        return errno == ENOTDIR ? 0 : -errno;
    }
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d)) != NULL && in->n_backlog < BACKLOG_FILES_MAX) {
        if (!is_chunk_name(e->d_name)) {
            continue;
        }
        if (in->n_backlog == in->cap_backlog) {
            size_t cap = in->cap_backlog ? in->cap_backlog * 2 : 64;
            char **v = emu_realloc(in->backlog, cap * sizeof(*v));
            if (!v) {
                rc = -ENOMEM;
                break;
            }
            in->backlog = v;
            in->cap_backlog = cap;
        }
        struct emu_buf path;
        emu_buf_init(&path, PATH_CAP);
        rc = emu_buf_printf(&path, "%s/%s", dir, e->d_name);
        if (rc == 0) {
            in->backlog[in->n_backlog++] = emu_buf_steal(&path);
        }
        emu_buf_done(&path);
    }
    closedir(d);
    return rc;
}

/* Every directory of storage.path is backlog: an input's own goes to that input, the others
 * (inputs renamed or gone since) to the first filesystem input, as Fluent Bit's backlog loads
 * all of storage.path. */
static int scan_backlog(struct emu_router *r)
{
    struct emu_router_input *dflt = NULL;
    for (size_t i = 0; i < r->n_inputs && !dflt; i++) {
        dflt = r->inputs[i]->fs_dir ? r->inputs[i] : NULL;
    }
    if (!dflt && r->n_inputs > 0) {
        dflt = r->inputs[0];
    }
    DIR *d = opendir(r->svc.storage_path);
    if (!d || !dflt) {
        int rc = !d && errno != ENOENT ? -errno : 0;
        if (d) {
            closedir(d);
        }
        return rc;
    }
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        struct emu_router_input *owner = dflt;
        for (size_t i = 0; i < r->n_inputs; i++) {
            if (r->inputs[i]->fs_dir && strcmp(r->inputs[i]->name, e->d_name) == 0) {
                owner = r->inputs[i];
            }
        }
        struct emu_buf dir;
        emu_buf_init(&dir, PATH_CAP);
        rc = emu_buf_printf(&dir, "%s/%s", r->svc.storage_path, e->d_name);
        if (rc == 0) {
            rc = list_backlog(owner, dir.data);
        }
        emu_buf_done(&dir);
    }
    closedir(d);
    for (size_t i = 0; i < r->n_inputs; i++) {
        struct emu_router_input *in = r->inputs[i];
        if (in->n_backlog > 0) {
            qsort(in->backlog, in->n_backlog, sizeof(*in->backlog), cmp_names);
            emu_plg_log(EMU_LOG_INFO, in->name, "%zu chunk files in the backlog", in->n_backlog);
        }
    }
    return rc;
}

int emu__router_storage_init(struct emu_router *r)
{
    const char *sync = r->svc.storage_sync ? r->svc.storage_sync : "normal";
    if (strcasecmp(sync, "normal") != 0 && strcasecmp(sync, "full") != 0) {
        return emu_log_errno(-EINVAL, "storage.sync must be normal or full, not '%s'", sync);
    }
    r->fs_sync_full = strcasecmp(sync, "full") == 0;
    for (size_t i = 0; i < r->n_inputs; i++) {
        struct emu_router_input *in = r->inputs[i];
        const char *type = in->g.storage_type ? in->g.storage_type : "memory";
        if (strcasecmp(type, "filesystem") != 0) {
            continue;
        }
        if (!r->svc.storage_path || !r->svc.storage_path[0]) {
            emu_plg_log(EMU_LOG_WARN, in->name,
                        "storage.type filesystem without [SERVICE] "
                        "storage.path: buffering in memory");
            continue;
        }
        struct emu_buf dir;
        emu_buf_init(&dir, PATH_CAP);
        int rc = emu_buf_printf(&dir, "%s/%s", r->svc.storage_path, in->name);
        if (rc == 0) {
            rc = mkdir_p(dir.data);
        }
        if (rc < 0) {
            emu_buf_done(&dir);
            return emu_log_errno(rc, "[%s] cannot create its storage directory", in->name);
        }
        in->fs_dir = emu_buf_steal(&dir);
    }
    if (!r->svc.storage_path || !r->svc.storage_path[0]) {
        return 0;
    }
    int rc = scan_backlog(r);
    return rc < 0 ? emu_log_errno(rc, "cannot read the backlog in %s", r->svc.storage_path) : 0;
}

void emu__router_storage_chunk_new(struct emu_router_input *in, struct emu_router_chunk *c)
{
    struct emu_router *r = in->r;
    struct emu_buf path, head;
    int64_t sec;
    uint32_t nsec;
    emu_router_now(&sec, &nsec);
    emu_buf_init(&path, PATH_CAP);
    emu_buf_init(&head, 2 * EMU_CHUNKFILE_TAG_MAX);
    int rc = emu_buf_printf(&path, "%s/%lld-%09u-%08llu.chk", in->fs_dir, (long long)sec,
                            (unsigned)nsec, (unsigned long long)++r->fs_seq);
    if (rc == 0) {
        rc = emu_chunkfile_put_head(&head, c->tag, strlen(c->tag), r->svc.storage_checksum);
    }
    int fd = -1;
    if (rc == 0) {
        fd = open(path.data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        rc = fd < 0 ? -errno : write_all(fd, head.data, head.len);
    }
    if (rc < 0) {
        emu_plg_log(EMU_LOG_WARN, in->name,
                    "cannot create a chunk file for tag '%s' (%s): "
                    "this chunk is buffered in memory only",
                    c->tag, emu_strerror(rc));
        if (fd >= 0) {
            close(fd);
            (void)unlink(path.data);
        }
        emu_buf_done(&path);
    }
    else {
        c->fd = fd;
        c->path = emu_buf_steal(&path);
    }
    emu_buf_done(&head);
}

void emu__router_storage_append(struct emu_router_chunk *c, const char *events, size_t len,
                                size_t n)
{
    struct emu_router *r = c->in->r;
    struct emu_buf blk;
    emu_buf_init(&blk, EMU_CHUNKFILE_BLOCK_MAX + EMU_CHUNKFILE_BLOCK_HEAD);
    int rc = emu_chunkfile_put_block(&blk, events, len, (uint32_t)n, r->svc.storage_checksum);
    if (rc == 0) {
        rc = write_all(c->fd, blk.data, blk.len);
    }
    if (rc == 0 && r->fs_sync_full) {
        rc = fdatasync(c->fd) < 0 ? -errno : 0;
    }
    emu_buf_done(&blk);
    if (rc < 0) {
        /* The file no longer mirrors the chunk: drop it, the chunk lives on in memory. */
        emu_plg_log(EMU_LOG_WARN, c->in->name,
                    "chunk file %s: write failed (%s), buffering "
                    "this chunk in memory only",
                    c->path, emu_strerror(rc));
        close(c->fd);
        c->fd = -1;
        (void)unlink(c->path);
        emu_free(c->path);
        c->path = NULL;
    }
}

struct fsync_req {
    uv_fs_t req;
    struct emu_router *r;
    int fd;
};

static void fsync_cb(uv_fs_t *req)
{
    struct fsync_req *f = req->data;
    uv_fs_req_cleanup(req);
    close(f->fd);
    emu_router_release(f->r);
    emu_free(f);
}

void emu__router_storage_seal(struct emu_router_chunk *c)
{
    if (c->fd < 0) {
        return;
    }
    struct emu_router *r = c->in->r;
    struct fsync_req *f = r->fs_sync_full ? NULL : emu_calloc(1, sizeof(*f));
    if (f) {
        /* storage.sync normal: one fsync per sealed chunk, on the thread pool. */
        f->r = r;
        f->fd = c->fd;
        f->req.data = f;
        if (uv_fs_fsync(r->loop, &f->req, c->fd, fsync_cb) == 0) {
            emu_router_hold(r);
            c->fd = -1;
            return;
        }
        emu_free(f);
    }
    close(c->fd);
    c->fd = -1;
}

void emu__router_storage_chunk_done(struct emu_router_chunk *c, int delivered)
{
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
    if (c->path && delivered && unlink(c->path) < 0 && errno != ENOENT) {
        emu_plg_log(EMU_LOG_WARN, c->in->name, "cannot delete chunk file %s: %s", c->path,
                    strerror(errno));
    }
    emu_free(c->path);
    c->path = NULL;
}

/* Loads one backlog file as a sealed chunk of in; damaged files keep what decodes. */
static void load_one(struct emu_router_input *in, char *path)
{
    struct emu_router *r = in->r;
    const char *name = path;
    char *data = NULL;
    size_t len = 0;
    int rc = emu_file_read(path, EMU_ROUTER_BUF_MAX + (1u << 20), &data, &len);
    if (rc < 0) {
        emu_plg_log(EMU_LOG_WARN, in->name, "backlog chunk %s: cannot read it (%s), left as is",
                    name, emu_strerror(rc));
        emu_free(path);
        return;
    }
    struct emu_router_chunk *c = emu_calloc(1, sizeof(*c));
    struct emu_chunkfile cf;
    if (!c) {
        emu_free(data);
        emu_free(path);
        return;
    }
    emu_buf_init(&c->data, EMU_ROUTER_BUF_MAX);
    rc = emu_chunkfile_decode(data, len, &cf, &c->data);
    if (rc == 0 && cf.n > 0) {
        rc = (c->tag = emu_strndup(cf.tag, cf.tag_len)) ? 0 : -ENOMEM;
    }
    if (rc == 0 && cf.damaged) {
        emu_plg_log(EMU_LOG_WARN, in->name,
                    "backlog chunk %s is %s at byte %zu of %zu: recovered %zu records, the "
                    "rest is lost",
                    name, cf.damaged == -EAGAIN ? "truncated" : "corrupt", cf.good, len, cf.n);
    }
    emu_free(data);
    if (rc == -E2BIG || rc == -ENOMEM) {
        emu_plg_log(EMU_LOG_WARN, in->name, "backlog chunk %s: %s, left as is", name,
                    emu_strerror(rc));
    }
    else if (rc < 0 || cf.n == 0) {
        emu_plg_log(EMU_LOG_WARN, in->name, "backlog chunk %s holds no whole record, deleting it",
                    name);
        (void)unlink(path);
    }
    if (rc < 0 || cf.n == 0) {
        emu_buf_done(&c->data);
        emu_free(c->tag);
        emu_free(c);
        emu_free(path);
        return;
    }
    c->in = in;
    c->n = cf.n;
    c->fd = -1;
    c->backlog = 1;
    c->path = path;
    r->backlog_mem += c->data.len;
    *in->sealed_tail = c;
    in->sealed_tail = &c->next;
}

void emu__router_storage_backlog(struct emu_router *r)
{
    size_t limit = r->svc.storage_backlog_mem_limit > 0 ? (size_t)r->svc.storage_backlog_mem_limit
                                                        : 5u * 1000u * 1000u;
    for (size_t i = 0; i < r->n_inputs; i++) {
        struct emu_router_input *in = r->inputs[i];
        while (in->next_backlog < in->n_backlog &&
               (r->backlog_mem == 0 || r->backlog_mem < limit)) {
            char *name = in->backlog[in->next_backlog];
            in->backlog[in->next_backlog++] = NULL;
            load_one(in, name); /* takes name */
        }
    }
}

void emu__router_storage_free(struct emu_router_input *in)
{
    for (size_t i = 0; i < in->n_backlog; i++) {
        emu_free(in->backlog[i]);
    }
    emu_free(in->backlog);
    emu_free(in->fs_dir);
    in->backlog = NULL;
    in->fs_dir = NULL;
    in->n_backlog = in->cap_backlog = in->next_backlog = 0;
}
