/* Unit tests of apps/switch/fdb.c, the switch's forwarding table:
 * learning, moves, ageing, the size bound, forgetting a port, and a long
 * random run checked against a plain list of entries. */
#include "../../apps/switch/fdb.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static struct fdb f;

static void mac_of(uint8_t mac[6], uint32_t n)
{
	mac[0] = 0x02; /* locally administered unicast */
	mac[1] = 0x00;
	mac[2] = (uint8_t)(n >> 24);
	mac[3] = (uint8_t)(n >> 16);
	mac[4] = (uint8_t)(n >> 8);
	mac[5] = (uint8_t)n;
}

static void teardown(void)
{
	fdb_fini(&f);
}

START_TEST(init_bounds)
{
	ck_assert_int_eq(fdb_init(&f, 0, 1000, 1), -EINVAL);
	ck_assert_int_eq(fdb_init(&f, FDB_MAX_ENTRIES + 1, 1000, 1), -EINVAL);
	ck_assert_int_eq(fdb_init(&f, 1, 1000, 1), 0);
	ck_assert_uint_ge(f.nslots, 2);
	fdb_fini(&f);
	ck_assert_int_eq(fdb_init(&f, 1000, 1000, 1), 0);
	ck_assert_uint_eq(f.nslots, 2048);
	ck_assert_uint_eq(f.count, 0);
}
END_TEST

START_TEST(learn_lookup)
{
	uint8_t a[6], b[6];

	mac_of(a, 1);
	mac_of(b, 2);
	ck_assert_int_eq(fdb_init(&f, 16, 1000, 42), 0);
	ck_assert_uint_eq(fdb_lookup(&f, a, 0), FDB_NO_PORT);
	ck_assert_int_eq(fdb_learn(&f, a, 3, 10), FDB_LEARNED);
	ck_assert_int_eq(fdb_learn(&f, b, 0, 10), FDB_LEARNED);
	ck_assert_uint_eq(fdb_lookup(&f, a, 20), 3);
	ck_assert_uint_eq(fdb_lookup(&f, b, 20), 0);
	ck_assert_int_eq(fdb_learn(&f, a, 3, 30), FDB_REFRESHED);
	ck_assert_uint_eq(f.count, 2);
	ck_assert_uint_eq(f.learned, 2);
}
END_TEST

START_TEST(move)
{
	uint8_t a[6];

	mac_of(a, 7);
	ck_assert_int_eq(fdb_init(&f, 16, 1000, 42), 0);
	ck_assert_int_eq(fdb_learn(&f, a, 1, 0), FDB_LEARNED);
	ck_assert_int_eq(fdb_learn(&f, a, 2, 5), FDB_MOVED);
	ck_assert_uint_eq(fdb_lookup(&f, a, 6), 2);
	ck_assert_uint_eq(f.count, 1);
	ck_assert_uint_eq(f.moved, 1);
}
END_TEST

START_TEST(invalid_sources)
{
	static const uint8_t zero[6];
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
	uint8_t a[6];

	mac_of(a, 1);
	ck_assert_int_eq(fdb_init(&f, 16, 1000, 42), 0);
	ck_assert_int_eq(fdb_learn(&f, zero, 1, 0), FDB_INVALID);
	ck_assert_int_eq(fdb_learn(&f, bcast, 1, 0), FDB_INVALID);
	ck_assert_int_eq(fdb_learn(&f, mcast, 1, 0), FDB_INVALID);
	ck_assert_int_eq(fdb_learn(&f, a, FDB_MAX_PORTS, 0), FDB_INVALID);
	ck_assert_int_eq(fdb_learn(&f, a, FDB_NO_PORT, 0), FDB_INVALID);
	ck_assert_uint_eq(f.count, 0);
	ck_assert_uint_eq(fdb_lookup(&f, bcast, 0), FDB_NO_PORT);
}
END_TEST

