/* SPDX-License-Identifier: Apache-2.0 */
/* FireLens rules of spec 5.1: router and awsfirelens pairing, one router, router type and
 * options, the router user, log-driver-buffer-limit, the agent-side failures (bad config-file
 * options, outputs without Name/@type) and the documented START/HEALTHY dependency advice. */
#include <string.h>

#include "emu/model/validate_internal.h"

#define BUFFER_LIMIT_MAX 536870912 /* exclusive (firelens-docker-buffer-limit.html) */

static bool go_parse_bool(const char *s)
{
    static const char *const ok[] = {"1", "t", "T", "TRUE", "true", "True",
                                     "0", "f", "F", "FALSE", "false", "False", NULL};
    for (size_t i = 0; ok[i]; i++) {
        if (strcmp(s, ok[i]) == 0) {
            return true;
        }
    }
    return false;
}

/* Go's arn.Parse: "arn:" and at least six colon-separated sections. */
static bool arn_syntax_ok(const char *s)
{
    if (strncmp(s, "arn:", 4) != 0) {
        return false;
    }
    int colons = 0;
    for (; *s; s++) {
        colons += *s == ':';
    }
    return colons >= 5;
}

/* What the agent accepts for an S3 config: arn:<partition>:s3:::<bucket>/<key>. */
static bool s3_object_arn_ok(const char *s)
{
    const char *p = s + 4;
    const char *colon = strchr(p, ':');
    if (!colon || colon == p || strncmp(colon, ":s3:::", 6) != 0) {
        return false;
    }
    const char *bucket = colon + 6;
    const char *slash = strchr(bucket, '/');
    return slash && slash != bucket && slash[1] != '\0';
}

static void check_router_options(struct emu_vctx *v, size_t i, const struct emu_container_def *c)
{
    char w[EMU_VWHERE_MAX];
    const struct emu_kv_list *o = &c->firelens_configuration.options;
    for (size_t k = 0; o->items && k < o->n; k++) {
        const char *key = o->items[k].key;
        if (emu__vblank(key)) {
            emu__verr(v, emu__vcwhere(v, w, sizeof(w), i, "firelensConfiguration.options"),
                      "firelensConfiguration option keys must not be blank.");
            continue;
        }
        emu__vcwhere(v, w, sizeof(w), i, "firelensConfiguration.options.%s", key);
        if (emu__vblank(o->items[k].value)) {
            emu__verr(v, w, "Value of firelensConfiguration option '%s' must not be blank.",
                      key);
        }
        if (strcmp(key, "enable-ecs-log-metadata") != 0 &&
            strcmp(key, "config-file-type") != 0 && strcmp(key, "config-file-value") != 0) {
            emu__vwarn(v, w, "Unknown firelensConfiguration option '%s' is ignored by the ECS "
                             "agent.",
                       key);
        }
    }

    const char *meta = emu__vkv(o, "enable-ecs-log-metadata");
    if (meta && !emu__vblank(meta) && !go_parse_bool(meta)) {
        /* Spec 1.4: present but unparsable turns the metadata off. */
        emu__vwarn(v,
                   emu__vcwhere(v, w, sizeof(w), i,
                                "firelensConfiguration.options.enable-ecs-log-metadata"),
                   "enable-ecs-log-metadata value '%s' is not a boolean; the ECS agent turns "
                   "ECS log metadata off.",
                   meta);
    }

    const char *type = emu__vkv(o, "config-file-type");
    const char *value = emu__vkv(o, "config-file-value");
    if (!type || emu__vblank(type)) {
        if (value && !type) {
            emu__vwarn(v,
                       emu__vcwhere(v, w, sizeof(w), i,
                                    "firelensConfiguration.options.config-file-value"),
                       "config-file-value is ignored because config-file-type is not set.");
        }
        return;
    }
    emu__vcwhere(v, w, sizeof(w), i, "firelensConfiguration.options.config-file-type");
    bool s3 = strcmp(type, "s3") == 0;
    if (!s3 && strcmp(type, "file") != 0) {
        /* Agent text (firelens_unix.go), spec 1.4. */
        emu__verr(v, w, "invalid value %s is specified for option config-file-type", type);
    } else if (s3 && v->fargate) {
        /* ECS API model, FirelensConfiguration.options. */
        emu__verr(v, w, "Tasks hosted on Fargate only support the file configuration file "
                        "type.");
    }
    if (!value) {
        /* Agent text, spec 1.4. */
        emu__verr(v, emu__vcwhere(v, w, sizeof(w), i, "firelensConfiguration.options"),
                  "option config-file-type is specified but config-file-value is not "
                  "specified");
        return;
    }
    if (!s3 || emu__vblank(value)) {
        return;
    }
    emu__vcwhere(v, w, sizeof(w), i, "firelensConfiguration.options.config-file-value");
    if (!arn_syntax_ok(value)) {
        /* Quoted in aws/aws-sdk#311 and aws/aws-cli#7147. */
        emu__verr(v, w, "Invalid arn syntax.");
    } else if (!s3_object_arn_ok(value)) {
        emu__verr(v, w,
                  "config-file-value '%s' is not an S3 object ARN "
                  "(arn:<partition>:s3:::<bucket>/<key>); the ECS agent cannot download it.",
                  value);
    }
}

