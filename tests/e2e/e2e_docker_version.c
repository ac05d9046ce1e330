/* SPDX-License-Identifier: Apache-2.0 */
/* e2e: API version negotiation against the private dockerd (Docker 20.10 speaks 1.41), and
 * calls before negotiation are refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/base/err.h"
#include "tests/e2e/e2e_support.h"

int main(void)
{
    struct e2e e;
    e2e_setup(&e);
    const char *api = emu_docker_api_version(e.d);
    const char *ver = emu_docker_server_version(e.d);
    E2E_CHECK(api != NULL, "no API version");
    E2E_CHECK(emu_docker_api_cmp(api, EMU_DOCKER_API_MIN) >= 0, "api %s", api);
    E2E_CHECK(emu_docker_api_cmp(api, EMU_DOCKER_API_MAX) <= 0, "api %s", api);
    E2E_CHECK(ver && ver[0] >= '0' && ver[0] <= '9', "server version %s", ver ? ver : "?");
    printf("negotiated API %s with Docker %s\n", api, ver);

    /* A second client that has not negotiated refuses to send. */
    struct emu_docker *raw = NULL;
    E2E_CHECK(emu_docker_new(e.http, getenv("EMU_E2E_DOCKER_HOST"), &raw) == 0, "new");
    struct e2e_result res;
    E2E_CHECK(emu_docker_container_inspect(raw, "x", e2e_cb, &res) == EMU_ENOTCONN, "notconn");
    raw = emu_docker_free(raw);

    /* A socket nobody listens on: a transport error naming the daemon address. */
    struct emu_docker *nobody = NULL;
    E2E_CHECK(emu_docker_new(e.http, "unix:///nonexistent/docker.sock", &nobody) == 0, "new");
    E2E_CHECK(emu_docker_connect(nobody, e2e_cb, &res) == 0, "connect");
    int r = e2e_run(&e, &res, 10000);
    E2E_CHECK(r == EMU_ECONNREFUSED, "status %d", r);
    E2E_CHECK(strstr(res.message, "unix:///nonexistent/docker.sock") != NULL, "%s", res.message);
    printf("unreachable daemon: %s\n", res.message);
    nobody = emu_docker_free(nobody);
    e2e_teardown(&e);
    return 0;
}
