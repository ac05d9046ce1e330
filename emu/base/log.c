/* SPDX-License-Identifier: Apache-2.0 */
/* stderr logger. */
#include "emu/base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "emu/base/err.h"

static enum emu_log_level threshold = EMU_LOG_INFO;
static const char *program = "fargate-emu";

static const char *const level_names[_EMU_LOG_LEVEL_MAX] = {"error", "warn", "info", "debug",
                                                             "trace"};

void emu_log_set_level(enum emu_log_level level)
{
    threshold = level;
}

enum emu_log_level emu_log_get_level(void)
{
    return threshold;
}

enum emu_log_level emu_log_level_from_string(const char *s)
{
    for (int i = 0; i < _EMU_LOG_LEVEL_MAX; i++) {
        if (strcmp(s, level_names[i]) == 0) {
            return (enum emu_log_level)i;
        }
    }
    if (strcmp(s, "warning") == 0) {
        return EMU_LOG_WARN;
    }
    return _EMU_LOG_LEVEL_INVALID;
}

void emu_log_set_program(const char *name)
{
    program = name;
}

static void vlog(enum emu_log_level level, const char *suffix, const char *fmt, va_list ap)
{
    if (level > threshold) {
        return;
    }
    fprintf(stderr, "%s: ", program);
    if (level != EMU_LOG_INFO) {
        fprintf(stderr, "%s: ", level_names[level]);
    }
    vfprintf(stderr, fmt, ap);
    if (suffix) {
        fprintf(stderr, ": %s", suffix);
    }
    fputc('\n', stderr);
}

void emu_log(enum emu_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(level, NULL, fmt, ap);
    va_end(ap);
}

int emu_log_errno(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(EMU_LOG_ERROR, emu_strerror(code), fmt, ap);
    va_end(ap);
    return code;
}
