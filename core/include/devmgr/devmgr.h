/* devmgr.h: the public API of libdevmgr, for applications and for the devmgr
 * command.  Providers also include plugin.h; applications include app.h and
 * the headers of the signatures they use (devmgr/sig/<name>.h).
 *
 * Conventions (as in libuv): calls return 0 or a negative errno; a call that
 * can fail for a reason a user must read also fills a caller-owned
 * struct devmgr_error.  Every pointer argument documents who owns it. */
#ifndef DEVMGR_H
#define DEVMGR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DEVMGR_VERSION_MAJOR  0
#define DEVMGR_VERSION_MINOR  1
#define DEVMGR_VERSION_STRING "0.1.0"

#define DEVMGR_API __attribute__((visibility("default")))

/* ---- errors ---------------------------------------------------------- */

/* Storage is supplied by the caller; the library fills it on failure.
 * Which location fields are set depends on where the problem is. */
struct devmgr_error {
	int code;	   /* negative errno, 0 when no error */
	int line, column;  /* 1-based position in source, 0 when unknown */
	char source[512];  /* file, plugin path or xenstore path; "" if none */
	char pointer[256]; /* JSON pointer ("/devices/disk0/path"); "" if none
			    */
	char text[512];	   /* the message, without the location */
};

/* Clear *err (err may be NULL). */
DEVMGR_API void devmgr_error_clear(struct devmgr_error *err);
/* Fill *err (err may be NULL).  Returns code, so that callers can write
 * "return devmgr_error_set(err, -EINVAL, ...)". */
