/* provider_net.c: the net provider kit (devmgr/provider/net.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* IOV_MAX */
#endif
#include "internal.h"

#include <devmgr/provider/net.h>

#include <errno.h>
#include <ifaddrs.h>
#include <limits.h>
#include <linux/if_packet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define IPPROTO_TCP_ 6

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The IP header at f + l3: its length into *hl, after checking that it
 * is whole in have bytes and that its length field is the frame's. */
static int ip_header(const uint8_t *f, size_t have, size_t len,
		     struct devmgr_net_tcp *out, size_t *hl)
{
	const uint8_t *ip = f + out->l3;

	switch (be16(f + 12)) {
	case 0x0800:
		*hl = (size_t)(ip[0] & 15) * 4;
		/* a fragment (MF set or an offset) has no whole TCP segment */
		if (ip[0] >> 4 != 4 || *hl < 20 || out->l3 + *hl > have ||
		    ip[9] != IPPROTO_TCP_ || be16(ip + 2) != len - out->l3 ||
		    (be16(ip + 6) & 0x3fff))
			return -EINVAL;
		out->ipv = 4;
		return 0;
	case 0x86dd:
		*hl = 40;
		if (ip[0] >> 4 != 6 || out->l3 + *hl > have ||
		    ip[6] != IPPROTO_TCP_ || be16(ip + 4) != len - out->l3 - 40)
			return -EINVAL;
		out->ipv = 6;
		return 0;
	}
	return -EINVAL;
}

int devmgr_net_tcp_parse(const uint8_t *f, size_t have, size_t len,
			 struct devmgr_net_tcp *out)
{
	size_t hl, thl;

	/* the IP length fields are 16 bits: no IP packet is longer */
	if (f == NULL || have > len ||
	    len > DEVMGR_NET_HDR_LEN + 0xffffu + 40 ||
	    have < DEVMGR_NET_HDR_LEN + 20 + 20)
		return -EINVAL;
	out->l3 = DEVMGR_NET_HDR_LEN;
	out->len = (uint32_t)len;
	out->reserved = 0;
	if (ip_header(f, have, len, out, &hl) < 0)
		return -EINVAL;
	out->l4 = (uint16_t)(out->l3 + hl);
	if ((size_t)out->l4 + 20 > have)
		return -EINVAL;
	thl = (size_t)(f[out->l4 + 12] >> 4) * 4;
	if (thl < 20 || out->l4 + thl > have)
		return -EINVAL;
	out->payload = (uint16_t)(out->l4 + thl);
	out->flags = f[out->l4 + 13];
	return 0;
}

/* ---- MACs, frames, the port, checksums ----------------------------- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int devmgr_net_mac_parse(const char *s, uint8_t mac[6])
{
	char sep = 0;

	for (int i = 0; i < 6; i++) {
		int hi = hexval(s[0]), lo = hi < 0 ? -1 : hexval(s[1]);

		if (lo < 0)
			return -EINVAL;
		mac[i] = (uint8_t)(hi << 4 | lo);
		s += 2;
		if (i == 5)
			break;
		if (*s != ':' && *s != '-')
			return -EINVAL;
		if (sep && *s != sep) /* one separator throughout */
			return -EINVAL;
		sep = *s++;
	}
	return *s ? -EINVAL : 0;
}

void devmgr_net_mac_format(const uint8_t mac[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
		 mac[2], mac[3], mac[4], mac[5]);
}

static uint64_t fnv1a(uint64_t h, const char *s)
{
	for (; s && *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	return (h ^ 0xff) *
	       0x100000001b3ull; /* separates "ab","c" / "a","bc" */
}

void devmgr_net_mac_generate(const char *provider, const char *id,
			     const char *salt, uint8_t mac[6])
{
	uint64_t h = 0xcbf29ce484222325ull;

	h = fnv1a(fnv1a(fnv1a(h, provider), id), salt);
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)(h >> (8 * i));
	mac[0] = (uint8_t)((mac[0] & 0xfc) | 0x02); /* local, unicast */
}

int devmgr_net_mac_param(struct devmgr_device *dev, const char *provider,
			 const char *salt, uint8_t mac[6],
			 struct devmgr_error *err)
{
	static const uint8_t zero[6];
	const char *s = devmgr_param_str(dev, "mac");

