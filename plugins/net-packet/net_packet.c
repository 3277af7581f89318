/* net-packet: a net device on an existing interface through an AF_PACKET
 * socket (SOCK_RAW, ETH_P_ALL), chosen by name or by MAC.  This is the
 * provider that Xen vifs map to: its xen_class is "vif", and a vif's
 * "mac" picks the interface.
 *
 * The device is the interface's wire: it receives the frames that arrive
 * on the interface (never the ones the host itself transmits there) and
 * what it sends leaves through the interface.  Frames are read with
 * recvmmsg, at most `batch` per loop wake-up, VLAN tags and all. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* recvmmsg, sendmmsg */
#endif
#include "../net-link/netutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

#define PKT_BATCH_MAX 256
/* Room for one received frame's auxiliary data (its outer VLAN tag). */
#define PKT_CTL_LEN CMSG_SPACE(sizeof(struct tpacket_auxdata))

struct pkt {
	struct net_port port; /* first: see netutil.h */
	int fd;
	int ifindex;
	struct devmgr_watch *watch;
	char name[IF_NAMESIZE];
	uint8_t mac[6];
	uint32_t mtu;
	unsigned batch;
	size_t bufsize; /* mtu + 14 + two VLAN tags: longer frames are cut
			 * and refused */
	/* batch buffers of a tag's headroom, then bufsize */
	uint8_t *bufs;
	uint8_t *ctls; /* batch buffers of PKT_CTL_LEN */
	struct mmsghdr *msgs;
	struct iovec *iovs;
	struct sockaddr_ll *from;
};
NET_PORT_FIRST(struct pkt, port);

static int pkt_info(struct devmgr_net *n, struct devmgr_net_info *out)
{
	const struct pkt *p = n->priv;
	struct ifreq ifr;

	memset(out, 0, sizeof(*out));
	memcpy(out->mac, p->mac, 6);
	out->mtu = p->mtu;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, p->name, sizeof(p->name));
	if (ioctl(p->fd, SIOCGIFFLAGS, &ifr) == 0)
		out->link_up = (ifr.ifr_flags & IFF_RUNNING) != 0;
	return 0;
}

static int send_errno(struct pkt *p, int e)
{
	if (e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS) {
		p->port.st.tx_drops++;
		return -EAGAIN;
	}
	p->port.st.tx_errors++;
	return -e;
}

static int pkt_sendv(struct devmgr_net *n, const struct iovec *iov, int iovcnt)
{
	struct pkt *p = n->priv;
	ssize_t len = net_frame_len(iov, iovcnt, p->mtu), w;
	struct msghdr mh = { .msg_iov = (struct iovec *)iov,
			     .msg_iovlen = (size_t)iovcnt };

	if (len < 0) {
		p->port.st.tx_errors++;
		return (int)len;
	}
	do
		w = sendmsg(p->fd, &mh, MSG_DONTWAIT);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return send_errno(p, errno);
	p->port.st.tx_frames++;
	p->port.st.tx_bytes += (uint64_t)len;
	return 0;
}

/* The lengths are checked first, so that a bad frame in the middle is
 * reported before anything after it is sent. */
static int pkt_send_batch(struct devmgr_net *n, const struct iovec *frames,
			  unsigned count)
{
	struct pkt *p = n->priv;
	struct mmsghdr m[64];
	unsigned done = 0;

	while (done < count) {
		unsigned k = count - done < 64 ? count - done : 64, ok = 0;
		int r;

		for (; ok < k; ok++) {
			const struct iovec *f = &frames[done + ok];

			if (net_frame_len(f, 1, p->mtu) < 0)
				break;
			memset(&m[ok], 0, sizeof(m[ok]));
			m[ok].msg_hdr.msg_iov = (struct iovec *)f;
			m[ok].msg_hdr.msg_iovlen = 1;
		}
		if (ok == 0) {
			p->port.st.tx_errors++;
			return done ? (int)done : -EMSGSIZE;
		}
		r = sendmmsg(p->fd, m, ok, MSG_DONTWAIT);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			r = send_errno(p, errno);
			return done ? (int)done : r;
		}
		for (int i = 0; i < r; i++) {
			p->port.st.tx_frames++;
			p->port.st.tx_bytes +=
				frames[done + (unsigned)i].iov_len;
		}
		done += (unsigned)r;
		if ((unsigned)r < k)
			break;
	}
	return (int)done;
}