DEVMGR_API int devmgr_error_set(struct devmgr_error *err, int code,
				const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Format "SOURCE:LINE:COLUMN: text", "SOURCE: /pointer: text" or
 * "SOURCE: text" into buf (caller's storage, always NUL-terminated).
 * Returns buf. */
DEVMGR_API const char *devmgr_error_format(const struct devmgr_error *err,
					   char *buf, size_t size);
/* Name of a negative errno ("ENOENT"), never NULL. */
DEVMGR_API const char *devmgr_err_name(int code);

/* ---- logging --------------------------------------------------------- */

enum devmgr_log_level {
	DEVMGR_LOG_ERROR = 0,
	DEVMGR_LOG_WARN = 1,
	DEVMGR_LOG_INFO = 2,
	DEVMGR_LOG_DEBUG = 3,
};

struct devmgr_ctx;

/* The library prints nothing itself: messages go to this hook.  The
 * default hook writes warnings and errors to stderr. */
typedef void (*devmgr_log_fn)(void *arg, enum devmgr_log_level level,
			      const char *msg);
DEVMGR_API void devmgr_ctx_set_log(struct devmgr_ctx *ctx, devmgr_log_fn fn,
				   void *arg, enum devmgr_log_level max);
DEVMGR_API void devmgr_log(struct devmgr_ctx *ctx, enum devmgr_log_level level,
			   const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- context ---------------------------------------------------------- */

struct devmgr_plugin;

/* New reference: free with devmgr_ctx_free().  Registers the plugins whose
 * descriptors lie in [start, stop) (either may be NULL).  Use
 * devmgr_ctx_new() below, which passes the calling program's own
 * devmgr_plugins linker section. */
DEVMGR_API struct devmgr_ctx *
devmgr_ctx_new_linked(const struct devmgr_plugin *const *start,
		      const struct devmgr_plugin *const *stop);

/* The section bounds are weak and hidden: each program or library that
 * calls devmgr_ctx_new() sees its own section, and a program without any
 * linked-in plugin gets NULL. */
extern const struct devmgr_plugin *const __start_devmgr_plugins[]
	__attribute__((weak, visibility("hidden")));
extern const struct devmgr_plugin *const __stop_devmgr_plugins[]
	__attribute__((weak, visibility("hidden")));

/* New reference: a context with every provider and app linked into the
 * calling program. */
static inline struct devmgr_ctx *devmgr_ctx_new(void)
{
	return devmgr_ctx_new_linked(__start_devmgr_plugins,
				     __stop_devmgr_plugins);
}
/* Stops the app if running, destroys every device in reverse creation
 * order, frees the context.  Plugins stay loaded. */
DEVMGR_API void devmgr_ctx_free(struct devmgr_ctx *ctx);

/* Plugin search path: dir is copied.  Folders are searched in the order
 * added, before DEVMGR_PLUGIN_PATH and the installed default.  A relative
 * dir is resolved against base (NULL: the current directory). */
DEVMGR_API int devmgr_ctx_add_plugin_dir(struct devmgr_ctx *ctx,
					 const char *dir, const char *base,
					 struct devmgr_error *err);
/* Load every plugin found on the search path (once; later calls do
 * nothing).  Each refused file is logged as a warning and kept in the
 * refusal list; the return value is the number of refused files, or a
 * negative errno if nothing could be searched. */
DEVMGR_API int devmgr_ctx_load_plugins(struct devmgr_ctx *ctx);
/* Find every plugin on the search path and register what each declares
 * from its scan (docs/plugins.md), loading none of them (once; later
 * calls do nothing): the introspection calls below then answer, with
 * descriptors that carry names, versions and tables but no code (ops,
 * create and start are NULL) until the file is loaded.  A configuration
 * loads the files of the providers and the app it names; a device of a
 * provider not loaded yet loads its file when it is created.  Returns as
 * devmgr_ctx_load_plugins(). */
DEVMGR_API int devmgr_ctx_scan_plugins(struct devmgr_ctx *ctx);
/* Plugin files are loaded first by a scanner, a child process, whose
 * verdicts are cached per user (docs/plugins.md): the next load of ctx
 * forgets that cache and scans every file again. */
DEVMGR_API void devmgr_ctx_rescan_plugins(struct devmgr_ctx *ctx);
/* Load one plugin file by path.  0, or a negative errno with *err naming
 * the file and the reason. */
DEVMGR_API int devmgr_ctx_load_plugin(struct devmgr_ctx *ctx, const char *path,
				      struct devmgr_error *err);

/* ---- configuration and devices -------------------------------------- */

/* Read a configuration file and check it against the providers and the
 * app (no device is created).  path is copied. */
DEVMGR_API int devmgr_ctx_load_config(struct devmgr_ctx *ctx, const char *path,
				      struct devmgr_error *err);
/* The same from a string; name is used in messages (e.g. "<built-in>"). */
DEVMGR_API int devmgr_ctx_load_config_string(struct devmgr_ctx *ctx,
					     const char *text, const char *name,
					     struct devmgr_error *err);
/* Create every configured device in dependency order.  With keep_going
 * false, the first failure destroys what was created (reverse order) and
 * is returned; with keep_going true, every device that can be created is,
 * failures are recorded on the device, and the number of failed devices
 * is returned. */
DEVMGR_API int devmgr_ctx_create_devices(struct devmgr_ctx *ctx,
					 bool keep_going,
					 struct devmgr_error *err);
/* Destroy every device in reverse creation order. */
DEVMGR_API void devmgr_ctx_destroy_devices(struct devmgr_ctx *ctx);

struct devmgr_device;

enum devmgr_device_state {
	DEVMGR_DEVICE_CONFIGURED = 0, /* specified, not created */
	DEVMGR_DEVICE_CREATED,	      /* created, not bound to an app slot */
	DEVMGR_DEVICE_BOUND,	      /* handed to the app */
	DEVMGR_DEVICE_UNPLUGGING,     /* the app is releasing it */
	DEVMGR_DEVICE_DESTROYED,
	DEVMGR_DEVICE_FAILED, /* creation failed; see error */
};

/* Devices in configuration order.  Borrowed: valid until the next call
 * that changes the configuration. */
DEVMGR_API size_t devmgr_ctx_device_count(const struct devmgr_ctx *ctx);
DEVMGR_API struct devmgr_device *devmgr_ctx_device(const struct devmgr_ctx *ctx,
						   size_t index);
DEVMGR_API struct devmgr_device *
devmgr_ctx_find_device(const struct devmgr_ctx *ctx, const char *id);

/* Borrowed strings, valid while the device exists. */
DEVMGR_API const char *devmgr_device_id(const struct devmgr_device *dev);
DEVMGR_API const char *
devmgr_device_provider_name(const struct devmgr_device *dev);
DEVMGR_API const char *devmgr_device_sig_name(const struct devmgr_device *dev);
DEVMGR_API const char *devmgr_device_source(const struct devmgr_device *dev);
DEVMGR_API enum devmgr_device_state
devmgr_device_state(const struct devmgr_device *dev);
DEVMGR_API const char *devmgr_device_state_name(enum devmgr_device_state s);
/* The error that made creation fail; NULL if none.  Borrowed. */
DEVMGR_API const struct devmgr_error *
devmgr_device_error(const struct devmgr_device *dev);
DEVMGR_API size_t devmgr_device_dep_count(const struct devmgr_device *dev);
DEVMGR_API struct devmgr_device *
devmgr_device_dep(const struct devmgr_device *dev, size_t index);
/* The typed handle (struct devmgr_blk * for a blk device...); NULL unless
 * created.  Borrowed, valid until the device is destroyed. */
DEVMGR_API void *devmgr_device_handle(const struct devmgr_device *dev);
/* The device's key facts as a JSON object text ("{\"sector_size\":512,...}")
 * written into buf.  Returns the length, or a negative errno. */
DEVMGR_API int devmgr_device_info_json(const struct devmgr_device *dev,
				       char *buf, size_t size);

/* ---- event loop ------------------------------------------------------ */

/* One pollable fd for the whole context (readable when dispatch has work). */
DEVMGR_API int devmgr_ctx_fd(const struct devmgr_ctx *ctx);
/* Run ready callbacks; waits at most timeout_ms (-1: forever, 0: no wait).
 * Returns the number of callbacks run, or a negative errno. */
DEVMGR_API int devmgr_ctx_dispatch(struct devmgr_ctx *ctx, int timeout_ms);

enum {
	DEVMGR_EV_READ = 1,
	DEVMGR_EV_WRITE = 2,
};
struct devmgr_watch;
typedef void (*devmgr_fd_fn)(void *arg, int fd, unsigned events);
/* Call fn(arg, fd, events) on the loop thread while fd is ready.  The fd
 * stays the caller's.  Returns a watch owned by the context, or NULL with
 * errno set. */
DEVMGR_API struct devmgr_watch *devmgr_watch_fd(struct devmgr_ctx *ctx, int fd,
						unsigned events,
						devmgr_fd_fn fn, void *arg);
DEVMGR_API int devmgr_watch_modify(struct devmgr_watch *w, unsigned events);
DEVMGR_API void devmgr_watch_cancel(struct devmgr_watch *w);

/* Thread-safe: queue fn(arg) to run on the loop thread. */
DEVMGR_API int devmgr_ctx_post(struct devmgr_ctx *ctx, void (*fn)(void *),
			       void *arg);

/* Ask the loop to end; devmgr_run() then returns status. */
DEVMGR_API void devmgr_ctx_exit(struct devmgr_ctx *ctx, int status);

/* Re-read the configuration file and apply the difference to the running
 * devices and app (what SIGHUP does). */
DEVMGR_API int devmgr_ctx_reload(struct devmgr_ctx *ctx,
				 struct devmgr_error *err);

/* Also read devices from xenstore (CONTRACT.md, docs/xen.md): connect
 * with libxenstore (XENSTORED_PATH picks a socket), find the domain
 * (xenstore.domain_path, else the store's "domid"), read every device of
 * the classes vbd, vif, console and of any class a provider declares or
 * the configuration maps, and add the ones that are up (both ends
 * Connected) to the configuration, with ids "<class>-<devid>".  Call it
 * after loading a configuration (without one, an empty configuration is
 * loaded).  From then on the context's loop follows the store: devices
 * that come up are created and offered to the app's hot-plug slots,
 * devices that go are unplugged and destroyed; a lost connection is
 * reopened with backoff.  0, or a negative errno with *err filled. */
DEVMGR_API int devmgr_ctx_use_xenstore(struct devmgr_ctx *ctx,
				       struct devmgr_error *err);

/* Plug and unplug events (for "devmgr watch").  json is a one-line JSON
 * object, borrowed for the call. */
typedef void (*devmgr_event_fn)(void *arg, const char *json);
DEVMGR_API void devmgr_ctx_set_event_hook(struct devmgr_ctx *ctx,
					  devmgr_event_fn fn, void *arg);

/* ---- running an app -------------------------------------------------- */

/* Bind devices to the app's slots and call its start.  app_name NULL: the
 * configuration's app.name. */
DEVMGR_API int devmgr_ctx_start_app(struct devmgr_ctx *ctx,
				    const char *app_name,
				    struct devmgr_error *err);
/* Call the app's stop (if started) and unbind its devices. */
DEVMGR_API void devmgr_ctx_stop_app(struct devmgr_ctx *ctx);

/* The whole life of a program: create devices, start the app, run the loop
 * until the app exits or SIGINT/SIGTERM arrives (SIGHUP reloads), stop the
 * app, destroy devices.  Returns the app's exit status, or a negative errno
 * with *err filled. */
DEVMGR_API int devmgr_run(struct devmgr_ctx *ctx, const char *app_name,
			  struct devmgr_error *err);

/* ---- introspection (devmgr plugins / inspect) ------------------------ */

struct devmgr_provider;
struct devmgr_app;

DEVMGR_API size_t devmgr_ctx_provider_count(const struct devmgr_ctx *ctx);
DEVMGR_API const struct devmgr_provider *
devmgr_ctx_provider(const struct devmgr_ctx *ctx, size_t index);
DEVMGR_API const struct devmgr_provider *
devmgr_ctx_find_provider(const struct devmgr_ctx *ctx, const char *name);
/* Path of the plugin file that brought the provider; "" when linked in. */
DEVMGR_API const char *devmgr_ctx_provider_origin(const struct devmgr_ctx *ctx,
						  size_t index);
DEVMGR_API size_t devmgr_ctx_app_count(const struct devmgr_ctx *ctx);
DEVMGR_API const struct devmgr_app *devmgr_ctx_app(const struct devmgr_ctx *ctx,
						   size_t index);
DEVMGR_API const struct devmgr_app *
devmgr_ctx_find_app(const struct devmgr_ctx *ctx, const char *name);

/* Plugins in load order: those linked into the program first (path ""),
 * then plugin files. */
DEVMGR_API size_t devmgr_ctx_plugin_count(const struct devmgr_ctx *ctx);
DEVMGR_API const struct devmgr_plugin *
devmgr_ctx_plugin(const struct devmgr_ctx *ctx, size_t index,
		  const char **path);
/* Refused plugin files: path and error, borrowed. */
DEVMGR_API size_t devmgr_ctx_refusal_count(const struct devmgr_ctx *ctx);
DEVMGR_API const struct devmgr_error *
devmgr_ctx_refusal(const struct devmgr_ctx *ctx, size_t index);

/* ---- allocation (for tests of failure paths) ------------------------- */

/* Every allocation of the library goes through these; a test may replace
 * them (before any context exists) to inject failures. */
struct devmgr_allocator {
	void *(*malloc)(size_t);
	void *(*realloc)(void *, size_t);
	void (*free)(void *);
};
DEVMGR_API void devmgr_set_allocator(const struct devmgr_allocator *a);

#ifdef __cplusplus
}
#endif
#endif
