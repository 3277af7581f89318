/* conform.h: the conformance kit of "devmgr conform" (docs/conform.md).
 * Each signature has a table of cases; a case runs against one created
 * device and ends in pass, fail (what was expected, what came back) or
 * skip (why). */
#ifndef DEVMGR_CONFORM_H
#define DEVMGR_CONFORM_H

#include <devmgr/plugin.h>
#include <stdbool.h>

enum conform_result { CONFORM_PASS, CONFORM_FAIL, CONFORM_SKIP };

struct conform {
	struct devmgr_ctx *ctx;
	void *handle; /* the device under test, a struct devmgr_<sig> * */
	/* A second device made with read_only=true when the provider has
	 * that parameter and the first is writable; NULL otherwise. */
	void *ro_handle;
	char ro_why[600]; /* why ro_handle is NULL */
	/* A second device on the same wire (net: peer.PARAM=VALUE), or NULL
	 * with the reason in peer_why. */
	void *peer_handle;
	char peer_why[600];
	/* What the running case reports. */
	char what[200];
	char expected[200];
	char got[200];
	char reason[200];
};

struct conform_case {
	const char *name;
	const char *checks; /* one line for the listing and the docs */
	enum conform_result (*run)(struct conform *c);
};

/* The case tables, each ending with { NULL }. */
extern const struct conform_case conform_blk_cases[];
extern const struct conform_case conform_console_cases[];
extern const struct conform_case conform_fs_cases[];
extern const struct conform_case conform_net_cases[];
extern const struct conform_case conform_stack_cases[];

/* Record a failure of op `what`: expected, got.  Returns CONFORM_FAIL. */
enum conform_result conform_fail(struct conform *c, const char *what,
				 const char *expected, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Record why the case cannot run here.  Returns CONFORM_SKIP. */
enum conform_result conform_skip(struct conform *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A return code: "0", "-ERANGE", "1536" (a count). */
const char *conform_rc(long rc, char *buf, size_t size);
/* False (with the failure recorded) when rc is not want. */
bool conform_rc_is(struct conform *c, const char *what, long rc, long want);
/* A pattern of len bytes that depends on seed and on each byte's place. */
void conform_fill(void *p, size_t len, unsigned seed);

#endif
