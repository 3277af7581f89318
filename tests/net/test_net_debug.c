/* Unit tests of plugins/net-debug stacked on a net-link port (both linked
 * into this program): the pcap file (header, records in both directions,
 * written while running), faults per direction, refusals. */
#include <devmgr/plugin.h>
#include <devmgr/sig/net.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static struct devmgr_ctx *ctx;
static char dir[64], pcap[128];
static struct devmgr_net *dbg, *peer;
static unsigned dbg_rx, peer_rx;

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_net_debug.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(pcap, sizeof(pcap), "%s/t.pcap", dir);
}

static void remove_dir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

static void setup(void)
{
	ctx = devmgr_ctx_new();
	ck_assert_ptr_nonnull(ctx);
	dbg_rx = peer_rx = 0;
}

static void teardown(void)
{
	devmgr_ctx_free(ctx);
}

static void count_rx(void *arg, struct devmgr_net *n, const void *frame,
		     size_t len)
{
	(void)n;
	(void)frame;
	(void)len;
	(*(unsigned *)arg)++;
}

/* "lower" (net-link), "dbg" (net-debug on lower, with params) and
 * "peer" (net-link) on the same hub. */
static int try_stack(const char *params, struct devmgr_error *err)
{
	char json[2048];
	int rc;

	snprintf(json, sizeof(json),
		 "{\"devmgr\": 1, \"devices\": {"
		 "\"lower\": {\"provider\": \"net-link\", \"hub\": \"d\"},"
		 "\"peer\": {\"provider\": \"net-link\", \"hub\": \"d\"},"
		 "\"dbg\": {\"provider\": \"net-debug\", \"on\": \"lower\"%s%s}"
		 "}}",
		 *params ? ", " : "", params);
	rc = devmgr_ctx_load_config_string(ctx, json, "<test>", err);
	if (rc == 0)
		rc = devmgr_ctx_create_devices(ctx, false, err);
	return rc;
}

static void stack(const char *params)
{
	struct devmgr_error err;

	ck_assert_msg(try_stack(params, &err) == 0, "%s", err.text);
	dbg = devmgr_device_handle(devmgr_ctx_find_device(ctx, "dbg"));
	peer = devmgr_device_handle(devmgr_ctx_find_device(ctx, "peer"));
	devmgr_net_set_rx(dbg, count_rx, &dbg_rx);
	devmgr_net_set_rx(peer, count_rx, &peer_rx);
}

