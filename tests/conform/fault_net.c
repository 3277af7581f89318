/* test-net-fault: ports of an in-process hub (as net-link's, without its
 * queues): a frame one port sends reaches every other port of the hub
 * through the loop (devmgr_ctx_post).  fault=NAME breaks one rule of
 * sig/net.h on this port, so that exactly one case of "devmgr conform"
 * fails (tests/conform/expect/net); the peer is a port without a fault.
 * Part of test-conform-fault (fault.c). */
#include <devmgr/plugin.h>
#include <devmgr/sig/net.h>

#include <stdlib.h>
#include <string.h>

#include "fault.h"

enum net_fault {
	N_NONE,
	N_INFO,	  /* a multicast MAC */
	N_SHORT,  /* 13-byte frames are sent */
	N_RXDUP,  /* frames reach this port's receiver twice */
	N_INLINE, /* frames this port sends are delivered inside send */
	N_BATCH,  /* send_batch skips an oversize frame and counts it */
	N_STATS,  /* tx_frames is not counted */
	N_TSO,	  /* TCP frames beyond mtu + 14 are sent, without TSO */
	N_CSUM,	  /* set_offload takes any bits; info then reports them */
};

static const char *const net_fault_names[] = {
	"none",	 "info",  "short", "rxdup", "inline",
	"batch", "stats", "tso",   "csum",  NULL,
};

struct fport {
	struct fport *next;
	unsigned id;
	char hub[64];
	struct devmgr_ctx *ctx;
	struct devmgr_net *n;
	uint8_t mac[6];
	uint32_t mtu;
	enum net_fault fault;
	unsigned use; /* checksum offloads turned on (they change nothing
		       * on a hub that carries no checksums) */
	devmgr_net_rx_fn rx;
	void *rx_arg;
	struct devmgr_net_stats st;
};

static struct fport *ports;
static unsigned next_id = 1;

struct delivery {
	unsigned to;
	size_t len;
	uint8_t data[];
};

static struct fport *port_by_id(unsigned id)
{
	for (struct fport *p = ports; p; p = p->next)
		if (p->id == id)
			return p;
	return NULL;
}

static void receive(struct fport *p, const uint8_t *f, size_t len)
{
	if (!p->rx) {
		p->st.rx_drops++;
		return;
	}
	p->st.rx_frames++;
	p->st.rx_bytes += len;
	p->rx(p->rx_arg, p->n, f, len);
	if (p->fault == N_RXDUP && p->rx)
		p->rx(p->rx_arg, p->n, f, len);
}

static void on_delivery(void *arg)
{
	struct delivery *d = arg;
	struct fport *p = port_by_id(d->to);

	if (p)
		receive(p, d->data, d->len);
	free(d);
}

static int fnet_info(struct devmgr_net *n, struct devmgr_net_info *out)
{
	const struct fport *p = n->priv;

	memset(out, 0, sizeof(*out));
	memcpy(out->mac, p->mac, 6);
	if (p->fault == N_INFO)
		out->mac[0] |= 1;
	out->mtu = p->mtu;
	out->link_up = true;
	out->offload = p->fault == N_CSUM && p->use ? (uint8_t)p->use
						    : DEVMGR_NET_OFF_CSUM;
	return 0;
}

static bool tcp_frame(const uint8_t *f, size_t len)
{
	return len >= 34 && f[12] == 0x08 && f[13] == 0 && f[23] == 6;
}

