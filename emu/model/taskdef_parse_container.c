/* SPDX-License-Identifier: Apache-2.0 */
/* Reads one ContainerDefinition object into struct emu_container_def. Types were already
 * checked against the API shape (pu_check), so wrong-typed values are simply left unset here;
 * only semantic problems (an unknown dependsOn condition) are reported. */
#include <string.h>

#include "emu/model/parse_util.h"

/* Allocates an array for the elements of obj[key] (NULL when none) and sets *ret_first to the
 * first element to walk, NULL when there is nothing to walk. */
static void *objects(struct pu_ctx *ctx, const cJSON *obj, const char *key, size_t size,
                     const cJSON **ret_first)
{
    size_t n;
    const cJSON *a = pu_array(obj, key, &n);
    void *arr = pu_alloc(ctx, n, size);
    *ret_first = arr ? a->child : NULL;
    return arr;
}

static void parse_port_mappings(struct pu_ctx *ctx, const cJSON *o, struct emu_container_def *c)
{
    const cJSON *first;
    c->port_mappings = objects(ctx, o, "portMappings", sizeof(*c->port_mappings), &first);
    for (const cJSON *it = first; it; it = it->next) {
        if (!cJSON_IsObject(it)) {
            continue;
        }
        struct emu_port_mapping *p = &c->port_mappings[c->n_port_mappings++];
        p->container_port = pu_int_get(ctx, it, "containerPort");
        p->host_port = pu_int_get(ctx, it, "hostPort");
        p->protocol = pu_str(ctx, it, "protocol");
        p->name = pu_str(ctx, it, "name");
        p->app_protocol = pu_str(ctx, it, "appProtocol");
        p->container_port_range = pu_str(ctx, it, "containerPortRange");
    }
}

static void parse_restart_policy(struct pu_ctx *ctx, const cJSON *o, struct emu_container_def *c)
{
    const cJSON *rp = pu_get(o, "restartPolicy");
    if (!cJSON_IsObject(rp)) {
        return;
    }
    struct emu_restart_policy *r = &c->restart_policy;
    r->present = true;
    r->enabled = pu_bool_get(ctx, rp, "enabled");
    r->restart_attempt_period = pu_int_get(ctx, rp, "restartAttemptPeriod");
    size_t n;
    const cJSON *a = pu_array(rp, "ignoredExitCodes", &n);
    r->ignored_exit_codes = pu_alloc(ctx, n, sizeof(*r->ignored_exit_codes));
    for (const cJSON *it = a ? a->child : NULL; r->ignored_exit_codes && it; it = it->next) {
        struct emu_opt_int v = pu_int_of(ctx, it);
        if (v.has) {
            r->ignored_exit_codes[r->n_ignored_exit_codes++] = v.v;
        }
    }
}

static void parse_env_files(struct pu_ctx *ctx, const cJSON *o, struct emu_container_def *c)
{
    const cJSON *first;
    c->environment_files =
        objects(ctx, o, "environmentFiles", sizeof(*c->environment_files), &first);
    for (const cJSON *it = first; it; it = it->next) {
        if (!cJSON_IsObject(it)) {
            continue;
        }
        struct emu_env_file *f = &c->environment_files[c->n_environment_files++];
        f->value = pu_str(ctx, it, "value");
        f->type = pu_str(ctx, it, "type");
    }
}

static void parse_mounts(struct pu_ctx *ctx, const cJSON *o, struct emu_container_def *c)
{
    {
        const cJSON *first;
        c->mount_points = objects(ctx, o, "mountPoints", sizeof(*c->mount_points), &first);
        for (const cJSON *it = first; it; it = it->next) {
            if (!cJSON_IsObject(it)) {
                continue;
            }
            struct emu_mount_point *m = &c->mount_points[c->n_mount_points++];
            m->source_volume = pu_str(ctx, it, "sourceVolume");
            m->container_path = pu_str(ctx, it, "containerPath");
            m->read_only = pu_bool_get(ctx, it, "readOnly");
        }
    }
    {
        const cJSON *first;
        c->volumes_from = objects(ctx, o, "volumesFrom", sizeof(*c->volumes_from), &first);
        for (const cJSON *it = first; it; it = it->next) {
            if (!cJSON_IsObject(it)) {
                continue;
            }
            struct emu_volume_from *v = &c->volumes_from[c->n_volumes_from++];
            v->source_container = pu_str(ctx, it, "sourceContainer");
            v->read_only = pu_bool_get(ctx, it, "readOnly");
        }
    }
}

