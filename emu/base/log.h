/* SPDX-License-Identifier: Apache-2.0 */
/* Process-wide logging to stderr with levels; libraries log at debug only, boundaries (CLI
 * commands, plugin callbacks, request handlers) log errors once. */
#ifndef EMU_BASE_LOG_H
#define EMU_BASE_LOG_H

enum emu_log_level {
    EMU_LOG_ERROR = 0,
    EMU_LOG_WARN,
    EMU_LOG_INFO,
    EMU_LOG_DEBUG,
    EMU_LOG_TRACE,
    _EMU_LOG_LEVEL_MAX,
    _EMU_LOG_LEVEL_INVALID = -22
};

/* Sets the threshold; messages above it are dropped. */
void emu_log_set_level(enum emu_log_level level);
enum emu_log_level emu_log_get_level(void);

/* Parses "error|warn|info|debug|trace"; returns the level or _EMU_LOG_LEVEL_INVALID. */
enum emu_log_level emu_log_level_from_string(const char *s);

/* Sets the prefix printed before every line ("fargate-emu"); the string must stay valid. */
void emu_log_set_program(const char *name);

void emu_log(enum emu_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Logs "<message>: <strerror(code)>" at error level and returns code, for
 * `return emu_log_errno(r, "Failed to read '%s'", path);`. */
int emu_log_errno(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define emu_log_error(...) emu_log(EMU_LOG_ERROR, __VA_ARGS__)
#define emu_log_warn(...) emu_log(EMU_LOG_WARN, __VA_ARGS__)
#define emu_log_info(...) emu_log(EMU_LOG_INFO, __VA_ARGS__)
#define emu_log_debug(...) emu_log(EMU_LOG_DEBUG, __VA_ARGS__)

#endif
