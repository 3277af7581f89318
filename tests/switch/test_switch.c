/* Tests of the switch app running in this process on net-link ports.
 * Each switch port pN sits on its own net-link hub with a peer gN that
 * the test drives: what gN sends enters the switch on pN, and what the
 * switch sends out of pN arrives at gN.  The app is linked in
 * (apps/switch/plugin.c); the providers come from DEVMGR_PLUGIN_PATH.
 *
 * Forwarding (learned unicast, flooding, filtering back to the arrival
 * port, invalid sources), the console reports on SIGUSR1/SIGUSR2, ports
 * that come and go with a configuration reload, ageing, and a storm of
 * random source addresses that fills the table to its bound while the
 * resident memory stays flat. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "../../apps/switch/switch.h"

#include <devmgr/app.h>

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NPEERS 4

struct peer {
	struct devmgr_net *net;
	unsigned frames;
	uint8_t last[2048];
	size_t last_len;
};

static struct devmgr_ctx *ctx;
static struct peer peers[NPEERS];
static char dir[64], conf[128], logpath[128];
static char small_mtu_port; /* its hub has an MTU of 100, not 1500 */

static const uint8_t mac_a[6] = { 0x02, 0xaa, 0, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 0x02, 0xaa, 0, 0, 0, 0x0b };
static const uint8_t mac_c[6] = { 0x02, 0xaa, 0, 0, 0, 0x0c };
static const uint8_t mac_x[6] = { 0x02, 0xaa, 0, 0, 0, 0x99 };
static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_switch.XXXXXX");
	if (!mkdtemp(dir)) {
		perror(dir);
		exit(EXIT_FAILURE);
	}
	snprintf(conf, sizeof(conf), "%s/switch.json", dir);
	snprintf(logpath, sizeof(logpath), "%s/console.log", dir);
}

static void remove_dir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

/* A configuration with switch ports pN and peers gN for each N in ports
 * (a string of digits), and the app's args (a JSON object body). */
static void write_conf(const char *ports, const char *args)
{
	char tmp[160];
	snprintf(tmp, sizeof(tmp), "%s.new", conf);
	FILE *f = fopen(tmp, "w");

	ck_assert_ptr_nonnull(f);
	fprintf(f,
		"{ \"devmgr\": 1, \"devices\": {\n"
		"  \"log\": { \"provider\": \"console-file\", \"path\": "
		"\"%s\", \"append\": true }",
		logpath);
	for (const char *p = ports; *p; p++) {
		int mtu = *p == small_mtu_port ? 100 : 1500;
		fprintf(f,
			",\n  \"p%c\": { \"provider\": \"net-link\", \"hub\": "
			"\"h%c\", \"mtu\": %d },\n"
			"  \"g%c\": { \"provider\": \"net-link\", \"hub\": "
			"\"h%c\", \"mtu\": %d }",
			*p, *p, mtu, *p, *p, mtu);
	}
	fprintf(f, "},\n \"app\": { \"name\": \"switch\", \"bind\": "
		   "{ \"log\": \"log\", \"ports\": [");
	for (const char *p = ports; *p; p++)
		fprintf(f, "%s\"p%c\"", p == ports ? "" : ", ", *p);
	fprintf(f, "] }, \"args\": { %s } } }\n", args);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(rename(tmp, conf), 0);
}

static void on_peer(void *arg, struct devmgr_net *n, const void *frame,
		    size_t len)
{
	struct peer *p = arg;

	(void)n;
	p->frames++;
	p->last_len = len < sizeof(p->last) ? len : sizeof(p->last);
	memcpy(p->last, frame, p->last_len);
}

/* Point each peer gN that exists at its receiver. */
static void bind_peers(void)
{
	for (int i = 0; i < NPEERS; i++) {
		char id[8];
		snprintf(id, sizeof(id), "g%d", i);
		struct devmgr_device *d = devmgr_ctx_find_device(ctx, id);
		peers[i].net = d ? devmgr_device_handle(d) : NULL;
		if (peers[i].net)
			ck_assert_int_eq(devmgr_net_set_rx(peers[i].net,
							   on_peer, &peers[i]),
					 0);
	}
}

