/* internal.h: what the core's modules share.  Nothing here crosses the
 * plugin boundary; names are devmgr__ (internal) and never exported. */
#ifndef DEVMGR_INTERNAL_H
#define DEVMGR_INTERNAL_H

#include <devmgr/app.h>
#include <devmgr/plugin.h>
#include <devmgr/sig/blk.h>
#include <devmgr/sig/console.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>

#define HIDDEN __attribute__((visibility("hidden")))

/* ---- allocation (alloc.c): every allocation of the core ---------------- */
HIDDEN void *devmgr__malloc(size_t n);
HIDDEN void *devmgr__calloc(size_t n, size_t size);
HIDDEN void *devmgr__realloc(void *p, size_t n);
HIDDEN void devmgr__free(void *p);
HIDDEN char *devmgr__strdup(const char *s);
HIDDEN char *devmgr__asprintf(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
/* Grow *arr (of elem bytes) so that it holds at least need elements. */
HIDDEN int devmgr__reserve(void *arr, size_t *cap, size_t need, size_t elem);

/* ---- errors (error.c) ------------------------------------------------- */
HIDDEN int devmgr__verror(struct devmgr_error *err, int code, const char *fmt,
			  va_list ap);
HIDDEN int devmgr__error_at(struct devmgr_error *err, int code,
			    const char *source, const char *pointer,
			    const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Copy src into dst (size bytes, always NUL-terminated) with control
 * bytes and bytes that are not valid UTF-8 written as \xHH, so that an
 * untrusted string (a path, an id, a xenstore value) printed in a message
 * keeps the message on one line and the terminal's state unchanged.
 * Returns the length written. */
HIDDEN size_t devmgr__escape(char *dst, size_t size, const char *src);
/* What a file of mode is, for "not a regular file (a FIFO)". */
HIDDEN const char *devmgr__file_kind(unsigned mode);
/* Closest candidate to word within a small edit distance, or NULL. */
HIDDEN const char *devmgr__did_you_mean(const char *word,
					const char *const *cands, size_t n);

/* ---- string -> pointer map (registry.c) ------------------------------ */
struct devmgr__map {
	struct devmgr__map_slot {
		const char *key;
		void *val;
	} * slots;
	size_t cap, count;
};
HIDDEN void *devmgr__map_get(const struct devmgr__map *m, const char *key);
/* key is borrowed: it must live as long as the entry. */
HIDDEN int devmgr__map_put(struct devmgr__map *m, const char *key, void *val);
HIDDEN void devmgr__map_free(struct devmgr__map *m);

struct devmgr_ctx;
/* Non-NULL when refusal i was of a plugin that declared provider name. */
HIDDEN const char *devmgr__refusal_provides(const struct devmgr_ctx *ctx,
					    size_t i, const char *name);

/* ---- signatures (sig.c): the core knows every signature -------------- */
struct devmgr__sig {
	const char *name;
	uint16_t major, minor;
	size_t handle_size;
	const size_t *required; /* offsets of required ops in the table */
	const char *const *required_names;
	size_t nrequired;
	/* Add the device's key facts to info (for probe). */
	int (*describe)(void *handle, json_t *info);
};
HIDDEN const struct devmgr__sig *devmgr__sig_find(const char *name);

/* ---- registry (registry.c) ------------------------------------------- */
struct devmgr__provider_entry {
	const struct devmgr_provider *p;
	const struct devmgr__sig *sig;
	const char *origin; /* plugin path, "" when linked in */
};
struct devmgr__app_entry {
	const struct devmgr_app *a;
	const char *origin;
};
struct devmgr__plugin_entry {
	const struct devmgr_plugin *d;
	char *path;
};
HIDDEN int devmgr__register_plugin(struct devmgr_ctx *ctx,
				   const struct devmgr_plugin *d,
				   const char *origin,
				   struct devmgr_error *err);
HIDDEN int devmgr__register_app(struct devmgr_ctx *ctx,
				const struct devmgr_app *a, const char *origin,
				struct devmgr_error *err);
HIDDEN const struct devmgr__provider_entry *
devmgr__provider_lookup(const struct devmgr_ctx *ctx, const char *name);

/* ---- parameters (param.c) -------------------------------------------- */
/* Check obj's keys (except those in skip) against table; returns a new
 * object with every parameter: given values converted (sizes to integers,
 * paths made absolute against dir) and defaults filled in. */
HIDDEN json_t *devmgr__params_check(const struct devmgr_param *table,
				    json_t *obj, const char *const *skip,
				    const char *dir, const char *what,
				    const char *source, const char *pointer,
				    struct devmgr_error *err);
HIDDEN const char *devmgr__param_type_name(enum devmgr_param_type t);
HIDDEN int devmgr__params_table_check(const struct devmgr_param *table,
				      struct devmgr_error *err);

/* ---- devices and plans (config.c, graph.c) --------------------------- */
struct devmgr__handle {
	const void *ops;
	void *priv;
	struct devmgr_device *dev;
	void *reserved_[2];
};

struct devmgr_device {
	struct devmgr_ctx *ctx;
	char *id;
	char *source; /* xenstore path, or NULL */
	const struct devmgr__provider_entry *prov;
	json_t *spec;	/* as configured, for the reload diff */
	json_t *params; /* checked, with defaults */
	char **on_ids;
	struct devmgr_device **deps;
	size_t ndeps;
	enum devmgr_device_state state;
	struct devmgr_error *error; /* set when creation failed */
	void *priv;
	struct devmgr__handle handle;
	/* graph.c, while it orders a plan: dependencies not yet ordered. */
	size_t unordered;
	/* reload.c, while it applies a plan: what happens to this device of
	 * the running plan. */
	enum devmgr__fate {
		DEVMGR__KEPT,  /* stays, unless a dependency goes */
		DEVMGR__GOING, /* destroyed */
		DEVMGR__MOVED, /* kept, and now in the new plan */
	} fate;
	size_t nusers; /* devices stacked on this one */
};

/* A checked configuration: devices in file order and in creation order. */
struct devmgr__plan {
	json_t *root;
	char *path, *dir;
	struct devmgr_device **devs;  /* file order */
	struct devmgr_device **order; /* dependency order */
	size_t ndevs;
	struct devmgr__map index; /* id -> device */
	const char *app_name;
	json_t *app_bind, *app_args;
	/* File devices left out because they are stacked (maybe through
	 * other file devices) on a xenstore device that is not up yet:
	 * id -> the xenstore id they wait for.  NULL when none waits. */
	json_t *waiting;
};

HIDDEN int devmgr__plan_load(struct devmgr_ctx *ctx, const char *text,
			     const char *path, struct devmgr__plan *plan,
			     struct devmgr_error *err);
HIDDEN void devmgr__plan_free(struct devmgr__plan *plan);
HIDDEN int devmgr__plan_graph(struct devmgr__plan *plan,
			      struct devmgr_error *err);
HIDDEN void devmgr__device_free(struct devmgr_device *dev);
HIDDEN int devmgr__device_create(struct devmgr_device *dev,
				 struct devmgr_error *err);
HIDDEN void devmgr__device_destroy(struct devmgr_device *dev);
/* may_wait: a required slot whose device waits for xenstore is not an
 * error (the configuration is valid; the app starts later). */
HIDDEN int devmgr__plan_check_app(struct devmgr_ctx *ctx,
				  struct devmgr__plan *plan,
				  const struct devmgr_app *app, bool may_wait,
				  struct devmgr_error *err);

/* ---- event loop (loop.c) --------------------------------------------- */
struct devmgr__loop {
	int epfd, postfd, sigfd;
	/* The signal mask before devmgr__loop_signals(on): restored after,
	 * so that signals main() blocked stay blocked to its end. */
	sigset_t saved_mask;
	struct devmgr_watch *watches;
	struct devmgr__post *posts;
	void *lock; /* pthread_mutex_t, allocated */
	bool exiting;
	bool draining; /* the app's drain was called (SIGTERM, SIGINT) */
	int status;
	bool dispatching;
	bool dead_watches;
};
HIDDEN int devmgr__loop_init(struct devmgr__loop *l);
HIDDEN void devmgr__loop_fini(struct devmgr__loop *l);
HIDDEN int devmgr__loop_signals(struct devmgr_ctx *ctx, bool on);

/* ---- the plugin scanner (scan.c) -------------------------------------- */
#define DEVMGR__SCAN_REASON 256
typedef void (*devmgr__scan_try_fn)(struct devmgr_ctx *ctx, const char *path);
/* Load each of paths[0..n) with try in a child process (or take its
 * verdict from the cache); refused[i] is then "" for a file the child
 * survived, else why it did not.  0, or -ENOMEM. */
HIDDEN int devmgr__scan(struct devmgr_ctx *ctx, char **paths, size_t n,
			char (*refused)[DEVMGR__SCAN_REASON],
			devmgr__scan_try_fn try);

/* ---- the context ------------------------------------------------------ */
struct devmgr_ctx {
	devmgr_log_fn log_fn;
	void *log_arg;
	enum devmgr_log_level log_max;

	char **dirs; /* plugin folders to search, resolved */
	size_t ndirs, dirs_cap;
	struct devmgr_error *dir_errors; /* refused folders */
	bool plugins_loaded;
	bool rescan; /* the next load forgets the plugin cache (scan.c) */

	struct devmgr__provider_entry *provs;
	size_t nprovs, provs_cap;
	struct devmgr__map prov_index;
	struct devmgr__app_entry *apps;
	size_t napps, apps_cap;
	struct devmgr__plugin_entry *plugins;
	size_t nplugins, plugins_cap;
	struct devmgr_error *refusals;
	size_t nrefusals, refusals_cap;
	/* Per refusal: the provider names its descriptor declared, as
	 * "a\0b\0\0", or NULL when the descriptor could not be trusted. */
	char **refusal_provs;
	size_t refusal_provs_cap;

	struct devmgr__plan plan;
	bool have_plan;
	bool created;

	/* the running app */
	const struct devmgr_app *app;
	void *record;
	void *app_state;
	json_t *app_args;
	bool app_started;

	struct devmgr__loop loop;
	devmgr_event_fn event_fn;
	void *event_arg;

	/* The xenstore source (xs_source.c): its state, and the devices it
	 * has up, which every plan merges with the file's (config.c):
	 * id -> specification, id -> xenstore path.  xs_reasons: id -> why
	 * a device goes, while a change is applied. */
	struct devmgr__xs *xs;
	json_t *xs_specs, *xs_sources, *xs_reasons;
	/* File devices whose "waiting" was reported (reported once until
	 * they come up), and an app that waits for such a device to start. */
	json_t *waiting_said;
	char *app_pending;
	/* Xenstore devices whose creation found no node yet (a frontend is
	 * Connected a moment before its /dev node exists): id -> when the
	 * first try failed (monotonic ms), or -1 once given up and reported. */
	json_t *xs_node_wait;
};

HIDDEN void devmgr__event(struct devmgr_ctx *ctx, json_t *ev);
/* A new plan from the current one's configuration (not re-read from the
 * file), with the xenstore devices of the moment. */
HIDDEN int devmgr__plan_rebuild(struct devmgr_ctx *ctx, struct devmgr__plan *np,
				struct devmgr_error *err);
/* Apply np to the running devices and app (the reload diff); takes np. */
HIDDEN int devmgr__plan_apply(struct devmgr_ctx *ctx, struct devmgr__plan *np,
			      struct devmgr_error *err);
/* The xenstore devices changed: rebuild the plan and apply it. */
HIDDEN void devmgr__xs_replan(struct devmgr_ctx *ctx);
/* Try again the xenstore devices still within their node wait. */
HIDDEN void devmgr__xs_retry_nodes(struct devmgr_ctx *ctx);
/* Say (once) which file devices wait for a xenstore device. */
HIDDEN void devmgr__report_waiting(struct devmgr_ctx *ctx);
HIDDEN void devmgr__xs_close(struct devmgr_ctx *ctx);
/* The file was re-read: judge every xenstore device again (the map may
 * have changed). */
HIDDEN void devmgr__xs_reloaded(struct devmgr_ctx *ctx);
/* Whether this build reads xenstore (xs_source.c) or not (xs_none.c). */
HIDDEN bool devmgr__have_xenstore(void);
HIDDEN int devmgr__bind(struct devmgr_ctx *ctx, struct devmgr_error *err);
HIDDEN void devmgr__unbind(struct devmgr_ctx *ctx);
/* Does the app's bind name a device that waits for xenstore?  Its id, or
 * NULL. */
HIDDEN const char *devmgr__app_waits(const struct devmgr__plan *plan);
/* Offer a newly created device to a hot-plug slot; 0 if none wants it. */
HIDDEN int devmgr__app_plug(struct devmgr_ctx *ctx, struct devmgr_device *dev);
/* Take a device away from the app (if bound). */
HIDDEN void devmgr__app_unplug(struct devmgr_ctx *ctx,
			       struct devmgr_device *dev);
/* Is the device bound to a slot that cannot let it go while running? */
HIDDEN bool devmgr__app_pinned(struct devmgr_ctx *ctx,
			       const struct devmgr_device *dev);

#endif
