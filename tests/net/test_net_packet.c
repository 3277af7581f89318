/* Unit tests of plugins/net-packet, linked into this program, in a network
 * namespace of its own with a veth pair (made with ip(8) after
 * unshare(CLONE_NEWNET), so it goes with the process).  The device sits on
 * pa; a packet socket on pb is the peer, and one on pa plays the host
 * transmitting on the device's own interface.  Needs root; skips with 77
 * otherwise. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* unshare */
#endif
#include <devmgr/plugin.h>
#include <devmgr/sig/net.h>

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ETHERTYPE 0x88b5

static struct devmgr_ctx *ctx;
static struct devmgr_net *net;
static int peer = -1, host = -1;
static unsigned rx_ours, rx_tagged;
static uint8_t last_tagged[2048];
static size_t last_tagged_len;
/* IPv4 and IPv6 frames received, in order */
static uint8_t ip_frames[64][2048];
static size_t ip_lens[64];
static unsigned rx_ip;

static void on_rx(void *arg, struct devmgr_net *n, const void *frame,
		  size_t len)
{
	const uint8_t *f = frame;

	(void)arg, (void)n;
	if (len >= 14 && len <= sizeof(last_tagged) &&
	    ((f[12] == 0x81 && f[13] == 0x00) ||
	     (f[12] == 0x88 && f[13] == 0xa8))) {
		rx_tagged++;
		memcpy(last_tagged, f, len);
		last_tagged_len = len;
	}
	if (len >= 14 && f[12] == ETHERTYPE >> 8 && f[13] == (ETHERTYPE & 255))
		rx_ours++;
	if (len >= 14 && ((f[12] == 0x08 && f[13] == 0x00) ||
			  (f[12] == 0x86 && f[13] == 0xdd))) {
		if (rx_ip < 64 && len <= sizeof(ip_frames[0])) {
			memcpy(ip_frames[rx_ip], f, len);
			ip_lens[rx_ip] = len;
		}
		rx_ip++;
	}
}

static int packet_proto_on(const char *ifname, uint16_t proto)
{
	struct sockaddr_ll sll = { 0 };
	int s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(proto));

	ck_assert_int_ge(s, 0);
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(proto);
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	ck_assert_int_gt(sll.sll_ifindex, 0);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sll, sizeof(sll)), 0);
	return s;
}

static int packet_on(const char *ifname)
{
	return packet_proto_on(ifname, ETHERTYPE);
}

static void setup(void)
{
	struct devmgr_error err;
	const char *json =
		"{\"devmgr\": 1, \"devices\": {\"p\": {\"provider\": "
		"\"net-packet\", \"interface\": \"pa\", "
		"\"batch\": 8}}}";

	ctx = devmgr_ctx_new();
	ck_assert_ptr_nonnull(ctx);
	ck_assert_msg(
		devmgr_ctx_load_config_string(ctx, json, "<test>", &err) == 0 &&
			devmgr_ctx_create_devices(ctx, false, &err) == 0,
		"net-packet: %s", err.text);
	net = devmgr_device_handle(devmgr_ctx_find_device(ctx, "p"));
	devmgr_net_set_rx(net, on_rx, NULL);
	rx_ours = rx_tagged = rx_ip = 0;
	last_tagged_len = 0;
	peer = packet_on("pb");
	host = packet_on("pa");
}

static void teardown(void)
{
	close(peer);
	close(host);
	devmgr_ctx_free(ctx);
}

static void frame(uint8_t *f, size_t len, uint8_t tag)
{
	memset(f, 0, len);
	memset(f, 0xff, 6);
	f[12] = ETHERTYPE >> 8;
	f[13] = ETHERTYPE & 255;
	f[14] = tag;
}

static void settle(void)
{
	for (int i = 0; i < 10; i++)
		devmgr_ctx_dispatch(ctx, 20);
}

START_TEST(test_batch_bound)
{
	uint8_t f[60];

	frame(f, sizeof(f), 1);
	for (int i = 0; i < 50; i++)
		ck_assert_int_eq(send(peer, f, sizeof(f), 0), 60);
	ck_assert_int_eq(devmgr_ctx_dispatch(ctx, 1000), 1);
	ck_assert_uint_eq(rx_ours, 8);
	settle();
	ck_assert_uint_eq(rx_ours, 50);
}
END_TEST

