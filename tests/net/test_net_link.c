/* Unit tests of plugins/net-link (and of the fault queue it shares with
 * net-debug), linked into this program: ports on in-memory hubs, delivery
 * through the loop, seeded faults, bounded queues, refusals. */
#include <devmgr/plugin.h>
#include <devmgr/sig/net.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAXPORTS 8
#define MAXSEQ	 4096

static struct devmgr_ctx *ctx;

/* What one port received: the sender's port number and sequence number
 * carried in each frame, in arrival order. */
struct rxlog {
	unsigned count;
	double first_at; /* when the first frame arrived */
	uint8_t from[MAXSEQ];
	uint16_t seq[MAXSEQ];
};
static struct rxlog logs[MAXPORTS];
static struct devmgr_net *ports[MAXPORTS];

static void setup(void)
{
	ctx = devmgr_ctx_new();
	ck_assert_ptr_nonnull(ctx);
	memset(logs, 0, sizeof(logs));
	memset(ports, 0, sizeof(ports));
}

static void teardown(void)
{
	devmgr_ctx_free(ctx);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void on_rx(void *arg, struct devmgr_net *n, const void *frame,
		  size_t len)
{
	struct rxlog *l = arg;
	const uint8_t *f = frame;

	(void)n;
	ck_assert_uint_ge(len, 17);
	if (l->count == 0)
		l->first_at = now();
	if (l->count < MAXSEQ) {
		l->from[l->count] = f[14];
		l->seq[l->count] = (uint16_t)(f[15] << 8 | f[16]);
	}
	l->count++;
}

/* Create ports p0..p(n-1) with the given extra members; 0 or the error. */
static int try_ports(unsigned n, const char *const extra[],
		     struct devmgr_error *err)
{
	char json[8192];
	size_t off;
	int rc;

	off = (size_t)snprintf(json, sizeof(json),
			       "{\"devmgr\": 1, \"devices\": {");
	for (unsigned i = 0; i < n; i++)
		off += (size_t)snprintf(json + off, sizeof(json) - off,
					"%s\"p%u\": {\"provider\": "
					"\"net-link\"%s%s}",
					i ? ", " : "", i,
					extra[i] && *extra[i] ? ", " : "",
					extra[i] ? extra[i] : "");
	snprintf(json + off, sizeof(json) - off, "}}");
	rc = devmgr_ctx_load_config_string(ctx, json, "<test>", err);
	if (rc == 0)
		rc = devmgr_ctx_create_devices(ctx, false, err);
	return rc;
}

static void make_ports(unsigned n, const char *const extra[])
{
	struct devmgr_error err;
	char id[8];

	ck_assert_msg(try_ports(n, extra, &err) == 0, "ports: %s", err.text);
	for (unsigned i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "p%u", i);
		ports[i] =
			devmgr_device_handle(devmgr_ctx_find_device(ctx, id));
		ck_assert_ptr_nonnull(ports[i]);
		ck_assert_int_eq(devmgr_net_set_rx(ports[i], on_rx, &logs[i]),
				 0);
	}
}

static void refused(unsigned n, const char *const extra[], const char *expect)
{
	struct devmgr_error err;

	ck_assert_msg(try_ports(n, extra, &err) < 0, "accepted");
	ck_assert_msg(strstr(err.text, expect) != NULL,
		      "error \"%s\" does not say \"%s\"", err.text, expect);
}

static int send_seq(unsigned port, unsigned seq, size_t len)
{
	uint8_t f[1514];

	memset(f, 0, sizeof(f));
	memset(f, 0xff, 6);
	f[12] = 0x88;
	f[13] = 0xb5; /* local experimental ethertype */
	f[14] = (uint8_t)port;
	f[15] = (uint8_t)(seq >> 8);
	f[16] = (uint8_t)seq;
	return devmgr_net_send(ports[port], f, len);
}

/* Run the loop until it has been idle for 50 ms (or 5 s in all). */
static void settle(void)
{
	double end = now() + 5, idle_since = now();

	while (now() < end && now() - idle_since < 0.05) {
		if (devmgr_ctx_dispatch(ctx, 10) > 0)
			idle_since = now();
	}
}

