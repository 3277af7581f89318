/* devmgr/sig/console.h: the console signature, v1.1.  A console takes
 * text (an application's log, a program's output). */
#ifndef DEVMGR_SIG_CONSOLE_H
#define DEVMGR_SIG_CONSOLE_H

#include <devmgr/sig.h>

#define DEVMGR_CONSOLE_MAJOR 1
#define DEVMGR_CONSOLE_MINOR 1

struct devmgr_console;

/* Caller supplies the storage. */
struct devmgr_console_info {
	char name[64]; /* "stdout", a file path, ... (truncated) */
	uint32_t reserved[8];
};

struct devmgr_console_ops {
	uint32_t minor; /* DEVMGR_CONSOLE_MINOR when built */
	uint32_t reserved;
	/* valid for minor 0 */
	/* out arrives zeroed by the core's wrapper: set what you know. */
	int (*info)(struct devmgr_console *c,
		    struct devmgr_console_info *out); /* required */
	/* Write all len bytes, or return a negative errno. */
	int (*write)(struct devmgr_console *c, const char *buf,
		     size_t len);		/* required */
	int (*flush)(struct devmgr_console *c); /* optional */
	/* valid for minor 1 */
	/* Open the console's file again by its name (after a log rotation
	 * moved it away): later writes go to the new file. */
	int (*reopen)(struct devmgr_console *c); /* optional */
};

struct devmgr_console {
	DEVMGR_HANDLE_HEAD(devmgr_console_ops);
};

typedef DEVMGR_SET_OF(devmgr_console) devmgr_console_set;

static inline int devmgr_console_info(struct devmgr_console *c,
				      struct devmgr_console_info *out)
{
	memset(out, 0, sizeof(*out)); /* the provider sets what it knows */
	return c->ops->info(c, out);
}

static inline int devmgr_console_write(struct devmgr_console *c,
				       const char *buf, size_t len)
{
	return c->ops->write(c, buf, len);
}

static inline int devmgr_console_flush(struct devmgr_console *c)
{
	if (!DEVMGR_HAS_OP(c->ops, 0, flush))
		return 0; /* nothing buffered to flush */
	return c->ops->flush(c);
}

static inline int devmgr_console_reopen(struct devmgr_console *c)
{
	if (!DEVMGR_HAS_OP(c->ops, 1, reopen))
		return 0; /* nothing that a rotation can move */
	return c->ops->reopen(c);
}

/* printf to a console (formats into a bounded buffer, then write). */
DEVMGR_API int devmgr_console_printf(struct devmgr_console *c, const char *fmt,
				     ...) __attribute__((format(printf, 2, 3)));

#endif
