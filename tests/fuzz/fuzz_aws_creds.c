/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: every credential decoder over the same bytes: the container-credentials JSON,
 * the STS AssumeRole XML, the shared credentials file (default profile), ISO 8601 times and
 * AWS error bodies. */
#include <stddef.h>
#include <stdint.h>

#include "emu/aws/aws_creds.h"
#include "emu/base/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct emu_aws_creds c;
    char code[64], msg[128];
    time_t t;
    const char *s = (const char *)data;
    emu_json_init();
    (void)emu_aws_creds_parse_json(s, size, &c);
    (void)emu_aws_creds_parse_sts_xml(s, size, &c, code, sizeof(code));
    (void)emu_aws_creds_parse_profile(s, size, "default", &c);
    (void)emu_aws_parse_iso8601(s, size, &t);
    (void)emu_aws_error_parse(s, size, code, sizeof(code), msg, sizeof(msg));
    (void)emu_aws_xml_text(s, size, "Code", code, sizeof(code));
    return 0;
}
