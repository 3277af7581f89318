/* provider_net.c: the net provider kit (devmgr/provider/net.h). */
#include "internal.h"

#include <devmgr/provider/net.h>

#include <errno.h>

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
