/* Unit tests of plugins/net-tap, linked into this program, in a network
 * namespace of its own (unshare(CLONE_NEWNET) before the tests fork, so
 * that nothing here is visible outside and everything goes with the
 * process).  A packet socket on the tap's kernel side plays the peer: what
 * it sends there reaches the device's receiver, what the device sends
 * arrives at it.  Needs root (CAP_SYS_ADMIN for the namespace); skips with
 * 77 otherwise. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* unshare */
#endif
#include <devmgr/plugin.h>
#include <devmgr/sig/net.h>

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define TAP	  "tt0"
#define ETHERTYPE 0x88b5

static struct devmgr_ctx *ctx;
static struct devmgr_net *net;
static int peer = -1; /* AF_PACKET socket on the kernel side of TAP */
static unsigned rx_all, rx_ours;
static uint8_t last[2048]; /* the last frame received, of last_len bytes */
static size_t last_len;

static void on_rx(void *arg, struct devmgr_net *n, const void *frame,
		  size_t len)
{
	const uint8_t *f = frame;

	(void)arg, (void)n;
	rx_all++;
	if (len >= 14 && f[12] == ETHERTYPE >> 8 && f[13] == (ETHERTYPE & 255))
		rx_ours++;
	last_len = len < sizeof(last) ? len : sizeof(last);
	memcpy(last, frame, last_len);
}

static void open_peer(void)
{
	struct sockaddr_ll sll = { 0 };

	peer = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETHERTYPE));
	ck_assert_int_ge(peer, 0);
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETHERTYPE);
	sll.sll_ifindex = (int)if_nametoindex(TAP);
	ck_assert_int_gt(sll.sll_ifindex, 0);
	ck_assert_int_eq(bind(peer, (struct sockaddr *)&sll, sizeof(sll)), 0);
}

/* The device: a new tap, up, mtu 1000, at most 16 frames per wake-up;
 * with offload when asked. */
static void setup_with(const char *extra)
{
	struct devmgr_error err;
	char json[512];

	snprintf(json, sizeof(json),
		 "{\"devmgr\": 1, \"devices\": {\"t\": {\"provider\": "
		 "\"net-tap\", \"name\": \"" TAP "\", \"mtu\": 1000, "
		 "\"up\": true, \"batch\": 16, "
		 "\"mac\": \"02:00:00:00:00:07\"%s}}}",
		 extra);
	ctx = devmgr_ctx_new();
	ck_assert_ptr_nonnull(ctx);
	ck_assert_msg(
		devmgr_ctx_load_config_string(ctx, json, "<test>", &err) == 0 &&
			devmgr_ctx_create_devices(ctx, false, &err) == 0,
		"net-tap: %s", err.text);
	net = devmgr_device_handle(devmgr_ctx_find_device(ctx, "t"));
	devmgr_net_set_rx(net, on_rx, NULL);
	rx_all = rx_ours = 0;
	open_peer();
}

static void setup(void)
{
	setup_with("");
}

static void setup_offload(void)
{
	setup_with(", \"offload\": true");
}

static void teardown(void)
{
	close(peer);
	devmgr_ctx_free(ctx);
}

/* The kernel sends a frame out of TAP: it arrives at the device. */
static void peer_send(size_t len)
{
	uint8_t f[2048] = { 0 };

	memcpy(f, "\x02\x00\x00\x00\x00\x07", 6);
	f[12] = ETHERTYPE >> 8;
	f[13] = ETHERTYPE & 255;
	ck_assert_int_eq(send(peer, f, len, 0), (ssize_t)len);
}

static void settle(unsigned want)
{
	for (int i = 0; i < 200 && rx_ours < want; i++)
		devmgr_ctx_dispatch(ctx, 10);
}

START_TEST(test_batch_bound)
{
	struct devmgr_net_stats st;

	for (int i = 0; i < 100; i++)
		peer_send(60);
	/* One wake-up reads 16 frames, not all 100. */
	ck_assert_int_eq(devmgr_ctx_dispatch(ctx, 1000), 1);
	ck_assert_uint_eq(rx_all, 16);
	settle(100);
	ck_assert_uint_eq(rx_ours, 100);
	devmgr_net_stats(net, &st);
	ck_assert_uint_eq(st.rx_frames, rx_all);
	ck_assert_uint_ge(st.rx_bytes, 100 * 60);
}
END_TEST