/* What the host itself transmits on pa is not the wire's: not received. */
START_TEST(test_host_transmissions_ignored)
{
	uint8_t f[60];
	struct devmgr_net_stats st;

	frame(f, sizeof(f), 2);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(send(host, f, sizeof(f), 0), 60);
	ck_assert_int_eq(send(peer, f, sizeof(f), 0), 60);
	settle();
	ck_assert_uint_eq(rx_ours, 1);
	devmgr_net_stats(net, &st);
	ck_assert_uint_eq(st.rx_frames, 1);
}
END_TEST

START_TEST(test_send_batch)
{
	uint8_t f[5][100], in[2048];
	struct iovec frames[5];
	struct devmgr_net_stats st;

	for (int i = 0; i < 5; i++) {
		frame(f[i], sizeof(f[i]), (uint8_t)(10 + i));
		frames[i] = (struct iovec){ f[i], sizeof(f[i]) };
	}
	frames[3].iov_len = 13; /* the fourth is bad: three go */
	ck_assert_int_eq(devmgr_net_send_batch(net, frames, 5), 3);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(recv(peer, in, sizeof(in), 0), 100);
		ck_assert_uint_eq(in[14], 10 + i);
	}
	ck_assert_int_eq(devmgr_net_send_batch(net, &frames[3], 2), -EMSGSIZE);
	ck_assert_int_eq(devmgr_net_send_batch(net, &frames[4], 1), 1);
	ck_assert_int_eq(recv(peer, in, sizeof(in), 0), 100);
	ck_assert_uint_eq(in[14], 14);
	devmgr_net_stats(net, &st);
	ck_assert_uint_eq(st.tx_frames, 4);
	ck_assert_uint_eq(st.tx_bytes, 400);
}
END_TEST

START_TEST(test_sendv_lengths)
{
	uint8_t f[1515];
	struct devmgr_net_info info;

	ck_assert_int_eq(devmgr_net_info(net, &info), 0);
	ck_assert_uint_eq(info.mtu, 1500);
	ck_assert(info.link_up);
	frame(f, sizeof(f), 3);
	ck_assert_int_eq(devmgr_net_send(net, f, 1515), -EMSGSIZE);
	ck_assert_int_eq(devmgr_net_send(net, f, 1514), 0);
}
END_TEST

/* A frame of len bytes with the tags (type << 16 | TCI) after the
 * addresses, then ETHERTYPE and numbered bytes. */
static void tagged(uint8_t *f, size_t len, const uint32_t *tags, unsigned ntags)
{
	size_t at = 12;

	for (size_t i = 0; i < len; i++)
		f[i] = (uint8_t)(i * 13 + 5);
	memset(f, 0xff, 6);
	for (unsigned i = 0; i < ntags; i++, at += 4) {
		f[at] = (uint8_t)(tags[i] >> 24);
		f[at + 1] = (uint8_t)(tags[i] >> 16);
		f[at + 2] = (uint8_t)(tags[i] >> 8);
		f[at + 3] = (uint8_t)tags[i];
	}
	f[at] = ETHERTYPE >> 8;
	f[at + 1] = ETHERTYPE & 255;
}

/* The kernel takes the outer VLAN tag of a frame it receives off into
 * its metadata; the device puts it back (802.1ad or 802.1Q, priority
 * bits and all), so that the frame is the wire's byte for byte, at full
 * size too. */
