/* SPDX-License-Identifier: Apache-2.0 */
/* Leaves nothing behind: removes a task's containers, pause container and network by their
 * deterministic names (after a normal stop, or as the crash-recovery sweep of a task whose
 * supervisor died), and its task dir unless --keep. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "emu/base/err.h"
#include "emu/base/log.h"
#include "emu/runtime/runtime_int.h"

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    int r = flag == FTW_DP ? rmdir(path) : unlink(path);
    return r < 0 && errno != ENOENT ? -errno : 0;
}

int emu_task_remove_dir(const char *path)
{
    int r = nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    if (r < 0 && errno == ENOENT) {
        return 0;
    }
    return r > 0 ? -EIO : r < 0 ? (r == -1 ? -errno : r) : 0;
}

static void sweeper_finish(struct emu_sweeper *sw)
{
    sw->finished = true;
    sw->done(sw);
}

static void note(struct emu_sweeper *sw, int status, const struct emu_docker_reply *rep)
{
    bool gone = status == 0 || (status == EMU_EDOCKER && rep && rep->http_status == 404);
    if (!gone && !sw->first_error) {
        sw->first_error = status;
        emu_log_debug("task %s: removing %s: %s", sw->st->id, rep ? rep->call : "",
                      rep && rep->message ? rep->message : emu_strerror(status));
    }
}

static void on_network_removed(int status, const struct emu_docker_reply *rep, void *ud)
{
    struct emu_sweeper *sw = ud;
    note(sw, status, rep);
    sweeper_finish(sw);
}

static void network_phase(struct emu_sweeper *sw)
{
    sw->network_phase = true;
    if (!sw->st->network_name[0] ||
        emu_docker_network_remove(sw->docker, sw->st->network_name, on_network_removed, sw) < 0) {
        sweeper_finish(sw);
    }
}

static void on_removed(int status, const struct emu_docker_reply *rep, void *ud)
{
    struct emu_sweeper *sw = ud;
    note(sw, status, rep);
    if (--sw->pending == 0) {
        network_phase(sw);
    }
}

static void remove_one(struct emu_sweeper *sw, const char *name)
{
    if (name[0] && emu_docker_container_remove(sw->docker, name, true, on_removed, sw) == 0) {
        sw->pending++;
    }
}

void emu__sweeper_start(struct emu_sweeper *sw)
{
    sw->pending = 1; /* held until every removal is issued */
    for (size_t i = 0; i < sw->st->n_containers; i++) {
        remove_one(sw, sw->st->containers[i].docker_name);
    }
    remove_one(sw, sw->st->pause_name);
    char helper[64];
    (void)snprintf(helper, sizeof(helper), "fe-%s.cfg", sw->st->id);
    remove_one(sw, helper);
    if (--sw->pending == 0) {
        network_phase(sw);
    }
}

static void on_runner_swept(struct emu_sweeper *sw)
{
    struct emu_task_runner *r = sw->ud;
    r->setup_inflight--;
    if (sw->first_error) {
        emu_log_warn("task %s: some Docker objects were not removed (%s); `fargate-emu stop %s` "
                     "retries, ignoring", r->st->id, emu_strerror(sw->first_error), r->st->id);
    }
    if (!r->st->keep && r->task_dir) {
        int rv = emu_task_remove_dir(r->task_dir);
        if (rv < 0) {
            emu_log_warn("task %s: cannot remove %s: %s, ignoring", r->st->id, r->task_dir,
                         emu_strerror(rv));
        }
    }
    emu__local_cleanup(r);
    r->cleaned_up = true;
    emu__runner_settle(r);
}

void emu__runner_cleanup(struct emu_task_runner *r)
{
    r->sweeper = (struct emu_sweeper){.docker = r->docker, .st = r->st, .done = on_runner_swept,
                                      .ud = r};
    r->setup_inflight++;
    emu__sweeper_start(&r->sweeper);
}

static void on_swept(struct emu_sweeper *sw)
{
    (void)sw;
}

int emu_task_sweep(struct emu_docker *docker, uv_loop_t *loop, const struct emu_task_state *st)
{
    struct emu_sweeper sw = {.docker = docker, .st = st, .done = on_swept};
    emu__sweeper_start(&sw);
    while (!sw.finished) {
        (void)uv_run(loop, UV_RUN_ONCE);
    }
    return sw.first_error;
}