START_TEST(test_send_to_kernel)
{
	uint8_t f[1015], in[2048];
	struct devmgr_net_stats st;

	memset(f, 0xff, 6); /* broadcast */
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x07", 6);
	f[12] = ETHERTYPE >> 8;
	f[13] = ETHERTYPE & 255;
	for (size_t i = 14; i < sizeof(f); i++)
		f[i] = (uint8_t)i;
	ck_assert_int_eq(devmgr_net_send(net, f, 1015), -EMSGSIZE);
	ck_assert_int_eq(devmgr_net_send(net, f, 13), -EMSGSIZE);
	ck_assert_int_eq(devmgr_net_send(net, f, 1014), 0);
	ck_assert_int_eq(recv(peer, in, sizeof(in), 0), 1014);
	ck_assert_mem_eq(in, f, 1014);
	devmgr_net_stats(net, &st);
	ck_assert_uint_eq(st.tx_frames, 1);
	ck_assert_uint_eq(st.tx_bytes, 1014);
	ck_assert_uint_eq(st.tx_errors, 2);
}
END_TEST

START_TEST(test_info_and_kernel_mtu)
{
	struct devmgr_net_info info;
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	ck_assert_int_eq(devmgr_net_info(net, &info), 0);
	ck_assert_uint_eq(info.mtu, 1000);
	ck_assert(info.link_up);
	ck_assert_mem_eq(info.mac, "\x02\x00\x00\x00\x00\x07", 6);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), TAP);
	ck_assert_int_eq(ioctl(s, SIOCGIFMTU, &ifr), 0);
	ck_assert_int_eq(ifr.ifr_mtu, 1000);
	close(s);
}
END_TEST

START_TEST(test_no_receiver)
{
	struct devmgr_net_stats st;

	devmgr_net_set_rx(net, NULL, NULL);
	for (int i = 0; i < 3; i++)
		peer_send(60);
	for (int i = 0; i < 5; i++)
		devmgr_ctx_dispatch(ctx, 20);
	devmgr_net_stats(net, &st);
	ck_assert_uint_ge(st.rx_drops, 3);
	ck_assert_uint_eq(st.rx_frames, 0);
}
END_TEST

/* The kernel interface's MTU raised behind the device's back: a frame
 * longer than the device's mtu + 14 is counted, not passed on. */
START_TEST(test_oversized_arrival)
{
	struct devmgr_net_stats st;
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), TAP);
	ifr.ifr_mtu = 1500;
	ck_assert_int_eq(ioctl(s, SIOCSIFMTU, &ifr), 0);
	close(s);
	peer_send(1200);
	peer_send(60);
	settle(1);
	devmgr_net_stats(net, &st);
	ck_assert_uint_eq(rx_ours, 1);
	ck_assert_uint_eq(st.rx_errors, 1);
}
END_TEST

/* ---- offload ---------------------------------------------------------- */

START_TEST(test_offload_info)
{
	struct devmgr_net_info info;

	ck_assert_int_eq(devmgr_net_info(net, &info), 0);
	ck_assert_uint_eq(info.mtu, 1000);
	ck_assert_uint_eq(info.offload, DEVMGR_NET_OFF_LRO |
						DEVMGR_NET_OFF_TSO |
						DEVMGR_NET_OFF_CSUM);
	ck_assert_uint_eq(info.max_frame, 14 + 65535);
	ck_assert_int_eq(devmgr_net_set_offload(net, DEVMGR_NET_OFF_TSO),
			 -EINVAL);
	ck_assert_int_eq(devmgr_net_set_offload(net, 0x10), -EINVAL);
	ck_assert_int_eq(devmgr_net_set_offload(net, DEVMGR_NET_OFF_CSUM), 0);
	ck_assert_int_eq(devmgr_net_set_offload(net, 0), 0);
}
END_TEST

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* An IPv4 TCP frame of len bytes, 10.9.0.1 -> 10.9.0.2 (no checksums). */
static void tcp4_frame(uint8_t *f, size_t len)
{
	memset(f, 0, len);
	memcpy(f, "\x02\x00\x00\x00\x00\x09\x02\x00\x00\x00\x00\x07", 12);
	put16(f + 12, 0x0800);
	f[14] = 0x45;
	put16(f + 16, (unsigned)(len - 14));
	f[22] = 64;
	f[23] = 6;
	memcpy(f + 26, "\x0a\x09\x00\x01\x0a\x09\x00\x02", 8);
	put16(f + 34, 40000);
	put16(f + 36, 7);
	f[46] = 5 << 4;
	f[47] = 0x10;
	put16(f + 48, 65535);
}