static void start(const char *ports, const char *args)
{
	struct devmgr_error e;
	char msg[1400];

	memset(peers, 0, sizeof(peers));
	unlink(logpath); /* each test reads its own lines only */
	write_conf(ports, args);
	ctx = devmgr_ctx_new();
	ck_assert_ptr_nonnull(ctx);
	ck_assert_int_ge(devmgr_ctx_load_plugins(ctx), 0);
	if (devmgr_ctx_load_config(ctx, conf, &e) < 0 ||
	    devmgr_ctx_create_devices(ctx, false, &e) < 0 ||
	    devmgr_ctx_start_app(ctx, "switch", &e) < 0)
		ck_abort_msg("%s", devmgr_error_format(&e, msg, sizeof(msg)));
	bind_peers();
}

static void stop(void)
{
	if (!ctx)
		return;
	devmgr_ctx_stop_app(ctx);
	devmgr_ctx_destroy_devices(ctx);
	devmgr_ctx_free(ctx);
	ctx = NULL;
}

/* Run the loop until nothing is left to deliver. */
static void pump(void)
{
	int idle = 0;

	while (idle < 2) {
		int n = devmgr_ctx_dispatch(ctx, 5);
		ck_assert_int_ge(n, 0);
		idle = n == 0 ? idle + 1 : 0;
	}
}

static void clear_counts(void)
{
	for (int i = 0; i < NPEERS; i++)
		peers[i].frames = 0;
}

static void send_frame(int from, const uint8_t dst[6], const uint8_t src[6],
		       size_t len)
{
	uint8_t f[1514];

	memset(f, 0x42, sizeof(f));
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x88;
	f[13] = 0xb5;
	ck_assert_int_eq(devmgr_net_send(peers[from].net, f, len), 0);
}

/* Send, deliver, and return the frames each peer got as a string such
 * as "0110" (peer 0 nothing, 1 and 2 one frame, 3 nothing). */
static const char *deliver_len(int from, const uint8_t dst[6],
			       const uint8_t src[6], size_t len)
{
	static char got[NPEERS + 1];

	clear_counts();
	send_frame(from, dst, src, len);
	pump();
	for (int i = 0; i < NPEERS; i++)
		got[i] = (char)('0' +
				(peers[i].frames > 9 ? 9 : peers[i].frames));
	got[NPEERS] = '\0';
	return got;
}

static const char *deliver(int from, const uint8_t dst[6], const uint8_t src[6])
{
	return deliver_len(from, dst, src, 60);
}

