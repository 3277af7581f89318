/* Unit tests of the net provider kit, core/src/provider_net.c: the TCP
 * super-frame parser, on frames built here byte by byte, well formed and
 * malformed, and the segment size. */
#include "testlib.h"

#include <devmgr/provider/net.h>

#include <errno.h>
#include <string.h>

#define PAY 3000 /* a super-frame's payload: two segments and a bit */

static uint8_t f[14 + 40 + 60 + PAY + 64];

static void put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* An IPv4 TCP frame: ihl 32-bit words of IP header, doff of TCP header,
 * pay bytes of payload, the IP length right.  Returns its length. */
static size_t v4(unsigned ihl, unsigned doff, size_t pay)
{
	size_t l4 = 14 + ihl * 4, len = l4 + doff * 4 + pay;

	memset(f, 0, sizeof(f));
	memset(f, 0x02, 12);
	put16(f + 12, 0x0800);
	f[14] = (uint8_t)(0x40 | ihl);
	put16(f + 16, len - 14);
	put16(f + 20, 0x4000); /* DF: not a fragment */
	f[22] = 64;
	f[23] = 6;
	f[l4 + 12] = (uint8_t)(doff << 4);
	f[l4 + 13] = 0x18; /* ACK, PSH */
	return len;
}

/* The same over IPv6, TCP its first next header. */
static size_t v6(unsigned doff, size_t pay)
{
	size_t len = 14 + 40 + doff * 4 + pay;

	memset(f, 0, sizeof(f));
	memset(f, 0x02, 12);
	put16(f + 12, 0x86dd);
	f[14] = 0x60;
	put16(f + 18, len - 54);
	f[20] = 6;
	f[21] = 64;
	f[54 + 12] = (uint8_t)(doff << 4);
	f[54 + 13] = 0x10;
	return len;
}

static int parse(size_t have, size_t len, struct devmgr_net_tcp *t)
{
	return devmgr_net_tcp_parse(f, have, len, t);
}

START_TEST(test_ipv4)
{
	struct devmgr_net_tcp t;
	size_t len = v4(5, 5, PAY);

	ck_assert_int_eq(parse(len, len, &t), 0);
	ck_assert_uint_eq(t.ipv, 4);
	ck_assert_uint_eq(t.l3, 14);
	ck_assert_uint_eq(t.l4, 34);
	ck_assert_uint_eq(t.payload, 54);
	ck_assert_uint_eq(t.flags, 0x18);
	ck_assert_uint_eq(t.len, len);
	ck_assert_uint_eq(devmgr_net_tcp_mss(&t, 1500), 1460);
	/* Options in both headers move the offsets; the headers alone
	 * suffice (have), the rest need not be read. */
	len = v4(15, 15, PAY);
	ck_assert_int_eq(parse(14 + 60 + 60, len, &t), 0);
	ck_assert_uint_eq(t.l4, 74);
	ck_assert_uint_eq(t.payload, 134);
	ck_assert_uint_eq(devmgr_net_tcp_mss(&t, 1500), 1380);
	ck_assert_uint_eq(devmgr_net_tcp_mss(&t, 120), 0);
	ck_assert_uint_eq(devmgr_net_tcp_mss(&t, 68), 0);
	/* A pure ACK parses; it has no payload. */
	len = v4(5, 5, 0);
	ck_assert_int_eq(parse(len, len, &t), 0);
	ck_assert_uint_eq(t.payload, len);
}
END_TEST

START_TEST(test_ipv6)
{
	struct devmgr_net_tcp t;
	size_t len = v6(8, PAY);

	ck_assert_int_eq(parse(len, len, &t), 0);
	ck_assert_uint_eq(t.ipv, 6);
	ck_assert_uint_eq(t.l4, 54);
	ck_assert_uint_eq(t.payload, 86);
	ck_assert_uint_eq(t.flags, 0x10);
	ck_assert_uint_eq(devmgr_net_tcp_mss(&t, 1500), 1428);
}
END_TEST

START_TEST(test_truncated)
{
	struct devmgr_net_tcp t;
	size_t len = v4(5, 5, PAY);

	/* Fewer bytes than the smallest Ethernet, IP and TCP headers. */
	ck_assert_int_eq(parse(53, len, &t), -EINVAL);
	ck_assert_int_eq(parse(0, len, &t), -EINVAL);
	ck_assert_int_eq(devmgr_net_tcp_parse(NULL, 0, len, &t), -EINVAL);
	/* have past the frame's end */
	ck_assert_int_eq(parse(len + 1, len, &t), -EINVAL);
	/* IP options that the bytes at hand do not hold */
	len = v4(15, 5, PAY);
	ck_assert_int_eq(parse(14 + 59, len, &t), -EINVAL);
	ck_assert_int_eq(parse(14 + 60 + 19, len, &t), -EINVAL);
	ck_assert_int_eq(parse(14 + 60 + 20, len, &t), 0);
	/* TCP options cut short */
	len = v4(5, 15, PAY);
	ck_assert_int_eq(parse(14 + 20 + 59, len, &t), -EINVAL);
	len = v6(15, PAY);
	ck_assert_int_eq(parse(14 + 40 + 59, len, &t), -EINVAL);
	ck_assert_int_eq(parse(14 + 40 + 60, len, &t), 0);
	/* A whole frame shorter than its headers, its lengths agreeing. */
	len = v4(5, 15, 0);
	put16(f + 16, len - 4 - 14);
	ck_assert_int_eq(parse(len - 4, len - 4, &t), -EINVAL);
}
END_TEST

