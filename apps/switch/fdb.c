/* fdb.c: the forwarding table.  Linear probing in a table at most half
 * full, so a probe ends at a free slot within a few steps; entries are
 * removed by shifting the rest of their run back (no tombstones), so the
 * table never degrades however many addresses come and go. */
#include "fdb.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A finalising mix (as in MurmurHash3) of the address keyed by the seed. */
static size_t home(const struct fdb *f, const uint8_t mac[6])
{
	uint64_t k = 0;

	memcpy(&k, mac, 6);
	k ^= f->seed;
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return (size_t)(k >> f->shift);
}

static size_t mask(const struct fdb *f)
{
	return f->nslots - 1;
}

static bool is_free(const struct fdb_entry *e)
{
	return e->port == FDB_NO_PORT;
}

int fdb_init(struct fdb *f, size_t capacity, uint64_t ageing_ms, uint64_t seed)
{
	size_t n = 2;
	unsigned bits = 1;

	memset(f, 0, sizeof(*f));
	if (capacity < 1 || capacity > FDB_MAX_ENTRIES)
		return -EINVAL;
	while (n < 2 * capacity) {
		n <<= 1;
		bits++;
	}
	f->slots = malloc(n * sizeof(*f->slots));
	if (!f->slots)
		return -ENOMEM;
	/* Writing every slot now maps the pages now: the memory a full
	 * table needs is resident from the start and never grows. */
	for (size_t i = 0; i < n; i++)
		f->slots[i] = (struct fdb_entry){ .port = FDB_NO_PORT };
	f->nslots = n;
	f->shift = 64 - bits;
	f->capacity = capacity;
	f->ageing = ageing_ms;
	f->seed = seed;
	return 0;
}

void fdb_fini(struct fdb *f)
{
	free(f->slots);
	memset(f, 0, sizeof(*f));
}

static bool expired(const struct fdb *f, const struct fdb_entry *e,
		    uint64_t now)
{
	return f->ageing && now > e->seen && now - e->seen >= f->ageing;
}

/* The slot holding mac, or the free slot that ends its probe run. */
static size_t probe(const struct fdb *f, const uint8_t mac[6])
{
	size_t i = home(f, mac);

	while (!is_free(&f->slots[i]) && memcmp(f->slots[i].mac, mac, 6) != 0)
		i = (i + 1) & mask(f);
	return i;
}

/* Remove slot i, moving back each later entry of the run that may sit
 * there: one whose home is not cyclically within (i, j]. */
static void remove_at(struct fdb *f, size_t i)
{
	size_t j = i;

	for (;;) {
		j = (j + 1) & mask(f);
		if (is_free(&f->slots[j]))
			break;
		size_t k = home(f, f->slots[j].mac);
		bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
		if (stays)
			continue;
		f->slots[i] = f->slots[j];
		i = j;
	}
	f->slots[i].port = FDB_NO_PORT;
	f->count--;
}

/* Table full: reclaim expired entries, at most once per second (or per
 * ageing period when shorter), so that a storm of new addresses against
 * a full table of live ones does not scan it for every frame. */
static bool make_room(struct fdb *f, uint64_t now)
{
	uint64_t every = f->ageing < 1000 ? f->ageing : 1000;

	if (!f->ageing || (f->last_sweep && now - f->last_sweep < every &&
			   now >= f->last_sweep))
		return false;
	f->last_sweep = now ? now : 1;
	return fdb_expire(f, now) > 0;
}

enum fdb_learn_result fdb_learn(struct fdb *f, const uint8_t mac[6],
				unsigned port, uint64_t now)
{
	static const uint8_t zero[6];

	if (fdb_mac_is_group(mac) || memcmp(mac, zero, 6) == 0 ||
	    port >= FDB_MAX_PORTS)
		return FDB_INVALID;
	size_t i = probe(f, mac);
	struct fdb_entry *e = &f->slots[i];
	if (!is_free(e)) {
		enum fdb_learn_result r = FDB_REFRESHED;
		if (e->port != port) {
			e->port = (uint16_t)port;
			f->moved++;
			r = FDB_MOVED;
		}
		e->seen = now;
		return r;
	}
	if (f->count >= f->capacity) {
		if (!make_room(f, now)) {
			f->full_misses++;
			return FDB_FULL;
		}
		i = probe(f, mac); /* entries moved */
		e = &f->slots[i];
	}
	memcpy(e->mac, mac, 6);
	e->port = (uint16_t)port;
	e->seen = now;
	f->count++;
	f->learned++;
	return FDB_LEARNED;
}

unsigned fdb_lookup(struct fdb *f, const uint8_t mac[6], uint64_t now)
{
	size_t i = probe(f, mac);
	struct fdb_entry *e = &f->slots[i];

	if (is_free(e))
		return FDB_NO_PORT;
	if (expired(f, e, now)) {
		remove_at(f, i);
		f->expired++;
		return FDB_NO_PORT;
	}
	return e->port;
}

bool fdb_remove(struct fdb *f, const uint8_t mac[6])
{
	size_t i = probe(f, mac);

	if (is_free(&f->slots[i]))
		return false;
	remove_at(f, i);
	return true;
}

/* Remove every entry that matches.  Removing slot i may move a later
 * entry into it, so slot i is looked at again before moving on; entries
 * that wrap around to slots already passed are ones that did not match. */
static size_t remove_if(struct fdb *f,
			bool (*match)(const struct fdb *,
				      const struct fdb_entry *, uint64_t),
			uint64_t arg)
{
	size_t n = 0;

	for (size_t i = 0; i < f->nslots; i++)
		while (!is_free(&f->slots[i]) && match(f, &f->slots[i], arg)) {
			remove_at(f, i);
			n++;
		}
	return n;
}

static bool on_port(const struct fdb *f, const struct fdb_entry *e,
		    uint64_t port)
{
	(void)f;
	return e->port == port;
}

static bool is_expired(const struct fdb *f, const struct fdb_entry *e,
		       uint64_t now)
{
	return expired(f, e, now);
}

size_t fdb_forget_port(struct fdb *f, unsigned port)
{
	return remove_if(f, on_port, port);
}

size_t fdb_expire(struct fdb *f, uint64_t now)
{
	if (!f->ageing)
		return 0;
	size_t n = remove_if(f, is_expired, now);
	f->expired += n;
	return n;
}

void fdb_foreach(const struct fdb *f,
		 void (*fn)(void *arg, const struct fdb_entry *e), void *arg)
{
	for (size_t i = 0; i < f->nslots; i++)
		if (!is_free(&f->slots[i]))
			fn(arg, &f->slots[i]);
}
