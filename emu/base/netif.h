/* SPDX-License-Identifier: Apache-2.0 */
/* Host network interfaces: the interface holding an IPv4 address, and adding or removing an
 * extra IPv4 address on one (rtnetlink; needs CAP_NET_ADMIN). Used to make 169.254.170.2
 * answer on a task network's bridge, as the ECS agent's endpoint does on an instance. */
#ifndef EMU_BASE_NETIF_H
#define EMU_BASE_NETIF_H

#include <stdbool.h>
#include <stddef.h>

#define EMU_NETIF_NAME_MAX 16 /* IFNAMSIZ */

/* The name of the interface that has ipv4 (e.g. a Docker bridge's gateway). 0, -ENOENT. */
int emu_netif_find_ipv4(const char *ipv4, char name[EMU_NETIF_NAME_MAX]);

/* Adds (add true) or removes ipv4/prefix on interface name. Adding an address that is
 * already there is success, as is removing one that is not. 0 or a negative errno (-EPERM
 * without CAP_NET_ADMIN, -ENODEV). */
int emu_netif_addr(const char *name, const char *ipv4, unsigned prefix, bool add);

#endif
