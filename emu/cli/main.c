/* SPDX-License-Identifier: Apache-2.0 */
/* The fargate-emu executable: a thin main over the emu_cli_core library. */
#include "emu/cli/cli.h"

int main(int argc, char **argv)
{
    return emu_cli_main(argc, argv);
}