static int fnet_sendv(struct devmgr_net *n, const struct iovec *iov, int iovcnt)
{
	struct fport *p = n->priv;
	size_t len = 0;

	for (int i = 0; i < iovcnt; i++)
		len += iov[i].iov_len;
	uint8_t *f = malloc(len ? len : 1);
	if (!f)
		return -ENOMEM;
	for (size_t i = 0, off = 0; i < (size_t)iovcnt; i++) {
		memcpy(f + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	bool too_short = len < DEVMGR_NET_MIN_FRAME &&
			 !(p->fault == N_SHORT && len == 13);
	bool too_long =
		len > p->mtu + 14u && !(p->fault == N_TSO && tcp_frame(f, len));
	if (too_short || too_long) {
		free(f);
		return -EMSGSIZE;
	}
	for (struct fport *q = ports; q; q = q->next) {
		if (q == p || strcmp(q->hub, p->hub) != 0)
			continue;
		if (p->fault == N_INLINE) {
			receive(q, f, len);
			continue;
		}
		struct delivery *d = malloc(sizeof(*d) + len);
		if (!d)
			break;
		d->to = q->id;
		d->len = len;
		memcpy(d->data, f, len);
		if (devmgr_ctx_post(q->ctx, on_delivery, d) < 0)
			free(d);
	}
	free(f);
	if (p->fault != N_STATS)
		p->st.tx_frames++;
	p->st.tx_bytes += len;
	return 0;
}

static int fnet_set_rx(struct devmgr_net *n, devmgr_net_rx_fn fn, void *arg)
{
	struct fport *p = n->priv;

	p->rx = fn;
	p->rx_arg = arg;
	return 0;
}

static int fnet_send_batch(struct devmgr_net *n, const struct iovec *frames,
			   unsigned count)
{
	struct fport *p = n->priv;
	unsigned i = 0;

	for (; i < count; i++) {
		int rc = fnet_sendv(n, &frames[i], 1);
		if (rc == -EMSGSIZE && p->fault == N_BATCH)
			continue;
		if (rc < 0)
			return i ? (int)i : rc;
	}
	return (int)i;
}

static int fnet_stats(struct devmgr_net *n, struct devmgr_net_stats *out)
{
	const struct fport *p = n->priv;

	*out = p->st;
	return 0;
}

static int fnet_set_offload(struct devmgr_net *n, unsigned use)
{
	struct fport *p = n->priv;

	if ((use & ~DEVMGR_NET_OFF_CSUM) && p->fault != N_CSUM)
		return -EINVAL;
	p->use = use;
	return 0;
}

static const struct devmgr_net_ops fnet_ops = {
	.minor = DEVMGR_NET_MINOR,
	.info = fnet_info,
	.sendv = fnet_sendv,
	.set_rx = fnet_set_rx,
	.send_batch = fnet_send_batch,
	.stats = fnet_stats,
	.set_offload = fnet_set_offload,
};

static int fnet_create(struct devmgr_device *dev, struct devmgr_error *err)
{
	struct fport *p = devmgr_device_priv(dev);
	int fault = fault_find(net_fault_names, devmgr_param_str(dev, "fault"));

	if (fault < 0)
		return devmgr_error_set(err, -EINVAL, "unknown fault \"%s\"",
					devmgr_param_str(dev, "fault"));
	p->fault = (enum net_fault)fault;
	p->id = next_id++;
	p->ctx = devmgr_device_ctx(dev);
	p->n = devmgr_device_handle(dev);
	p->mtu = (uint32_t)devmgr_param_int(dev, "mtu");
	strncpy(p->hub, devmgr_param_str(dev, "hub"), sizeof(p->hub) - 1);
	p->mac[0] = 0x02;
	p->mac[5] = (uint8_t)p->id;
	p->next = ports;
	ports = p;
	return 0;
}

static void fnet_destroy(struct devmgr_device *dev)
{
	struct fport *p = devmgr_device_priv(dev);

	for (struct fport **pp = &ports; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
}

static const struct devmgr_param fnet_params[] = {
	{ "fault", DEVMGR_PARAM_STRING, 0, "\"none\"",
	  "the rule to break (tests/conform/fault_net.c)", 0, 0 },
	{ "hub", DEVMGR_PARAM_STRING, 0, "\"default\"", "the hub joined", 0,
	  0 },
	{ "mtu", DEVMGR_PARAM_INT, 0, "1500", "largest payload", 68, 9000 },
	{ NULL },
};

const struct devmgr_provider fault_net_provider = {
	.size = sizeof(struct devmgr_provider),
	.name = "test-net-fault",
	.help = "test: a hub port that breaks the net rule named by fault",
	.sig = "net",
	.sig_major = DEVMGR_NET_MAJOR,
	.sig_minor = DEVMGR_NET_MINOR,
	.ops = &fnet_ops,
	.params = fnet_params,
	.priv_size = sizeof(struct fport),
	.create = fnet_create,
	.destroy = fnet_destroy,
};