START_TEST(ageing)
{
	uint8_t a[6], b[6];

	mac_of(a, 1);
	mac_of(b, 2);
	ck_assert_int_eq(fdb_init(&f, 16, 1000, 42), 0);
	fdb_learn(&f, a, 1, 0);
	fdb_learn(&f, b, 2, 0);
	ck_assert_uint_eq(fdb_lookup(&f, a, 999), 1);
	fdb_learn(&f, b, 2, 500); /* seen again: lives until 1500 */
	ck_assert_uint_eq(fdb_lookup(&f, a, 1000), FDB_NO_PORT);
	ck_assert_uint_eq(f.count, 1);
	ck_assert_uint_eq(f.expired, 1);
	ck_assert_uint_eq(fdb_lookup(&f, b, 1499), 2);
	ck_assert_uint_eq(fdb_expire(&f, 1499), 0);
	ck_assert_uint_eq(fdb_expire(&f, 1500), 1);
	ck_assert_uint_eq(f.count, 0);
	ck_assert_uint_eq(fdb_lookup(&f, b, 1500), FDB_NO_PORT);
}
END_TEST

START_TEST(no_ageing)
{
	uint8_t a[6];

	mac_of(a, 1);
	ck_assert_int_eq(fdb_init(&f, 16, 0, 42), 0);
	fdb_learn(&f, a, 1, 0);
	ck_assert_uint_eq(fdb_expire(&f, UINT64_MAX), 0);
	ck_assert_uint_eq(fdb_lookup(&f, a, UINT64_MAX), 1);
}
END_TEST

/* A full table of live entries refuses new addresses and keeps the old
 * ones: the bound holds and nothing is evicted early. */
START_TEST(bounded)
{
	uint8_t m[6];

	ck_assert_int_eq(fdb_init(&f, 100, 60000, 42), 0);
	struct fdb_entry *slots = f.slots;
	for (uint32_t i = 0; i < 1000; i++) {
		mac_of(m, i);
		ck_assert_int_eq(fdb_learn(&f, m, i % 4, i),
				 i < 100 ? FDB_LEARNED : FDB_FULL);
	}
	ck_assert_uint_eq(f.count, 100);
	ck_assert_uint_eq(f.full_misses, 900);
	ck_assert_ptr_eq(f.slots, slots);
	for (uint32_t i = 0; i < 100; i++) {
		mac_of(m, i);
		ck_assert_uint_eq(fdb_lookup(&f, m, 1000), i % 4);
	}
	/* A known address still refreshes and moves when full. */
	mac_of(m, 5);
	ck_assert_int_eq(fdb_learn(&f, m, 3, 1000), FDB_MOVED);
}
END_TEST

/* When full, expired entries make room for new ones. */
START_TEST(full_reclaims_expired)
{
	uint8_t m[6];

	ck_assert_int_eq(fdb_init(&f, 10, 1000, 42), 0);
	for (uint32_t i = 0; i < 10; i++) {
		mac_of(m, i);
		fdb_learn(&f, m, 1, i < 5 ? 0 : 900);
	}
	mac_of(m, 100);
	ck_assert_int_eq(fdb_learn(&f, m, 1, 950), FDB_FULL);
	/* At 1500 the first five have expired; the sweep ran at 950 less
	 * than a second ago, so the next one waits... */
	ck_assert_int_eq(fdb_learn(&f, m, 1, 1500), FDB_FULL);
	for (uint32_t i = 5; i < 10; i++) {
		uint8_t k[6];
		mac_of(k, i);
		ck_assert_int_eq(fdb_learn(&f, k, 1, 1500), FDB_REFRESHED);
	}
	/* ...until 1950. */
	ck_assert_int_eq(fdb_learn(&f, m, 1, 1950), FDB_LEARNED);
	ck_assert_uint_eq(f.count, 6);
	ck_assert_uint_eq(f.expired, 5);
}
END_TEST

START_TEST(forget_port)
{
	uint8_t m[6];

	ck_assert_int_eq(fdb_init(&f, 1000, 0, 7), 0);
	for (uint32_t i = 0; i < 1000; i++) {
		mac_of(m, i * 7919);
		ck_assert_int_eq(fdb_learn(&f, m, i % 5, 0), FDB_LEARNED);
	}
	ck_assert_uint_eq(fdb_forget_port(&f, 2), 200);
	ck_assert_uint_eq(f.count, 800);
	for (uint32_t i = 0; i < 1000; i++) {
		mac_of(m, i * 7919);
		ck_assert_uint_eq(fdb_lookup(&f, m, 0),
				  i % 5 == 2 ? FDB_NO_PORT : i % 5);
	}
	ck_assert_uint_eq(fdb_forget_port(&f, 2), 0);
}
END_TEST

