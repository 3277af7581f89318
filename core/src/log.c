/* log.c: the logging hook and the event hook.  The library prints only
 * through them. */
#include "internal.h"

#include <stdio.h>

static const char *const level_names[] = { "error", "warning", "info",
					   "debug" };

static void log_stderr(void *arg, enum devmgr_log_level level, const char *msg)
{
	(void)arg;
	fprintf(stderr, "devmgr: %s: %s\n", level_names[level], msg);
}

void devmgr_ctx_set_log(struct devmgr_ctx *ctx, devmgr_log_fn fn, void *arg,
			enum devmgr_log_level max)
{
	ctx->log_fn = fn ? fn : log_stderr;
	ctx->log_arg = arg;
	ctx->log_max = max;
}

void devmgr_log(struct devmgr_ctx *ctx, enum devmgr_log_level level,
		const char *fmt, ...)
{
	if (!ctx || level > ctx->log_max)
		return;
	char raw[1024], msg[sizeof(raw) * 4];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	/* Messages name paths, ids and xenstore values: one line each. */
	devmgr__escape(msg, sizeof(msg), raw);
	ctx->log_fn(ctx->log_arg, level, msg);
}

void devmgr_ctx_set_event_hook(struct devmgr_ctx *ctx, devmgr_event_fn fn,
			       void *arg)
{
	ctx->event_fn = fn;
	ctx->event_arg = arg;
}

/* Steals ev. */
void devmgr__event(struct devmgr_ctx *ctx, json_t *ev)
{
	if (ev && ctx->event_fn) {
		char *s = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (s)
			ctx->event_fn(ctx->event_arg, s);
		devmgr__free(s);
	}
	json_decref(ev);
}