/* Longer than mtu + 14 is a TCP super-frame or nothing: each of these is
 * refused whole, with nothing sent, and a frame that fits still goes out
 * exactly (the kernel takes the virtio-net header off). */
START_TEST(test_offload_refusals)
{
	static uint8_t f[14 + 65536];
	uint8_t in[2048];
	struct devmgr_net_stats st;
	struct iovec many[20];

	tcp4_frame(f, 3000);
	f[23] = 17; /* UDP */
	ck_assert_int_eq(devmgr_net_send(net, f, 3000), -EMSGSIZE);
	tcp4_frame(f, 3000);
	put16(f + 16, 2000); /* IP length short of the frame */
	ck_assert_int_eq(devmgr_net_send(net, f, 3000), -EMSGSIZE);
	tcp4_frame(f, 3000);
	put16(f + 20, 0x2000); /* more fragments */
	ck_assert_int_eq(devmgr_net_send(net, f, 3000), -EMSGSIZE);
	tcp4_frame(f, 3000);
	f[46] = 4 << 4; /* TCP header of 16 bytes */
	ck_assert_int_eq(devmgr_net_send(net, f, 3000), -EMSGSIZE);
	tcp4_frame(f, 3000);
	put16(f + 12, ETHERTYPE);
	ck_assert_int_eq(devmgr_net_send(net, f, 3000), -EMSGSIZE);
	tcp4_frame(f, sizeof(f));
	ck_assert_int_eq(devmgr_net_send(net, f, sizeof(f)), -EMSGSIZE);
	ck_assert_int_eq(devmgr_net_send(net, f, 13), -EMSGSIZE);

	memset(f, 0xff, 6);
	put16(f + 12, ETHERTYPE);
	for (size_t i = 14; i < 1014; i++)
		f[i] = (uint8_t)i;
	/* a long vector, gathered before it is sent */
	for (int i = 0; i < 20; i++) {
		many[i].iov_base = f + i * 50;
		many[i].iov_len = i < 19 ? 50 : 1014 - 19 * 50;
	}
	ck_assert_int_eq(devmgr_net_sendv(net, many, 20), 0);
	ck_assert_int_eq(recv(peer, in, sizeof(in), 0), 1014);
	ck_assert_mem_eq(in, f, 1014);
	devmgr_net_stats(net, &st);
	ck_assert_uint_eq(st.tx_frames, 1);
	ck_assert_uint_eq(st.tx_bytes, 1014);
	ck_assert_uint_eq(st.tx_errors, 7);
}
END_TEST

/* Without offload, no checksum offload is offered, nor turned on. */
START_TEST(test_no_checksum_offload)
{
	struct devmgr_net_info info;

	ck_assert_int_eq(devmgr_net_info(net, &info), 0);
	ck_assert_uint_eq(info.offload, 0);
	ck_assert_int_eq(devmgr_net_set_offload(net, DEVMGR_NET_OFF_CSUM_TX),
			 -EINVAL);
	ck_assert_int_eq(devmgr_net_set_offload(net, 0), 0);
}
END_TEST

