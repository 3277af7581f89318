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
	rx_ours = rx_tagged = 0;
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
