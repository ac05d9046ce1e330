/* SPDX-License-Identifier: Apache-2.0 */
/* Every libmicrohttpd version difference the shims care about, in one commented block
 * (systemd's microhttpd-util.h idea). Debian 12 ships 0.9.75; older releases need these. */
#ifndef SHIMS_COMMON_COMPAT_H
#define SHIMS_COMMON_COMPAT_H

#include <microhttpd.h>

/* Before 0.9.71 callbacks returned int and enum MHD_Result did not exist. */
#if MHD_VERSION < 0x00097100
typedef int shim_mhd_result;
#else
typedef enum MHD_Result shim_mhd_result;
#endif

/* MHD_USE_EPOLL was MHD_USE_EPOLL_LINUX_ONLY before 0.9.52; the info key was renamed too. */
#ifndef MHD_USE_EPOLL
#define MHD_USE_EPOLL MHD_USE_EPOLL_LINUX_ONLY
#endif
#if MHD_VERSION < 0x00095200
#define MHD_DAEMON_INFO_EPOLL_FD MHD_DAEMON_INFO_EPOLL_FD_LINUX_ONLY
#endif

/* MHD_USE_ERROR_LOG was MHD_USE_DEBUG before 0.9.52. */
#ifndef MHD_USE_ERROR_LOG
#define MHD_USE_ERROR_LOG MHD_USE_DEBUG
#endif

/* MHD_DAEMON_INFO_BIND_PORT appeared in 0.9.63; older builds cannot report port 0's pick. */
#if MHD_VERSION < 0x00096300
#error "libmicrohttpd 0.9.63 or newer is required (MHD_DAEMON_INFO_BIND_PORT)"
#endif

#endif
