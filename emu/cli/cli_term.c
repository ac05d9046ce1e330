/* SPDX-License-Identifier: Apache-2.0 */
/* Terminal policy shared by every command: colour only on a terminal, never with NO_COLOR or
 * TERM=dumb. Cursor movement (the live table of `run`) is gated on isatty alone. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu/cli/cli.h"

bool emu_cli_use_color(FILE *f)
{
    const char *no_color = getenv("NO_COLOR");
    if (no_color && no_color[0]) {
        return false;
    }
    const char *term = getenv("TERM");
    if (term && strcmp(term, "dumb") == 0) {
        return false;
    }
    return f && isatty(fileno(f));
}
