/* app.h: what an application declares.  An app (a functor) is a typed
 * record of slots, each slot a typed device handle, plus start/stop and,
 * for hot-pluggable slots, plug/unplug.  devmgr binds the configured
 * devices to the slots, checks everything, then calls start().
 *
 *   struct dump_devs {
 *           struct devmgr_console *log;
 *           struct devmgr_blk *disk;
 *   };
 *   static const struct devmgr_slot dump_slots[] = {
 *           DEVMGR_SLOT(struct dump_devs, log, console, DEVMGR_SLOT_REQUIRED),
 *           DEVMGR_SLOT(struct dump_devs, disk, blk, DEVMGR_SLOT_REQUIRED),
 *           { NULL },
 *   };
 *
 * A field whose C type is not the slot's signature handle does not
 * compile. */
#ifndef DEVMGR_APP_H
#define DEVMGR_APP_H

#include <devmgr/plugin.h>
#include <stddef.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
	DEVMGR_SLOT_REQUIRED = 1u << 0, /* start fails when nothing is bound */
	DEVMGR_SLOT_MANY = 1u << 1,	/* a set of devices (DEVMGR_SLOT_SET) */
	DEVMGR_SLOT_HOTPLUG = 1u
			      << 2, /* devices may come and go while running */
};

struct devmgr_slot {
	const char *name; /* the field's name, used by app.bind */
	const char *sig;  /* the signature name */
	size_t offset;	  /* of the field in the record */
	unsigned flags;
	uint32_t reserved;
};
_Static_assert(sizeof(struct devmgr_slot) == 32, "devmgr_slot ABI");

/* Zero, or a compile error when field is not of type ftype. */
#define DEVMGR__TYPECHECK(record, field, ftype, msg)                           \
	(0 * sizeof(struct {                                                   \
		 _Static_assert(                                               \
			 __builtin_types_compatible_p(                         \
				 __typeof__(((record *)0)->field), ftype),     \
			 msg);                                                 \
		 char c_;                                                      \
	 }))

/* One device: the field is a struct devmgr_<sig> *. */
#define DEVMGR_SLOT(record, field, signame, slot_flags)                        \
	{                                                                      \
		.name = #field, .sig = #signame,                               \
		.offset = offsetof(record, field),                             \
		.flags = ((slot_flags) & ~DEVMGR_SLOT_MANY) +                  \
			 DEVMGR__TYPECHECK(                                    \
				 record, field, struct devmgr_##signame *,     \
				 "slot '" #field                               \
				 "' must be a struct devmgr_" #signame " *"),  \
	}

/* Many devices: the field is a devmgr_<sig>_set. */
#define DEVMGR_SLOT_SET(record, field, signame, slot_flags)                    \
	{                                                                      \
		.name = #field, .sig = #signame,                               \
		.offset = offsetof(record, field),                             \
		.flags = ((slot_flags) | DEVMGR_SLOT_MANY) +                   \
			 DEVMGR__TYPECHECK(                                    \
				 record, field, devmgr_##signame##_set,        \
				 "slot '" #field                               \
				 "' must be a devmgr_" #signame "_set"),       \
	}

/* For plug and unplug: true when slot names the record's field.  The
 * field is checked at compile time, so renaming it fails to build where a
 * plain strcmp(slot, "name") would refuse every device at run time. */
#define DEVMGR_SLOT_IS(record, field, slot)                                    \
	((void)sizeof(((record *)0)->field), strcmp((slot), #field) == 0)

struct devmgr_app {
	uint32_t size; /* sizeof(struct devmgr_app) when built */
	uint32_t reserved0;
	const char *name;
	const char *help;
	size_t record_size;		 /* sizeof the slot record */
	const struct devmgr_slot *slots; /* ends with { NULL } */
	const struct devmgr_param *args; /* app.args; ends with { NULL } */
	size_t state_size;		 /* zeroed state, owned by the core */
	/* A configuration used when the app's executable runs without -c. */
	const char *default_config;
	/* Called on the loop thread once everything is bound.  Return 0 and
	 * keep running (end with devmgr_ctx_exit()), or a negative errno. */
	int (*start)(struct devmgr_ctx *ctx, void *record);
	/* Called once on shutdown if start returned 0. */
	void (*stop)(struct devmgr_ctx *ctx, void *record);
	/* Hot-plug (slots with DEVMGR_SLOT_HOTPLUG).  slot is the slot's
	 * name: test it with DEVMGR_SLOT_IS.  plug: the handle is
	 * already in the record; return 0 to accept it.  unplug: the handle
	 * is still in the record and is removed after the call returns; the
	 * app must release it before returning. */
	int (*plug)(struct devmgr_ctx *ctx, void *record, const char *slot,
		    void *handle);
	void (*unplug)(struct devmgr_ctx *ctx, void *record, const char *slot,
		       void *handle);
	/* Optional.  SIGTERM or SIGINT calls it instead of stopping the app
	 * at once: the app stops taking work, finishes what is in flight and
	 * ends with devmgr_ctx_exit() (then stop is called as usual).  A
	 * second signal stops the app at once. */
	void (*drain)(struct devmgr_ctx *ctx, void *record);
	void *reserved[3];
};
_Static_assert(sizeof(struct devmgr_app) == 128, "devmgr_app ABI");

/* For the app, inside start/stop/plug/unplug: its state (state_size
 * bytes) and its arguments (checked against args; defaults applied).
 * Strings are borrowed while the app runs. */
DEVMGR_API void *devmgr_app_state(struct devmgr_ctx *ctx);
DEVMGR_API const char *devmgr_arg_str(struct devmgr_ctx *ctx, const char *name);
DEVMGR_API int64_t devmgr_arg_int(struct devmgr_ctx *ctx, const char *name);
DEVMGR_API bool devmgr_arg_bool(struct devmgr_ctx *ctx, const char *name);
DEVMGR_API bool devmgr_arg_present(struct devmgr_ctx *ctx, const char *name);

/* The main() of an app's own executable: the options of "devmgr run"
 * (devmgr/cli.h): -c FILE, --plugin-path DIR, --xenstore, -v, -q, --help,
 * --version; without -c it runs on app->default_config.  SIGHUP, SIGINT
 * and SIGTERM are blocked from its first line, so that one sent while
 * the devices are being set up is handled by the loop.  Returns the exit
 * status. */
DEVMGR_API int devmgr_app_main(int argc, char **argv,
			       const struct devmgr_app *app,
			       const struct devmgr_plugin *const *start,
			       const struct devmgr_plugin *const *stop);

enum {
	/* Read devices from xenstore even without --xenstore. */
	DEVMGR_APP_MAIN_XENSTORE = 1u << 0,
};

/* devmgr_app_main() with DEVMGR_APP_MAIN_* flags. */
DEVMGR_API int devmgr_app_main_flags(int argc, char **argv,
				     const struct devmgr_app *app,
				     unsigned flags,
				     const struct devmgr_plugin *const *start,
				     const struct devmgr_plugin *const *stop);

#define DEVMGR_APP_MAIN_FLAGS(app, flags)                                      \
	int main(int argc, char **argv)                                        \
	{                                                                      \
		return devmgr_app_main_flags(argc, argv, &(app), (flags),      \
					     __start_devmgr_plugins,           \
					     __stop_devmgr_plugins);           \
	}

#define DEVMGR_APP_MAIN(app) DEVMGR_APP_MAIN_FLAGS(app, 0)

#ifdef __cplusplus
}
#endif
#endif