START_TEST(remove_one)
{
	uint8_t a[6], b[6];

	mac_of(a, 1);
	mac_of(b, 2);
	ck_assert_int_eq(fdb_init(&f, 4, 0, 7), 0);
	fdb_learn(&f, a, 1, 0);
	ck_assert(!fdb_remove(&f, b));
	ck_assert(fdb_remove(&f, a));
	ck_assert_uint_eq(f.count, 0);
	ck_assert_uint_eq(fdb_lookup(&f, a, 0), FDB_NO_PORT);
}
END_TEST

static void count_entry(void *arg, const struct fdb_entry *e)
{
	(void)e;
	(*(size_t *)arg)++;
}

/* A reference model: the entries as a plain array. */
struct model {
	uint8_t mac[6];
	unsigned port;
	uint64_t seen;
	bool used;
};

#define MODEL_MACS 40
#define AGE	   50

static unsigned model_lookup(struct model *m, unsigned i, uint64_t now)
{
	if (!m[i].used)
		return FDB_NO_PORT;
	if (now - m[i].seen >= AGE) {
		m[i].used = false;
		return FDB_NO_PORT;
	}
	return m[i].port;
}

/* Random learns, lookups, removals, forgotten ports and sweeps on a tiny
 * table (long probe runs that wrap around), compared to the model.  The
 * table bound is larger than the address pool, so the model need not
 * know which address a full table refused. */
START_TEST(random_against_model)
{
	struct model m[MODEL_MACS];
	uint64_t now = 0;
	unsigned seed = 12345;

	memset(m, 0, sizeof(m));
	ck_assert_int_eq(fdb_init(&f, MODEL_MACS, AGE, 99), 0);
	for (unsigned i = 0; i < MODEL_MACS; i++)
		/* few distinct high bits: many collisions in 128 slots */
		mac_of(m[i].mac, i * 1024);
	for (int step = 0; step < 60000; step++) {
		unsigned r = (unsigned)rand_r(&seed);
		unsigned i = (r >> 8) % MODEL_MACS;
		unsigned port = (r >> 16) % 4;
		now += r % 3;
		switch (r % 16) {
		case 0 ... 6:
			fdb_learn(&f, m[i].mac, port, now);
			m[i].used = true;
			m[i].port = port;
			m[i].seen = now;
			break;
		case 7 ... 12:
			ck_assert_uint_eq(fdb_lookup(&f, m[i].mac, now),
					  model_lookup(m, i, now));
			break;
		case 13:
			ck_assert_int_eq(fdb_remove(&f, m[i].mac), m[i].used);
			m[i].used = false;
			break;
		case 14:
			fdb_forget_port(&f, port);
			for (unsigned k = 0; k < MODEL_MACS; k++)
				if (m[k].port == port)
					m[k].used = false;
			break;
		default:
			fdb_expire(&f, now);
			for (unsigned k = 0; k < MODEL_MACS; k++)
				model_lookup(m, k, now);
			break;
		}
		size_t live = 0, seen = 0;
		for (unsigned k = 0; k < MODEL_MACS; k++)
			live += m[k].used;
		fdb_foreach(&f, count_entry, &seen);
		ck_assert_uint_eq(seen, f.count);
		ck_assert_uint_ge(f.count, live); /* expired ones linger */
	}
	for (unsigned k = 0; k < MODEL_MACS; k++)
		ck_assert_uint_eq(fdb_lookup(&f, m[k].mac, now),
				  model_lookup(m, k, now));
}
END_TEST

static Suite *fdb_suite(void)
{
	Suite *s = suite_create("fdb");
	TCase *tc = tcase_create("fdb");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 60); /* the random run, under sanitizers */
	tcase_add_test(tc, init_bounds);
	tcase_add_test(tc, learn_lookup);
	tcase_add_test(tc, move);
	tcase_add_test(tc, invalid_sources);
	tcase_add_test(tc, ageing);
	tcase_add_test(tc, no_ageing);
	tcase_add_test(tc, bounded);
	tcase_add_test(tc, full_reclaims_expired);
	tcase_add_test(tc, forget_port);
	tcase_add_test(tc, remove_one);
	tcase_add_test(tc, random_against_model);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(fdb_suite());

	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
