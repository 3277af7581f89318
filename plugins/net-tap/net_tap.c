/* net-tap: a Linux tap device (IFF_TAP | IFF_NO_PI) through /dev/net/tun.
 * It attaches to an existing tap by name (one made with "ip tuntap add"),
 * or creates a new one that disappears when the device is destroyed.
 *
 * The devmgr side of a tap is the far end of the kernel's interface, as a
 * virtual machine's NIC is: the device's MAC (parameter or generated) is
 * its own, not the kernel interface's, and is refused when an interface
 * of this network namespace already has it.  The fd is non-blocking and
 * watched by the context's loop; each wake-up reads at most `batch`
 * frames, so one busy tap cannot starve the other devices.
 *
 * With `offload`, the tap carries a virtio-net header before each frame
 * (IFF_VNET_HDR) and the kernel is told it may hand over TCP super-frames
 * and unfinished checksums (TUNSETOFFLOAD), as it does to a virtual
 * machine's virtio NIC: the device finishes those checksums before a
 * receiver sees the frame (DEVMGR_NET_OFF_LRO), and takes TCP
 * super-frames to send, which the kernel cuts into segments
 * (DEVMGR_NET_OFF_TSO). */
#include <devmgr/provider/net.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define TUN_PATH "/dev/net/tun"
/* A tap frame is at most 65535 bytes (the kernel's limit for one write);
 * with offloads, a super-frame is one IP packet of up to 65535 bytes. */
#define VNET_LEN      sizeof(struct virtio_net_hdr)
#define TAP_MAX_SUPER (DEVMGR_NET_HDR_LEN + 65535)
#define TAP_RX_SIZE   (VNET_LEN + TAP_MAX_SUPER)
#define TAP_TSO_IOV   8 /* longer vectors are gathered into one buffer */
/* Super-frame headers are looked for in this many bytes. */
#define TAP_HDRS 128

struct tap {
	struct devmgr_net_port port; /* first: see devmgr/provider/net.h */
	struct devmgr_ctx *ctx;
	int fd;
	int ctl; /* AF_INET datagram socket for interface ioctls */
	struct devmgr_watch *watch;
	char name[IF_NAMESIZE];
	uint8_t mac[6];
	uint32_t mtu;
	unsigned batch;
	bool offload;
	unsigned use;	/* DEVMGR_NET_OFF_CSUM_* turned on */
	uint8_t *buf;	/* TAP_RX_SIZE bytes */
	uint8_t *txbuf; /* with offload: a long vector gathered */
};
DEVMGR_NET_PORT_FIRST(struct tap, port);

static int tap_info(struct devmgr_net *n, struct devmgr_net_info *out)
{
	const struct tap *t = n->priv;
	struct ifreq ifr;

	memcpy(out->mac, t->mac, 6);
	out->mtu = t->mtu;
	if (t->offload) {
		out->offload = DEVMGR_NET_OFF_LRO | DEVMGR_NET_OFF_TSO |
			       DEVMGR_NET_OFF_CSUM;
		out->max_frame = TAP_MAX_SUPER;
	}
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, t->name, sizeof(t->name));
	if (ioctl(t->ctl, SIOCGIFFLAGS, &ifr) == 0)
		out->link_up = (ifr.ifr_flags & IFF_UP) != 0;
	return 0;
}

/* The virtio-net header of a TCP super-frame (DEVMGR_NET_OFF_TSO in
 * devmgr/sig/net.h), from its first have bytes; -EMSGSIZE when the frame
 * is not one, carries no payload, or has headers that fill the MTU. */
static int tso_header(const uint8_t *f, size_t have, size_t len, uint32_t mtu,
		      struct virtio_net_hdr *h)
{
	struct devmgr_net_tcp t;
	uint32_t mss;

	if (devmgr_net_tcp_parse(f, have, len, &t) < 0 || t.payload >= len)
		return -EMSGSIZE;
	mss = devmgr_net_tcp_mss(&t, mtu);
	if (mss == 0)
		return -EMSGSIZE;
	h->gso_type = t.ipv == 4 ? VIRTIO_NET_HDR_GSO_TCPV4
				 : VIRTIO_NET_HDR_GSO_TCPV6;
	h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h->hdr_len = t.payload;
	h->gso_size = (uint16_t)mss;
	h->csum_start = t.l4;
	h->csum_offset = 16;
	return 0;
}

