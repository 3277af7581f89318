/* net-link: an in-memory Ethernet hub inside one process.  Each net-link
 * device is a port on a named hub; a frame sent by a port is copied to
 * every other port of that hub and handed to their receivers through the
 * event loop (never inside send).  Each port's receive queue is bounded
 * (drops counted in the receiver's rx_drops) and applies the port's
 * seeded faults to the frames it receives.
 *
 * Hubs are process-wide, so ports may live in different contexts (each
 * port delivers on its own context's loop); a hub exists while it has a
 * port. */
#include "fq.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINK_NAME_MAX 64

struct hub;

struct port {
	struct devmgr_net_port port; /* first: see devmgr/provider/net.h */
	struct hub *hub;
	struct port *next; /* in hub->ports */
	const char *id;
	uint8_t mac[6];
	uint32_t mtu;
	struct fq q;
};
DEVMGR_NET_PORT_FIRST(struct port, port);

struct hub {
	char name[LINK_NAME_MAX];
	uint32_t mtu;
	struct port *ports;
	struct hub *next;
};

static pthread_mutex_t hubs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct hub *hubs;

static int link_info(struct devmgr_net *n, struct devmgr_net_info *out)
{
	const struct port *p = n->priv;

	memcpy(out->mac, p->mac, 6);
	out->mtu = p->mtu;
	out->link_up = true;
	return 0;
}

static int link_sendv(struct devmgr_net *n, const struct iovec *iov, int iovcnt)
{
	struct port *p = n->priv;
	ssize_t len = devmgr_net_frame_len(iov, iovcnt, p->mtu);

	if (len < 0) {
		p->port.st.tx_errors++;
		return (int)len;
	}
	pthread_mutex_lock(&hubs_lock);
	for (struct port *o = p->hub->ports; o; o = o->next) {
		if (o == p)
			continue;
		switch (fq_push(&o->q, iov, iovcnt, (size_t)len)) {
		case FQ_QUEUED:
			break;
		case FQ_LOST:
		case FQ_FULL:
		case FQ_NOMEM:
			devmgr_net_port_drop(&o->port);
			break;
		}
	}
	pthread_mutex_unlock(&hubs_lock);
	p->port.st.tx_frames++;
	p->port.st.tx_bytes += (uint64_t)len;
	return 0;
}

static int link_send_batch(struct devmgr_net *n, const struct iovec *frames,
			   unsigned count)
{
	unsigned i;

	for (i = 0; i < count; i++) {
		int r = link_sendv(n, &frames[i], 1);

		if (r < 0)
			return i ? (int)i : r;
	}
	return (int)i;
}

static void port_deliver(void *arg, const void *frame, size_t len)
{
	struct port *p = arg;

	devmgr_net_port_deliver(&p->port, frame, len);
}

static const struct devmgr_net_ops link_ops = {
	.minor = DEVMGR_NET_MINOR,
	.info = link_info,
	.sendv = link_sendv,
	.set_rx = devmgr_net_port_set_rx,
	.send_batch = link_send_batch,
	.stats = devmgr_net_port_stats,
};

static const struct devmgr_param link_params[] = {
	{ "hub", DEVMGR_PARAM_STRING, 0, "\"default\"",
	  "name of the hub this port joins (ports of one hub, in one "
	  "process, see each other's frames)",
	  0, 0 },
	{ "mac", DEVMGR_PARAM_STRING, 0, NULL,
	  "the port's MAC address; default: generated from the device id "
	  "and hub (locally administered)",
	  0, 0 },
	{ "mtu", DEVMGR_PARAM_INT, 0, "1500",
	  "largest payload; every port of a hub has the same", 68,
	  DEVMGR_NET_MTU_MAX },
	{ "queue", DEVMGR_PARAM_INT, 0, "1024",
	  "frames waiting for delivery to this port at most; more are "
	  "dropped and counted in rx_drops",
	  1, 1 << 20 },
	{ "batch", DEVMGR_PARAM_INT, 0, "64",
	  "frames delivered to this port per loop wake-up at most", 1, 4096 },
	NET_FAULT_PARAMS,
	{ NULL },
};