/* The kernel gives a packet socket a frame without its outer VLAN tag,
 * which it keeps in the auxiliary data: put the tag back, in the headroom
 * before buf, so that the frame is the wire's.  Returns where the frame
 * starts and its length in *len. */
static uint8_t *pkt_vlan_restore(struct msghdr *mh, uint8_t *buf, size_t *len)
{
	struct tpacket_auxdata aux;
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
		if (c->cmsg_level == SOL_PACKET &&
		    c->cmsg_type == PACKET_AUXDATA &&
		    c->cmsg_len >= CMSG_LEN(sizeof(aux)))
			break;
	if (!c || *len < 12)
		return buf;
	memcpy(&aux, CMSG_DATA(c), sizeof(aux));
	if (!(aux.tp_status & TP_STATUS_VLAN_VALID))
		return buf;
	uint16_t tpid = aux.tp_status & TP_STATUS_VLAN_TPID_VALID
				? aux.tp_vlan_tpid
				: ETH_P_8021Q;
	uint8_t *f = buf - DEVMGR_NET_TAG_LEN;

	memmove(f, buf, 12);
	f[12] = (uint8_t)(tpid >> 8);
	f[13] = (uint8_t)tpid;
	f[14] = (uint8_t)(aux.tp_vlan_tci >> 8);
	f[15] = (uint8_t)aux.tp_vlan_tci;
	*len += DEVMGR_NET_TAG_LEN;
	return f;
}

static void pkt_frame(struct pkt *p, struct mmsghdr *m,
		      const struct sockaddr_ll *from, uint8_t *buf)
{
	size_t len = m->msg_len;

	/* Older kernels have no PACKET_IGNORE_OUTGOING. */
	if (from->sll_pkttype == PACKET_OUTGOING)
		return;
	if (!(m->msg_hdr.msg_flags & MSG_TRUNC))
		buf = pkt_vlan_restore(&m->msg_hdr, buf, &len);
	if ((m->msg_hdr.msg_flags & MSG_TRUNC) || len < DEVMGR_NET_MIN_FRAME ||
	    len > devmgr_net_frame_max(buf, len, p->mtu)) {
		p->port.st.rx_errors++;
		return;
	}
	net_port_deliver(&p->port, buf, len);
}

static uint8_t *pkt_buf(const struct pkt *p, unsigned i)
{
	return p->bufs + (size_t)i * (DEVMGR_NET_TAG_LEN + p->bufsize) +
	       DEVMGR_NET_TAG_LEN;
}

static void pkt_readable(void *arg, int fd, unsigned events)
{
	struct pkt *p = arg;
	int r;

	(void)events;
	for (unsigned i = 0; i < p->batch; i++) {
		struct msghdr *mh = &p->msgs[i].msg_hdr;

		p->iovs[i].iov_base = pkt_buf(p, i);
		p->iovs[i].iov_len = p->bufsize;
		memset(mh, 0, sizeof(*mh));
		mh->msg_iov = &p->iovs[i];
		mh->msg_iovlen = 1;
		mh->msg_name = &p->from[i];
		mh->msg_namelen = sizeof(p->from[i]);
		mh->msg_control = p->ctls + (size_t)i * PKT_CTL_LEN;
		mh->msg_controllen = PKT_CTL_LEN;
	}
	do
		r = recvmmsg(fd, p->msgs, p->batch, MSG_DONTWAIT, NULL);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			p->port.st.rx_errors++;
		return;
	}
	for (int i = 0; i < r; i++)
		pkt_frame(p, &p->msgs[i], &p->from[i], pkt_buf(p, (unsigned)i));
}

static const struct devmgr_net_ops pkt_ops = {
	.minor = DEVMGR_NET_MINOR,
	.info = pkt_info,
	.sendv = pkt_sendv,
	.set_rx = net_port_set_rx,
	.send_batch = pkt_send_batch,
	.stats = net_port_stats,
};

