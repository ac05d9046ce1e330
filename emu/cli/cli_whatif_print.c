/* SPDX-License-Identifier: Apache-2.0 */
/* The what-if comparison: the baseline audit (the task as ECS runs it) and the what-if's side
 * by side per container and destination, with the losses per stage, or both in one JSON. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "emu/base/json.h"
#include "emu/base/mem.h"
#include "emu/cli/cli_whatif.h"

/* The what-if's entry for the baseline's c (same container and destination), or NULL. */
static const struct emu_audit_ctr *peer(const struct emu_audit_result *alt,
                                        const struct emu_audit_ctr *c, size_t hint)
{
    if (hint < alt->n_ctrs && strcmp(alt->ctrs[hint].name, c->name) == 0 &&
        strcmp(alt->ctrs[hint].destination, c->destination) == 0) {
        return &alt->ctrs[hint];
    }
    for (size_t i = 0; i < alt->n_ctrs; i++) {
        if (strcmp(alt->ctrs[i].name, c->name) == 0 &&
            strcmp(alt->ctrs[i].destination, c->destination) == 0) {
            return &alt->ctrs[i];
        }
    }
    return NULL;
}

static uint64_t stage_lines(const struct emu_audit_ctr *c, enum emu_audit_stage_kind k)
{
    uint64_t n = 0;
    for (size_t s = 0; c && s < c->n_stages; s++) {
        n += c->stages[s].kind == k ? c->stages[s].lines : 0;
    }
    return n;
}

static bool has_stage(const struct emu_audit_ctr *c, enum emu_audit_stage_kind k)
{
    for (size_t s = 0; c && s < c->n_stages; s++) {
        if (c->stages[s].kind == k) {
            return true;
        }
    }
    return false;
}