static void check_router_user(struct emu_vctx *v, size_t i, const struct emu_container_def *c)
{
    char w[EMU_VWHERE_MAX];
    if (!c->user || !*c->user) {
        return; /* ECS stores an unset router user as "0" */
    }
    char uid[32];
    size_t n = strcspn(c->user, ":");
    int64_t id = -1;
    bool numeric = n > 0 && n < sizeof(uid);
    if (numeric) {
        memcpy(uid, c->user, n);
        uid[n] = '\0';
        numeric = emu__vparse_u64(uid, &id);
    }
    emu__vcwhere(v, w, sizeof(w), i, "user");
    if (!numeric) {
        /* Spec 3.3: the agent chowns the socket dir to the UID and fails otherwise. */
        emu__verr(v, w,
                  "The log router's user '%s' must begin with a numeric UID: the ECS agent "
                  "changes the owner of the FireLens socket directory to it and fails the task "
                  "otherwise.",
                  c->user);
    } else if (id != 0 && v->fargate) {
        /* Historical ECS text quoted in cloudposse/terraform-aws-ecs-container-definition#97
         * and eagletmt/hako#93; non-root routers are documented for EC2 agent >= 1.96.0. */
        emu__vwarn(v, w,
                   "If 'user' field is specified on firelens container, then 'UID' has to be "
                   "'0'. (Non-root log routers are documented for EC2 agent 1.96.0 and later "
                   "only.)");
    }
}

static void check_router(struct emu_vctx *v, size_t i, const struct emu_container_def *c)
{
    char w[EMU_VWHERE_MAX];
    const struct emu_firelens_config *f = &c->firelens_configuration;
    emu__vcwhere(v, w, sizeof(w), i, "firelensConfiguration.type");
    if (emu__vblank(f->type_raw) && f->type == EMU_ROUTER_NONE) {
        emu__verr(v, w, "firelensConfiguration.type should not be null or empty. Valid values: "
                        "fluentd, fluentbit.");
    } else if (f->type == EMU_ROUTER_OTHER || f->type == EMU_ROUTER_NONE) {
        /* Agent text (task.go), spec section 8. */
        emu__verr(v, w, "unsupported firelens config type %s", f->type_raw ? f->type_raw : "");
    }
    check_router_options(v, i, c);
    check_router_user(v, i, c);
}

static void check_buffer_limit(struct emu_vctx *v, size_t i, const struct emu_container_def *c)
{
    char w[EMU_VWHERE_MAX];
    const char *val = emu__vkv(&c->log_configuration.options, "log-driver-buffer-limit");
    if (!val) {
        return;
    }
    emu__vcwhere(v, w, sizeof(w), i, "logConfiguration.options.log-driver-buffer-limit");
    int64_t n;
    if (!emu_container_uses_firelens(c)) {
        emu__verr(v, w, "The log-driver-buffer-limit option is only supported with the "
                        "awsfirelens log driver.");
    } else if (!emu__vparse_u64(val, &n) || n >= BUFFER_LIMIT_MAX) {
        emu__verr(v, w,
                  "Invalid value '%s' for log-driver-buffer-limit. It must be an integer from 0 "
                  "to 536870911.",
                  val);
    }
}

/* Agent-side: options left after the agent removes its own keys need an output plugin name. */
static void check_output(struct emu_vctx *v, size_t i, const struct emu_container_def *c,
                         enum emu_router_type type)
{
    char w[EMU_VWHERE_MAX];
    const char *out_key = type == EMU_ROUTER_FLUENTD ? "@type" : "Name";
    const struct emu_kv_list *o = &c->log_configuration.options;
    if (emu__vkv(o, out_key)) {
        return;
    }
    size_t rest = c->log_configuration.secret_options.n;
    for (size_t k = 0; o->items && k < o->n; k++) {
        const char *key = o->items[k].key;
        if (key && strcmp(key, "include-pattern") != 0 && strcmp(key, "exclude-pattern") != 0 &&
            strcmp(key, "log-driver-buffer-limit") != 0) {
            rest++;
        }
    }
    if (rest > 0) {
        /* Agent text (firelensconfig_unix.go), spec 1.5. */
        emu__verr(v, emu__vcwhere(v, w, sizeof(w), i, "logConfiguration.options"),
                  "missing output key %s which is required for firelens configuration of type %s",
                  out_key, type == EMU_ROUTER_FLUENTD ? "fluentd" : "fluentbit");
    }
}

