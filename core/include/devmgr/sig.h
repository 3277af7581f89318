/* sig.h: what every signature header shares.  A signature is a name, a
 * major.minor version and an ops table.  Ops tables start with the minor
 * version they were built for and only ever grow at the end: a member
 * added in minor N is read only after checking "minor >= N", which the
 * inline wrappers of each signature header do (as SQLite's iVersion). */
#ifndef DEVMGR_SIG_H
#define DEVMGR_SIG_H

#include <devmgr/devmgr.h>
#include <errno.h>
#include <string.h>
#include <sys/uio.h>

/* Every typed handle starts with these members, in this order: the
 * provider's ops table, the provider's private state, and the device.
 * The core allocates handles; a handle lives until its device is
 * destroyed. */
#define DEVMGR_HANDLE_HEAD(ops_type)                                           \
	const struct ops_type *ops;                                            \
	void *priv;                                                            \
	struct devmgr_device *dev;                                             \
	void *reserved_[2]

/* True when table t (built for minor t->minor) has op, and op is set. */
#define DEVMGR_HAS_OP(t, since_minor, op)                                      \
	((t)->minor + 1 > (since_minor) && (t)->op != NULL)

/* A slot that takes many devices of one signature holds a set: the core
 * owns items and keeps it up to date across hot-plug. */
#define DEVMGR_SET_OF(handle_type)                                             \
	struct {                                                               \
		size_t count;                                                  \
		struct handle_type **items;                                    \
	}

#endif
