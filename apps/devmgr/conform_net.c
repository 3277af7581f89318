/* conform_net.c: the net signature's conformance cases (sig/net.h).
 * Frames the kit sends carry the local experimental ethertype 0x88b5 and
 * a marker, so that other traffic on a real link (a tap's IPv6 chatter)
 * is ignored.  Receiving needs a peer: a second device on the same wire
 * (peer.provider=NAME peer.PARAM=VALUE), which sends what the device
 * under test must receive and receives what it sends. */
#include "conform.h"

#include <devmgr/sig/net.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ETHERTYPE_TEST 0x88b5
#define MARK	       "devmgr-conform"
#define MARK_LEN       14
#define WAIT_MS	       2000

struct rx {
	struct devmgr_net *n;
	int frames;	 /* kit frames received */
	int in_send;	 /* > 0 while the kit is inside a send */
	int inside_send; /* frames delivered inside a send */
	size_t longest;
	uint8_t last[65536 + 64];
	size_t last_len;
	uint32_t seen_seq[64];
};

static bool is_kit_frame(const uint8_t *f, size_t len)
{
	return len >= DEVMGR_NET_HDR_LEN + MARK_LEN + 4 &&
	       f[12] == (ETHERTYPE_TEST >> 8) &&
	       f[13] == (ETHERTYPE_TEST & 0xff) &&
	       memcmp(f + DEVMGR_NET_HDR_LEN, MARK, MARK_LEN) == 0;
}

static void on_frame(void *arg, struct devmgr_net *n, const void *frame,
		     size_t len)
{
	struct rx *r = arg;

	(void)n;
	if (!is_kit_frame(frame, len))
		return;
	if (r->in_send)
		r->inside_send++;
	if (len > r->longest)
		r->longest = len;
	if (r->frames < 64)
		memcpy(&r->seen_seq[r->frames],
		       (const uint8_t *)frame + DEVMGR_NET_HDR_LEN + MARK_LEN,
		       4);
	r->frames++;
	r->last_len = len < sizeof(r->last) ? len : sizeof(r->last);
	memcpy(r->last, frame, r->last_len);
}