static bool router_has_own_deps(const struct emu_container_def *r)
{
    for (size_t j = 0; r->depends_on && j < r->n_depends_on; j++) {
        if (!r->depends_on[j].implicit) {
            return true;
        }
    }
    return r->n_volumes_from > 0 || r->links.n > 0;
}

/* Spec section 4: the dependency advice of the FireLens docs, and the case where the agent adds
 * no implicit START dependency because the router has dependencies of its own. */
static void check_router_dependency(struct emu_vctx *v, size_t i,
                                    const struct emu_container_def *c,
                                    const struct emu_container_def *router)
{
    char w[EMU_VWHERE_MAX];
    bool found = false;
    for (size_t j = 0; c->depends_on && j < c->n_depends_on; j++) {
        const struct emu_dependency *d = &c->depends_on[j];
        if (d->implicit || !d->container_name || !router->name ||
            strcmp(d->container_name, router->name) != 0) {
            continue;
        }
        found = true;
        if (d->condition == EMU_DEP_COMPLETE || d->condition == EMU_DEP_SUCCESS) {
            emu__vwarn(v, emu__vcwhere(v, w, sizeof(w), i, "dependsOn[%zu].condition", j),
                       "If you use dependency condition parameters in container definitions "
                       "with a FireLens configuration, ensure that each container has a START "
                       "or HEALTHY condition requirement.");
        }
    }
    if (!found && router_has_own_deps(router)) {
        emu__vwarn(v, emu__vcwhere(v, w, sizeof(w), i, NULL),
                   "Container '%s' uses awsfirelens but does not depend on the log router '%s'. "
                   "Because the router has dependencies of its own, ECS adds no implicit START "
                   "dependency, so '%s' may start before the router and lose logs.",
                   emu__vname(c), emu__vname(router), emu__vname(c));
    }
}

void emu__validate_firelens(struct emu_vctx *v)
{
    const struct emu_taskdef *td = v->td;
    char w[EMU_VWHERE_MAX];
    const struct emu_container_def *router = NULL;
    size_t router_i = 0, user_i = 0, users = 0;
    for (size_t i = 0; td->containers && i < td->n_containers; i++) {
        const struct emu_container_def *c = &td->containers[i];
        if (c->firelens_configuration.present) {
            if (!router) {
                router = c;
                router_i = i;
            } else {
                emu__verr(v, emu__vcwhere(v, w, sizeof(w), i, "firelensConfiguration"),
                          "Only one container in a task definition can have a "
                          "firelensConfiguration; container '%s' already has one.",
                          emu__vname(router));
            }
            check_router(v, i, c);
        }
        if (emu_container_uses_firelens(c)) {
            user_i = users++ ? user_i : i;
        }
        check_buffer_limit(v, i, c);
    }
    if (router && users == 0) {
        /* Quoted in aws/amazon-cloudwatch-logs-for-fluent-bit#20. */
        emu__verr(v, emu__vcwhere(v, w, sizeof(w), router_i, "firelensConfiguration"),
                  "When a firelensConfiguration object is specified, at least one container has "
                  "to be configured with the awsfirelens log driver.");
    }
    if (!router && users > 0) {
        /* Quoted in turnerlabs/fargate#60 and fabfuel/ecs-deploy#164. */
        emu__verr(v, emu__vcwhere(v, w, sizeof(w), user_i, "logConfiguration.logDriver"),
                  "When awsfirelens log driver is specified in log configuration, a firelens "
                  "configuration object must be configured in one of the containers.");
    }
    if (!router) {
        return;
    }
    enum emu_router_type type = router->firelens_configuration.type;
    for (size_t i = 0; i < td->n_containers; i++) {
        const struct emu_container_def *c = &td->containers[i];
        if (c == router || !emu_container_uses_firelens(c)) {
            continue;
        }
        if (type == EMU_ROUTER_FLUENTBIT || type == EMU_ROUTER_FLUENTD) {
            check_output(v, i, c, type);
        }
        check_router_dependency(v, i, c, router);
    }
}