static const char *const none[MAXPORTS];

START_TEST(test_delivery_to_all_others)
{
	struct devmgr_net_stats st;

	make_ports(4, none);
	for (unsigned p = 0; p < 4; p++)
		ck_assert_int_eq(send_seq(p, p, 60), 0);
	/* Nothing is delivered inside send. */
	for (unsigned p = 0; p < 4; p++)
		ck_assert_uint_eq(logs[p].count, 0);
	settle();
	for (unsigned p = 0; p < 4; p++) {
		ck_assert_uint_eq(logs[p].count, 3);
		for (unsigned i = 0; i < 3; i++)
			ck_assert_uint_ne(logs[p].from[i], p);
		ck_assert_int_eq(devmgr_net_stats(ports[p], &st), 0);
		ck_assert_uint_eq(st.tx_frames, 1);
		ck_assert_uint_eq(st.tx_bytes, 60);
		ck_assert_uint_eq(st.rx_frames, 3);
		ck_assert_uint_eq(st.rx_bytes, 180);
		ck_assert_uint_eq(st.rx_drops, 0);
	}
}
END_TEST

START_TEST(test_hubs_are_separate)
{
	const char *const extra[MAXPORTS] = { "\"hub\": \"a\"",
					      "\"hub\": \"a\"",
					      "\"hub\": \"b\"",
					      "\"hub\": \"b\"" };

	make_ports(4, extra);
	ck_assert_int_eq(send_seq(0, 1, 60), 0);
	ck_assert_int_eq(send_seq(2, 1, 60), 0);
	settle();
	ck_assert_uint_eq(logs[0].count, 0);
	ck_assert_uint_eq(logs[1].count, 1);
	ck_assert_uint_eq(logs[1].from[0], 0);
	ck_assert_uint_eq(logs[3].count, 1);
	ck_assert_uint_eq(logs[3].from[0], 2);
}
END_TEST

START_TEST(test_lengths)
{
	const char *const extra[MAXPORTS] = { "\"mtu\": 1000",
					      "\"mtu\": 1000" };
	struct devmgr_net_info info;
	struct devmgr_net_stats st;

	make_ports(2, extra);
	ck_assert_int_eq(devmgr_net_info(ports[0], &info), 0);
	ck_assert_uint_eq(info.mtu, 1000);
	ck_assert(info.link_up);
	ck_assert_int_eq(send_seq(0, 1, 1015), -EMSGSIZE);
	ck_assert_int_eq(send_seq(0, 1, 13), -EMSGSIZE);
	ck_assert_int_eq(send_seq(0, 1, 1014), 0);
	ck_assert_int_eq(send_seq(0, 2, 14 + 3), 0);
	settle();
	ck_assert_uint_eq(logs[1].count, 2);
	devmgr_net_stats(ports[0], &st);
	ck_assert_uint_eq(st.tx_errors, 2);
	ck_assert_uint_eq(st.tx_frames, 2);
}
END_TEST

/* A frame of len bytes with the tag types in tags after the addresses
 * (then 0x88b5), sent gathered from pieces of cut bytes, so that a tag
 * may straddle two of them. */
static int send_tagged(const uint16_t *tags, unsigned ntags, size_t len,
		       size_t cut)
{
	static uint8_t f[1100];
	struct iovec iov[3];
	size_t at = 12;

	memset(f, 0, sizeof(f));
	memset(f, 0xff, 6);
	for (unsigned i = 0; i < ntags; i++, at += 4) {
		f[at] = (uint8_t)(tags[i] >> 8);
		f[at + 1] = (uint8_t)tags[i];
		f[at + 3] = 7; /* VID */
	}
	f[at] = 0x88;
	f[at + 1] = 0xb5;
	iov[0] = (struct iovec){ f, cut };
	iov[1] = (struct iovec){ f + cut, cut };
	iov[2] = (struct iovec){ f + 2 * cut, len - 2 * cut };
	return devmgr_net_sendv(ports[0], iov, 3);
}

