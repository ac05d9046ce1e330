/* SPDX-License-Identifier: Apache-2.0 */
/* e2e: the /events stream, filtered by a label unique to this run, sees a container start,
 * become healthy and die with its exit code; other containers' events are filtered out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/base/err.h"
#include "tests/e2e/e2e_support.h"

struct seen {
    bool started, healthy, died, stranger;
    long exit_code;
    char id[128];
};

static void on_event(const struct emu_docker_event *ev, void *ud)
{
    struct seen *s = ud;
    printf("event: %s %s %.12s health=%s exit=%ld\n", ev->type, ev->action, ev->id, ev->health,
           ev->exit_code);
    if (strcmp(ev->id, s->id) != 0) {
        s->stranger = true;
        return;
    }
    switch (ev->kind) {
    case EMU_DOCKER_EVENT_START:
        s->started = true;
        break;
    case EMU_DOCKER_EVENT_HEALTH:
        s->healthy = s->healthy || strcmp(ev->health, "healthy") == 0;
        break;
    case EMU_DOCKER_EVENT_DIE:
        s->died = true;
        s->exit_code = ev->exit_code;
        break;
    default:
        break;
    }
}

int main(void)
{
    struct e2e e;
    e2e_setup(&e);
    struct seen s = {.exit_code = -1};
    const struct emu_docker_kv filter[] = {{"fargate-emu.e2e-run", e.tag}};
    struct e2e_result stream = {0}, res;
    struct emu_docker_events *ev = NULL;
    E2E_CHECK(emu_docker_events_start(e.d, filter, 1, on_event, &s, e2e_cb, &stream, &ev) == 0,
              "events");
    (void)e2e_run_until(&e, &stream.done, 300); /* the stream is open before things happen */
    E2E_CHECK(!stream.done, "stream ended: %d %s", stream.status, stream.message);

    static const char *const cmd[] = {"sh", "-c", "sleep 4; exit 5"};
    static const char *const test[] = {"CMD-SHELL", "true"};
    static const struct emu_docker_health health = {test, 2, 500000000LL, 2000000000LL, 0, 1};
    const struct emu_docker_kv labels[] = {{"fargate-emu.e2e-run", e.tag}};
    struct emu_docker_create c;
    emu_docker_create_init(&c);
    c.image = E2E_BUSYBOX;
    c.cmd = cmd;
    c.n_cmd = 3;
    c.health = &health;
    c.labels = labels;
    c.n_labels = 1;
    int r = e2e_create(&e, &c, "events", &res);
    E2E_CHECK(r == 0, "create: %d %s", r, res.message);
    (void)snprintf(s.id, sizeof(s.id), "%s", res.id);
    /* An unlabelled container whose events must not reach us. */
    static const char *const quick[] = {"true"};
    struct emu_docker_create other;
    emu_docker_create_init(&other);
    other.image = E2E_BUSYBOX;
    other.cmd = quick;
    other.n_cmd = 1;
    r = e2e_create(&e, &other, "stranger", &res);
    E2E_CHECK(r == 0, "create: %d %s", r, res.message);
    char stranger[128];
    (void)snprintf(stranger, sizeof(stranger), "%s", res.id);
    E2E_CHECK(emu_docker_container_start(e.d, stranger, e2e_cb, &res) == 0, "start");
    (void)e2e_run(&e, &res, 30000);
    E2E_CHECK(emu_docker_container_start(e.d, s.id, e2e_cb, &res) == 0, "start");
    r = e2e_run(&e, &res, 30000);
    E2E_CHECK(r == 0, "start: %d %s", r, res.message);

    r = e2e_run_until(&e, &s.died, 30000);
    E2E_CHECK(r == 0, "no die event");
    E2E_CHECK(s.started, "no start event");
    E2E_CHECK(s.healthy, "no health_status: healthy event");
    E2E_CHECK(s.exit_code == 5, "die exit %ld", s.exit_code);
    E2E_CHECK(!s.stranger, "an unlabelled container's event got through");

    emu_docker_events_stop(ev);
    r = e2e_run_until(&e, &stream.done, 5000);
    E2E_CHECK(r == 0 && stream.status == EMU_ECANCELED, "stream end: %d", stream.status);
    e2e_remove(&e, s.id);
    e2e_remove(&e, stranger);
    e2e_teardown(&e);
    return 0;
}
