/* SPDX-License-Identifier: Apache-2.0 */
/* The compiled-in plugins, one line each (adding a plugin = one folder + one line here). */
#include <strings.h>

#include "emu/router/router_internal.h"

extern const struct emu_router_input_plugin in_forward_plugin;
extern const struct emu_router_input_plugin in_tcp_plugin;
extern const struct emu_router_input_plugin in_dummy_plugin;
extern const struct emu_router_input_plugin in_emitter_plugin;
extern const struct emu_router_filter_plugin filter_record_modifier_plugin;
extern const struct emu_router_filter_plugin filter_grep_plugin;
extern const struct emu_router_filter_plugin filter_modify_plugin;
extern const struct emu_router_filter_plugin filter_parser_plugin;
extern const struct emu_router_filter_plugin filter_multiline_plugin;
extern const struct emu_router_output_plugin out_null_plugin;
extern const struct emu_router_output_plugin out_stdout_plugin;
extern const struct emu_router_output_plugin out_file_plugin;
extern const struct emu_router_output_plugin out_s3_plugin;
extern const struct emu_router_output_plugin out_cloudwatch_logs_plugin;
extern const struct emu_router_output_plugin out_cloudwatch_plugin;
extern const struct emu_router_output_plugin out_forward_plugin;
extern const struct emu_router_output_plugin out_http_plugin;

const struct emu_router_input_plugin *const emu__router_input_plugins[] = {
    &in_forward_plugin,
    &in_tcp_plugin,
    &in_dummy_plugin,
    &in_emitter_plugin,
    NULL,
};

const struct emu_router_filter_plugin *const emu__router_filter_plugins[] = {
    &filter_record_modifier_plugin,
    &filter_grep_plugin,
    &filter_modify_plugin,
    &filter_parser_plugin,
    &filter_multiline_plugin,
    NULL,
};

const struct emu_router_output_plugin *const emu__router_output_plugins[] = {
    &out_null_plugin,
    &out_stdout_plugin,
    &out_file_plugin,
    &out_s3_plugin,
    &out_cloudwatch_logs_plugin,
    &out_cloudwatch_plugin,
    &out_forward_plugin,
    &out_http_plugin,
    NULL,
};

const struct emu_router_input_plugin *emu__router_find_input(const char *name)
{
    for (size_t i = 0; emu__router_input_plugins[i]; i++) {
        if (strcasecmp(emu__router_input_plugins[i]->name, name) == 0) {
            return emu__router_input_plugins[i];
        }
    }
    return NULL;
}

const struct emu_router_filter_plugin *emu__router_find_filter(const char *name)
{
    for (size_t i = 0; emu__router_filter_plugins[i]; i++) {
        if (strcasecmp(emu__router_filter_plugins[i]->name, name) == 0) {
            return emu__router_filter_plugins[i];
        }
    }
    return NULL;
}

const struct emu_router_output_plugin *emu__router_find_output(const char *name)
{
    for (size_t i = 0; emu__router_output_plugins[i]; i++) {
        if (strcasecmp(emu__router_output_plugins[i]->name, name) == 0) {
            return emu__router_output_plugins[i];
        }
    }
    return NULL;
}