START_TEST(test_tagged_frames_received_whole)
{
	static const uint32_t q[] = { 0x8100a00a }, /* PCP 5, VID 10 */
		qinq[] = { 0x88a80014, 0x8100001e }, prio[] = { 0x81000000 };
	uint8_t f[1600];
	struct devmgr_net_stats st;

	tagged(f, 1518, q, 1);
	ck_assert_int_eq(send(peer, f, 1518, 0), 1518);
	settle();
	ck_assert_uint_eq(rx_tagged, 1);
	ck_assert_uint_eq(last_tagged_len, 1518);
	ck_assert_mem_eq(last_tagged, f, 1518);

	tagged(f, 200, qinq, 2);
	ck_assert_int_eq(send(peer, f, 200, 0), 200);
	settle();
	ck_assert_uint_eq(rx_tagged, 2);
	ck_assert_uint_eq(last_tagged_len, 200);
	ck_assert_mem_eq(last_tagged, f, 200);

	tagged(f, 64, prio, 1);
	ck_assert_int_eq(send(peer, f, 64, 0), 64);
	settle();
	ck_assert_uint_eq(rx_tagged, 3);
	ck_assert_uint_eq(last_tagged_len, 64);
	ck_assert_mem_eq(last_tagged, f, 64);
	devmgr_net_stats(net, &st);
	ck_assert_uint_eq(st.rx_errors, 0);
}
END_TEST

/* Sent, a tagged frame of mtu + 18 bytes leaves whole: the peer's
 * kernel shows the tag in the auxiliary data (to a socket for every
 * protocol: the kernel drops the tag before a socket for one protocol
 * sees the frame), the rest in the frame. */
START_TEST(test_tagged_frame_sent)
{
	static const uint32_t q[] = { 0x8100a00a };
	uint8_t f[1600], in[1600],
		ctl[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	struct iovec iov = { in, sizeof(in) };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl,
			     .msg_controllen = sizeof(ctl) };
	struct tpacket_auxdata aux = { 0 };
	int one = 1, all = packet_proto_on("pb", ETH_P_ALL);

	ck_assert_int_eq(
		setsockopt(all, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)),
		0);
	tagged(f, 1519, q, 1);
	ck_assert_int_eq(devmgr_net_send(net, f, 1519), -EMSGSIZE);
	ck_assert_int_eq(devmgr_net_send(net, f, 1518), 0);
	ck_assert_int_eq(recvmsg(all, &mh, 0), 1514);
	close(all);
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_PACKET &&
		    c->cmsg_type == PACKET_AUXDATA)
			memcpy(&aux, CMSG_DATA(c), sizeof(aux));
	ck_assert(aux.tp_status & TP_STATUS_VLAN_VALID);
	ck_assert_uint_eq(aux.tp_vlan_tci, 0xa00a);
	ck_assert_uint_eq(aux.tp_vlan_tpid, 0x8100);
	ck_assert_mem_eq(in, f, 12);
	ck_assert_mem_eq(in + 12, f + 16, 1514 - 12);
}
END_TEST

/* ---- checksum offloads and super-frames ------------------------------ */

