/* SPDX-License-Identifier: Apache-2.0 */
/* Rejected events of PutLogEvents (too old, too new, expired), one JSON line each call in
 * <store>/rejected-events.jsonl, so `fargate-emu report` can say how many of a task's records
 * CloudWatch Logs refused. Rare, so the file is opened per line. */
#include <fcntl.h>
#include <inttypes.h>
#include <unistd.h>

#include "emu/base/buf.h"
#include "emu/base/json.h"
#include "shims/cloudwatch_logs/cwl_internal.h"

void cwl_journal_rejected(const struct cwl_store *s, const char *group, const char *stream,
                          size_t n_rejected, int64_t now_ms)
{
    struct emu_buf path, b;
    emu_buf_init(&path, 8192);
    emu_buf_init(&b, 4096);
    int r = emu_buf_printf(&path, "%s/rejected-events.jsonl", s->root);
    r = r ? r : emu_buf_printf(&b, "{\"time\":%" PRId64 ",\"group\":", now_ms);
    r = r ? r : emu_json_write_string(group, &b);
    r = r ? r : emu_buf_puts(&b, ",\"stream\":");
    r = r ? r : emu_json_write_string(stream, &b);
    r = r ? r : emu_buf_printf(&b, ",\"rejected\":%zu}\n", n_rejected);
    int fd = r == 0 ? open(path.data, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644) : -1;
    if (fd >= 0) {
        (void)!write(fd, b.data, b.len);
        close(fd);
    }
    emu_buf_done(&path);
    emu_buf_done(&b);
}
