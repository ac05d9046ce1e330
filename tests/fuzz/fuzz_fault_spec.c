/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target for the --fault spec parser: the bytes as one spec (NUL-terminated copy), parsed
 * with a table of known shims and operations and without one, then added to an engine and
 * decided on, listed and checked for down windows. */
#include <stdint.h>
#include <string.h>

#include "emu/base/mem.h"
#include "shims/common/fault.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool any_op(const char *op)
{
    return strcmp(op, "PutObject") == 0 || strcmp(op, "PutLogEvents") == 0;
}

static const struct shim_fault_service services[] = {{"s3", any_op}, {"logs", any_op},
                                                      {"sts", NULL}};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 2 * SHIM_FAULT_MAX_SPEC) {
        return 0;
    }
    char *spec = emu_malloc(size + 1);
    if (!spec) {
        return 0;
    }
    memcpy(spec, data, size);
    spec[size] = '\0';
    struct shim_fault_rule *r = emu_malloc(sizeof(*r));
    char err[SHIM_FAULT_MAX_SPEC + 256];
    if (r) {
        (void)shim_fault_parse(spec, NULL, 0, r, err, sizeof(err));
        (void)shim_fault_parse(spec, services, 3, r, err, 16); /* a short error buffer too */
    }
    emu_free(r);
    struct shim_faults *f = shim_faults_new(size, services, 3);
    if (f && shim_faults_add(f, spec, 0, err, sizeof(err)) > 0) {
        struct shim_fault_decision d;
        for (int i = 0; i < 4; i++) {
            shim_faults_decide(f, "s3", "PutObject", i * 1000, &d);
            shim_faults_decide(f, "logs", "PutLogEvents", i * 1000, &d);
            (void)shim_faults_down(f, "s3", i * 10000, NULL);
        }
        struct emu_buf b;
        emu_buf_init(&b, 1 << 20);
        (void)shim_faults_list_json(f, 0, &b);
        emu_buf_done(&b);
    }
    shim_faults_free(f);
    emu_free(spec);
    return 0;
}
