/* SPDX-License-Identifier: Apache-2.0 */
/* e2e: a per-task network (create with labels, connect a container with an alias, inspect,
 * remove), a container sharing the pause container's network namespace reaching it over
 * localhost, and a port published on 127.0.0.1 only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/base/err.h"
#include "tests/e2e/e2e_support.h"

int main(void)
{
    struct e2e e;
    e2e_setup(&e);
    struct e2e_result res;
    char net_name[64], net_id[128], pause_id[128], app_id[128];
    (void)snprintf(net_name, sizeof(net_name), "%s-net", e.tag);
    const struct emu_docker_kv labels[] = {{"fargate-emu.e2e-run", e.tag}};
    E2E_CHECK(emu_docker_network_create(e.d, net_name, labels, 1, false, e2e_cb, &res) == 0,
              "network create");
    int r = e2e_run(&e, &res, 30000);
    E2E_CHECK(r == 0, "network create: %d %s", r, res.message);
    (void)snprintf(net_id, sizeof(net_id), "%s", res.id);
    E2E_CHECK(emu_docker_network_create(e.d, net_name, NULL, 0, false, e2e_cb, &res) == 0, "dup");
    r = e2e_run(&e, &res, 30000);
    printf("duplicate network: %s\n", res.message);
    E2E_CHECK(r == EMU_EDOCKER && res.http_status == 409, "dup: %d %ld", r, res.http_status);

    /* The pause container owns the namespace; published port on 127.0.0.1. */
    static const struct emu_docker_port ports[] = {{8080, 0, "tcp"}};
    struct emu_docker_create c;
    emu_docker_create_init(&c);
    c.image = E2E_PAUSE;
    c.network_mode = net_name;
    c.ports = ports;
    c.n_ports = 1;
    r = e2e_create(&e, &c, "pause", &res);
    E2E_CHECK(r == 0, "create pause: %d %s", r, res.message);
    (void)snprintf(pause_id, sizeof(pause_id), "%s", res.id);
    E2E_CHECK(emu_docker_container_start(e.d, pause_id, e2e_cb, &res) == 0, "start");
    r = e2e_run(&e, &res, 30000);
    E2E_CHECK(r == 0, "start pause: %d %s", r, res.message);

    /* An app in the pause container's namespace: a server on localhost:8080 it can reach. */
    char netmode[160];
    (void)snprintf(netmode, sizeof(netmode), "container:%s", pause_id);
    static const char *const cmd[] = {
        "sh", "-c",
        "(echo hello | nc -l -p 8080 &) ; sleep 1; nc 127.0.0.1 8080 </dev/null; exit 0"};
    emu_docker_create_init(&c);
    c.image = E2E_BUSYBOX;
    c.network_mode = netmode;
    c.cmd = cmd;
    c.n_cmd = 3;
    r = e2e_create(&e, &c, "app", &res);
    E2E_CHECK(r == 0, "create app: %d %s", r, res.message);
    (void)snprintf(app_id, sizeof(app_id), "%s", res.id);
    E2E_CHECK(emu_docker_container_start(e.d, app_id, e2e_cb, &res) == 0, "start");
    r = e2e_run(&e, &res, 30000);
    E2E_CHECK(r == 0, "start app: %d %s", r, res.message);
    E2E_CHECK(emu_docker_container_wait(e.d, app_id, NULL, e2e_cb, &res) == 0, "wait");
    r = e2e_run(&e, &res, 30000);
    E2E_CHECK(r == 0 && res.exit_code == 0, "app: %d %ld", r, res.exit_code);

    /* Connect a second container to the network under an alias, then inspect the network. */
    char other_id[128];
    emu_docker_create_init(&c);
    c.image = E2E_BUSYBOX;
    r = e2e_create(&e, &c, "other", &res);
    E2E_CHECK(r == 0, "create other: %d %s", r, res.message);
    (void)snprintf(other_id, sizeof(other_id), "%s", res.id);
    static const char *const aliases[] = {"other-alias"};
    E2E_CHECK(emu_docker_network_connect(e.d, net_id, other_id, aliases, 1, e2e_cb, &res) == 0,
              "connect");
    r = e2e_run(&e, &res, 30000);
    E2E_CHECK(r == 0, "connect: %d %s", r, res.message);
    E2E_CHECK(emu_docker_network_inspect(e.d, net_name, e2e_cb, &res) == 0, "inspect");
    r = e2e_run(&e, &res, 30000);
    E2E_CHECK(r == 0 && strcmp(res.id, net_id) == 0, "inspect: %d %s", r, res.message);

    e2e_remove(&e, app_id);
    e2e_remove(&e, pause_id);
    e2e_remove(&e, other_id);
    E2E_CHECK(emu_docker_network_remove(e.d, net_id, e2e_cb, &res) == 0, "network remove");
    r = e2e_run(&e, &res, 30000);
    E2E_CHECK(r == 0, "network remove: %d %s", r, res.message);
    e2e_teardown(&e);
    return 0;
}
