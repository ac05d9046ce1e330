/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the report's price file parser (prices/aws-prices.json, --prices FILE) and its
 * RFC 3339 time parser on arbitrary bytes; a parsed table is looked up and used for a cost
 * projection. Any crash or leak is a bug. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emu/base/json.h"
#include "emu/base/mem.h"
#include "emu/report/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    long before = emu_mem_outstanding();
    emu_json_init();
    static struct emu_report_prices prices;
    char why[768];
    if (emu_report_prices_parse((const char *)data, size, "fuzz.json", &prices, why,
                                sizeof(why)) == 0) {
        for (size_t i = 0; i < prices.n; i++) {
            const struct emu_report_region_prices *p =
                emu_report_prices_find(&prices, prices.regions[i].region);
            struct emu_report_cost_in in = {.bytes_per_s = 1e6, .objects_per_s = 1,
                                             .compressed_ratio = 0.1, .cwl_stored_ratio = 0.1,
                                             .tasks = 1000};
            struct emu_report_cost c;
            emu_report_cost_project(&in, p, &c);
        }
    }
    else if (why[0] == '\0') {
        abort(); /* every failure says why */
    }
    (void)emu_report_parse_time((const char *)data, size < 64 ? size : 64);
    if (emu_mem_outstanding() != before) {
        abort(); /* a leak through emu_malloc */
    }
    return 0;
}