/* mtu + 14 bytes, 4 more for each of up to two 802.1Q / 802.1ad tags
 * at the head of the frame: no more, however the frame is gathered. */
START_TEST(test_tagged_lengths)
{
	const char *const extra[MAXPORTS] = { "\"mtu\": 1000",
					      "\"mtu\": 1000" };
	static const uint16_t q[] = { 0x8100 }, ad[] = { 0x88a8 },
			      qinq[] = { 0x88a8, 0x8100 },
			      qq[] = { 0x8100, 0x8100 },
			      three[] = { 0x88a8, 0x8100, 0x8100 },
			      other[] = { 0x0800, 0x8100 };
	struct devmgr_net_stats st;

	make_ports(2, extra);
	for (size_t cut = 1; cut <= 20; cut += 19) {
		ck_assert_int_eq(send_tagged(q, 1, 1018, cut), 0);
		ck_assert_int_eq(send_tagged(q, 1, 1019, cut), -EMSGSIZE);
		ck_assert_int_eq(send_tagged(ad, 1, 1018, cut), 0);
		ck_assert_int_eq(send_tagged(qinq, 2, 1022, cut), 0);
		ck_assert_int_eq(send_tagged(qinq, 2, 1023, cut), -EMSGSIZE);
		ck_assert_int_eq(send_tagged(qq, 2, 1022, cut), 0);
		/* A third tag makes no more room. */
		ck_assert_int_eq(send_tagged(three, 3, 1022, cut), 0);
		ck_assert_int_eq(send_tagged(three, 3, 1023, cut), -EMSGSIZE);
		/* A tag type after a non-tag one is payload. */
		ck_assert_int_eq(send_tagged(other, 2, 1014, cut), 0);
		ck_assert_int_eq(send_tagged(other, 2, 1015, cut), -EMSGSIZE);
		ck_assert_int_eq(send_tagged(NULL, 0, 1015, cut), -EMSGSIZE);
	}
	settle();
	ck_assert_uint_eq(logs[1].count, 12);
	devmgr_net_stats(ports[0], &st);
	ck_assert_uint_eq(st.tx_frames, 12);
	ck_assert_uint_eq(st.tx_errors, 10);
}
END_TEST

START_TEST(test_gathered_frame)
{
	uint8_t hdr[14], body[3] = { 5, 0, 9 };
	struct iovec iov[3] = { { hdr, 14 }, { NULL, 0 }, { body, 3 } };

	make_ports(2, none);
	memset(hdr, 0xff, sizeof(hdr));
	ck_assert_int_eq(devmgr_net_sendv(ports[0], iov, 3), 0);
	settle();
	ck_assert_uint_eq(logs[1].count, 1);
	ck_assert_uint_eq(logs[1].from[0], 5);
	ck_assert_uint_eq(logs[1].seq[0], 9);
}
END_TEST

START_TEST(test_queue_bound)
{
	const char *const extra[MAXPORTS] = { NULL, "\"queue\": 8" };
	struct devmgr_net_stats st;

	make_ports(2, extra);
	for (unsigned i = 0; i < 20; i++)
		ck_assert_int_eq(send_seq(0, i, 60), 0);
	settle();
	ck_assert_uint_eq(logs[1].count, 8);
	for (unsigned i = 0; i < 8; i++)
		ck_assert_uint_eq(logs[1].seq[i],
				  i); /* the first ones, in order */
	devmgr_net_stats(ports[1], &st);
	ck_assert_uint_eq(st.rx_drops, 12);
	ck_assert_uint_eq(st.rx_frames, 8);
}
END_TEST

START_TEST(test_batch_per_wakeup)
{
	const char *const extra[MAXPORTS] = { NULL, "\"batch\": 4" };

	make_ports(2, extra);
	for (unsigned i = 0; i < 10; i++)
		ck_assert_int_eq(send_seq(0, i, 60), 0);
	ck_assert_int_eq(devmgr_ctx_dispatch(ctx, 100), 1);
	ck_assert_uint_eq(logs[1].count, 4);
	settle();
	ck_assert_uint_eq(logs[1].count, 10);
}
END_TEST