static void parse_linux(struct pu_ctx *ctx, const cJSON *o, struct emu_container_def *c)
{
    const cJSON *lp = pu_get(o, "linuxParameters");
    if (!cJSON_IsObject(lp)) {
        return;
    }
    struct emu_linux_parameters *l = &c->linux_parameters;
    l->present = true;
    const cJSON *caps = pu_get(lp, "capabilities");
    l->cap_add = pu_str_list(ctx, caps, "add");
    l->cap_drop = pu_str_list(ctx, caps, "drop");
    {
        const cJSON *first;
        l->devices = objects(ctx, lp, "devices", sizeof(*l->devices), &first);
        for (const cJSON *it = first; it; it = it->next) {
            if (!cJSON_IsObject(it)) {
                continue;
            }
            struct emu_device *d = &l->devices[l->n_devices++];
            d->host_path = pu_str(ctx, it, "hostPath");
            d->container_path = pu_str(ctx, it, "containerPath");
            d->permissions = pu_str_list(ctx, it, "permissions");
        }
    }
    l->init_process_enabled = pu_bool_get(ctx, lp, "initProcessEnabled");
    l->shared_memory_size = pu_int_get(ctx, lp, "sharedMemorySize");
    {
        const cJSON *first;
        l->tmpfs = objects(ctx, lp, "tmpfs", sizeof(*l->tmpfs), &first);
        for (const cJSON *it = first; it; it = it->next) {
            if (!cJSON_IsObject(it)) {
                continue;
            }
            struct emu_tmpfs *t = &l->tmpfs[l->n_tmpfs++];
            t->container_path = pu_str(ctx, it, "containerPath");
            t->size = pu_int_get(ctx, it, "size");
            t->mount_options = pu_str_list(ctx, it, "mountOptions");
        }
    }
    l->max_swap = pu_int_get(ctx, lp, "maxSwap");
    l->swappiness = pu_int_get(ctx, lp, "swappiness");
}

static void parse_depends_on(struct pu_ctx *ctx, const cJSON *o, struct emu_container_def *c)
{
    const cJSON *first;
    c->depends_on = objects(ctx, o, "dependsOn", sizeof(*c->depends_on), &first);
    size_t i = 0;
    for (const cJSON *it = first; it; it = it->next, i++) {
        if (!cJSON_IsObject(it)) {
            continue;
        }
        const char *name = pu_str(ctx, it, "containerName");
        const char *cond = pu_str(ctx, it, "condition");
        if (!name || !cond) {
            continue; /* both are required members: pu_check reported the missing one */
        }
        struct emu_dependency *d = &c->depends_on[c->n_depends_on++];
        d->container_name = name;
        d->condition_raw = cond;
        d->condition = emu_dep_condition_from_string(cond);
        if (d->condition < 0) {
            size_t old = pu_path_key(ctx, "dependsOn");
            pu_path_index(ctx, i);
            pu_path_key(ctx, "condition");
            pu_diag(ctx, EMU_DIAG_ERROR,
                    "Invalid value for parameter %s, value: %.200s, valid values: START, "
                    "COMPLETE, SUCCESS, HEALTHY",
                    pu_path_name(ctx), cond);
            pu_path_pop(ctx, old);
        }
    }
}

static void parse_misc_lists(struct pu_ctx *ctx, const cJSON *o, struct emu_container_def *c)
{
    {
        const cJSON *first;
        c->extra_hosts = objects(ctx, o, "extraHosts", sizeof(*c->extra_hosts), &first);
        for (const cJSON *it = first; it; it = it->next) {
            if (!cJSON_IsObject(it)) {
                continue;
            }
            struct emu_host_entry *h = &c->extra_hosts[c->n_extra_hosts++];
            h->hostname = pu_str(ctx, it, "hostname");
            h->ip_address = pu_str(ctx, it, "ipAddress");
        }
    }
    {
        const cJSON *first;
        c->ulimits = objects(ctx, o, "ulimits", sizeof(*c->ulimits), &first);
        for (const cJSON *it = first; it; it = it->next) {
            if (!cJSON_IsObject(it)) {
                continue;
            }
            struct emu_ulimit *u = &c->ulimits[c->n_ulimits++];
            u->name = pu_str(ctx, it, "name");
            u->soft_limit = pu_int_get(ctx, it, "softLimit");
            u->hard_limit = pu_int_get(ctx, it, "hardLimit");
        }
    }
    {
        const cJSON *first;
        c->resource_requirements =
            objects(ctx, o, "resourceRequirements", sizeof(*c->resource_requirements), &first);
        for (const cJSON *it = first; it; it = it->next) {
            if (!cJSON_IsObject(it)) {
                continue;
            }
            struct emu_resource_requirement *r =
                &c->resource_requirements[c->n_resource_requirements++];
            r->type = pu_str(ctx, it, "type");
            r->value = pu_str(ctx, it, "value");
        }
    }
}