static int tap_set_offload(struct devmgr_net *n, unsigned use)
{
	struct tap *t = n->priv;

	if (use & ~(t->offload ? DEVMGR_NET_OFF_CSUM : 0u))
		return -EINVAL;
	t->use = use;
	return 0;
}

/* With offload: every frame goes out behind a virtio-net header, zero for
 * a frame of at most mtu + 14 bytes (and its VLAN tags), or with
 * DEVMGR_NET_OFF_CSUM_TX on, the TCP or UDP checksum for the kernel to
 * finish. */
static ssize_t tap_write_vnet(struct tap *t, const struct iovec *iov,
			      int iovcnt, size_t len)
{
	struct virtio_net_hdr h;
	struct iovec v[1 + TAP_TSO_IOV];
	uint8_t first[TAP_HDRS];
	size_t have = len < TAP_HDRS ? len : TAP_HDRS;
	bool super = len > (size_t)t->mtu + DEVMGR_NET_HDR_LEN;
	struct devmgr_net_l4 l;

	memset(&h, 0, sizeof(h));
	if (super || (t->use & DEVMGR_NET_OFF_CSUM_TX))
		devmgr_net_frame_gather(first, iov, iovcnt, have);
	if (super && len > devmgr_net_frame_max(first, have, t->mtu)) {
		int r = tso_header(first, have, len, t->mtu, &h);

		if (r < 0) {
			errno = -r;
			return -1;
		}
	} else if ((t->use & DEVMGR_NET_OFF_CSUM_TX) &&
		   devmgr_net_l4_find(first, have, len, &l)) {
		h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		h.csum_start = (uint16_t)l.l4;
		h.csum_offset = (uint16_t)(devmgr_net_l4_csum_at(&l) - l.l4);
	}
	v[0].iov_base = &h;
	v[0].iov_len = VNET_LEN;
	if (iovcnt <= TAP_TSO_IOV) {
		memcpy(&v[1], iov, (size_t)iovcnt * sizeof(*iov));
	} else {
		devmgr_net_frame_gather(t->txbuf, iov, iovcnt, len);
		v[1].iov_base = t->txbuf;
		v[1].iov_len = len;
		iovcnt = 1;
	}
	return writev(t->fd, v, 1 + iovcnt);
}

static int tap_sendv(struct devmgr_net *n, const struct iovec *iov, int iovcnt)
{
	struct tap *t = n->priv;
	uint32_t room =
		t->offload ? TAP_MAX_SUPER - DEVMGR_NET_HDR_LEN : t->mtu;
	ssize_t len = devmgr_net_frame_len(iov, iovcnt, room), w;

	if (len < 0) {
		t->port.st.tx_errors++;
		return (int)len;
	}
	/* One buffer goes through write(): the tap driver's writev path
	 * costs about 10% more per frame. */
	do
		if (t->offload)
			w = tap_write_vnet(t, iov, iovcnt, (size_t)len);
		else if (iovcnt == 1)
			w = write(t->fd, iov[0].iov_base, iov[0].iov_len);
		else
			w = writev(t->fd, iov, iovcnt);
	while (w < 0 && errno == EINTR);
	if (w < 0) {
		if (errno == EMSGSIZE) {
			t->port.st.tx_errors++;
			return -EMSGSIZE;
		}
		int e = errno;

		if (e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS) {
			t->port.st.tx_drops++;
			return -EAGAIN;
		}
		t->port.st.tx_errors++;
		return -e;
	}
	t->port.st.tx_frames++;
	t->port.st.tx_bytes += (uint64_t)len;
	return 0;
}

static int tap_send_batch(struct devmgr_net *n, const struct iovec *frames,
			  unsigned count)
{
	unsigned i;

	for (i = 0; i < count; i++) {
		int r = tap_sendv(n, &frames[i], 1);

		if (r < 0)
			return i ? (int)i : r;
	}
	return (int)i;
}

/* A read error other than "nothing waiting" (EBADFD once the interface
 * is deleted under the device) will not go away: say so once and stop
 * watching the fd, so that a level-triggered error cannot spin the loop.
 * Sends fail from then on with the kernel's error. */