static char *read_log(void)
{
	FILE *f = fopen(logpath, "r");
	static char buf[1 << 20];
	size_t n;

	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Ask for a report by signal, as a user would, and return the log. */
static char *report(int sig)
{
	ck_assert_int_eq(raise(sig), 0);
	pump();
	return read_log();
}

static void teardown(void)
{
	stop();
}

START_TEST(learn_and_forward)
{
	start("012", "");
	/* Unknown destination: flooded to every port but the arrival one. */
	ck_assert_str_eq(deliver(0, bcast, mac_a), "0110");
	/* A is now known on p0: only g0 gets a frame for A. */
	ck_assert_str_eq(deliver(1, mac_a, mac_b), "1000");
	ck_assert_mem_eq(peers[0].last + 6, mac_b, 6);
	ck_assert_str_eq(deliver(0, mac_b, mac_a), "0100");
	ck_assert_str_eq(deliver(2, mac_b, mac_c), "0100");
	ck_assert_str_eq(deliver(0, mac_c, mac_a), "0010");
}
END_TEST

START_TEST(flood_unknown_and_group)
{
	start("012", "");
	ck_assert_str_eq(deliver(0, mac_b, mac_a), "0110");
	ck_assert_str_eq(deliver(1, mcast, mac_b), "1010");
	ck_assert_str_eq(deliver(2, bcast, mac_c), "1100");
	/* A known station's multicast still floods. */
	ck_assert_str_eq(deliver(0, mcast, mac_a), "0110");
}
END_TEST

START_TEST(filter_back_to_arrival_port)
{
	start("012", "");
	/* A and X are both behind p0 (say, a hub there). */
	ck_assert_str_eq(deliver(0, bcast, mac_x), "0110");
	ck_assert_str_eq(deliver(0, mac_x, mac_a), "0000");
	char *log = report(SIGUSR1);
	ck_assert_ptr_nonnull(strstr(log, "switch: port p0 rx_frames=2 "
					  "rx_bytes=120 tx_frames=0 "
					  "tx_bytes=0 flooded=1 filtered=1 "
					  "invalid=0"));
}
END_TEST

START_TEST(invalid_sources)
{
	static const uint8_t zero[6];

	start("01", "");
	ck_assert_str_eq(deliver(0, mac_b, bcast), "0000");
	ck_assert_str_eq(deliver(0, mac_b, mcast), "0000");
	ck_assert_str_eq(deliver(0, mac_b, zero), "0000");
	char *log = report(SIGUSR2);
	ck_assert_ptr_nonnull(
		strstr(log, "switch: counters ports=2 entries=0 "));
	ck_assert_ptr_nonnull(strstr(log, "flooded=0 filtered=0 invalid=3"));
}
END_TEST

/* Ports of different MTUs: a frame too big for one port is counted there
 * as a send error and still reaches the others. */
START_TEST(mtu_mismatch)
{
	small_mtu_port = '2';
	start("012", "");
	ck_assert_str_eq(deliver_len(0, bcast, mac_a, 200), "0100");
	ck_assert_uint_eq(peers[1].last_len, 200);
	ck_assert_str_eq(deliver_len(0, bcast, mac_a, 100), "0110");
	char *log = report(SIGUSR1);
	ck_assert_ptr_nonnull(strstr(log, "switch: port p2 rx_frames=0 "
					  "rx_bytes=0 tx_frames=1 tx_bytes=100 "
					  "flooded=0 filtered=0 invalid=0 "
					  "tx_dropped=0 tx_errors=1\n"));
}
END_TEST

START_TEST(reports)
{
	start("01", "\"table_size\": 100, \"ageing\": 60");
	char *log = read_log();
	ck_assert_ptr_nonnull(strstr(log, "switch: port p0 joined (mac "));
	ck_assert_ptr_nonnull(strstr(log, "switch: started, 2 ports, "
					  "table_size=100 ageing=60s"));
	deliver(0, bcast, mac_a);
	deliver(1, mac_a, mac_b);
	log = report(SIGUSR1);
	ck_assert_ptr_nonnull(strstr(log, "switch: counters ports=2 entries=2 "
					  "capacity=100 learned=2 moved=0"));
	ck_assert_ptr_nonnull(strstr(log, "switch: port p0 rx_frames=1 "
					  "rx_bytes=60 tx_frames=1 "
					  "tx_bytes=60 flooded=1 filtered=0"));
	ck_assert_ptr_nonnull(strstr(log, "switch: port p1 rx_frames=1 "
					  "rx_bytes=60 tx_frames=1 "
					  "tx_bytes=60 flooded=0 filtered=0"));
	ck_assert_ptr_null(strstr(log, "switch: fdb "));
	log = report(SIGUSR2);
	ck_assert_ptr_nonnull(
		strstr(log, "switch: fdb 02:aa:00:00:00:0a port p0 "));
	ck_assert_ptr_nonnull(
		strstr(log, "switch: fdb 02:aa:00:00:00:0b port p1 "));
	stop();
	log = read_log();
	ck_assert_ptr_nonnull(strstr(log, "switch: end of report\n"
					  "switch: stopped\n"));
}
END_TEST

/* A port added by a reload joins at once; one removed is forgotten from
 * the table at once, and the ports that stay keep their entries. */
START_TEST(reload_adds_and_removes_ports)
{
	struct devmgr_error e;
	char msg[1400];

	start("012", "");
	deliver(0, bcast, mac_a);
	deliver(1, bcast, mac_b);
	deliver(2, bcast, mac_c);
	write_conf("023", "");
	if (devmgr_ctx_reload(ctx, &e) < 0)
		ck_abort_msg("%s", devmgr_error_format(&e, msg, sizeof(msg)));
	bind_peers();
	ck_assert_ptr_null(peers[1].net);
	char *log = read_log();
	ck_assert_ptr_nonnull(strstr(log,
				     "switch: port p1 left (1 table entries "
				     "forgotten)"));
	ck_assert_ptr_nonnull(strstr(log, "switch: port p3 joined"));
	/* B went with p1: a frame for B floods to the ports there are. */
	ck_assert_str_eq(deliver(0, mac_b, mac_a), "0011");
	/* The new port learns and is reached. */
	ck_assert_str_eq(deliver(3, mac_a, mac_x), "1000");
	ck_assert_str_eq(deliver(0, mac_x, mac_a), "0001");
	ck_assert_str_eq(deliver(2, mac_a, mac_c), "1000");
	log = report(SIGUSR2);
	char *last = strstr(log, "switch: counters ports=3 entries=3 ");
	ck_assert_ptr_nonnull(last);
	ck_assert_ptr_null(strstr(last, "02:aa:00:00:00:0b"));
	ck_assert_ptr_nonnull(
		strstr(last, "switch: fdb 02:aa:00:00:00:99 port p3 "));
}
END_TEST

START_TEST(ageing)
{
	start("012", "\"ageing\": 1");
	deliver(1, bcast, mac_b);
	ck_assert_str_eq(deliver(0, mac_b, mac_a), "0100");
	usleep(1100 * 1000);
	/* B has not been heard of for a second: flooded again. */
	ck_assert_str_eq(deliver(0, mac_b, mac_a), "0110");
	char *log = report(SIGUSR1);
	ck_assert_ptr_nonnull(strstr(log, "expired=1 "));
}
END_TEST

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long size = 0, resident = 0;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%ld %ld", &size, &resident), 2);
	fclose(f);
	return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* count frames from random source addresses into g0, in bursts that fit
 * net-link's queue, delivered as they go. */
static void storm(unsigned *seed, unsigned count)
{
	uint8_t src[6] = { 0x02 };

	for (unsigned i = 0; i < count; i++) {
		uint32_t r =
			(uint32_t)rand_r(seed) ^ ((uint32_t)rand_r(seed) << 16);
		memcpy(src + 1, &r, 4);
		src[5] = (uint8_t)rand_r(seed);
		send_frame(0, mac_b, src, 60);
		if (i % 256 == 255)
			pump();
	}
	pump();
}

#define STORM_TABLE 20000

/* AddressSanitizer keeps freed blocks in quarantine (net-link allocates
 * each queued frame), so RSS grows with traffic whatever the switch does:
 * there, only the table's bound and its unmoved storage are checked. */
#if defined(__SANITIZE_ADDRESS__)
#define RSS_MEANINGFUL 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RSS_MEANINGFUL 0
#endif
#endif
#ifndef RSS_MEANINGFUL
#define RSS_MEANINGFUL 1
#endif

START_TEST(table_full_memory_flat)
{
	unsigned seed = 2026;

	start("01", "\"table_size\": 20000");
	struct sw *sw = devmgr_app_state(ctx);
	struct fdb_entry *slots = sw->fdb.slots;
	long before = rss_kb();
	storm(&seed, STORM_TABLE + STORM_TABLE / 4);
	ck_assert_uint_eq(sw->fdb.count, STORM_TABLE);
	long full = rss_kb();
	storm(&seed, 4 * STORM_TABLE);
	long after = rss_kb();
	ck_assert_uint_eq(sw->fdb.count, STORM_TABLE);
	ck_assert_uint_ge(sw->fdb.full_misses, 4 * STORM_TABLE - 16);
	ck_assert_ptr_eq(sw->fdb.slots, slots);
	char *log = report(SIGUSR1);
	ck_assert_ptr_nonnull(strstr(log, "entries=20000 capacity=20000"));
	fprintf(stderr,
		"table_full_memory_flat: RSS %ld kB before, %ld kB "
		"full, %ld kB after 80,000 more addresses\n",
		before, full, after);
	if (!RSS_MEANINGFUL)
		return;
	/* The table was resident from the start (1 MiB); what the first
	 * storm adds is the frame queues' and allocator's working set. */
	ck_assert_int_le(full - before, 512);
	ck_assert_int_le(after - full, 64);
}
END_TEST

static Suite *switch_suite(void)
{
	Suite *s = suite_create("switch");
	TCase *tc = tcase_create("switch");

	tcase_add_unchecked_fixture(tc, make_dir, remove_dir);
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, learn_and_forward);
	tcase_add_test(tc, flood_unknown_and_group);
	tcase_add_test(tc, filter_back_to_arrival_port);
	tcase_add_test(tc, invalid_sources);
	tcase_add_test(tc, mtu_mismatch);
	tcase_add_test(tc, reports);
	tcase_add_test(tc, reload_adds_and_removes_ports);
	tcase_add_test(tc, ageing);
	tcase_add_test(tc, table_full_memory_flat);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(switch_suite());

	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