static uint16_t get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static void put16(uint8_t *b, unsigned v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

/* RFC 1071, over the bytes as numbers (not folded). */
static uint32_t sum16(uint32_t s, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += get16(b + i);
	if (n & 1)
		s += (uint32_t)b[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* The pseudo-header sum of the IPv4 or IPv6 packet at f + 14. */
static uint16_t pseudo(const uint8_t *f, uint8_t proto, size_t l4len)
{
	bool v6 = f[12] == 0x86;

	return fold(sum16(proto + (uint32_t)l4len, f + (v6 ? 22 : 26),
			  v6 ? 32 : 8));
}

/* The TCP or UDP checksum of the frame is right. */
static bool l4_ok(const uint8_t *f, size_t len)
{
	bool v6 = f[12] == 0x86;
	size_t l4 = v6 ? 54 : 14 + (size_t)(f[14] & 15) * 4;
	uint8_t proto = v6 ? f[20] : f[23];
	size_t n = len - l4;

	return fold(sum16(pseudo(f, proto, n), f + l4, n)) == 0xffff;
}

/* Ethernet, IPv4 (10.0.0.1 to 10.0.0.2) or IPv6, then TCP (20 bytes,
 * sequence 1000, flags) or UDP, pay numbered bytes; the IPv4 header
 * checksum right and the TCP or UDP field holding the pseudo-header
 * sum, as a sender that offloads leaves it.  Returns the length. */
static size_t ip_frame(uint8_t *f, bool v6, uint8_t proto, size_t pay,
		       uint8_t flags)
{
	size_t l4 = v6 ? 54 : 34, hl = proto == 6 ? 20 : 8, len;

	memset(f, 0, l4 + hl);
	f[0] = 0x02, f[5] = 0x02, f[6] = 0x02, f[11] = 0x01;
	if (v6) {
		f[12] = 0x86, f[13] = 0xdd, f[14] = 0x60;
		put16(f + 18, (unsigned)(hl + pay));
		f[20] = proto, f[21] = 64;
		f[22] = 0xfd, f[37] = 1, f[38] = 0xfd, f[53] = 2;
	} else {
		f[12] = 0x08, f[14] = 0x45;
		put16(f + 16, (unsigned)(20 + hl + pay));
		put16(f + 18, 0x1234);
		f[22] = 64, f[23] = proto;
		f[26] = 10, f[29] = 1, f[30] = 10, f[33] = 2;
		put16(f + 24, (uint16_t)~fold(sum16(0, f + 14, 20)));
	}
	put16(f + l4, 4000);
	put16(f + l4 + 2, 5000);
	if (proto == 6) {
		put16(f + l4 + 4, 0);
		put16(f + l4 + 6, 1000);
		f[l4 + 12] = 0x50;
		f[l4 + 13] = flags;
		put16(f + l4 + 14, 65535);
	} else {
		put16(f + l4 + 4, (unsigned)(hl + pay));
	}
	len = l4 + hl + pay;
	for (size_t i = l4 + hl; i < len; i++)
		f[i] = (uint8_t)(i * 7 + 3);
	put16(f + l4 + (proto == 6 ? 16 : 6), pseudo(f, proto, hl + pay));
	return len;
}

/* A packet socket on pb that speaks virtio-net headers, as a local
 * sender's offloads reach a NIC. */
static int vnet_peer(void)
{
	int one = 1, s = packet_proto_on("pb", ETH_P_ALL);

	ck_assert_int_eq(
		setsockopt(s, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)),
		0);
	return s;
}

static void vnet_send(int s, const struct virtio_net_hdr *h, const void *f,
		      size_t len)
{
	struct iovec v[2] = { { (void *)h, sizeof(*h) }, { (void *)f, len } };
	struct msghdr mh = { .msg_iov = v, .msg_iovlen = 2 };

	ck_assert_int_eq(sendmsg(s, &mh, 0), (ssize_t)(sizeof(*h) + len));
}

/* A TCP super-frame of the kernel's GSO reaches the receiver as the
 * segments a NIC would have sent: each within the MTU, the payload in
 * order, lengths, IPv4 ids and header checksums, sequence numbers and
 * TCP checksums right, PSH and FIN on the last segment only.  A segment
 * size past the MTU (1448 bytes under IPv6's 40-byte header) is cut
 * down to fit it. */
static void super_frame(bool v6)
{
	static uint8_t f[8192];
	size_t pay = 4000, l4 = v6 ? 54 : 34, mss = v6 ? 1440 : 1448;
	size_t len = ip_frame(f, v6, 6, pay, 0x19 /* FIN PSH ACK */);
	struct virtio_net_hdr h = {
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
		.gso_type = v6 ? VIRTIO_NET_HDR_GSO_TCPV6
			       : VIRTIO_NET_HDR_GSO_TCPV4,
		.hdr_len = (uint16_t)(l4 + 20),
		.gso_size = 1448,
		.csum_start = (uint16_t)l4,
		.csum_offset = 16,
	};
	struct devmgr_net_stats st;
	int s = vnet_peer();

	vnet_send(s, &h, f, len);
	settle();
	close(s);
	ck_assert_uint_eq(rx_ip, 3);
	for (unsigned i = 0, off = 0; i < 3; i++, off += (unsigned)mss) {
		const uint8_t *g = ip_frames[i];
		size_t n = i < 2 ? mss : pay - 2 * mss;

		ck_assert_uint_eq(ip_lens[i], l4 + 20 + n);
		ck_assert_uint_le(ip_lens[i], 1514);
		ck_assert_mem_eq(g + l4 + 20, f + l4 + 20 + off, n);
		ck_assert_uint_eq(get16(g + l4 + 6) - 1000, off);
		ck_assert_uint_eq(g[l4 + 13], i < 2 ? 0x10 : 0x19);
		ck_assert(l4_ok(g, ip_lens[i]));
		if (v6) {
			ck_assert_uint_eq(get16(g + 18), 20 + n);
		} else {
			ck_assert_uint_eq(get16(g + 16), 40 + n);
			ck_assert_uint_eq(get16(g + 18), 0x1234 + i);
			ck_assert_uint_eq(fold(sum16(0, g + 14, 20)), 0xffff);
		}
	}
	devmgr_net_stats(net, &st);
	ck_assert_uint_eq(st.rx_frames, 3);
	ck_assert_uint_eq(st.rx_errors, 0);
}

START_TEST(test_super_frame_ipv4)
{
	super_frame(false);
}
END_TEST

START_TEST(test_super_frame_ipv6)
{
	super_frame(true);
}
END_TEST

/* A checksum a local sender left partial is finished before the receiver
 * sees the frame; a receiver that turned DEVMGR_NET_OFF_CSUM_RX on gets
 * it as it came. */
START_TEST(test_partial_csum)
{
	uint8_t f[300], partial[300];
	size_t len = ip_frame(f, false, 17, 200, 0);
	struct virtio_net_hdr h = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
				    .csum_start = 34,
				    .csum_offset = 6 };
	struct devmgr_net_info info;
	int s = vnet_peer();

	ck_assert_int_eq(devmgr_net_info(net, &info), 0);
	ck_assert_uint_eq(info.offload, DEVMGR_NET_OFF_CSUM);
	ck_assert_uint_eq(info.max_frame, 1514);
	memcpy(partial, f, len);
	vnet_send(s, &h, f, len);
	settle();
	ck_assert_uint_eq(rx_ip, 1);
	ck_assert_uint_eq(ip_lens[0], len);
	ck_assert(l4_ok(ip_frames[0], len));
	ck_assert_mem_eq(ip_frames[0], f, 40);
	ck_assert_mem_eq(ip_frames[0] + 42, f + 42, len - 42);

	ck_assert_int_eq(devmgr_net_set_offload(net, DEVMGR_NET_OFF_CSUM_RX),
			 0);
	vnet_send(s, &h, f, len);
	settle();
	close(s);
	ck_assert_uint_eq(rx_ip, 2);
	ck_assert_mem_eq(ip_frames[1], partial, len);
}
END_TEST

/* With DEVMGR_NET_OFF_CSUM_RX, a frame the kernel neither verified nor
 * had from a local sender is checked by the device: a wrong TCP or UDP
 * checksum is an error, not passed on.  Without it, the frame is the
 * wire's, wrong checksum and all. */
START_TEST(test_csum_rx_verifies)
{
	uint8_t f[300], bad[300];
	size_t len = ip_frame(f, true, 6, 100, 0x10);
	struct devmgr_net_stats st;
	int all = packet_proto_on("pb", ETH_P_ALL);

	/* the sum in the field finished by hand: right */
	put16(f + 54 + 16, (uint16_t)~fold(sum16(0, f + 54, len - 54)));
	ck_assert(l4_ok(f, len));
	memcpy(bad, f, len);
	bad[len - 1] ^= 0x40;

	ck_assert_int_eq(send(all, bad, len, 0), (ssize_t)len);
	settle();
	ck_assert_uint_eq(rx_ip, 1);
	ck_assert_mem_eq(ip_frames[0], bad, len);

	ck_assert_int_eq(devmgr_net_set_offload(net, DEVMGR_NET_OFF_CSUM_RX),
			 0);
	ck_assert_int_eq(send(all, bad, len, 0), (ssize_t)len);
	ck_assert_int_eq(send(all, f, len, 0), (ssize_t)len);
	settle();
	close(all);
	ck_assert_uint_eq(rx_ip, 2);
	ck_assert_mem_eq(ip_frames[1], f, len);
	devmgr_net_stats(net, &st);
	ck_assert_uint_eq(st.rx_errors, 1);
}
END_TEST

/* Receive one frame on s (a virtio-net socket): its header and length. */
static size_t vnet_recv(int s, struct virtio_net_hdr *h, uint8_t *f,
			size_t size)
{
	struct iovec v[2] = { { h, sizeof(*h) }, { f, size } };
	struct msghdr mh = { .msg_iov = v, .msg_iovlen = 2 };
	ssize_t r = recvmsg(s, &mh, 0);

	ck_assert_int_ge(r, (ssize_t)sizeof(*h));
	return (size_t)r - sizeof(*h);
}

/* With DEVMGR_NET_OFF_CSUM_TX turned on, a TCP or UDP frame whose field
 * holds the pseudo-header sum leaves with the kernel told to finish it
 * (what a NIC would do, and finishing it gives the right checksum);
 * other frames, and every frame with it off, leave as they are.  Bits
 * that are not checksum offloads are refused. */
START_TEST(test_csum_tx)
{
	uint8_t f[300], in[2048];
	struct virtio_net_hdr h;
	int s = vnet_peer();
	size_t len, got;

	ck_assert_int_eq(devmgr_net_set_offload(net, DEVMGR_NET_OFF_TSO),
			 -EINVAL);
	ck_assert_int_eq(devmgr_net_set_offload(net, 0x10), -EINVAL);
	ck_assert_int_eq(devmgr_net_set_offload(net, DEVMGR_NET_OFF_CSUM), 0);
	for (int v6 = 0; v6 < 2; v6++)
		for (int tcp = 0; tcp < 2; tcp++) {
			len = ip_frame(f, v6, tcp ? 6 : 17, 150, 0x18);
			ck_assert_int_eq(devmgr_net_send(net, f, len), 0);
			got = vnet_recv(s, &h, in, sizeof(in));
			ck_assert_uint_eq(got, len);
			ck_assert_uint_eq(h.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
			ck_assert_uint_eq(h.csum_start, v6 ? 54 : 34);
			ck_assert_uint_eq(h.csum_offset, tcp ? 16 : 6);
			put16(in + h.csum_start + h.csum_offset,
			      (uint16_t)~fold(sum16(0, in + h.csum_start,
						    got - h.csum_start)));
			ck_assert(l4_ok(in, got));
		}
	frame(f, 100, 7);
	ck_assert_int_eq(devmgr_net_send(net, f, 100), 0);
	do
		got = vnet_recv(s, &h, in, sizeof(in));
	while (got != 100);
	ck_assert_uint_eq(h.flags, 0);
	ck_assert_mem_eq(in, f, 100);

	ck_assert_int_eq(devmgr_net_set_offload(net, 0), 0);
	len = ip_frame(f, false, 6, 150, 0x18);
	ck_assert_int_eq(devmgr_net_send(net, f, len), 0);
	got = vnet_recv(s, &h, in, sizeof(in));
	close(s);
	ck_assert_uint_eq(got, len);
	ck_assert_uint_eq(h.flags, 0);
	ck_assert_mem_eq(in, f, len);
	ck_assert(!l4_ok(in, got));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("net-packet");
	TCase *tc = tcase_create("veth");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_batch_bound);
	tcase_add_test(tc, test_host_transmissions_ignored);
	tcase_add_test(tc, test_send_batch);
	tcase_add_test(tc, test_sendv_lengths);
	tcase_add_test(tc, test_tagged_frames_received_whole);
	tcase_add_test(tc, test_tagged_frame_sent);
	tcase_add_test(tc, test_super_frame_ipv4);
	tcase_add_test(tc, test_super_frame_ipv6);
	tcase_add_test(tc, test_partial_csum);
	tcase_add_test(tc, test_csum_rx_verifies);
	tcase_add_test(tc, test_csum_tx);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed, fd;

	unsetenv("DEVMGR_PLUGIN_PATH"); /* the linked-in provider only */
	if (unshare(CLONE_NEWNET) < 0) {
		printf("SKIP: no network namespace of its own: %s (needs "
		       "root)\n",
		       strerror(errno));
		return 77;
	}
	fd = open("/proc/sys/net/ipv6/conf/default/disable_ipv6", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "1", 1) != 1)
			perror("disable_ipv6");
		close(fd);
	}
	if (system("ip link add pa type veth peer name pb && "
		   "ip link set pa up && ip link set pb up") != 0) {
		printf("SKIP: cannot make a veth pair with ip(8)\n");
		return 77;
	}
	sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