static uint16_t csum16(const uint8_t *p, size_t n, uint32_t sum)
{
	for (; n > 1; p += 2, n -= 2)
		sum += (uint32_t)(p[0] << 8 | p[1]);
	if (n)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* A packet socket with PACKET_VNET_HDR on the kernel side of the tap. */
static int vnet_raw(void)
{
	int one = 1, raw = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	struct sockaddr_ll sll = { 0 };

	ck_assert_int_ge(raw, 0);
	ck_assert_int_eq(
		setsockopt(raw, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)),
		0);
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)if_nametoindex(TAP);
	ck_assert_int_eq(bind(raw, (struct sockaddr *)&sll, sizeof(sll)), 0);
	return raw;
}

/* A TCP frame with its IPv4 header checksum right and the pseudo-header
 * sum in its TCP checksum field, as CHECKSUM_PARTIAL has it. */
static void partial_frame(uint8_t *f, size_t len)
{
	tcp4_frame(f, len);
	memcpy(f, "\x02\x00\x00\x00\x00\x07\x02\x00\x00\x00\x00\x09", 12);
	f[24] = 0;
	put16(f + 24, (unsigned)~csum16(f + 14, 20, 0) & 0xffff);
	for (size_t i = 54; i < len; i++)
		f[i] = (uint8_t)(i * 7);
	put16(f + 50, csum16(f + 26, 8, 6 + (uint32_t)(len - 34)));
}

/* The TCP checksum the frame should have. */
static uint16_t tcp_csum(const uint8_t *f, size_t len)
{
	uint8_t g[2048];

	memcpy(g, f, len);
	put16(g + 50, 0);
	return (uint16_t)~csum16(g + 34, len - 34,
				 csum16(g + 26, 8, 6 + (uint32_t)(len - 34)));
}

/* The kernel side leaves a checksum to finish (a packet socket with
 * PACKET_VNET_HDR sends it as CHECKSUM_PARTIAL, as the kernel's own TCP
 * does): the device's receiver gets the frame with the checksum done,
 * or as it came once it turned DEVMGR_NET_OFF_CSUM_RX on. */
START_TEST(test_offload_checksum_finished)
{
	int raw = vnet_raw();
	uint8_t f[14 + 20 + 20 + 333];
	struct {
		struct virtio_net_hdr h;
		uint8_t f[sizeof(f)];
	} out;

	partial_frame(f, sizeof(f));
	memset(&out.h, 0, sizeof(out.h));
	out.h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	out.h.csum_start = 34;
	out.h.csum_offset = 16;
	memcpy(out.f, f, sizeof(f));
	for (int k = 0; k < 2; k++) {
		if (k == 1)
			ck_assert_int_eq(devmgr_net_set_offload(
						 net, DEVMGR_NET_OFF_CSUM_RX),
					 0);
		last_len = 0;
		ck_assert_int_eq(send(raw, &out, sizeof(out.h) + sizeof(f), 0),
				 (ssize_t)(sizeof(out.h) + sizeof(f)));
		for (int i = 0; i < 100 && last_len != sizeof(f); i++)
			devmgr_ctx_dispatch(ctx, 10);
		ck_assert_uint_eq(last_len, sizeof(f));
		ck_assert_uint_eq((unsigned)(last[50] << 8 | last[51]),
				  k == 0 ? tcp_csum(f, sizeof(f))
					 : (unsigned)(f[50] << 8 | f[51]));
		ck_assert_mem_eq(last + 52, f + 52, sizeof(f) - 52);
		ck_assert_mem_eq(last, f, 50);
	}
	close(raw);
}
END_TEST

/* With DEVMGR_NET_OFF_CSUM_RX on, a frame whose checksum the kernel
 * neither verified nor left partial is checked by the device: wrong, it
 * is an rx_errors and not delivered. */