static const struct devmgr_param pkt_params[] = {
	{ "interface", DEVMGR_PARAM_STRING, DEVMGR_PARAM_ONE_OF, NULL,
	  "name of the interface (\"eth0\"); this or mac is required", 0, 0 },
	{ "mac", DEVMGR_PARAM_STRING, DEVMGR_PARAM_ONE_OF, NULL,
	  "MAC of the interface to use, instead of its name", 0, 0 },
	{ "promisc", DEVMGR_PARAM_BOOL, 0, "true",
	  "receive frames for every destination, not only the interface's "
	  "MAC",
	  0, 0 },
	{ "batch", DEVMGR_PARAM_INT, 0, "32",
	  "frames read per loop wake-up at most", 1, PKT_BATCH_MAX },
	{ NULL },
};

/* The interface named, or the one with the MAC; the device's MAC and MTU
 * are the interface's. */
static int pkt_find(struct devmgr_device *dev, struct pkt *p,
		    struct devmgr_error *err)
{
	const char *name = devmgr_param_str(dev, "interface");
	const char *mac = devmgr_param_str(dev, "mac");
	uint8_t want[6];
	char owner[IF_NAMESIZE];
	int r;

	if (!name && !mac)
		return devmgr_error_set(err, -EINVAL,
					"needs \"interface\" or \"mac\"");
	if (mac) {
		if (net_mac_parse(mac, want) < 0)
			return devmgr_error_set(err, -EINVAL,
						"mac \"%s\" is not a MAC "
						"address (six hex pairs: "
						"02:00:00:00:00:01)",
						mac);
		r = net_mac_owner(want, owner);
		if (r < 0)
			return devmgr_error_set(
				err, r, "listing interfaces: %s", strerror(-r));
		if (r == 0)
			return devmgr_error_set(err, -ENODEV,
						"no interface has MAC %s", mac);
		if (name && strcmp(name, owner) != 0)
			return devmgr_error_set(err, -EINVAL,
						"MAC %s is interface %s, not "
						"\"%s\"",
						mac, owner, name);
		name = owner;
	}
	if (!name[0] || strlen(name) >= IF_NAMESIZE)
		return devmgr_error_set(err, -EINVAL,
					"interface \"%s\" is not an interface "
					"name (1 to %d bytes)",
					name, IF_NAMESIZE - 1);
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->ifindex = (int)if_nametoindex(name);
	if (p->ifindex == 0)
		return devmgr_error_set(
			err, -ENODEV, "interface \"%s\" does not exist", name);
	return 0;
}

static int ifreq_get(struct pkt *p, unsigned long req, struct ifreq *ifr,
		     const char *what, struct devmgr_error *err)
{
	memset(ifr, 0, sizeof(*ifr));
	memcpy(ifr->ifr_name, p->name, strlen(p->name));
	if (ioctl(p->fd, req, ifr) < 0) {
		int e = errno;

		return devmgr_error_set(err, -e, "%s of %s: %s", what, p->name,
					strerror(e));
	}
	return 0;
}

static int pkt_socket(struct devmgr_device *dev, struct pkt *p,
		      struct devmgr_error *err)
{
	struct sockaddr_ll sll = { 0 };
	struct packet_mreq mr = { 0 };
	struct ifreq ifr;
	int one = 1, e, rc;