static double pct(uint64_t part, uint64_t whole)
{
    return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static void row(FILE *f, const char *label, uint64_t a, const struct emu_audit_ctr *b,
                uint64_t bv)
{
    char bs[32];
    if (b) {
        (void)snprintf(bs, sizeof(bs), "%" PRIu64, bv);
    }
    if (strlen(label) > 44) { /* a stage's long name on its own line */
        fprintf(f, "    %s\n", label);
        label = "";
    }
    fprintf(f, "    %-44s %16" PRIu64 " %16s\n", label, a, b ? bs : "-");
}

static void row_lost(FILE *f, const struct emu_audit_ctr *a, const struct emu_audit_ctr *b)
{
    char as[48], bs[48] = "-";
    (void)snprintf(as, sizeof(as), "%" PRIu64 " (%.2f %%)", a->counts.lost,
                   pct(a->counts.lost, a->counts.expected));
    if (b) {
        (void)snprintf(bs, sizeof(bs), "%" PRIu64 " (%.2f %%)", b->counts.lost,
                       pct(b->counts.lost, b->counts.expected));
    }
    fprintf(f, "    %-44s %16s %16s\n", "lost", as, bs);
}

/* Docker keeps a line in its dual-logging copy only once the log driver took it (moby
 * daemon/logger/loggerutils/cache/local_cache.go: the driver's Log first, the cache only if
 * it succeeded), so lines the driver refused are missing from "written" too. */
#define WRITTEN_NOTE "the runs' written counts differ: Docker's dual-logging copy, the audit's " \
                     "record of what was written, keeps a line only once the log driver took " \
                     "it, so lines the driver refused (fluentd-buffer-limit full) are in " \
                     "neither count; compare delivered"

static bool written_differs(const struct emu_audit_result *a, const struct emu_audit_result *b)
{
    for (size_t i = 0; i < a->n_ctrs; i++) {
        const struct emu_audit_ctr *p = peer(b, &a->ctrs[i], i);
        if (p && p->counts.written != a->ctrs[i].counts.written) {
            return true;
        }
    }
    return false;
}

static uint64_t delivered(const struct emu_audit_result *r)
{
    uint64_t n = 0;
    for (size_t i = 0; i < r->n_ctrs; i++) {
        n += r->ctrs[i].destination[0] ? r->ctrs[i].counts.delivered : 0;
    }
    return n;
}

static void print_text(const struct emu_cli_whatif *w, const struct emu_audit_result *base,
                       const struct emu_audit_result *alt, FILE *f)
{
    fprintf(f, "\nWhat-if %s: task %s (as ECS runs it) against task %s (what-if)\n", w->text,
            base->task_id, alt->task_id);
    for (size_t i = 0; i < base->n_ctrs; i++) {
        const struct emu_audit_ctr *a = &base->ctrs[i];
        if (!a->destination[0]) {
            continue;
        }
        const struct emu_audit_ctr *b = peer(alt, a, i);
        fprintf(f, "  %s -> %s\n    %-44s %16s %16s\n", a->name, a->destination, "",
                "AS ECS RUNS IT", "WHAT-IF");
        row(f, "written", a->counts.written, b, b ? b->counts.written : 0);
        row(f, "filtered", a->counts.filtered, b, b ? b->counts.filtered : 0);
        row(f, "delivered", a->counts.delivered, b, b ? b->counts.delivered : 0);
        row_lost(f, a, b);
        row(f, "duplicated", a->counts.duplicated, b, b ? b->counts.duplicated : 0);
        row(f, "reordered", a->counts.reordered, b, b ? b->counts.reordered : 0);
        for (int k = EMU_AUDIT_STAGE_OUTPUT; k <= EMU_AUDIT_STAGE_ROUTER; k++) {
            enum emu_audit_stage_kind kind = (enum emu_audit_stage_kind)k;
            if (!has_stage(a, kind) && !has_stage(b, kind)) {
                continue;
            }
            char label[128];
            (void)snprintf(label, sizeof(label), "lost at %s", emu_audit_stage_name(kind));
            row(f, label, stage_lines(a, kind), b, stage_lines(b, kind));
        }
    }
    if (written_differs(base, alt)) {
        fprintf(f, "  note: %s\n", WRITTEN_NOTE);
    }
    double pa = emu_audit_loss_pct(base), pb = emu_audit_loss_pct(alt);
    fprintf(f, "  total: delivered %" PRIu64 " -> %" PRIu64 "; lost %" PRIu64 " of %" PRIu64
            " (%.2f %%) as ECS runs it, %" PRIu64 " of %" PRIu64 " (%.2f %%) with %s",
            delivered(base), delivered(alt), base->lost, base->expected, pa, alt->lost,
            alt->expected, pb, w->text);
    if (pb < pa) {
        fprintf(f, ": %.2f points less\n", pa - pb);
    }
    else if (pb > pa) {
        fprintf(f, ": %.2f points more\n", pb - pa);
    }
    else {
        fprintf(f, ": no difference\n");
    }
    if (w->fluentd_async >= 0) {
        fprintf(f, "  note: fluentd-async is the ECS agent's ECS_ENABLE_FIRELENS_ASYNC: an EC2 "
                   "container instance setting, not one a Fargate task can change\n");
    }
}

static cJSON *print_json(const struct emu_cli_whatif *w, const struct emu_audit_result *base,
                         const struct emu_audit_result *alt)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *set = root ? cJSON_AddArrayToObject(root, "settings") : NULL;
    const char *p = w->text;
    while (set && *p) {
        size_t n = strcspn(p, ",");
        char item[256];
        (void)snprintf(item, sizeof(item), "%.*s", (int)n, p);
        cJSON_AddItemToArray(set, cJSON_CreateString(item));
        p += n;
        p += strspn(p, ", ");
    }
    if (root) {
        cJSON_AddItemToObject(root, "baseline", emu_audit_json(base));
        cJSON_AddItemToObject(root, "whatIf", emu_audit_json(alt));
        cJSON *ch = cJSON_AddObjectToObject(root, "change");
        (void)cJSON_AddNumberToObject(ch, "delivered",
                                      (double)delivered(alt) - (double)delivered(base));
        (void)cJSON_AddNumberToObject(ch, "lost", (double)alt->lost - (double)base->lost);
        (void)cJSON_AddNumberToObject(ch, "lossPercent",
                                      emu_audit_loss_pct(alt) - emu_audit_loss_pct(base));
        if (written_differs(base, alt)) {
            (void)cJSON_AddStringToObject(ch, "note", WRITTEN_NOTE);
        }
    }
    return root;
}

void emu_cli_whatif_print(const struct emu_cli_whatif *w, const struct emu_audit_result *base,
                          const struct emu_audit_result *alt, bool json, FILE *f)
{
    if (!json) {
        print_text(w, base, alt, f);
        return;
    }
    cJSON *root = print_json(w, base, alt);
    char *text = root ? emu_json_print(root, 1) : NULL;
    if (text) {
        fprintf(f, "%s\n", text);
    }
    emu_free(text);
    cJSON_Delete(root);
}