static void tap_gone(struct tap *t, int e)
{
	t->port.st.rx_errors++;
	devmgr_log(t->ctx, DEVMGR_LOG_ERROR,
		   "net-tap %s: read: %s; the device stops receiving", t->name,
		   strerror(e));
	devmgr_watch_cancel(t->watch);
	t->watch = NULL;
}

/* With offload: the checksum the kernel left to finish (csum_start and
 * csum_offset, the field holding the pseudo-header sum) is finished,
 * unless the receiver takes it as it is (DEVMGR_NET_OFF_CSUM_RX); with
 * that, a TCP or UDP checksum the kernel neither verified nor left
 * partial is checked here.  A frame longer than mtu + 14 must be a TCP
 * super-frame (devmgr_net_tcp_parse(): headers whole, the IP length the
 * frame's) of the IP version its header says.  False for a frame to
 * count as an error. */
static bool rx_vnet(const struct tap *t, const struct virtio_net_hdr *h,
		    uint8_t *f, size_t len)
{
	bool trust = t->use & DEVMGR_NET_OFF_CSUM_RX;
	struct devmgr_net_tcp tcp;

	if (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		size_t s = h->csum_start, o = s + h->csum_offset;
		uint16_t c;

		if (s >= len || o + 2 > len)
			return false;
		if (!trust) {
			c = (uint16_t)~devmgr_net_csum_fold(
				devmgr_net_csum_add(0, f + s, len - s));
			memcpy(f + o, &c, 2);
		}
	} else if (trust && !(h->flags & VIRTIO_NET_HDR_F_DATA_VALID) &&
		   !devmgr_net_l4_csum_ok(f, len)) {
		return false;
	}
	if (len <= devmgr_net_frame_max(f, len, t->mtu))
		return true;
	if (devmgr_net_tcp_parse(f, len, len, &tcp) < 0)
		return false;
	switch (h->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) {
	case VIRTIO_NET_HDR_GSO_TCPV4:
		return tcp.ipv == 4;
	case VIRTIO_NET_HDR_GSO_TCPV6:
		return tcp.ipv == 6;
	}
	return false;
}

/* Frames that do not fit the device's MTU (the kernel interface's MTU was
 * raised behind its back) are counted as errors, not passed on: a
 * receiver may rely on devmgr_net_frame_max(), or on max_frame with
 * offload. */
static void tap_readable(void *arg, int fd, unsigned events)
{
	struct tap *t = arg;
	size_t skip = t->offload ? VNET_LEN : 0;

	(void)events;
	for (unsigned i = 0; i < t->batch; i++) {
		ssize_t r = read(fd, t->buf, skip + TAP_MAX_SUPER);
		uint8_t *f = t->buf + skip;
		size_t len;

		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				tap_gone(t, errno);
			return;
		}
		len = (size_t)r - ((size_t)r < skip ? (size_t)r : skip);
		if (len < DEVMGR_NET_MIN_FRAME ||
		    (t->offload ? !rx_vnet(t, (const void *)t->buf, f, len)
				: len > devmgr_net_frame_max(f, len, t->mtu))) {
			t->port.st.rx_errors++;
			continue;
		}
		devmgr_net_port_deliver(&t->port, f, len);
	}
}

static const struct devmgr_net_ops tap_ops = {
	.minor = DEVMGR_NET_MINOR,
	.info = tap_info,
	.sendv = tap_sendv,
	.set_rx = devmgr_net_port_set_rx,
	.send_batch = tap_send_batch,
	.stats = devmgr_net_port_stats,
	.set_offload = tap_set_offload,
};