	p->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
		       htons(ETH_P_ALL));
	if (p->fd < 0) {
		e = errno;
		if (e == EPERM || e == EACCES)
			return devmgr_error_set(
				err, -e,
				"no permission to open a packet "
				"socket (needs CAP_NET_RAW)");
		return devmgr_error_set(err, -e, "socket(AF_PACKET): %s",
					strerror(e));
	}
	rc = ifreq_get(p, SIOCGIFHWADDR, &ifr, "get MAC", err);
	if (rc < 0)
		return rc;
	if (ifr.ifr_hwaddr.sa_family != 1 /* ARPHRD_ETHER */)
		return devmgr_error_set(err, -EINVAL,
					"interface %s is not an Ethernet "
					"interface",
					p->name);
	memcpy(p->mac, ifr.ifr_hwaddr.sa_data, 6);
	rc = ifreq_get(p, SIOCGIFMTU, &ifr, "get mtu", err);
	if (rc < 0)
		return rc;
	p->mtu = (uint32_t)ifr.ifr_mtu;
	/* Without this the socket would see the host's own transmissions. */
	setsockopt(p->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
		   sizeof(one));
	/* The outer VLAN tag of a received frame comes this way. */
	if (setsockopt(p->fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one))) {
		e = errno;
		return devmgr_error_set(err, -e, "PACKET_AUXDATA: %s",
					strerror(e));
	}
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = p->ifindex;
	if (bind(p->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		e = errno;
		return devmgr_error_set(err, -e, "bind to %s: %s", p->name,
					strerror(e));
	}
	if (!devmgr_param_bool(dev, "promisc"))
		return 0;
	mr.mr_ifindex = p->ifindex;
	mr.mr_type = PACKET_MR_PROMISC;
	if (setsockopt(p->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr,
		       sizeof(mr)) < 0) {
		e = errno;
		return devmgr_error_set(err, -e, "promiscuous mode on %s: %s",
					p->name, strerror(e));
	}
	return 0;
}

static void pkt_close(struct pkt *p)
{
	devmgr_watch_cancel(p->watch);
	if (p->fd >= 0)
		close(p->fd); /* also ends the promiscuous membership */
	free(p->bufs);
	free(p->ctls);
	free(p->msgs);
	free(p->iovs);
	free(p->from);
}

static int pkt_create(struct devmgr_device *dev, struct devmgr_error *err)
{
	struct pkt *p = devmgr_device_priv(dev);
	int rc;

	p->fd = -1;
	p->batch = (unsigned)devmgr_param_int(dev, "batch");
	rc = pkt_find(dev, p, err);
	if (rc == 0)
		rc = pkt_socket(dev, p, err);
	if (rc < 0) {
		pkt_close(p);
		return rc;
	}
	p->bufsize = (size_t)p->mtu + DEVMGR_NET_HDR_LEN +
		     DEVMGR_NET_MAX_TAGS * DEVMGR_NET_TAG_LEN;
	p->bufs = malloc((size_t)p->batch * (DEVMGR_NET_TAG_LEN + p->bufsize));
	p->ctls = malloc((size_t)p->batch * PKT_CTL_LEN);
	p->msgs = calloc(p->batch, sizeof(*p->msgs));
	p->iovs = calloc(p->batch, sizeof(*p->iovs));
	p->from = calloc(p->batch, sizeof(*p->from));
	if (!p->bufs || !p->ctls || !p->msgs || !p->iovs || !p->from) {
		pkt_close(p);
		return devmgr_error_set(err, -ENOMEM, "out of memory");
	}
	p->watch = devmgr_watch_fd(devmgr_device_ctx(dev), p->fd,
				   DEVMGR_EV_READ, pkt_readable, p);
	if (p->watch == NULL) {
		rc = devmgr_error_set(err, -errno, "watch %s: %s", p->name,
				      strerror(errno));
		pkt_close(p);
	}
	return rc;
}

static void pkt_destroy(struct devmgr_device *dev)
{
	pkt_close(devmgr_device_priv(dev));
}

static const struct devmgr_provider pkt_provider = {
	.size = sizeof(struct devmgr_provider),
	.name = "net-packet",
	.help = "existing interface through an AF_PACKET socket (Xen vifs)",
	.sig = "net",
	.sig_major = DEVMGR_NET_MAJOR,
	.sig_minor = DEVMGR_NET_MINOR,
	.ops = &pkt_ops,
	.params = pkt_params,
	.xen_class = "vif",
	.priv_size = sizeof(struct pkt),
	.create = pkt_create,
	.destroy = pkt_destroy,
};

static const struct devmgr_provider *const providers[] = {
	&pkt_provider,
	NULL,
};

DEVMGR_PLUGIN("net-packet", "0.1.0", providers, NULL);