START_TEST(test_no_receiver_drops)
{
	struct devmgr_net_stats st;

	make_ports(2, none);
	devmgr_net_set_rx(ports[1], NULL, NULL);
	ck_assert_int_eq(send_seq(0, 1, 60), 0);
	settle();
	devmgr_net_stats(ports[1], &st);
	ck_assert_uint_eq(st.rx_drops, 1);
	ck_assert_uint_eq(logs[1].count, 0);
}
END_TEST

#define NFRAMES 2000

/* Send NFRAMES from p0 to p1 with p1's faults; returns a hash of what
 * arrived, in order. */
static uint64_t faulty_run(const char *faults)
{
	const char *const extra[MAXPORTS] = { NULL, faults };
	uint64_t h = 1469598103934665603ull;

	make_ports(2, extra);
	/* All sent before the loop runs: a held (reordered) frame is then
	 * released by the next frame only, never by its 5 ms timer, however
	 * loaded the machine is, so the outcome depends on the seed only. */
	for (unsigned i = 0; i < NFRAMES; i++)
		ck_assert_int_eq(send_seq(0, i, 60), 0);
	settle();
	for (unsigned i = 0; i < logs[1].count && i < MAXSEQ; i++)
		h = (h ^ logs[1].seq[i]) * 1099511628211ull;
	return h;
}

static void fresh(void)
{
	devmgr_ctx_free(ctx);
	setup();
}

START_TEST(test_loss_seeded)
{
	uint64_t a, b, c;
	struct devmgr_net_stats st;
	unsigned got;

	a = faulty_run("\"loss\": \"20%\", \"seed\": 7, \"queue\": 4096");
	got = logs[1].count;
	devmgr_net_stats(ports[1], &st);
	ck_assert_uint_eq(st.rx_drops, NFRAMES - got);
	ck_assert_msg(got > 1500 && got < 1700, "20%% loss kept %u of %u", got,
		      NFRAMES);
	for (unsigned i = 1; i < got; i++)
		ck_assert_uint_gt(logs[1].seq[i], logs[1].seq[i - 1]);
	fresh();
	b = faulty_run("\"loss\": \"0.2\", \"seed\": 7, \"queue\": 4096");
	ck_assert_uint_eq(logs[1].count, got);
	ck_assert_msg(a == b, "the same seed gave other losses");
	fresh();
	c = faulty_run("\"loss\": \"0.2\", \"seed\": 8, \"queue\": 4096");
	ck_assert_msg(a != c, "another seed gave the same losses");
}
END_TEST

START_TEST(test_duplicate_seeded)
{
	unsigned dups = 0, got;
	uint64_t a, b;

	a = faulty_run("\"duplicate\": \"10%\", \"seed\": 3, \"queue\": 4096");
	got = logs[1].count;
	for (unsigned i = 1; i < got; i++)
		dups += logs[1].seq[i] == logs[1].seq[i - 1];
	ck_assert_uint_eq(got, NFRAMES + dups);
	ck_assert_msg(dups > 140 && dups < 260, "10%% duplication gave %u",
		      dups);
	fresh();
	b = faulty_run("\"duplicate\": \"10%\", \"seed\": 3, \"queue\": 4096");
	ck_assert_msg(a == b, "the same seed gave other duplicates");
}
END_TEST

START_TEST(test_reorder_seeded)
{
	unsigned late = 0, max = 0, got;
	uint64_t a, b;

	a = faulty_run("\"reorder\": \"10%\", \"seed\": 5, \"queue\": 4096");
	got = logs[1].count;
	ck_assert_uint_eq(got, NFRAMES);
	for (unsigned i = 0; i < got; i++) {
		if (i && logs[1].seq[i] < max)
			late++;
		if (logs[1].seq[i] > max)
			max = logs[1].seq[i];
	}
	ck_assert_msg(late > 140 && late < 260, "10%% reordering gave %u late",
		      late);
	fresh();
	b = faulty_run("\"reorder\": \"10%\", \"seed\": 5, \"queue\": 4096");
	ck_assert_msg(a == b, "the same seed gave another order");
}
END_TEST

