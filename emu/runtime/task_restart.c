/* SPDX-License-Identifier: Apache-2.0 */
/* The container restart policy decision (ECS container definition `restartPolicy`): whether an
 * exited container is started again in place, by the rules the ECS agent applies. Pure. */
#include <inttypes.h>
#include <stdio.h>

#include "emu/runtime/runtime.h"

static void say(char *why, size_t n, const char *text)
{
    if (why && n) {
        (void)snprintf(why, n, "%s", text);
    }
}

bool emu_restart_should(const struct emu_restart_policy *p, long period_override_s,
                        const struct emu_ctr_state *c, enum emu_task_status task_desired,
                        int exit_code, int64_t now_ms, char *why, size_t why_len)
{
    if (!p || !p->present || !p->enabled.has || !p->enabled.v) {
        say(why, why_len, "restart policy is not enabled");
        return false;
    }
    if (task_desired == EMU_TASK_STOPPED || c->desired == EMU_CTR_STOPPED) {
        say(why, why_len, "the task is stopping");
        return false;
    }
    for (size_t k = 0; k < p->n_ignored_exit_codes; k++) {
        if (p->ignored_exit_codes[k] == exit_code) {
            if (why && why_len) {
                (void)snprintf(why, why_len, "exit code %d is in ignoredExitCodes", exit_code);
            }
            return false;
        }
    }
    int64_t period_s = period_override_s > 0               ? period_override_s
                       : p->restart_attempt_period.has ? p->restart_attempt_period.v
                                                          : EMU_RESTART_PERIOD_DEFAULT;
    int64_t since = c->last_restart_ms > 0 ? c->last_restart_ms : c->started_ms;
    if (since <= 0 || now_ms - since < period_s * 1000) {
        if (why && why_len) {
            (void)snprintf(why, why_len, "it ran %" PRId64 " s since its %s, less than the "
                                         "restartAttemptPeriod of %" PRId64 " s",
                           since > 0 ? (now_ms - since) / 1000 : 0,
                           c->last_restart_ms > 0 ? "last restart" : "start", period_s);
        }
        return false;
    }
    return true;
}