	if (s == NULL) {
		devmgr_net_mac_generate(provider, devmgr_device_id(dev), salt,
					mac);
		return 0;
	}
	if (devmgr_net_mac_parse(s, mac) < 0)
		return devmgr_error_set(err, -EINVAL,
					"mac \"%s\" is not a MAC address "
					"(six hex pairs: 02:00:00:00:00:01)",
					s);
	if (mac[0] & 1)
		return devmgr_error_set(err, -EINVAL,
					"mac %s is a multicast address; a "
					"device needs a unicast one",
					s);
	if (memcmp(mac, zero, 6) == 0)
		return devmgr_error_set(err, -EINVAL, "mac %s is all zeros", s);
	return 0;
}

/* getifaddrs asks the kernel over netlink, so it sees the namespace the
 * process is in now (a /sys listing may belong to another one). */
int devmgr_net_mac_owner(const uint8_t mac[6], char ifname[IF_NAMESIZE])
{
	struct ifaddrs *list, *ifa;
	int found = 0;

	if (getifaddrs(&list) < 0)
		return -errno;
	for (ifa = list; ifa && !found; ifa = ifa->ifa_next) {
		const struct sockaddr_ll *ll =
			(const struct sockaddr_ll *)(void *)ifa->ifa_addr;

		if (ll == NULL || ll->sll_family != AF_PACKET ||
		    ll->sll_halen != 6 || memcmp(ll->sll_addr, mac, 6) != 0)
			continue;
		snprintf(ifname, IF_NAMESIZE, "%s", ifa->ifa_name);
		found = 1;
	}
	freeifaddrs(list);
	return found;
}

ssize_t devmgr_net_frame_len(const struct iovec *iov, int iovcnt, uint32_t mtu)
{
	size_t len = 0, most = (size_t)mtu + DEVMGR_NET_HDR_LEN +
			       DEVMGR_NET_MAX_TAGS * DEVMGR_NET_TAG_LEN;
	uint8_t head[DEVMGR_NET_HDR_LEN + DEVMGR_NET_TAG_LEN];

	if (iovcnt < 1 || iovcnt > IOV_MAX)
		return -EINVAL;
	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > most - len)
			return -EMSGSIZE;
		len += iov[i].iov_len;
	}
	if (len < DEVMGR_NET_MIN_FRAME)
		return -EMSGSIZE;
	/* Past mtu + 14 (at least 82 bytes), only VLAN tags make room. */
	if (len > (size_t)mtu + DEVMGR_NET_HDR_LEN) {
		devmgr_net_frame_gather(head, iov, iovcnt, sizeof(head));
		if (len > devmgr_net_frame_max(head, sizeof(head), mtu))
			return -EMSGSIZE;
	}
	return (ssize_t)len;
}

void devmgr_net_frame_gather(void *buf, const struct iovec *iov, int iovcnt,
			     size_t len)
{
	uint8_t *p = buf;

	for (int i = 0; i < iovcnt && len > 0; i++) {
		size_t n = iov[i].iov_len < len ? iov[i].iov_len : len;

		if (n)
			memcpy(p, iov[i].iov_base, n);
		p += n;
		len -= n;
	}
}

int devmgr_net_port_set_rx(struct devmgr_net *n, devmgr_net_rx_fn fn, void *arg)
{
	struct devmgr_net_port *p = n->priv;

	p->handle = n;
	p->rx = fn;
	p->rx_arg = arg;
	return 0;
}

int devmgr_net_port_stats(struct devmgr_net *n, struct devmgr_net_stats *out)
{
	const struct devmgr_net_port *p = n->priv;

	*out = p->st;
	out->rx_drops = __atomic_load_n(&p->st.rx_drops, __ATOMIC_RELAXED);
	return 0;
}

void devmgr_net_port_drop(struct devmgr_net_port *p)
{
	__atomic_fetch_add(&p->st.rx_drops, 1, __ATOMIC_RELAXED);
}

void devmgr_net_port_deliver(struct devmgr_net_port *p, const void *frame,
			     size_t len)
{
	if (p->rx == NULL) {
		devmgr_net_port_drop(p);
		return;
	}
	p->st.rx_frames++;
	p->st.rx_bytes += len;
	p->rx(p->rx_arg, p->handle, frame, len);
}

