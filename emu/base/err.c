/* SPDX-License-Identifier: Apache-2.0 */
/* Messages and names of the error codes, generated from EMU_ERRNO_MAP. */
#include "emu/base/err.h"

#include <string.h>

const char *emu_strerror(int code)
{
    switch (code) {
#define EMU_ERR_MSG(name, value, msg)                                                      \
    case (value):                                                                          \
        return msg;
        EMU_ERRNO_MAP(EMU_ERR_MSG)
#undef EMU_ERR_MSG
    default:
        return code < 0 && code > -4000 ? strerror(-code) : "unknown error";
    }
}

const char *emu_err_name(int code)
{
    switch (code) {
#define EMU_ERR_NAME(name, value, msg)                                                     \
    case (value):                                                                          \
        return #name;
        EMU_ERRNO_MAP(EMU_ERR_NAME)
#undef EMU_ERR_NAME
    default:
        return "EUNKNOWN";
    }
}