START_TEST(test_bad_ip)
{
	struct devmgr_net_tcp t;
	size_t len;

	for (unsigned ihl = 0; ihl < 5; ihl++) {
		len = v4(5, 5, PAY);
		f[14] = (uint8_t)(0x40 | ihl);
		ck_assert_msg(parse(len, len, &t) == -EINVAL, "IHL %u", ihl);
	}
	len = v4(5, 5, PAY);
	f[14] = 0x65; /* version 6 behind an IPv4 ethertype */
	ck_assert_int_eq(parse(len, len, &t), -EINVAL);
	len = v6(5, PAY);
	f[14] = 0x45; /* and the other way */
	ck_assert_int_eq(parse(len, len, &t), -EINVAL);
	len = v4(5, 5, PAY);
	f[23] = 17; /* UDP */
	ck_assert_int_eq(parse(len, len, &t), -EINVAL);
	len = v4(5, 5, PAY);
	put16(f + 20, 0x2000); /* MF: the first fragment */
	ck_assert_int_eq(parse(len, len, &t), -EINVAL);
	len = v4(5, 5, PAY);
	put16(f + 20, 0x0001); /* an offset: a later fragment */
	ck_assert_int_eq(parse(len, len, &t), -EINVAL);
	len = v4(5, 5, PAY);
	put16(f + 12, 0x0806); /* ARP */
	ck_assert_int_eq(parse(len, len, &t), -EINVAL);
	len = v4(5, 5, PAY);
	memmove(f + 16, f + 12, len - 12); /* behind a VLAN tag */
	put16(f + 12, 0x8100);
	ck_assert_int_eq(parse(len + 4, len + 4, &t), -EINVAL);
}
END_TEST

/* Extension headers (hop-by-hop 0, routing 43, fragment 44, destination
 * options 60) put something other than TCP first: refused, not walked. */
START_TEST(test_ipv6_extension_headers)
{
	static const uint8_t ext[] = { 0, 43, 44, 60, 17, 59 };
	struct devmgr_net_tcp t;

	for (size_t i = 0; i < sizeof(ext); i++) {
		size_t len = v6(5, PAY);

		f[20] = ext[i];
		ck_assert_msg(parse(len, len, &t) == -EINVAL, "next header %u",
			      ext[i]);
	}
}
END_TEST

START_TEST(test_lengths_that_lie)
{
	struct devmgr_net_tcp t;
	size_t len = v4(5, 5, PAY);

	put16(f + 16, len - 14 - 1); /* the IP packet ends before the frame */
	ck_assert_int_eq(parse(len, len, &t), -EINVAL);
	put16(f + 16, len - 14 + 1); /* and after it */
	ck_assert_int_eq(parse(len, len, &t), -EINVAL);
	put16(f + 16, 0xffff);
	ck_assert_int_eq(parse(len, len, &t), -EINVAL);
	/* A frame longer than any IP packet: the 16-bit length wraps. */
	len = v4(5, 5, PAY);
	put16(f + 16, (len - 14 + 0x10000) & 0xffff);
	ck_assert_int_eq(parse(len, len + 0x10000, &t), -EINVAL);
	len = v6(5, PAY);
	put16(f + 18, len - 54 + 8);
	ck_assert_int_eq(parse(len, len, &t), -EINVAL);
	put16(f + 18, 0);
	ck_assert_int_eq(parse(len, len, &t), -EINVAL);
	/* A TCP data offset under 5 */
	for (unsigned doff = 0; doff < 5; doff++) {
		len = v4(5, 5, PAY);
		f[34 + 12] = (uint8_t)(doff << 4);
		ck_assert_msg(parse(len, len, &t) == -EINVAL, "doff %u", doff);
	}
}
END_TEST

static Suite *kit_suite(void)
{
	Suite *s = suite_create("provider_net");
	TCase *tc = tcase_create("provider_net");

	tcase_add_test(tc, test_ipv4);
	tcase_add_test(tc, test_ipv6);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_bad_ip);
	tcase_add_test(tc, test_ipv6_extension_headers);
	tcase_add_test(tc, test_lengths_that_lie);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return testlib_run(kit_suite());
}