static const struct devmgr_param tap_params[] = {
	{ "name", DEVMGR_PARAM_STRING, 0, NULL,
	  "tap interface to attach to; created when it does not exist; "
	  "absent: a new tap named by the kernel (tap0, tap1...)",
	  0, 0 },
	{ "mac", DEVMGR_PARAM_STRING, 0, NULL,
	  "MAC of the device (the far end of the tap); default: generated "
	  "from the device id and name (locally administered)",
	  0, 0 },
	{ "mtu", DEVMGR_PARAM_INT, 0, NULL,
	  "largest payload; set on the interface too; default: the "
	  "interface's MTU (1500 for a new tap)",
	  68, DEVMGR_NET_MTU_MAX },
	{ "up", DEVMGR_PARAM_BOOL, 0, "false",
	  "bring the kernel's interface up (false: leave it as it is)", 0, 0 },
	{ "batch", DEVMGR_PARAM_INT, 0, "64",
	  "frames read per loop wake-up at most", 1, 4096 },
	{ "offload", DEVMGR_PARAM_BOOL, 0, "false",
	  "TCP super-frames both ways and checksums finished by the kernel "
	  "(virtio-net header, as a VM's NIC): receivers get and may send "
	  "TCP frames of up to 64 KiB",
	  0, 0 },
	{ NULL },
};

/* One clear sentence per reason TUNSETIFF refuses. */
static int tunsetiff_error(int e, const char *name, bool existed,
			   struct devmgr_error *err)
{
	switch (e) {
	case EBUSY:
		return devmgr_error_set(err, -EBUSY,
					"interface busy: tap \"%s\" is already "
					"open in another program or device",
					name);
	case EPERM:
	case EACCES:
		if (existed)
			return devmgr_error_set(
				err, -EPERM,
				"no permission to attach to tap \"%s\": it "
				"belongs to another user (needs "
				"CAP_NET_ADMIN)",
				name);
		return devmgr_error_set(err, -EPERM,
					"no permission to create a tap device "
					"(needs CAP_NET_ADMIN)");
	case EINVAL:
		if (existed)
			return devmgr_error_set(
				err, -EINVAL,
				"interface \"%s\" exists and is not a tap "
				"without packet info (a tun, a tap made with "
				"\"pi\", or not a tun/tap at all)",
				name);
		break;
	}
	return devmgr_error_set(err, -e, "TUNSETIFF %s: %s",
				name[0] ? name : "(new tap)", strerror(e));
}

