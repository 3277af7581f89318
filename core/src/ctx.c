/* ctx.c: the context's life.  Loading a configuration and running an
 * app are the run policy's (run.c). */
#include "internal.h"

#include <errno.h>
#include <string.h>

struct devmgr_ctx *
devmgr_ctx_new_linked(const struct devmgr_plugin *const *start,
		      const struct devmgr_plugin *const *stop)
{
	struct devmgr_ctx *ctx = devmgr__calloc(1, sizeof(*ctx));
	if (!ctx)
		return NULL;
	devmgr_ctx_set_log(ctx, NULL, NULL, DEVMGR_LOG_WARN);
	if (devmgr__loop_init(&ctx->loop) < 0) {
		devmgr_ctx_free(ctx);
		return NULL;
	}
	for (const struct devmgr_plugin *const *p = start; p && p < stop; p++) {
		struct devmgr_error e;
		devmgr_error_clear(&e);
		int r = devmgr__register_plugin(ctx, *p, "", NULL, &e);
		if (r == -ENOMEM) {
			devmgr_ctx_free(ctx);
			return NULL;
		}
		if (r < 0) { /* a linked-in table is wrong: say so, go on */
			devmgr_log(ctx, DEVMGR_LOG_ERROR,
				   "linked-in plugin %s: %s",
				   (*p)->name ? (*p)->name : "?", e.text);
			continue;
		}
		char *none = devmgr__strdup("");
		if (!none ||
		    devmgr__reserve(&ctx->plugins, &ctx->plugins_cap,
				    ctx->nplugins + 1, sizeof(*ctx->plugins))) {
			devmgr__free(none);
			devmgr_ctx_free(ctx);
			return NULL;
		}
		ctx->plugins[ctx->nplugins++] =
			(struct devmgr__plugin_entry){ *p, none, NULL };
	}
	return ctx;
}

void devmgr_ctx_free(struct devmgr_ctx *ctx)
{
	if (!ctx)
		return;
	devmgr_ctx_stop_app(ctx);
	devmgr__xs_close(ctx);
	json_decref(ctx->waiting_said);
	json_decref(ctx->xs_node_wait);
	devmgr__free(ctx->app_pending);
	if (ctx->have_plan) {
		devmgr_ctx_destroy_devices(ctx);
		devmgr__plan_free(&ctx->plan);
	}
	if (ctx->cfg) {
		devmgr__config_free(ctx->cfg);
		devmgr__free(ctx->cfg);
	}
	devmgr__loop_fini(&ctx->loop);
	for (size_t i = 0; i < ctx->ndirs; i++)
		devmgr__free(ctx->dirs[i]);
	devmgr__free(ctx->dirs);
	for (size_t i = 0; i < ctx->nplugins; i++)
		devmgr__free(ctx->plugins[i].path);
	devmgr__free(ctx->plugins);
	for (size_t i = 0; i < ctx->nlazies; i++) {
		devmgr__stub_free(ctx->lazies[i]->stub);
		devmgr__free(ctx->lazies[i]->path);
		devmgr__free(ctx->lazies[i]);
	}
	devmgr__free(ctx->lazies);
	for (size_t i = 0; i < ctx->nprovs; i++)
		devmgr__free(ctx->provs[i]);
	devmgr__free(ctx->provs);
	devmgr__map_free(&ctx->prov_index);
	devmgr__free(ctx->apps);
	for (size_t i = 0; i < ctx->nrefusals; i++)
		devmgr__free(ctx->refusal_provs[i]);
	devmgr__free(ctx->refusal_provs);
	devmgr__free(ctx->refusals);
	devmgr__free(ctx);
}