/* Four bytes at a time into 64 bits: the carries wait in the top half
 * until the fold, so a 64 KiB frame needs no carry handling in the loop.
 * The sum of big-endian 16-bit words equals, byte-swapped, the sum of the
 * host's words (RFC 1071, 2(B)), so loading words in host order and
 * storing the folded result back the same way is exact. */
/* 32-bit words added into 64-bit sums cannot carry out below 16 GiB of
 * data, so no carry is tracked; 32 bytes a step into four sums, which the
 * compiler keeps in registers (or vector lanes), sum a 64 KiB super-frame
 * several times faster than one word a step. */
uint64_t devmgr_net_csum_add(uint64_t sum, const void *data, size_t n)
{
	const uint8_t *p = data;
	uint64_t s[4] = { sum, 0, 0, 0 };
	uint32_t w8[8];
	uint32_t w;
	uint16_t h;

	for (; n >= 32; p += 32, n -= 32) {
		memcpy(w8, p, 32);
		s[0] += (uint64_t)w8[0] + w8[4];
		s[1] += (uint64_t)w8[1] + w8[5];
		s[2] += (uint64_t)w8[2] + w8[6];
		s[3] += (uint64_t)w8[3] + w8[7];
	}
	sum = s[0] + s[1] + s[2] + s[3];
	for (; n >= 4; p += 4, n -= 4) {
		memcpy(&w, p, 4);
		sum += w;
	}
	if (n >= 2) {
		memcpy(&h, p, 2);
		sum += h;
		p += 2;
		n -= 2;
	}
	if (n) {
		uint8_t last[2] = { *p, 0 };

		memcpy(&h, last, 2);
		sum += h;
	}
	return sum;
}

uint16_t devmgr_net_csum_fold(uint64_t sum)
{
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)sum;
}

bool devmgr_net_l4_find(const uint8_t *f, size_t have, size_t len,
			struct devmgr_net_l4 *out)
{
	size_t at = 12, ip_len;

	for (int i = 0; i < DEVMGR_NET_MAX_TAGS && at + 2 <= have &&
			devmgr_net_is_tag(f + at);
	     i++)
		at += DEVMGR_NET_TAG_LEN;
	if (at + 2 + 20 > have)
		return false;
	out->l3 = at + 2;
	const uint8_t *ip = f + out->l3;
	switch (be16(f + at)) {
	case 0x0800:
		out->ipv = 4;
		out->l4 = out->l3 + (size_t)(ip[0] & 15) * 4;
		ip_len = be16(ip + 2);
		out->proto = ip[9];
		/* a fragment (MF set or an offset) has no whole L4 */
		if (ip[0] >> 4 != 4 || (ip[0] & 15) < 5 ||
		    (be16(ip + 6) & 0x3fff))
			return false;
		break;
	case 0x86dd:
		out->ipv = 6;
		out->l4 = out->l3 + 40;
		ip_len = 40 + (size_t)be16(ip + 4);
		out->proto = ip[6];
		if (ip[0] >> 4 != 6 || out->l4 > have)
			return false;
		break;
	default:
		return false;
	}
	out->end = out->l3 + ip_len;
	if (out->proto != 6 && out->proto != 17)
		return false;
	size_t hl = out->proto == 6 ? 20 : 8;
	return out->l4 + hl <= have && out->l4 + hl <= out->end &&
	       out->end <= len;
}

uint64_t devmgr_net_l4_pseudo(const uint8_t *f, const struct devmgr_net_l4 *l,
			      size_t l4len)
{
	uint8_t tail[4] = { 0, l->proto, (uint8_t)(l4len >> 8),
			    (uint8_t)l4len };
	uint64_t sum = l->ipv == 4 ? devmgr_net_csum_add(0, f + l->l3 + 12, 8)
				   : devmgr_net_csum_add(0, f + l->l3 + 8, 32);

	return devmgr_net_csum_add(sum, tail, 4);
}

bool devmgr_net_l4_csum_ok(const uint8_t *f, size_t len)
{
	struct devmgr_net_l4 l;
	size_t n;

	if (!devmgr_net_l4_find(f, len, len, &l))
		return true;
	n = l.end - l.l4;
	if (l.ipv == 4 && l.proto == 17 && f[l.l4 + 6] == 0 && f[l.l4 + 7] == 0)
		return true;
	return devmgr_net_csum_fold(devmgr_net_csum_add(
		       devmgr_net_l4_pseudo(f, &l, n), f + l.l4, n)) == 0xffff;
}
