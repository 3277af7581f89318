/* fdb.h: the switch's forwarding table (MAC address -> port).  A fixed,
 * preallocated open-addressing hash table: learning never allocates, so a
 * storm of new source addresses fills the table to its bound and no
 * further.  Time is passed in by the caller (milliseconds on any monotonic
 * clock), which keeps the table free of system calls and lets tests drive
 * ageing. */
#ifndef SWITCH_FDB_H
#define SWITCH_FDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FDB_NO_PORT	0xffffu
#define FDB_MAX_PORTS	0xfff0u /* port numbers are below this */
#define FDB_MAX_ENTRIES (1u << 20)

struct fdb_entry {
	uint8_t mac[6];
	uint16_t port; /* FDB_NO_PORT: the slot is free */
	uint64_t seen; /* ms, last time the address was a source */
};

struct fdb {
	struct fdb_entry *slots; /* nslots, a power of two >= 2 * capacity */
	size_t nslots;
	unsigned shift;	 /* 64 - log2(nslots) */
	size_t capacity; /* most entries held at once */
	size_t count;	 /* entries held, expired ones included */
	uint64_t ageing; /* ms; 0: entries never expire */
	uint64_t last_sweep;
	uint64_t seed; /* keys the hash, so collisions cannot be chosen */
	/* Totals since creation. */
	uint64_t learned, moved, expired, full_misses;
};

enum fdb_learn_result {
	FDB_REFRESHED, /* known on this port: its time was updated */
	FDB_LEARNED,   /* a new entry */
	FDB_MOVED,     /* known on another port: now on this one */
	FDB_FULL,      /* not learned: the table is full of live entries */
	FDB_INVALID,   /* a group (multicast) or all-zero address */
};

/* Allocate and touch the whole table now.  capacity 1..FDB_MAX_ENTRIES;
 * ageing_ms 0 means never.  Returns 0 or -EINVAL / -ENOMEM. */
int fdb_init(struct fdb *f, size_t capacity, uint64_t ageing_ms, uint64_t seed);
void fdb_fini(struct fdb *f);

/* Record that mac was seen as a source on port at time now. */
enum fdb_learn_result fdb_learn(struct fdb *f, const uint8_t mac[6],
				unsigned port, uint64_t now);
/* The port where mac was last seen, or FDB_NO_PORT when it is unknown
 * or its entry has expired (which removes it). */
unsigned fdb_lookup(struct fdb *f, const uint8_t mac[6], uint64_t now);
/* Remove one address; true if it was there. */
bool fdb_remove(struct fdb *f, const uint8_t mac[6]);
/* Remove every entry of port (it went away); returns how many. */
size_t fdb_forget_port(struct fdb *f, unsigned port);
/* Remove expired entries; returns how many. */
size_t fdb_expire(struct fdb *f, uint64_t now);

/* Visit every live entry (call fdb_expire first to skip stale ones).
 * fn must not change the table. */
void fdb_foreach(const struct fdb *f,
		 void (*fn)(void *arg, const struct fdb_entry *e), void *arg);

static inline bool fdb_mac_is_group(const uint8_t mac[6])
{
	return mac[0] & 1;
}

#endif