START_TEST(test_offload_checksum_checked)
{
	int raw = vnet_raw();
	uint8_t f[14 + 20 + 20 + 100];
	struct {
		struct virtio_net_hdr h;
		uint8_t f[sizeof(f)];
	} out;
	struct devmgr_net_stats st;

	partial_frame(f, sizeof(f));
	put16(f + 50, tcp_csum(f, sizeof(f)));
	memset(&out, 0, sizeof(out));
	memcpy(out.f, f, sizeof(f));
	out.f[sizeof(f) - 1] ^= 1;
	ck_assert_int_eq(devmgr_net_set_offload(net, DEVMGR_NET_OFF_CSUM_RX),
			 0);
	ck_assert_int_eq(send(raw, &out, sizeof(out), 0), (ssize_t)sizeof(out));
	memcpy(out.f, f, sizeof(f));
	ck_assert_int_eq(send(raw, &out, sizeof(out), 0), (ssize_t)sizeof(out));
	for (int i = 0; i < 100 && last_len != sizeof(f); i++)
		devmgr_ctx_dispatch(ctx, 10);
	close(raw);
	ck_assert_uint_eq(last_len, sizeof(f));
	ck_assert_mem_eq(last, f, sizeof(f));
	devmgr_net_stats(net, &st);
	ck_assert_uint_eq(st.rx_frames, 1);
	ck_assert_uint_eq(st.rx_errors, 1);
}
END_TEST

/* With DEVMGR_NET_OFF_CSUM_TX on, a TCP frame carrying the pseudo-header
 * sum leaves with the kernel told where to finish it; with it off, it
 * leaves behind a zero header. */
START_TEST(test_offload_checksum_sent)
{
	int raw = vnet_raw();
	uint8_t f[14 + 20 + 20 + 200];
	struct {
		struct virtio_net_hdr h;
		uint8_t f[2048];
	} in;

	partial_frame(f, sizeof(f));
	memcpy(f, "\x02\x00\x00\x00\x00\x09\x02\x00\x00\x00\x00\x07", 12);
	for (int k = 0; k < 2; k++) {
		ck_assert_int_eq(devmgr_net_set_offload(
					 net, k ? 0 : DEVMGR_NET_OFF_CSUM_TX),
				 0);
		ck_assert_int_eq(devmgr_net_send(net, f, sizeof(f)), 0);
		ck_assert_int_eq(recv(raw, &in, sizeof(in), 0),
				 (ssize_t)(sizeof(in.h) + sizeof(f)));
		ck_assert_mem_eq(in.f, f, sizeof(f));
		if (k == 0) {
			ck_assert_uint_eq(in.h.flags,
					  VIRTIO_NET_HDR_F_NEEDS_CSUM);
			ck_assert_uint_eq(in.h.csum_start, 34);
			ck_assert_uint_eq(in.h.csum_offset, 16);
		} else {
			ck_assert_uint_eq(
				in.h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM, 0);
		}
	}
	close(raw);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("net-tap");
	TCase *tc = tcase_create("tap"), *off = tcase_create("offload");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_batch_bound);
	tcase_add_test(tc, test_send_to_kernel);
	tcase_add_test(tc, test_info_and_kernel_mtu);
	tcase_add_test(tc, test_no_receiver);
	tcase_add_test(tc, test_oversized_arrival);
	tcase_add_test(tc, test_no_checksum_offload);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(off, setup_offload, teardown);
	tcase_set_timeout(off, 30);
	tcase_add_test(off, test_offload_info);
	tcase_add_test(off, test_offload_refusals);
	tcase_add_test(off, test_offload_checksum_finished);
	tcase_add_test(off, test_offload_checksum_checked);
	tcase_add_test(off, test_offload_checksum_sent);
	suite_add_tcase(s, off);
	return s;
}

/* A fresh namespace has only lo; IPv6 is turned off in it so that the
 * kernel sends no solicitations of its own on the tap. */
static int private_netns(void)
{
	int fd;

	if (unshare(CLONE_NEWNET) < 0)
		return -errno;
	fd = open("/proc/sys/net/ipv6/conf/default/disable_ipv6", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "1", 1) != 1)
			perror("disable_ipv6");
		close(fd);
	}
	return 0;
}

int main(void)
{
	SRunner *sr;
	int failed, r;

	unsetenv("DEVMGR_PLUGIN_PATH"); /* the linked-in provider only */
	if (access("/dev/net/tun", R_OK | W_OK) < 0) {
		printf("SKIP: /dev/net/tun is missing\n");
		return 77;
	}
	r = private_netns();
	if (r < 0) {
		printf("SKIP: no network namespace of its own: %s (needs "
		       "root)\n",
		       strerror(-r));
		return 77;
	}
	sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
