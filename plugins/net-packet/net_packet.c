/* net-packet: a net device on an existing interface through an AF_PACKET
 * socket (SOCK_RAW, ETH_P_ALL), chosen by name or by MAC.  This is the
 * provider that Xen vifs map to: its xen_class is "vif", and a vif's
 * "mac" picks the interface.
 *
 * The device is the interface's wire: it receives the frames that arrive
 * on the interface (never the ones the host itself transmits there) and
 * what it sends leaves through the interface.  Frames are read with
 * recvmmsg, at most `batch` per loop wake-up, VLAN tags and all.
 *
 * A sender on this host (a veth peer, a vif's backend) offloads as to a
 * NIC: its TCP and UDP checksums are left partial and its TCP comes as
 * super-frames of up to 64 KiB.  The socket carries a virtio-net header
 * (PACKET_VNET_HDR) that says so, and the device finishes those checksums
 * and cuts the super-frames into the segments a NIC would have sent, so
 * that what it passes on is valid on a wire. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* recvmmsg, sendmmsg */
#endif
#include <devmgr/provider/net.h>

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
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
#define VNET_LEN    sizeof(struct virtio_net_hdr)
/* A received super-frame is one IP packet of up to 64 KiB. */
#define PKT_RX_MAX (DEVMGR_NET_HDR_LEN + 65535)
/* Headers of a frame to send are looked for in this many bytes. */
#define PKT_HDRS   128
#define PKT_RCVBUF (4 << 20)
#define PKT_TX_IOV 32 /* longer vectors are gathered into one buffer */

struct pkt {
	struct devmgr_net_port port; /* first: see devmgr/provider/net.h */
	int fd;
	int ifindex;
	struct devmgr_watch *watch;
	char name[IF_NAMESIZE];
	uint8_t mac[6];
	uint32_t mtu;
	unsigned batch;
	unsigned use;	/* DEVMGR_NET_OFF_CSUM_* turned on */
	size_t bufsize; /* PKT_RX_MAX: a longer frame is cut and refused */
	/* batch buffers of a tag's headroom, then bufsize */
	uint8_t *bufs;
	uint8_t *seg; /* a tag's headroom, then one segment of a super-frame */
	uint8_t *txbuf;		     /* a long vector gathered */
	uint8_t *ctls;		     /* batch buffers of PKT_CTL_LEN */
	struct virtio_net_hdr *vnet; /* batch headers received */
	struct mmsghdr *msgs;
	struct iovec *iovs; /* two per frame: its header, the frame */
	struct sockaddr_ll *from;
};
DEVMGR_NET_PORT_FIRST(struct pkt, port);