static void parse_log_config(struct pu_ctx *ctx, const cJSON *o, struct emu_container_def *c)
{
    const cJSON *lc = pu_get(o, "logConfiguration");
    if (!cJSON_IsObject(lc)) {
        return;
    }
    c->log_configuration.present = true;
    c->log_configuration.log_driver = pu_str(ctx, lc, "logDriver");
    c->log_configuration.options = pu_map(ctx, lc, "options");
    c->log_configuration.secret_options = pu_secrets(ctx, lc, "secretOptions");
}

static void parse_health_check(struct pu_ctx *ctx, const cJSON *o, struct emu_container_def *c)
{
    const cJSON *hc = pu_get(o, "healthCheck");
    if (!cJSON_IsObject(hc)) {
        return;
    }
    struct emu_health_check *h = &c->health_check;
    h->present = true;
    h->command = pu_str_list(ctx, hc, "command");
    h->interval = pu_int_get(ctx, hc, "interval");
    h->timeout = pu_int_get(ctx, hc, "timeout");
    h->retries = pu_int_get(ctx, hc, "retries");
    h->start_period = pu_int_get(ctx, hc, "startPeriod");
}

static void parse_firelens(struct pu_ctx *ctx, const cJSON *o, struct emu_container_def *c)
{
    const cJSON *fc = pu_get(o, "firelensConfiguration");
    if (!cJSON_IsObject(fc)) {
        return;
    }
    struct emu_firelens_config *f = &c->firelens_configuration;
    f->present = true;
    f->type_raw = pu_str(ctx, fc, "type");
    if (!f->type_raw) {
        f->type = EMU_ROUTER_NONE;
    }
    else if (strcmp(f->type_raw, "fluentbit") == 0) {
        f->type = EMU_ROUTER_FLUENTBIT;
    }
    else if (strcmp(f->type_raw, "fluentd") == 0) {
        f->type = EMU_ROUTER_FLUENTD;
    }
    else {
        f->type = EMU_ROUTER_OTHER; /* validation names it */
    }
    f->options = pu_map(ctx, fc, "options");
}

void pu_parse_container(struct pu_ctx *ctx, const cJSON *o, struct emu_container_def *c)
{
    c->name = pu_str(ctx, o, "name");
    c->image = pu_str(ctx, o, "image");
    c->repository_credentials.credentials_parameter =
        pu_str(ctx, pu_get(o, "repositoryCredentials"), "credentialsParameter");
    c->cpu = pu_int_get(ctx, o, "cpu");
    c->memory = pu_int_get(ctx, o, "memory");
    c->memory_reservation = pu_int_get(ctx, o, "memoryReservation");
    c->links = pu_str_list(ctx, o, "links");
    parse_port_mappings(ctx, o, c);
    c->essential = pu_bool_get(ctx, o, "essential");
    parse_restart_policy(ctx, o, c);
    c->entry_point = pu_str_list(ctx, o, "entryPoint");
    c->command = pu_str_list(ctx, o, "command");
    c->environment = pu_pairs(ctx, o, "environment", "name", "value");
    parse_env_files(ctx, o, c);
    parse_mounts(ctx, o, c);
    parse_linux(ctx, o, c);
    c->secrets = pu_secrets(ctx, o, "secrets");
    parse_depends_on(ctx, o, c);
    c->start_timeout = pu_int_get(ctx, o, "startTimeout");
    c->stop_timeout = pu_int_get(ctx, o, "stopTimeout");
    c->version_consistency = pu_str(ctx, o, "versionConsistency");
    c->hostname = pu_str(ctx, o, "hostname");
    c->user = pu_str(ctx, o, "user");
    c->working_directory = pu_str(ctx, o, "workingDirectory");
    c->disable_networking = pu_bool_get(ctx, o, "disableNetworking");
    c->privileged = pu_bool_get(ctx, o, "privileged");
    c->readonly_root_filesystem = pu_bool_get(ctx, o, "readonlyRootFilesystem");
    c->dns_servers = pu_str_list(ctx, o, "dnsServers");
    c->dns_search_domains = pu_str_list(ctx, o, "dnsSearchDomains");
    c->docker_security_options = pu_str_list(ctx, o, "dockerSecurityOptions");
    c->interactive = pu_bool_get(ctx, o, "interactive");
    c->pseudo_terminal = pu_bool_get(ctx, o, "pseudoTerminal");
    c->docker_labels = pu_map(ctx, o, "dockerLabels");
    parse_misc_lists(ctx, o, c);
    parse_log_config(ctx, o, c);
    parse_health_check(ctx, o, c);
    c->system_controls = pu_pairs(ctx, o, "systemControls", "namespace", "value");
    parse_firelens(ctx, o, c);
    c->credential_specs = pu_str_list(ctx, o, "credentialSpecs");
    /* Not a ContainerDefinition member: Terraform templates put it here by mistake. */
    c->network_mode_ignored = pu_str(ctx, o, "networkMode");
}