static struct hub *hub_find(const char *name)
{
	for (struct hub *h = hubs; h; h = h->next)
		if (strcmp(h->name, name) == 0)
			return h;
	return NULL;
}

/* Join (or found) the hub; called with hubs_lock held. */
static int hub_join(struct port *p, const char *name, struct devmgr_error *err)
{
	struct hub *h = hub_find(name);
	char mac[18];

	if (h == NULL) {
		h = calloc(1, sizeof(*h));
		if (h == NULL)
			return devmgr_error_set(err, -ENOMEM, "out of memory");
		snprintf(h->name, sizeof(h->name), "%s", name);
		h->mtu = p->mtu;
		h->next = hubs;
		hubs = h;
	}
	if (h->mtu != p->mtu)
		return devmgr_error_set(err, -EINVAL,
					"mtu %u differs from mtu %u of the "
					"other ports on hub \"%s\"",
					p->mtu, h->mtu, name);
	for (struct port *o = h->ports; o; o = o->next) {
		if (memcmp(o->mac, p->mac, 6) == 0) {
			devmgr_net_mac_format(p->mac, mac);
			return devmgr_error_set(err, -EADDRINUSE,
						"MAC in use: %s is already "
						"port \"%s\" on hub \"%s\"",
						mac, o->id, name);
		}
	}
	p->hub = h;
	p->next = h->ports;
	h->ports = p;
	return 0;
}

/* Leave the hub, freeing it with its last port; hubs_lock held. */
static void hub_leave(struct port *p)
{
	struct hub *h = p->hub;
	struct port **pp = &h->ports;
	struct hub **hp = &hubs;

	while (*pp != p)
		pp = &(*pp)->next;
	*pp = p->next;
	if (h->ports)
		return;
	while (*hp != h)
		hp = &(*hp)->next;
	*hp = h->next;
	free(h);
}

static int link_create(struct devmgr_device *dev, struct devmgr_error *err)
{
	struct port *p = devmgr_device_priv(dev);
	const char *hub = devmgr_param_str(dev, "hub");
	struct net_fault_cfg cfg;
	int rc;

	if (hub == NULL || !hub[0] || strlen(hub) >= LINK_NAME_MAX)
		return devmgr_error_set(err, -EINVAL,
					"hub name must be 1 to %d bytes",
					LINK_NAME_MAX - 1);
	p->id = devmgr_device_id(dev);
	p->mtu = (uint32_t)devmgr_param_int(dev, "mtu");
	rc = devmgr_net_mac_param(dev, "net-link", hub, p->mac, err);
	if (rc == 0)
		rc = net_fault_params(dev, &cfg, err);
	if (rc < 0)
		return rc;
	rc = fq_init(&p->q, devmgr_device_ctx(dev), &cfg,
		     (unsigned)devmgr_param_int(dev, "queue"),
		     (unsigned)devmgr_param_int(dev, "batch"), port_deliver, p,
		     err);
	if (rc < 0)
		return rc;
	pthread_mutex_lock(&hubs_lock);
	rc = hub_join(p, hub, err);
	pthread_mutex_unlock(&hubs_lock);
	if (rc < 0)
		fq_fini(&p->q);
	return rc;
}

static void link_destroy(struct devmgr_device *dev)
{
	struct port *p = devmgr_device_priv(dev);

	pthread_mutex_lock(&hubs_lock);
	hub_leave(p);
	pthread_mutex_unlock(&hubs_lock);
	fq_fini(&p->q);
}

static const struct devmgr_provider link_provider = {
	.size = sizeof(struct devmgr_provider),
	.name = "net-link",
	.help = "port on an in-memory Ethernet hub, with seeded loss, "
		"duplication, reordering and delay",
	.sig = "net",
	.sig_major = DEVMGR_NET_MAJOR,
	.sig_minor = DEVMGR_NET_MINOR,
	.ops = &link_ops,
	.params = link_params,
	.priv_size = sizeof(struct port),
	.create = link_create,
	.destroy = link_destroy,
};

static const struct devmgr_provider *const providers[] = {
	&link_provider,
	NULL,
};

DEVMGR_PLUGIN("net-link", "0.1.0", providers, NULL);
