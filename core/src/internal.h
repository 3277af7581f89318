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
/* A JSON pointer for "/<prefix>/<key>", escaping '~' and '/'; a key too
 * long for buf is cut and ends with "...". */
HIDDEN void devmgr__pointer(char *buf, size_t size, const char *prefix,
			    const char *key);
/* A device id as CONTRACT.md says: ^[A-Za-z][A-Za-z0-9_.-]{0,63}$ */
HIDDEN bool devmgr__id_valid(const char *id);
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

/* ---- scan records (scan_record.c) -------------------------------------- */
/* A descriptor made from the scanner's record of a file: names, versions,
 * tables, but no code (ops, create, start are NULL). */
struct devmgr__stub;
/* A new reference: what a record says of d (the scanner's side). */
HIDDEN json_t *devmgr__plugin_describe(const struct devmgr_plugin *d);
/* Read a record (untrusted: from a pipe or the cache); -EINVAL with *err
 * saying where it is wrong.  *out holds a reference to rec. */
HIDDEN int devmgr__stub_new(json_t *rec, struct devmgr__stub **out,
			    struct devmgr_error *err);
HIDDEN const struct devmgr_plugin *
devmgr__stub_plugin(const struct devmgr__stub *s);
HIDDEN json_t *devmgr__stub_json(const struct devmgr__stub *s); /* borrowed */
HIDDEN void devmgr__stub_free(struct devmgr__stub *s);
/* A record's bytes (scan_record.c says why not JSON text): a new buffer
 * of *len bytes (and a NUL), or NULL; and back, a new reference, or NULL
 * with *why saying what is wrong. */
HIDDEN char *devmgr__record_dump(json_t *v, size_t *len);
HIDDEN json_t *devmgr__record_load(const char *p, size_t len, const char **why);

/* ---- registry (registry.c) ------------------------------------------- */
/* A plugin file registered from its scan and not loaded yet: its entries
 * point at the stub's descriptor until devmgr__lazy_load() swaps in the
 * loaded one.  Owned by the context, freed with it (the stub's strings
 * are borrowed by entries, the xenstore source and specifications). */
struct devmgr__lazy {
	char *path;
	struct devmgr__stub *stub;
	bool loaded;
	bool failed; /* loading it was refused: its entries are gone */
	struct devmgr_error error;
};
struct devmgr__provider_entry {
	const struct devmgr_provider *p;
	const struct devmgr__sig *sig;
	const char *origin;	   /* plugin path, "" when linked in */
	struct devmgr__lazy *lazy; /* NULL: linked in, or loaded at once */
};
struct devmgr__app_entry {
	const struct devmgr_app *a;
	const char *origin;
	struct devmgr__lazy *lazy;
};
struct devmgr__plugin_entry {
	const struct devmgr_plugin *d;
	char *path;
	struct devmgr__lazy *lazy;
};
/* An entry of a file whose load was refused after its scan. */
#define DEVMGR__GONE(e) ((e)->lazy && (e)->lazy->failed)
/* The checks of a descriptor that depend on it alone (the scanner runs
 * them; a load runs them again). */
HIDDEN int devmgr__plugin_check(const struct devmgr_plugin *d,
				struct devmgr_error *err);
/* The same, of a stub (scan_record.c), whose code is not there. */
HIDDEN int devmgr__stub_check(const struct devmgr_plugin *d,
			      struct devmgr_error *err);
/* Register d's providers and apps (all or none).  lazy: d is its stub,
 * whose code the checks cannot see yet. */
HIDDEN int devmgr__register_plugin(struct devmgr_ctx *ctx,
				   const struct devmgr_plugin *d,
				   const char *origin,
				   struct devmgr__lazy *lazy,
				   struct devmgr_error *err);
/* Load the file of lazy (once) and swap its entries to the loaded
 * descriptor; 0, or the refusal naming the file (loader.c). */
HIDDEN int devmgr__lazy_load(struct devmgr_ctx *ctx, struct devmgr__lazy *lazy,
			     struct devmgr_error *err);
/* The provider's or app's code is there (its file loaded if need be). */
HIDDEN int devmgr__provider_ready(struct devmgr_ctx *ctx,
				  const struct devmgr__provider_entry *e,
				  struct devmgr_error *err);
