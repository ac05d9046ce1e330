/* SPDX-License-Identifier: Apache-2.0 */
/* Loading the image map of `run` from its flags and map file. */
#ifndef EMU_CLI_CLI_IMAGE_MAP_H
#define EMU_CLI_CLI_IMAGE_MAP_H

#include "emu/cli/cli.h"
#include "emu/docker/docker.h"

/* Adds the entries of file (NULL: none) and then of every --image-map value (comma-separated
 * lists allowed), so a flag overrides the file (the last matching entry wins). Prints what is
 * wrong and where; returns 0, EMU_EUSAGE or -ENOMEM. */
int emu_cli_image_map_load(const struct emu_cli_list *flags, const char *file,
                           struct emu_docker_image_map *map);

#endif