static void refused(const char *params, const char *expect)
{
	struct devmgr_error err;

	ck_assert_msg(try_stack(params, &err) < 0, "accepted");
	ck_assert_msg(strstr(err.text, expect) != NULL,
		      "error \"%s\" does not say \"%s\"", err.text, expect);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void settle(void)
{
	double end = now() + 5, idle_since = now();

	while (now() < end && now() - idle_since < 0.05) {
		if (devmgr_ctx_dispatch(ctx, 10) > 0)
			idle_since = now();
	}
}

static void frame(uint8_t *f, size_t len, uint8_t tag)
{
	memset(f, 0, len);
	memset(f, 0xff, 6);
	f[12] = 0x88;
	f[13] = 0xb5;
	f[14] = tag;
}

static long file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

START_TEST(test_pcap_both_directions)
{
	uint8_t f[1514], buf[4096];
	char p[256];
	const size_t lens[5] = { 60, 1514, 14 + 1, 100, 61 };
	const uint8_t tags[5] = { 1, 2, 0, 3, 4 };
	uint32_t hdr[6];
	FILE *in;
	char cmd[256];
	struct devmgr_net_stats st;

	make_dir();
	snprintf(p, sizeof(p), "\"pcap\": \"%s\"", pcap);
	stack(p);
	/* down from the top, up from the peer */
	for (int i = 0; i < 3; i++) {
		frame(f, lens[i], tags[i]);
		ck_assert_int_eq(devmgr_net_send(dbg, f, lens[i]), 0);
	}
	settle();
	for (int i = 3; i < 5; i++) {
		frame(f, lens[i], tags[i]);
		ck_assert_int_eq(devmgr_net_send(peer, f, lens[i]), 0);
	}
	settle();
	ck_assert_uint_eq(peer_rx, 3);
	ck_assert_uint_eq(dbg_rx, 2);
	devmgr_net_stats(dbg, &st);
	ck_assert_uint_eq(st.tx_frames, 3);
	ck_assert_uint_eq(st.rx_frames, 2);
	devmgr_ctx_destroy_devices(ctx); /* flushes */

	in = fopen(pcap, "rb");
	ck_assert_ptr_nonnull(in);
	ck_assert_uint_eq(fread(hdr, 4, 6, in), 6);
	ck_assert_uint_eq(hdr[0], 0xa1b2c3d4);
	ck_assert_uint_eq(hdr[1], 2 | 4 << 16); /* version 2.4 */
	ck_assert_uint_eq(hdr[5], 1);		/* LINKTYPE_ETHERNET */
	for (int i = 0; i < 5; i++) {
		uint32_t rec[4];

		ck_assert_uint_eq(fread(rec, 4, 4, in), 4);
		ck_assert_uint_eq(rec[2], lens[i]);
		ck_assert_uint_eq(rec[3], lens[i]);
		ck_assert_uint_eq(fread(buf, 1, rec[2], in), rec[2]);
		ck_assert_uint_eq(buf[13], 0xb5);
		if (lens[i] > 14)
			ck_assert_uint_eq(buf[14], tags[i]);
	}
	ck_assert_int_eq(fgetc(in), EOF);
	fclose(in);
	if (system("command -v tshark >/dev/null 2>&1") == 0) {
		snprintf(cmd, sizeof(cmd),
			 "test \"$(tshark -r '%s' 2>/dev/null | wc -l)\" = 5",
			 pcap);
		ck_assert_msg(system(cmd) == 0,
			      "tshark does not read 5 frames");
	}
	remove_dir();
}
END_TEST

START_TEST(test_pcap_flushed_while_running)
{
	uint8_t f[60];
	char p[256];
	double end;

	make_dir();
	snprintf(p, sizeof(p), "\"pcap\": \"%s\", \"flush_ms\": 20", pcap);
	stack(p);
	ck_assert_int_eq(file_size(pcap), 24);
	frame(f, sizeof(f), 1);
	ck_assert_int_eq(devmgr_net_send(dbg, f, sizeof(f)), 0);
	end = now() + 2;
	while (file_size(pcap) == 24 && now() < end)
		devmgr_ctx_dispatch(ctx, 10);
	ck_assert_int_eq(file_size(pcap), 24 + 16 + 60);
	remove_dir();
}
END_TEST

START_TEST(test_passthrough)
{
	struct devmgr_net_info a, b;
	uint8_t f[1515];

	stack("");
	devmgr_net_info(dbg, &a);
	devmgr_net_info(
		devmgr_device_handle(devmgr_ctx_find_device(ctx, "lower")), &b);
	ck_assert_mem_eq(a.mac, b.mac, 6);
	ck_assert_uint_eq(a.mtu, 1500);
	frame(f, sizeof(f), 0);
	ck_assert_int_eq(devmgr_net_send(dbg, f, 1515), -EMSGSIZE);
	ck_assert_int_eq(devmgr_net_send(dbg, f, 13), -EMSGSIZE);
	ck_assert_int_eq(devmgr_net_send(dbg, f, 1514), 0);
	settle();
	ck_assert_uint_eq(peer_rx, 1);
}
END_TEST

START_TEST(test_tx_loss_only)
{
	uint8_t f[60];
	struct devmgr_net_stats st;

	stack("\"loss\": \"100%\", \"faults\": \"tx\"");
	frame(f, sizeof(f), 0);
	for (int i = 0; i < 10; i++) {
		ck_assert_int_eq(devmgr_net_send(dbg, f, sizeof(f)), 0);
		ck_assert_int_eq(devmgr_net_send(peer, f, sizeof(f)), 0);
	}
	settle();
	ck_assert_uint_eq(peer_rx, 0);
	ck_assert_uint_eq(dbg_rx, 10); /* the other direction is untouched */
	devmgr_net_stats(dbg, &st);
	ck_assert_uint_eq(st.tx_drops, 10);
	ck_assert_uint_eq(st.tx_frames, 0);
}
END_TEST

static unsigned dup_run(const char *params)
{
	uint8_t f[60];

	stack(params);
	frame(f, sizeof(f), 0);
	for (int i = 0; i < 500; i++)
		ck_assert_int_eq(devmgr_net_send(peer, f, sizeof(f)), 0);
	settle();
	return dbg_rx;
}

START_TEST(test_rx_duplicates_seeded)
{
	unsigned a, b, c;
	const char *p = "\"duplicate\": \"0.2\", \"faults\": \"rx\", "
			"\"seed\": 11";

	a = dup_run(p);
	ck_assert_msg(a > 560 && a < 640, "20%% duplication gave %u of 500", a);
	devmgr_ctx_free(ctx);
	setup();
	b = dup_run(p);
	ck_assert_uint_eq(a, b);
	devmgr_ctx_free(ctx);
	setup();
	c = dup_run("\"duplicate\": \"0.2\", \"faults\": \"none\"");
	ck_assert_uint_eq(c, 500);
}
END_TEST

START_TEST(test_refusals)
{
	refused("\"faults\": \"sideways\"",
		"faults \"sideways\" is not one of both, tx, rx, none");
	devmgr_ctx_free(ctx);
	setup();
	refused("\"pcap\": \"/nonexistent/dir/x.pcap\"",
		"pcap /nonexistent/dir/x.pcap: No such file or directory");
	devmgr_ctx_free(ctx);
	setup();
	refused("\"loss\": \"2\"", "loss \"2\" is not a probability");
	devmgr_ctx_free(ctx);
	setup();
	refused("\"pcap\": \"/dev/full\"",
		"pcap /dev/full: No space left on device");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("net-debug");
	TCase *tc = tcase_create("interposer");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_pcap_both_directions);
	tcase_add_test(tc, test_pcap_flushed_while_running);
	tcase_add_test(tc, test_passthrough);
	tcase_add_test(tc, test_tx_loss_only);
	tcase_add_test(tc, test_rx_duplicates_seeded);
	tcase_add_test(tc, test_refusals);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	unsetenv("DEVMGR_PLUGIN_PATH"); /* the linked-in providers only */
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
