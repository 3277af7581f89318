/* netutil.h: what net-link and net-debug share beyond the net provider
 * kit (devmgr/provider/net.h): a small seeded random generator and the
 * fault settings they read from their parameters.  Compiled into each of
 * the two plugins (and once into a test program that links both). */
#ifndef DEVMGR_NETUTIL_H
#define DEVMGR_NETUTIL_H

#include <devmgr/provider/net.h>

#include <stdbool.h>
#include <stdint.h>

/* splitmix64: small, seedable, and the same on every machine. */
static inline uint64_t net_rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Fault settings: each probability is scaled to 0 .. 2^32 (2^32: always),
 * compared with 32 random bits. */
struct net_fault_cfg {
	uint64_t seed;
	uint64_t loss, duplicate, reorder;
	uint64_t delay_ns;
	bool any; /* some fault or delay is configured */
};

/* The fault parameters, for a provider's parameter table. */
#define NET_FAULT_PARAMS                                                       \
	{ "seed",                                                              \
	  DEVMGR_PARAM_INT,                                                    \
	  0,                                                                   \
	  "1",                                                                 \
	  "seed of the fault generator: the same seed and traffic give the "   \
	  "same faults",                                                       \
	  0,                                                                   \
	  0 },                                                                 \
		{ "loss",                                                      \
		  DEVMGR_PARAM_STRING,                                         \
		  0,                                                           \
		  "\"0\"",                                                     \
		  "probability that a frame is dropped: \"5%\" or \"0.05\"",   \
		  0,                                                           \
		  0 },                                                         \
		{ "duplicate",                                                 \
		  DEVMGR_PARAM_STRING,                                         \
		  0,                                                           \
		  "\"0\"",                                                     \
		  "probability that a frame is delivered twice",               \
		  0,                                                           \
		  0 },                                                         \
		{ "reorder",                                                   \
		  DEVMGR_PARAM_STRING,                                         \
		  0,                                                           \
		  "\"0\"",                                                     \
		  "probability that a frame is held back and follows the "     \
		  "next one "                                                  \
		  "(released after 5 ms if none comes)",                       \
		  0,                                                           \
		  0 },                                                         \
	{                                                                      \
		"delay_ms", DEVMGR_PARAM_INT, 0, "0",                          \
			"delay added to every frame, in milliseconds", 0,      \
			60000                                                  \
	}

/* Read the NET_FAULT_PARAMS of dev.  0, or -EINVAL naming the parameter. */
int net_fault_params(struct devmgr_device *dev, struct net_fault_cfg *cfg,
		     struct devmgr_error *err);

#endif