static int tap_open(struct tap *t, const char *name, struct devmgr_error *err)
{
	struct ifreq ifr;
	bool existed = name && if_nametoindex(name) != 0;
	int e;

	t->fd = open(TUN_PATH, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (t->fd < 0) {
		e = errno;
		if (e == EACCES || e == EPERM)
			return devmgr_error_set(
				err, -e,
				"no permission to open " TUN_PATH ": %s",
				strerror(e));
		return devmgr_error_set(err, -e, "open " TUN_PATH ": %s",
					strerror(e));
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (t->offload ? IFF_VNET_HDR : 0);
	if (name)
		memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(t->fd, TUNSETIFF, &ifr) < 0) {
		e = errno;
		close(t->fd);
		t->fd = -1;
		return tunsetiff_error(e, name ? name : "", existed, err);
	}
	memcpy(t->name, ifr.ifr_name, IF_NAMESIZE);
	t->name[IF_NAMESIZE - 1] = '\0';
	/* Set either way: a persistent tap keeps the offloads of the last
	 * program that set them, and without the header a super-frame could
	 * not be told from a frame. */
	if (ioctl(t->fd, TUNSETOFFLOAD,
		  t->offload ? TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 : 0) < 0) {
		e = errno;
		close(t->fd);
		t->fd = -1;
		return devmgr_error_set(err, -e, "TUNSETOFFLOAD %s: %s",
					t->name, strerror(e));
	}
	return 0;
}

static int ifreq_call(struct tap *t, unsigned long req, struct ifreq *ifr,
		      const char *what, struct devmgr_error *err)
{
	memset(ifr->ifr_name, 0, sizeof(ifr->ifr_name));
	memcpy(ifr->ifr_name, t->name, strlen(t->name));
	if (ioctl(t->ctl, req, ifr) < 0) {
		int e = errno;

		return devmgr_error_set(err, -e, "%s of %s: %s", what, t->name,
					strerror(e));
	}
	return 0;
}

/* The MTU (set or read) and, when asked, the interface brought up. */
static int tap_setup(struct devmgr_device *dev, struct tap *t,
		     struct devmgr_error *err)
{
	struct ifreq ifr;
	int rc;

	memset(&ifr, 0, sizeof(ifr));
	if (devmgr_param_present(dev, "mtu")) {
		ifr.ifr_mtu = (int)devmgr_param_int(dev, "mtu");
		rc = ifreq_call(t, SIOCSIFMTU, &ifr, "set mtu", err);
	} else {
		rc = ifreq_call(t, SIOCGIFMTU, &ifr, "get mtu", err);
	}
	if (rc < 0)
		return rc;
	t->mtu = (uint32_t)ifr.ifr_mtu;
	if (!devmgr_param_bool(dev, "up"))
		return 0;
	rc = ifreq_call(t, SIOCGIFFLAGS, &ifr, "get flags", err);
	if (rc < 0)
		return rc;
	ifr.ifr_flags |= IFF_UP;
	return ifreq_call(t, SIOCSIFFLAGS, &ifr, "bring up", err);
}

static int mac_free(const uint8_t mac[6], struct devmgr_error *err)
{
	char owner[IF_NAMESIZE], text[18];
	int r = devmgr_net_mac_owner(mac, owner);

	if (r < 0)
		return devmgr_error_set(err, r, "listing interfaces: %s",
					strerror(-r));
	if (r == 0)
		return 0;
	devmgr_net_mac_format(mac, text);
	return devmgr_error_set(err, -EADDRINUSE,
				"MAC in use: %s is the address of interface "
				"%s",
				text, owner);
}

static void tap_close(struct tap *t)
{
	devmgr_watch_cancel(t->watch);
	if (t->fd >= 0)
		close(t->fd);
	if (t->ctl >= 0)
		close(t->ctl);
	free(t->buf);
	free(t->txbuf);
}

static int tap_create(struct devmgr_device *dev, struct devmgr_error *err)
{
	struct tap *t = devmgr_device_priv(dev);
	const char *name = devmgr_param_str(dev, "name");
	int rc, e;

	t->fd = t->ctl = -1;
	t->ctx = devmgr_device_ctx(dev);
	if (name && (!name[0] || strlen(name) >= IF_NAMESIZE ||
		     strchr(name, '/') || strchr(name, ' ')))
		return devmgr_error_set(err, -EINVAL,
					"name \"%s\" is not an interface name "
					"(1 to %d bytes, no '/' or space)",
					name, IF_NAMESIZE - 1);
	t->batch = (unsigned)devmgr_param_int(dev, "batch");
	t->offload = devmgr_param_bool(dev, "offload");
	rc = devmgr_net_mac_param(dev, "net-tap", name, t->mac, err);
	if (rc == 0)
		rc = mac_free(t->mac, err);
	if (rc < 0)
		return rc;
	t->buf = malloc(TAP_RX_SIZE);
	if (t->offload)
		t->txbuf = malloc(TAP_MAX_SUPER);
	t->ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (t->buf == NULL || (t->offload && t->txbuf == NULL) || t->ctl < 0) {
		e = t->ctl < 0 && t->buf ? errno : ENOMEM;
		tap_close(t);
		return devmgr_error_set(err, -e, "net-tap: %s", strerror(e));
	}
	rc = tap_open(t, name, err);
	if (rc == 0)
		rc = tap_setup(dev, t, err);
	if (rc == 0) {
		t->watch = devmgr_watch_fd(devmgr_device_ctx(dev), t->fd,
					   DEVMGR_EV_READ, tap_readable, t);
		if (t->watch == NULL)
			rc = devmgr_error_set(err, -errno, "watch %s: %s",
					      t->name, strerror(errno));
	}
	if (rc < 0)
		tap_close(t);
	return rc;
}

static void tap_destroy(struct devmgr_device *dev)
{
	tap_close(devmgr_device_priv(dev));
}

static const struct devmgr_provider tap_provider = {
	.size = sizeof(struct devmgr_provider),
	.name = "net-tap",
	.help = "Linux tap device (/dev/net/tun), existing or created",
	.sig = "net",
	.sig_major = DEVMGR_NET_MAJOR,
	.sig_minor = DEVMGR_NET_MINOR,
	.ops = &tap_ops,
	.params = tap_params,
	.priv_size = sizeof(struct tap),
	.create = tap_create,
	.destroy = tap_destroy,
};

static const struct devmgr_provider *const providers[] = {
	&tap_provider,
	NULL,
};

DEVMGR_PLUGIN("net-tap", "0.1.0", providers, NULL);
