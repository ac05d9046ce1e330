/* SPDX-License-Identifier: Apache-2.0 */
/* Error codes of the whole tree: negative errno values, plus project codes in a reserved range,
 * all generated from one table so the enum, the names and the messages cannot drift. */
#ifndef EMU_BASE_ERR_H
#define EMU_BASE_ERR_H

#include <errno.h>

/* Project-specific codes live below -4000, away from any errno. */
#define EMU_ERRNO_MAP(XX)                                                                  \
    XX(EINVAL, -EINVAL, "invalid argument")                                                \
    XX(ENOENT, -ENOENT, "no such file or directory")                                       \
    XX(ENOMEM, -ENOMEM, "out of memory")                                                   \
    XX(E2BIG, -E2BIG, "input over its size limit")                                         \
    XX(EBADMSG, -EBADMSG, "malformed input")                                               \
    XX(EAGAIN, -EAGAIN, "input incomplete")                                                \
    XX(EIO, -EIO, "input/output error")                                                    \
    XX(EEXIST, -EEXIST, "already exists")                                                  \
    XX(ENAMETOOLONG, -ENAMETOOLONG, "name too long")                                       \
    XX(ERANGE, -ERANGE, "value out of range")                                              \
    XX(ENOTSUP, -ENOTSUP, "not supported")                                                 \
    XX(ECANCELED, -ECANCELED, "operation canceled")                                        \
    XX(ETIMEDOUT, -ETIMEDOUT, "timed out")                                                 \
    XX(ECONNREFUSED, -ECONNREFUSED, "connection refused")                                  \
    XX(ENOTCONN, -ENOTCONN, "not connected")                                               \
    XX(EPROTO, -EPROTO, "protocol error")                                                  \
    XX(EJSON, -4001, "malformed JSON")                                                     \
    XX(EVALIDATE, -4002, "task definition is invalid")                                     \
    XX(EUSAGE, -4003, "usage error")                                                       \
    XX(ECONFIG, -4004, "configuration error")                                              \
    XX(EDOCKER, -4005, "Docker Engine API error")                                          \
    XX(EAWS, -4006, "AWS service error")

enum emu_err {
#define EMU_ERR_ENUM(name, value, msg) EMU_##name = (value),
    EMU_ERRNO_MAP(EMU_ERR_ENUM)
#undef EMU_ERR_ENUM
};

/* Returns a static human message for a negative code (or for an unknown one). */
const char *emu_strerror(int code);

/* Returns the static symbolic name ("EINVAL", "EJSON") of a negative code. */
const char *emu_err_name(int code);

#endif