HIDDEN int devmgr__app_ready(struct devmgr_ctx *ctx, const char *name,
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

/* ---- device specifications (config.c) ------------------------------- */
/* One device as a source asks for it, checked against its provider: what
 * the plan and the apply step need, and nothing of the text it came from.
 * Shared (counted) by a source's set and the devices made from it; id and
 * the on ids live in the same allocation. */
struct devmgr__spec {
	size_t refs;
	const char *id;
	const char *source; /* xenstore path, or NULL */
	const struct devmgr__provider_entry *prov;
	json_t *params; /* checked, with defaults */
	uint64_t given; /* bit i: parameter i of the table was given */
	const char **on_ids;
	size_t ndeps;
};
/* One source's set of specifications, in its order. */
struct devmgr__specs {
	struct devmgr__spec **v;
	size_t n, cap;
	struct devmgr__map index; /* id -> spec */
};
HIDDEN void devmgr__spec_put(struct devmgr__spec *s);
/* Same provider, parameters and dependencies. */
HIDDEN bool devmgr__spec_equal(const struct devmgr__spec *a,
			       const struct devmgr__spec *b);
/* Add s to set (taking the reference); 0 or -ENOMEM. */
HIDDEN int devmgr__specs_add(struct devmgr__specs *set, struct devmgr__spec *s);
HIDDEN void devmgr__specs_free(struct devmgr__specs *set);

/* A checked configuration file: its device specifications, the app's
 * section and the xenstore section (kept as JSON: small, and read by the
 * app binding and the xenstore source).  The file's JSON tree is dropped
 * once the specifications are made. */
struct devmgr__config {
	char *path, *dir; /* dir: NULL for a string */
	json_t *root;	  /* while it is read and checked */
	struct devmgr__specs devs;
	const char *app_name;
	json_t *app, *app_bind, *app_args;
	json_t *xs; /* the "xenstore" object, or NULL */
};
/* Read and check the file's shape and plugin_path (which adds plugin
 * folders); loads nothing.  On error *cfg is freed. */
HIDDEN int devmgr__config_read(struct devmgr_ctx *ctx, const char *text,
			       const char *path, struct devmgr__config *cfg,
			       struct devmgr_error *err);
/* Check the devices against their providers (loaded by the caller), the
 * app and xenstore sections; makes cfg->devs and drops cfg->root. */
HIDDEN int devmgr__config_check(struct devmgr_ctx *ctx,
				struct devmgr__config *cfg,
				struct devmgr_error *err);
HIDDEN void devmgr__config_free(struct devmgr__config *cfg);
/* A specification from a source's JSON object (a xenstore device's, as
 * xs_map made it): checked as the file's are, but without the provider's
 * own check (the toolstack's values fail that device alone, when it is
 * created).  cfg gives the folder and the name errors give. */
HIDDEN int devmgr__spec_from_json(struct devmgr_ctx *ctx,
				  const struct devmgr__config *cfg,
				  const char *id, json_t *spec,
				  const char *source, struct devmgr__spec **out,
				  struct devmgr_error *err);

/* ---- devices and plans (device.c, plan.c, graph.c, apply.c) ---------- */
struct devmgr__handle {
	const void *ops;
	void *priv;
	struct devmgr_device *dev;
	void *reserved_[2];
};

struct devmgr_device {
	struct devmgr_ctx *ctx;
	struct devmgr__spec *spec; /* counted reference */
	/* From spec, for brevity. */
	const char *id;
	const struct devmgr__provider_entry *prov;
	struct devmgr_device **deps;
	enum devmgr_device_state state;
	/* apply.c, while it applies a plan: what happens to this device of
	 * the running plan. */
	enum devmgr__fate {
		DEVMGR__KEPT,  /* stays, unless a dependency goes */
		DEVMGR__GOING, /* destroyed */
		DEVMGR__MOVED, /* kept, and now in the new plan */
	} fate;
	struct devmgr_error *error; /* set when creation failed */
	void *priv;
	struct devmgr__handle handle;
	/* graph.c, while it orders a plan: dependencies not yet ordered. */
	unsigned unordered;
	unsigned nusers; /* devices stacked on this one */
};

/* A plan: the devices of every source merged, in source order and in
 * creation order, with their graph resolved. */
struct devmgr__plan {
	const char *path; /* the configuration's name, for errors */
	const char *dir;  /* its folder (relative paths), or NULL */
	bool has_xs;	  /* the configuration has a xenstore section */
	struct devmgr_device **devs;  /* source order */
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

/* The plan of cfg's devices and the xenstore set xs (may be NULL): pure,
 * it creates nothing and loads nothing. */
HIDDEN int devmgr__plan_make(struct devmgr_ctx *ctx,
			     const struct devmgr__config *cfg,
			     const struct devmgr__specs *xs,
			     struct devmgr__plan *plan,
			     struct devmgr_error *err);
HIDDEN void devmgr__plan_free(struct devmgr__plan *plan);
HIDDEN int devmgr__plan_graph(struct devmgr__plan *plan,
			      struct devmgr_error *err);
HIDDEN struct devmgr_device *devmgr__device_new(struct devmgr_ctx *ctx,
						struct devmgr__spec *spec);
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
/* Apply np to the running devices and app (the diff); takes np.  reasons:
 * id -> why a xenstore device goes (may be NULL). */
HIDDEN int devmgr__plan_apply(struct devmgr_ctx *ctx, struct devmgr__plan *np,
			      json_t *reasons, struct devmgr_error *err);

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
	int status;
	/* A signal read from the signalfd (run.c's policy); NULL: stop. */
	void (*on_signal)(struct devmgr_ctx *ctx, int signo);
	bool dispatching;
	bool dead_watches;
};
HIDDEN int devmgr__loop_init(struct devmgr__loop *l);
HIDDEN void devmgr__loop_fini(struct devmgr__loop *l);
HIDDEN int devmgr__loop_signals(struct devmgr_ctx *ctx, bool on);

/* ---- the plugin scanner (scan.c) -------------------------------------- */
#define DEVMGR__SCAN_REASON 256
/* In the scanner: load path and say what it holds, as a record
 * {"plugin": DESCRIBED} or {"error": TEXT, "provides": [NAME...]}. */
typedef json_t *(*devmgr__scan_try_fn)(struct devmgr_ctx *ctx,
				       const char *path);
struct devmgr__scan_result {
	char refused[DEVMGR__SCAN_REASON]; /* "" when stub is set */
	struct devmgr__stub *stub;	   /* owned by the caller */
	char *provs; /* refused: the names it declared, "a\0b\0\0", or NULL */
};
/* Describe each of paths[0..n) with try in a child process (or take the
 * record from the cache): res[i] has the file's stub, or why it was
 * refused.  0, or -ENOMEM. */
HIDDEN int devmgr__scan(struct devmgr_ctx *ctx, char **paths, size_t n,
			struct devmgr__scan_result *res,
			devmgr__scan_try_fn try);

/* ---- the context ------------------------------------------------------ */
struct devmgr_ctx {
	devmgr_log_fn log_fn;
	void *log_arg;
	enum devmgr_log_level log_max;

	char **dirs; /* plugin folders to search, resolved */
	size_t ndirs, dirs_cap;
	struct devmgr_error *dir_errors; /* refused folders */
	bool plugins_scanned, plugins_loaded;
	struct devmgr__lazy **lazies;
	size_t nlazies, lazies_cap;
	bool rescan; /* the next load forgets the plugin cache (scan.c) */

	struct devmgr__provider_entry **provs; /* each allocated: stable */
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

	/* The file's checked configuration, and the running plan made of it
	 * and of the xenstore set. */
	struct devmgr__config *cfg;
	struct devmgr__plan plan;
	bool have_plan;
	bool created;

	/* the running app */
	const struct devmgr_app *app;
	void *record;
	void *app_state;
	json_t *app_args;
	bool app_started;
	bool draining; /* the app's drain was called (SIGTERM, SIGINT) */

	struct devmgr__loop loop;
	devmgr_event_fn event_fn;
	void *event_arg;

	/* The xenstore source (xs_source.c): its state, and the set of the
	 * devices it has up, which every plan merges with the file's. */
	struct devmgr__xs *xs;
	struct devmgr__specs xs_set;
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
/* What the xenstore source reports to the run policy: its set changed
 * (reasons: id -> why a device that was up goes), or a tick passed. */
enum devmgr__xs_news { DEVMGR__XS_CHANGED, DEVMGR__XS_TICK };
typedef void (*devmgr__xs_news_fn)(struct devmgr_ctx *ctx,
				   enum devmgr__xs_news what, json_t *reasons);
/* Connect, read every device, publish ctx->xs_set and keep it current,
 * telling news (xs_source.c; -ENOTSUP in a build without xenstore). */
HIDDEN int devmgr__xs_open(struct devmgr_ctx *ctx, devmgr__xs_news_fn news,
			   struct devmgr_error *err);
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