static int pkt_info(struct devmgr_net *n, struct devmgr_net_info *out)
{
	const struct pkt *p = n->priv;
	struct ifreq ifr;

	memcpy(out->mac, p->mac, 6);
	out->mtu = p->mtu;
	out->offload = DEVMGR_NET_OFF_CSUM;
	out->max_frame = p->mtu + DEVMGR_NET_HDR_LEN;
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

static int pkt_set_offload(struct devmgr_net *n, unsigned use)
{
	struct pkt *p = n->priv;

	if (use & ~DEVMGR_NET_OFF_CSUM)
		return -EINVAL;
	p->use = use;
	return 0;
}

/* The virtio-net header a frame goes out behind: zero, or with the
 * checksum in use, the TCP or UDP checksum for the kernel to finish
 * (its field holds the pseudo-header sum, as sig/net.h asks). */
static void tx_header(const struct pkt *p, const struct iovec *iov, int iovcnt,
		      size_t len, struct virtio_net_hdr *h)
{
	uint8_t first[PKT_HDRS];
	const uint8_t *f = iov[0].iov_base;
	size_t have = len < PKT_HDRS ? len : PKT_HDRS;
	struct devmgr_net_l4 l;

	memset(h, 0, sizeof(*h));
	if (!(p->use & DEVMGR_NET_OFF_CSUM_TX))
		return;
	if (iov[0].iov_len < have) {
		devmgr_net_frame_gather(first, iov, iovcnt, have);
		f = first;
	}
	if (!devmgr_net_l4_find(f, have, len, &l))
		return;
	h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h->csum_start = (uint16_t)l.l4;
	h->csum_offset = (uint16_t)(devmgr_net_l4_csum_at(&l) - l.l4);
}

static int pkt_sendv(struct devmgr_net *n, const struct iovec *iov, int iovcnt)
{
	struct pkt *p = n->priv;
	ssize_t len = devmgr_net_frame_len(iov, iovcnt, p->mtu), w;
	struct virtio_net_hdr h;
	struct iovec v[1 + PKT_TX_IOV];
	struct msghdr mh = { .msg_iov = v, .msg_iovlen = 1 + (size_t)iovcnt };

	if (len < 0) {
		p->port.st.tx_errors++;
		return (int)len;
	}
	if (iovcnt > PKT_TX_IOV) {
		devmgr_net_frame_gather(p->txbuf, iov, iovcnt, (size_t)len);
		v[1].iov_base = p->txbuf;
		v[1].iov_len = (size_t)len;
		iov = &v[1];
		iovcnt = 1;
		mh.msg_iovlen = 2;
	} else {
		memcpy(&v[1], iov, (size_t)iovcnt * sizeof(*iov));
	}
	tx_header(p, iov, iovcnt, (size_t)len, &h);
	v[0].iov_base = &h;
	v[0].iov_len = VNET_LEN;
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
	struct virtio_net_hdr h[64];
	struct iovec v[64][2];
	unsigned done = 0;

	while (done < count) {
		unsigned k = count - done < 64 ? count - done : 64, ok = 0;
		int r;

		for (; ok < k; ok++) {
			const struct iovec *f = &frames[done + ok];

			if (devmgr_net_frame_len(f, 1, p->mtu) < 0)
				break;
			tx_header(p, f, 1, f->iov_len, &h[ok]);
			v[ok][0].iov_base = &h[ok];
			v[ok][0].iov_len = VNET_LEN;
			v[ok][1] = *f;
			memset(&m[ok], 0, sizeof(m[ok]));
			m[ok].msg_hdr.msg_iov = v[ok];
			m[ok].msg_hdr.msg_iovlen = 2;
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

static uint16_t get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static void put16(uint8_t *b, size_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

/* The checksum field of l's TCP or UDP header, made right. */
static void l4_csum_set(uint8_t *f, const struct devmgr_net_l4 *l)
{
	size_t n = l->end - l->l4, at = devmgr_net_l4_csum_at(l);
	uint16_t c;

	f[at] = f[at + 1] = 0;
	c = (uint16_t)~devmgr_net_csum_fold(devmgr_net_csum_add(
		devmgr_net_l4_pseudo(f, l, n), f + l->l4, n));
	if (c == 0 && l->proto == 17)
		c = 0xffff; /* 0 would say "no checksum" */
	memcpy(f + at, &c, 2);
}

/* One segment of a TCP super-frame, built in p->seg: the headers of f
 * (hl bytes) and n bytes of payload from off, with the lengths, IPv4 id
 * and header checksum, sequence number, flags and TCP checksum that the
 * sender's NIC would have given it. */
static size_t tso_segment(struct pkt *p, const uint8_t *f,
			  const struct devmgr_net_l4 *l, size_t hl, size_t off,
			  size_t n, unsigned i, bool last)
{
	uint8_t *s = p->seg + DEVMGR_NET_TAG_LEN, *ip = s + l->l3,
		*t = s + l->l4;
	struct devmgr_net_l4 sl = *l;
	uint32_t seq;

	memcpy(s, f, hl);
	memcpy(s + hl, f + hl + off, n);
	sl.end = hl + n;
	if (l->ipv == 4) {
		uint16_t c;

		put16(ip + 2, sl.end - l->l3);
		put16(ip + 4, get16(f + l->l3 + 4) + i);
		ip[10] = ip[11] = 0;
		c = (uint16_t)~devmgr_net_csum_fold(
			devmgr_net_csum_add(0, ip, l->l4 - l->l3));
		memcpy(ip + 10, &c, 2);
	} else {
		put16(ip + 4, sl.end - l->l4);
	}
	seq = (uint32_t)t[4] << 24 | (uint32_t)t[5] << 16 |
	      (uint32_t)t[6] << 8 | t[7];
	seq += (uint32_t)off;
	t[4] = (uint8_t)(seq >> 24);
	t[5] = (uint8_t)(seq >> 16);
	t[6] = (uint8_t)(seq >> 8);
	t[7] = (uint8_t)seq;
	if (i > 0)
		t[13] &= (uint8_t)~0x80; /* CWR: the first segment only */
	if (!last)
		t[13] &= (uint8_t)~0x09; /* FIN, PSH: the last one only */
	l4_csum_set(s, &sl);
	return sl.end;
}

/* A TCP super-frame from a local sender (the kernel's GSO, gso_size bytes
 * of payload a segment) goes to the receiver as the segments a NIC would
 * have sent, each within the device's MTU.  False when it is not one. */
static bool rx_split(struct pkt *p, struct mmsghdr *m,
		     const struct virtio_net_hdr *h, const uint8_t *f,
		     size_t len)
{
	unsigned type = h->gso_type & ~VIRTIO_NET_HDR_GSO_ECN;
	struct devmgr_net_l4 l;
	size_t hl, mss, pay;

	if (!devmgr_net_l4_find(f, len, len, &l) || l.proto != 6 ||
	    l.end != len ||
	    (type == VIRTIO_NET_HDR_GSO_TCPV4) != (l.ipv == 4) ||
	    (type != VIRTIO_NET_HDR_GSO_TCPV4 &&
	     type != VIRTIO_NET_HDR_GSO_TCPV6))
		return false;
	hl = l.l4 + (size_t)(f[l.l4 + 12] >> 4) * 4;
	if (hl < l.l4 + 20 || hl >= len || h->gso_size == 0 ||
	    hl - l.l3 >= p->mtu)
		return false;
	mss = h->gso_size;
	if (mss > p->mtu - (hl - l.l3))
		mss = p->mtu - (hl - l.l3);
	pay = len - hl;
	for (size_t off = 0, i = 0; off < pay; off += mss, i++) {
		size_t n = pay - off < mss ? pay - off : mss;
		size_t slen = tso_segment(p, f, &l, hl, off, n, (unsigned)i,
					  off + n == pay);
		uint8_t *s = pkt_vlan_restore(
			&m->msg_hdr, p->seg + DEVMGR_NET_TAG_LEN, &slen);

		devmgr_net_port_deliver(&p->port, s, slen);
	}
	return true;
}

/* A checksum left partial (csum_start, csum_offset, the field holding the
 * pseudo-header sum) is finished, unless the receiver takes it as it is
 * (DEVMGR_NET_OFF_CSUM_RX); with that, a TCP or UDP checksum that the
 * kernel neither verified nor had from a local sender is checked here.
 * False for a frame to count as an error. */
static bool rx_csum(const struct pkt *p, const struct virtio_net_hdr *h,
		    uint8_t *f, size_t len)
{
	bool trust = p->use & DEVMGR_NET_OFF_CSUM_RX;

	if (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		size_t s = h->csum_start, o = s + h->csum_offset;
		uint16_t c;

		if (s >= len || o + 2 > len)
			return false;
		if (trust)
			return true;
		c = (uint16_t)~devmgr_net_csum_fold(
			devmgr_net_csum_add(0, f + s, len - s));
		memcpy(f + o, &c, 2);
		return true;
	}
	if (trust && !(h->flags & VIRTIO_NET_HDR_F_DATA_VALID))
		return devmgr_net_l4_csum_ok(f, len);
	return true;
}

static void pkt_frame(struct pkt *p, struct mmsghdr *m,
		      const struct sockaddr_ll *from,
		      const struct virtio_net_hdr *h, uint8_t *buf)
{
	size_t len = m->msg_len < VNET_LEN ? 0 : m->msg_len - VNET_LEN;

	/* Older kernels have no PACKET_IGNORE_OUTGOING. */
	if (from->sll_pkttype == PACKET_OUTGOING)
		return;
	if ((m->msg_hdr.msg_flags & MSG_TRUNC) || len < DEVMGR_NET_MIN_FRAME) {
		p->port.st.rx_errors++;
		return;
	}
	/* The kernel's offsets count from the frame without its outer tag. */
	if (h->gso_type != VIRTIO_NET_HDR_GSO_NONE) {
		if (!rx_split(p, m, h, buf, len))
			p->port.st.rx_errors++;
		return;
	}
	if (!rx_csum(p, h, buf, len)) {
		p->port.st.rx_errors++;
		return;
	}
	buf = pkt_vlan_restore(&m->msg_hdr, buf, &len);
	if (len > devmgr_net_frame_max(buf, len, p->mtu)) {
		p->port.st.rx_errors++;
		return;
	}
	devmgr_net_port_deliver(&p->port, buf, len);
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
		struct iovec *v = &p->iovs[2 * i];

		v[0].iov_base = &p->vnet[i];
		v[0].iov_len = VNET_LEN;
		v[1].iov_base = pkt_buf(p, i);
		v[1].iov_len = p->bufsize;
		memset(mh, 0, sizeof(*mh));
		mh->msg_iov = v;
		mh->msg_iovlen = 2;
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
		pkt_frame(p, &p->msgs[i], &p->from[i], &p->vnet[i],
			  pkt_buf(p, (unsigned)i));
}

static const struct devmgr_net_ops pkt_ops = {
	.minor = DEVMGR_NET_MINOR,
	.info = pkt_info,
	.sendv = pkt_sendv,
	.set_rx = devmgr_net_port_set_rx,
	.send_batch = pkt_send_batch,
	.stats = devmgr_net_port_stats,
	.set_offload = pkt_set_offload,
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
		if (devmgr_net_mac_parse(mac, want) < 0)
			return devmgr_error_set(err, -EINVAL,
						"mac \"%s\" is not a MAC "
						"address (six hex pairs: "
						"02:00:00:00:00:01)",
						mac);
		r = devmgr_net_mac_owner(want, owner);
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
	int one = 1, rcvbuf = PKT_RCVBUF, e, rc;

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
	/* Offloads of local senders (partial checksums, super-frames)
	 * come this way, and a checksum to finish goes out this way. */
	if (setsockopt(p->fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one))) {
		e = errno;
		return devmgr_error_set(err, -e, "PACKET_VNET_HDR: %s",
					strerror(e));
	}
	/* The outer VLAN tag of a received frame comes this way. */
	if (setsockopt(p->fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one))) {
		e = errno;
		return devmgr_error_set(err, -e, "PACKET_AUXDATA: %s",
					strerror(e));
	}
	/* The default receive buffer holds three 64 KiB super-frames: a
	 * burst from a local sender would be dropped before the loop wakes
	 * up.  Without CAP_NET_ADMIN the kernel's rmem_max caps it. */
	if (setsockopt(p->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)))
		setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
			   sizeof(rcvbuf));
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
	free(p->seg);
	free(p->txbuf);
	free(p->vnet);
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
	p->bufsize = PKT_RX_MAX;
	if (p->bufsize < (size_t)p->mtu + DEVMGR_NET_HDR_LEN +
				 DEVMGR_NET_MAX_TAGS * DEVMGR_NET_TAG_LEN)
		p->bufsize = (size_t)p->mtu + DEVMGR_NET_HDR_LEN +
			     DEVMGR_NET_MAX_TAGS * DEVMGR_NET_TAG_LEN;
	p->bufs = malloc((size_t)p->batch * (DEVMGR_NET_TAG_LEN + p->bufsize));
	p->seg = malloc(DEVMGR_NET_TAG_LEN + p->bufsize);
	p->txbuf = malloc(p->bufsize);
	p->vnet = calloc(p->batch, sizeof(*p->vnet));
	p->ctls = malloc((size_t)p->batch * PKT_CTL_LEN);
	p->msgs = calloc(p->batch, sizeof(*p->msgs));
	p->iovs = calloc(2 * (size_t)p->batch, sizeof(*p->iovs));
	p->from = calloc(p->batch, sizeof(*p->from));
	if (!p->bufs || !p->seg || !p->txbuf || !p->vnet || !p->ctls ||
	    !p->msgs || !p->iovs || !p->from) {
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
