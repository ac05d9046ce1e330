/* SPDX-License-Identifier: Apache-2.0 */
/* e2e: daemon errors surface verbatim with the call that failed (create with a missing image),
 * and the image policy: --pull never refuses, --image-map maps, a failed pull reports the
 * daemon's message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/base/err.h"
#include "tests/e2e/e2e_support.h"

int main(void)
{
    struct e2e e;
    e2e_setup(&e);
    struct emu_docker_create c;
    emu_docker_create_init(&c);
    c.image = "fargate-emu/missing:local";
    struct e2e_result res;
    int r = e2e_create(&e, &c, "missing", &res);
    printf("create with a missing image: %s: %s\n", res.call, res.message);
    E2E_CHECK(r == EMU_EDOCKER, "status %d", r);
    E2E_CHECK(res.http_status == 404, "http %ld", res.http_status);
    E2E_CHECK(strcmp(res.message, "No such image: fargate-emu/missing:local") == 0, "'%s'",
              res.message);
    E2E_CHECK(strncmp(res.call, "POST /containers/create?name=", 29) == 0, "call '%s'", res.call);

    /* A conflict: the same name twice. */
    c.image = E2E_BUSYBOX;
    r = e2e_create(&e, &c, "twice", &res);
    E2E_CHECK(r == 0, "create: %d %s", r, res.message);
    char id[128];
    (void)snprintf(id, sizeof(id), "%s", res.id);
    r = e2e_create(&e, &c, "twice", &res);
    E2E_CHECK(r == EMU_EDOCKER && res.http_status == 409, "dup: %d %ld", r, res.http_status);
    E2E_CHECK(strstr(res.message, "is already in use by container") != NULL, "'%s'",
              res.message);
    printf("duplicate name: %s\n", res.message);
    e2e_remove(&e, id);

    /* Image policy and map. */
    struct emu_docker_image_map map;
    emu_docker_image_map_init(&map);
    E2E_CHECK(emu_docker_image_map_add(&map, "example.invalid/app:1=" E2E_BUSYBOX) == 0, "map");
    r = emu_docker_image_ensure(e.d, &map, "example.invalid/app:1", EMU_DOCKER_PULL_NEVER, NULL,
                                e2e_cb, &res);
    E2E_CHECK(r == 0, "ensure");
    r = e2e_run(&e, &res, 30000);
    E2E_CHECK(r == 0, "mapped image: %d %s", r, res.message);
    r = emu_docker_image_ensure(e.d, &map, "fargate-emu/absent:local", EMU_DOCKER_PULL_NEVER,
                                NULL, e2e_cb, &res);
    E2E_CHECK(r == 0, "ensure");
    r = e2e_run(&e, &res, 30000);
    E2E_CHECK(r == EMU_ENOENT, "never: %d %s", r, res.message);
    printf("pull never: %s\n", res.message);
    /* No registry is reachable: the pull fails, with the daemon's own words. */
    struct emu_docker_pull_opts po = {.progress = stdout, .tty = false};
    r = emu_docker_image_ensure(e.d, &map, "registry.invalid/x/y:1", EMU_DOCKER_PULL_MISSING,
                                &po, e2e_cb, &res);
    E2E_CHECK(r == 0, "ensure");
    r = e2e_run(&e, &res, 120000);
    printf("pull from an unreachable registry: %s: %s\n", res.call, res.message);
    E2E_CHECK(r == EMU_EDOCKER, "pull: %d", r);
    E2E_CHECK(strstr(res.message, "registry.invalid") != NULL, "'%s'", res.message);
    E2E_CHECK(strncmp(res.call, "POST /images/create?fromImage=registry.invalid%2Fx%2Fy&tag=1",
                      60) == 0,
              "call '%s'", res.call);
    emu_docker_image_map_done(&map);
    e2e_teardown(&e);
    return 0;
}