START_TEST(test_delay)
{
	const char *const extra[MAXPORTS] = { NULL, "\"delay_ms\": 80" };
	double t0, end;

	make_ports(2, extra);
	t0 = now();
	ck_assert_int_eq(send_seq(0, 1, 60), 0);
	end = t0 + 2;
	while (logs[1].count == 0 && now() < end)
		devmgr_ctx_dispatch(ctx, 100);
	ck_assert_uint_eq(logs[1].count, 1);
	/* The arrival time is taken in the receiver, so a loaded machine
	 * can make it late but never early. */
	ck_assert_msg(logs[1].first_at - t0 >= 0.079,
		      "delivered after %.3f s, before the 80 ms delay",
		      logs[1].first_at - t0);
}
END_TEST

START_TEST(test_refusals)
{
	const char *const mac[MAXPORTS] = { "\"mac\": \"02:00:00:00:00:01\"",
					    "\"mac\": \"02:00:00:00:00:01\"" };
	const char *const mtu[MAXPORTS] = { NULL, "\"mtu\": 9000" };
	const char *const bad[] = {
		"\"mac\": \"02:00:00:00:00:0g\"",
		"is not a MAC address",
		"\"mac\": \"02:00:00:00:00\"",
		"is not a MAC address",
		"\"mac\": \"02:00:00-00:00:01\"",
		"is not a MAC address",
		"\"mac\": \"03:00:00:00:00:01\"",
		"is a multicast address",
		"\"mac\": \"00:00:00:00:00:00\"",
		"is all zeros",
		"\"loss\": \"abc\"",
		"loss \"abc\" is not a probability",
		"\"loss\": \"150%\"",
		"loss \"150%\" is not a probability",
		"\"duplicate\": \"-0.1\"",
		"duplicate \"-0.1\" is not a prob",
		"\"reorder\": \"nan\"",
		"reorder \"nan\" is not a probability",
		"\"hub\": \"\"",
		"hub name must be 1 to 63 bytes",
	};

	refused(2, mac, "MAC in use: 02:00:00:00:00:01 is already port");
	fresh();
	refused(2, mtu, "mtu 9000 differs from mtu 1500");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i += 2) {
		const char *const one[MAXPORTS] = { bad[i] };

		fresh();
		refused(1, one, bad[i + 1]);
	}
}
END_TEST

START_TEST(test_generated_macs)
{
	struct devmgr_net_info a, b, a2;

	make_ports(2, none);
	devmgr_net_info(ports[0], &a);
	devmgr_net_info(ports[1], &b);
	ck_assert_mem_ne(a.mac, b.mac, 6);
	ck_assert_uint_eq(a.mac[0] & 3, 2); /* local, unicast */
	fresh();
	make_ports(1, none);
	devmgr_net_info(ports[0], &a2);
	ck_assert_mem_eq(a.mac, a2.mac, 6); /* stable */
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("net-link");
	TCase *tc = tcase_create("hub");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_delivery_to_all_others);
	tcase_add_test(tc, test_hubs_are_separate);
	tcase_add_test(tc, test_lengths);
	tcase_add_test(tc, test_tagged_lengths);
	tcase_add_test(tc, test_gathered_frame);
	tcase_add_test(tc, test_queue_bound);
	tcase_add_test(tc, test_batch_per_wakeup);
	tcase_add_test(tc, test_no_receiver_drops);
	tcase_add_test(tc, test_loss_seeded);
	tcase_add_test(tc, test_duplicate_seeded);
	tcase_add_test(tc, test_reorder_seeded);
	tcase_add_test(tc, test_delay);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_generated_macs);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	/* Only the linked-in provider is under test: the build tree's
	 * module would just be refused as a duplicate. */
	unsetenv("DEVMGR_PLUGIN_PATH");
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
