/* SPDX-License-Identifier: Apache-2.0 */
/* netif.h: getifaddrs for the lookup, one RTM_NEWADDR / RTM_DELADDR request over a
 * NETLINK_ROUTE socket (acknowledged) for the change. */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "emu/base/netif.h"

int emu_netif_find_ipv4(const char *ipv4, char name[EMU_NETIF_NAME_MAX])
{
    struct in_addr want;
    if (inet_pton(AF_INET, ipv4, &want) != 1) {
        return -EINVAL;
    }
    struct ifaddrs *all = NULL;
    if (getifaddrs(&all) < 0) {
        return -errno;
    }
    int r = -ENOENT;
    for (struct ifaddrs *i = all; i && r == -ENOENT; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) {
            continue;
        }
        const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)i->ifa_addr;
        if (sin->sin_addr.s_addr == want.s_addr) {
            (void)snprintf(name, EMU_NETIF_NAME_MAX, "%s", i->ifa_name);
            r = 0;
        }
    }
    freeifaddrs(all);
    return r;
}

struct addr_req {
    struct nlmsghdr nh;
    struct ifaddrmsg ifa;
    char attrs[64];
};

static void add_attr(struct addr_req *q, unsigned short type, const void *data, size_t len)
{
    struct rtattr *rta = (struct rtattr *)(void *)((char *)q + NLMSG_ALIGN(q->nh.nlmsg_len));
    rta->rta_type = type;
    rta->rta_len = (unsigned short)RTA_LENGTH(len);
    memcpy(RTA_DATA(rta), data, len);
    q->nh.nlmsg_len = NLMSG_ALIGN(q->nh.nlmsg_len) + (unsigned)RTA_ALIGN(rta->rta_len);
}

int emu_netif_addr(const char *name, const char *ipv4, unsigned prefix, bool add)
{
    struct in_addr a;
    unsigned idx = if_nametoindex(name);
    if (inet_pton(AF_INET, ipv4, &a) != 1 || prefix > 32) {
        return -EINVAL;
    }
    if (idx == 0) {
        return -ENODEV;
    }
    struct addr_req q;
    memset(&q, 0, sizeof(q));
    q.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
    q.nh.nlmsg_type = add ? RTM_NEWADDR : RTM_DELADDR;
    q.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0);
    q.nh.nlmsg_seq = 1;
    q.ifa.ifa_family = AF_INET;
    q.ifa.ifa_prefixlen = (unsigned char)prefix;
    q.ifa.ifa_scope = RT_SCOPE_UNIVERSE;
    q.ifa.ifa_index = idx;
    add_attr(&q, IFA_LOCAL, &a, sizeof(a));
    add_attr(&q, IFA_ADDRESS, &a, sizeof(a));
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) {
        return -errno;
    }
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    int r = 0;
    if (sendto(fd, &q, q.nh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
        r = -errno;
    }
    char reply[1024];
    ssize_t n = r == 0 ? recv(fd, reply, sizeof(reply), 0) : -1;
    if (r == 0 && n < (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr))) {
        r = n < 0 ? -errno : -EIO;
    }
    if (r == 0) {
        struct nlmsghdr *h = (struct nlmsghdr *)(void *)reply; /* NLMSG_DATA drops const */
        const struct nlmsgerr *e = NLMSG_DATA(h);
        r = h->nlmsg_type == NLMSG_ERROR ? e->error : 0;
    }
    (void)close(fd);
    if ((add && r == -EEXIST) || (!add && r == -EADDRNOTAVAIL)) {
        r = 0;
    }
    return r;
}