/* A kit frame of len bytes (at least 32) from src to dst, numbered seq. */
static uint8_t *frame(size_t len, const uint8_t *dst, const uint8_t *src,
		      uint32_t seq)
{
	uint8_t *f = calloc(1, len < 64 ? 64 : len);

	if (!f)
		abort();
	if (dst)
		memcpy(f, dst, 6);
	else
		memset(f, 0xff, 6);
	memcpy(f + 6, src, 6);
	f[12] = ETHERTYPE_TEST >> 8;
	f[13] = ETHERTYPE_TEST & 0xff;
	memcpy(f + DEVMGR_NET_HDR_LEN, MARK, MARK_LEN);
	memcpy(f + DEVMGR_NET_HDR_LEN + MARK_LEN, &seq, 4);
	if (len > 32)
		conform_fill(f + 32, len - 32, seq);
	return f;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Run the loop until r has want frames or WAIT_MS pass. */
static void wait_frames(struct conform *c, struct rx *r, int want)
{
	double end = now_ms() + WAIT_MS;

	while (r->frames < want && now_ms() < end)
		devmgr_ctx_dispatch(c->ctx, 50);
}

/* A short while of the loop, for frames that must not come. */
static void settle(struct conform *c)
{
	double end = now_ms() + 200;

	while (now_ms() < end)
		devmgr_ctx_dispatch(c->ctx, 20);
}

/* send, trying again while the device says -EAGAIN (the loop runs). */
static int send_frame(struct conform *c, struct devmgr_net *n, struct rx *r,
		      const void *f, size_t len)
{
	int rc;

	for (int i = 0; i < 100; i++) {
		if (r)
			r->in_send++;
		rc = devmgr_net_send(n, f, len);
		if (r)
			r->in_send--;
		if (rc != -EAGAIN)
			return rc;
		devmgr_ctx_dispatch(c->ctx, 10);
	}
	return rc;
}

static bool get_info(struct conform *c, struct devmgr_net *n,
		     struct devmgr_net_info *info, const char *who)
{
	char what[64];

	memset(info, 0, sizeof(*info));
	snprintf(what, sizeof(what), "info() of %s", who);
	return conform_rc_is(c, what, devmgr_net_info(n, info), 0);
}

/* ---- cases ------------------------------------------------------------- */

static enum conform_result net_info(struct conform *c)
{
	struct devmgr_net_info a, b;
	static const uint8_t zero[6];

	if (!get_info(c, c->handle, &a, "the device"))
		return CONFORM_FAIL;
	if (a.mac[0] & 1)
		return conform_fail(c, "info().mac", "a unicast address",
				    "%02x:%02x:%02x:%02x:%02x:%02x", a.mac[0],
				    a.mac[1], a.mac[2], a.mac[3], a.mac[4],
				    a.mac[5]);
	if (memcmp(a.mac, zero, 6) == 0)
		return conform_fail(c, "info().mac", "an address",
				    "00:00:00:00:00:00");
	if (a.mtu < 68 || a.mtu > 65535)
		return conform_fail(c, "info().mtu", "68 to 65535", "%u",
				    a.mtu);
	unsigned super = a.offload & (DEVMGR_NET_OFF_LRO | DEVMGR_NET_OFF_TSO);

	if (a.offload & ~(DEVMGR_NET_OFF_LRO | DEVMGR_NET_OFF_TSO |
			  DEVMGR_NET_OFF_CSUM_TX | DEVMGR_NET_OFF_CSUM_RX))
		return conform_fail(c, "info().offload",
				    "only DEVMGR_NET_OFF_* bits", "0x%x",
				    a.offload);
	if (super && a.max_frame <= a.mtu + 14)
		return conform_fail(c, "info().max_frame with LRO or TSO",
				    "more than mtu + 14", "%u", a.max_frame);
	if (!super && a.max_frame && a.max_frame != a.mtu + 14)
		return conform_fail(c, "info().max_frame without LRO or TSO",
				    "0 or mtu + 14", "%u", a.max_frame);
	if (!get_info(c, c->handle, &b, "the device, again"))
		return CONFORM_FAIL;
	if (memcmp(a.mac, b.mac, 6) || a.mtu != b.mtu ||
	    a.offload != b.offload || a.max_frame != b.max_frame)
		return conform_fail(c, "info() again", "the same answer",
				    "another");
	return CONFORM_PASS;
}

/* 14 to mtu + 14 bytes are sent; shorter and longer are -EMSGSIZE, never
 * truncated, also when gathered from several elements. */
static enum conform_result net_mtu(struct conform *c)
{
	struct devmgr_net *n = c->handle;
	struct devmgr_net_info info;

	if (!get_info(c, n, &info, "the device"))
		return CONFORM_FAIL;
	size_t max = info.mtu + 14;
	uint8_t *f = frame(max + 100, NULL, info.mac, 1);
	struct iovec gather[] = {
		{ f, 7 }, { f + 7, 0 }, { f + 7, 30 }, { f + 37, max - 37 }
	};
	struct iovec over[] = { { f, 20 }, { f + 20, max - 19 } };
	char what[96];
	bool ok = true;
	int rc;

	const struct {
		size_t len;
		int want;
	} t[] = { { 0, -EMSGSIZE },
		  { 13, -EMSGSIZE },
		  { 14, 0 },
		  { 60, 0 },
		  { max, 0 },
		  { max + 1, -EMSGSIZE },
		  { max + 100, -EMSGSIZE } };
	for (size_t i = 0; ok && i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(what, sizeof(what),
			 "send(a frame of %zu bytes, mtu %u)", t[i].len,
			 info.mtu);
		ok = conform_rc_is(c, what, send_frame(c, n, NULL, f, t[i].len),
				   t[i].want);
	}
	if (ok) {
		for (int i = 0; i < 100; i++) {
			rc = devmgr_net_sendv(n, gather, 4);
			if (rc != -EAGAIN)
				break;
			devmgr_ctx_dispatch(c->ctx, 10);
		}
		ok = conform_rc_is(c, "sendv(mtu + 14 bytes in 4 elements)", rc,
				   0);
	}
	if (ok)
		ok = conform_rc_is(c, "sendv(mtu + 15 bytes in 2 elements)",
				   devmgr_net_sendv(n, over, 2), -EMSGSIZE);
	free(f);
	return ok ? CONFORM_PASS : CONFORM_FAIL;
}

/* From the peer to the device: each frame once, whole, through the loop
 * (never inside the peer's send). */
static bool deliver(struct conform *c, struct devmgr_net *from,
		    struct devmgr_net *to, const char *dir)
{
	struct devmgr_net_info fi, ti;
	struct rx *r = calloc(1, sizeof(*r));
	const size_t lens[] = { 60, 14 + 32, 0 /* mtu + 14 */ };
	bool ok;

	if (!r)
		abort();
	ok = get_info(c, from, &fi, "the sender") &&
	     get_info(c, to, &ti, "the receiver") &&
	     conform_rc_is(c, "set_rx()", devmgr_net_set_rx(to, on_frame, r),
			   0);
	for (int i = 0; ok && i < 3; i++) {
		size_t len = lens[i] ? lens[i] : fi.mtu + 14;
		uint8_t *f = frame(len, ti.mac, fi.mac, (uint32_t)(100 + i));
		char what[128];
		int before = r->frames;

		snprintf(what, sizeof(what), "send(%zu bytes) %s", len, dir);
		ok = conform_rc_is(c, what, send_frame(c, from, r, f, len), 0);
		if (ok && r->inside_send) {
			snprintf(what, sizeof(what), "the receiver %s", dir);
			conform_fail(c, what, "called from the loop",
				     "called inside send");
			ok = false;
		}
		if (ok) {
			wait_frames(c, r, before + 1);
			if (r->frames != before + 1) {
				snprintf(what, sizeof(what),
					 "frames received %s after a send",
					 dir);
				conform_fail(c, what, "1", "%d within %d ms",
					     r->frames - before, WAIT_MS);
				ok = false;
			}
		}
		if (ok && (r->last_len != len || memcmp(r->last, f, len))) {
			snprintf(what, sizeof(what), "the frame received %s",
				 dir);
			conform_fail(c, what, "the bytes sent",
				     r->last_len != len ? "%zu bytes"
							: "other bytes (%zu)",
				     r->last_len);
			ok = false;
		}
		free(f);
	}
	if (ok) {
		settle(c);
		if (r->frames != 3) {
			char what[96];
			snprintf(what, sizeof(what), "frames received %s", dir);
			conform_fail(c, what, "3 (each once)", "%d", r->frames);
			ok = false;
		}
	}
	devmgr_net_set_rx(to, NULL, NULL);
	free(r);
	return ok;
}

static enum conform_result net_receive(struct conform *c)
{
	if (!c->peer_handle)
		return conform_skip(c, "%s", c->peer_why);
	return deliver(c, c->peer_handle, c->handle, "from the peer")
		       ? CONFORM_PASS
		       : CONFORM_FAIL;
}

static enum conform_result net_send(struct conform *c)
{
	if (!c->peer_handle)
		return conform_skip(c, "%s", c->peer_why);
	return deliver(c, c->handle, c->peer_handle, "by the peer")
		       ? CONFORM_PASS
		       : CONFORM_FAIL;
}

/* A batch sends its first frames; an oversize one ends it there. */
static enum conform_result net_batch(struct conform *c)
{
	struct devmgr_net *n = c->handle;
	struct devmgr_net_info info, pi;
	struct rx *r = calloc(1, sizeof(*r));
	struct iovec v[8];
	uint8_t *f[8];
	bool ok;
	int rc;

	if (!r)
		abort();
	ok = get_info(c, n, &info, "the device");
	if (ok && c->peer_handle)
		ok = get_info(c, c->peer_handle, &pi, "the peer") &&
		     conform_rc_is(
			     c, "set_rx() of the peer",
			     devmgr_net_set_rx(c->peer_handle, on_frame, r), 0);
	if (!ok) {
		free(r);
		return CONFORM_FAIL;
	}
	for (int i = 0; i < 8; i++) {
		size_t len = 60 + (size_t)i * 100;
		if (len > info.mtu + 14)
			len = info.mtu + 14;
		f[i] = frame(info.mtu + 100, c->peer_handle ? pi.mac : NULL,
			     info.mac, (uint32_t)(200 + i));
		v[i].iov_base = f[i];
		v[i].iov_len = len;
	}
	for (int i = 0; i < 100; i++) {
		rc = devmgr_net_send_batch(n, v, 8);
		if (rc != -EAGAIN)
			break;
		devmgr_ctx_dispatch(c->ctx, 10);
	}
	if (rc < 1 || rc > 8) {
		char g[32];
		conform_fail(c, "send_batch(8 frames)", "1 to 8", "%s",
			     conform_rc(rc, g, sizeof(g)));
		ok = false;
	}
	if (ok && c->peer_handle) {
		wait_frames(c, r, rc);
		settle(c);
		if (r->frames != rc) {
			conform_fail(c, "frames the peer received of a batch",
				     "as many as send_batch answered",
				     "%d of %d", r->frames, rc);
			ok = false;
		}
		for (int i = 0; ok && i < r->frames && i < 8; i++)
			if (r->seen_seq[i] != (uint32_t)(200 + i)) {
				conform_fail(c, "the frames of a batch",
					     "in order", "frame %u at %d",
					     r->seen_seq[i] - 200, i);
				ok = false;
			}
	}
	/* The third frame too long: two are sent, or none fit now. */
	v[2].iov_len = info.mtu + 15;
	if (ok) {
		for (int i = 0; i < 100; i++) {
			rc = devmgr_net_send_batch(n, v, 8);
			if (rc != -EAGAIN)
				break;
			devmgr_ctx_dispatch(c->ctx, 10);
		}
		ok = conform_rc_is(c,
				   "send_batch(8 frames, the third of mtu "
				   "+ 15 bytes)",
				   rc, 2);
	}
	v[0].iov_len = info.mtu + 15;
	if (ok)
		ok = conform_rc_is(c,
				   "send_batch(8 frames, the first of mtu "
				   "+ 15 bytes)",
				   devmgr_net_send_batch(n, v, 8), -EMSGSIZE);
	if (c->peer_handle)
		devmgr_net_set_rx(c->peer_handle, NULL, NULL);
	for (int i = 0; i < 8; i++)
		free(f[i]);
	free(r);
	return ok ? CONFORM_PASS : CONFORM_FAIL;
}

static enum conform_result net_stats(struct conform *c)
{
	struct devmgr_net *n = c->handle;
	struct devmgr_net_stats a, b;
	struct devmgr_net_info info;

	if (!DEVMGR_HAS_OP(n->ops, 0, stats))
		return conform_skip(c, "the provider has no stats");
	if (!get_info(c, n, &info, "the device") ||
	    !conform_rc_is(c, "stats()", devmgr_net_stats(n, &a), 0))
		return CONFORM_FAIL;
	uint8_t *f = frame(100, NULL, info.mac, 300);
	bool ok = true;
	for (int i = 0; ok && i < 5; i++)
		ok = conform_rc_is(c, "send(100 bytes)",
				   send_frame(c, n, NULL, f, 100), 0);
	free(f);
	ok = ok && conform_rc_is(c, "stats()", devmgr_net_stats(n, &b), 0);
	if (ok &&
	    (b.tx_frames < a.tx_frames + 5 || b.tx_bytes < a.tx_bytes + 500))
		return conform_fail(
			c, "stats() after 5 frames of 100 bytes",
			"tx_frames and tx_bytes up by 5 and 500",
			"up by %llu and %llu",
			(unsigned long long)(b.tx_frames - a.tx_frames),
			(unsigned long long)(b.tx_bytes - a.tx_bytes));
	if (!ok)
		return CONFORM_FAIL;
	if (!c->peer_handle)
		return CONFORM_PASS;
	/* Received with a receiver: rx_frames; without one: rx_drops. */
	struct devmgr_net_info pi;
	struct rx *r = calloc(1, sizeof(*r));
	if (!r)
		abort();
	ok = get_info(c, c->peer_handle, &pi, "the peer") &&
	     conform_rc_is(c, "set_rx()", devmgr_net_set_rx(n, on_frame, r), 0);
	f = frame(100, info.mac, pi.mac, 301);
	ok = ok &&
	     conform_rc_is(c, "send(100 bytes) by the peer",
			   send_frame(c, c->peer_handle, NULL, f, 100), 0);
	if (ok) {
		wait_frames(c, r, 1);
		ok = conform_rc_is(c, "stats()", devmgr_net_stats(n, &a), 0);
	}
	if (ok && a.rx_frames < b.rx_frames + 1) {
		conform_fail(c, "rx_frames after a frame was received",
			     "up by 1", "up by %llu",
			     (unsigned long long)(a.rx_frames - b.rx_frames));
		ok = false;
	}
	int got = r->frames;
	ok = ok &&
	     conform_rc_is(c, "set_rx(NULL)", devmgr_net_set_rx(n, NULL, NULL),
			   0) &&
	     conform_rc_is(c, "send(100 bytes) by the peer",
			   send_frame(c, c->peer_handle, NULL, f, 100), 0);
	if (ok) {
		settle(c);
		ok = conform_rc_is(c, "stats()", devmgr_net_stats(n, &b), 0);
	}
	if (ok && b.rx_drops < a.rx_drops + 1) {
		conform_fail(c,
			     "rx_drops after a frame came without a "
			     "receiver",
			     "up by 1", "up by %llu",
			     (unsigned long long)(b.rx_drops - a.rx_drops));
		ok = false;
	}
	if (ok && r->frames != got) {
		conform_fail(c, "frames received after set_rx(NULL)", "none",
			     "%d", r->frames - got);
		ok = false;
	}
	devmgr_net_set_rx(n, NULL, NULL);
	free(f);
	free(r);
	return ok ? CONFORM_PASS : CONFORM_FAIL;
}

/* What a device does not offer, it does not do: without TSO a TCP
 * super-frame is -EMSGSIZE; with it, one beyond max_frame is. */
static enum conform_result net_offload(struct conform *c)
{
	struct devmgr_net *n = c->handle;
	struct devmgr_net_info info;

	if (!get_info(c, n, &info, "the device"))
		return CONFORM_FAIL;
	size_t len = info.offload & DEVMGR_NET_OFF_TSO ? info.max_frame + 1
						       : info.mtu + 14 + 1000;
	uint8_t *f = calloc(1, len);
	if (!f)
		abort();
	/* Ethernet, IPv4 (20 bytes), TCP (20 bytes), lengths set for the
	 * whole packet. */
	memset(f, 0xff, 6);
	memcpy(f + 6, info.mac, 6);
	f[12] = 0x08;
	f[14] = 0x45;
	size_t ip_len = len - 14 > 65535 ? 65535 : len - 14;
	f[16] = (uint8_t)(ip_len >> 8);
	f[17] = (uint8_t)ip_len;
	f[22] = 64;
	f[23] = 6;
	f[26] = 10, f[29] = 1, f[30] = 10, f[33] = 2;
	f[34 + 12] = 0x50;
	char what[128];
	snprintf(what, sizeof(what),
		 "send(a TCP frame of %zu bytes, mtu %u, "
		 "%s)",
		 len, info.mtu,
		 info.offload & DEVMGR_NET_OFF_TSO ? "beyond max_frame"
						   : "no TSO");
	bool ok = conform_rc_is(c, what, devmgr_net_send(n, f, len), -EMSGSIZE);
	free(f);
	return ok ? CONFORM_PASS : CONFORM_FAIL;
}

/* info() again after a set_offload call: the same offers, MTU and
 * max_frame (set_offload turns on what info offers, it changes no
 * offer). */
static bool same_info(struct conform *c, struct devmgr_net *n,
		      const struct devmgr_net_info *a, const char *after)
{
	struct devmgr_net_info b;
	char what[96], want[96];

	snprintf(what, sizeof(what), "info() after %s", after);
	if (!get_info(c, n, &b, "the device"))
		return false;
	if (b.offload != a->offload || b.mtu != a->mtu ||
	    b.max_frame != a->max_frame) {
		snprintf(want, sizeof(want),
			 "the same (offload 0x%x, mtu %u, max_frame %u)",
			 a->offload, a->mtu, a->max_frame);
		conform_fail(c, what, want,
			     "offload 0x%x, mtu %u, max_frame %u", b.offload,
			     b.mtu, b.max_frame);
		return false;
	}
	return true;
}

/* Checksum offloads (v1.2): set_offload turns on only what info offers
 * (DEVMGR_NET_OFF_CSUM_TX, _RX), refuses any other bit with -EINVAL and
 * changes nothing then, and 0 turns them off; info answers the same
 * offers after each call. */
static enum conform_result net_csum(struct conform *c)
{
	struct devmgr_net *n = c->handle;
	struct devmgr_net_info a;
	char what[96];

	if (!get_info(c, n, &a, "the device"))
		return CONFORM_FAIL;
	unsigned offered = a.offload & DEVMGR_NET_OFF_CSUM;

	if (!DEVMGR_HAS_OP(n->ops, 2, set_offload)) {
		if (offered)
			return conform_fail(c, "the set_offload op",
					    "present (info() offers checksum "
					    "offload)",
					    "absent");
		return conform_skip(c, "the provider has no set_offload");
	}
	unsigned refused[8], nref = 0;

	refused[nref++] = DEVMGR_NET_OFF_LRO;
	refused[nref++] = DEVMGR_NET_OFF_TSO;
	refused[nref++] = 0x10;
	refused[nref++] = 0x80;
	refused[nref++] = 0x10000u | offered;
	for (unsigned bit = DEVMGR_NET_OFF_CSUM_TX;
	     bit <= DEVMGR_NET_OFF_CSUM_RX; bit <<= 1)
		if (!(offered & bit))
			refused[nref++] = bit | offered;
	for (unsigned i = 0; i < nref; i++) {
		snprintf(what, sizeof(what), "set_offload(0x%x), offered 0x%x",
			 refused[i], offered);
		if (!conform_rc_is(c, what,
				   devmgr_net_set_offload(n, refused[i]),
				   -EINVAL) ||
		    !same_info(c, n, &a, what))
			return CONFORM_FAIL;
	}
	const unsigned uses[] = { offered & DEVMGR_NET_OFF_CSUM_TX,
				  offered & DEVMGR_NET_OFF_CSUM_RX, offered,
				  0 };

	for (unsigned i = 0; i < sizeof(uses) / sizeof(uses[0]); i++) {
		snprintf(what, sizeof(what), "set_offload(0x%x), offered 0x%x",
			 uses[i], offered);
		if (!conform_rc_is(c, what, devmgr_net_set_offload(n, uses[i]),
				   0) ||
		    !same_info(c, n, &a, what))
			return CONFORM_FAIL;
	}
	return CONFORM_PASS;
}

const struct conform_case conform_net_cases[] = {
	{ "net.info",
	  "info() answers 0 and the same twice: a unicast, "
	  "non-zero MAC, mtu 68 to 65535, only known offload "
	  "bits, max_frame above mtu + 14 with an offload and 0 "
	  "or mtu + 14 without",
	  net_info },
	{ "net.mtu",
	  "frames of 14, 60 and mtu + 14 bytes are sent (also "
	  "gathered from 4 elements, one empty); 0, 13, mtu + 15 "
	  "and mtu + 114 bytes are -EMSGSIZE, never truncated",
	  net_mtu },
	{ "net.receive",
	  "with a peer: 3 frames it sends (60, 46 and mtu + "
	  "14 bytes) reach the device's receiver once each, "
	  "whole, through the loop and never inside send",
	  net_receive },
	{ "net.send", "with a peer: the same, the other way", net_send },
	{ "net.batch",
	  "send_batch of 8 frames answers 1 to 8 (a peer "
	  "receives that many, in order); with the third too "
	  "long it answers 2, with the first -EMSGSIZE",
	  net_batch },
	{ "net.stats",
	  "when offered: tx_frames and tx_bytes count sent "
	  "frames; with a peer, rx_frames counts received ones "
	  "and rx_drops those that came without a receiver "
	  "(which is not called)",
	  net_stats },
	{ "net.offload",
	  "offloads are honoured: without TSO a TCP "
	  "super-frame is -EMSGSIZE; with TSO one beyond "
	  "max_frame is",
	  net_offload },
	{ "net.csum",
	  "checksum offloads: set_offload takes what info offers "
	  "(CSUM_TX, CSUM_RX, both, 0), refuses LRO, TSO, unknown "
	  "bits and CSUM bits not offered with -EINVAL, and info "
	  "answers the same after each call; skipped without the "
	  "op when nothing is offered",
	  net_csum },
	{ NULL, NULL, NULL },
};
