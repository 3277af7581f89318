/* plugin.h: what a provider and a plugin declare.  Included by provider
 * code and by plugins; applications do not need it.
 *
 * A plugin is one descriptor (struct devmgr_plugin) made by DEVMGR_PLUGIN().
 * Linked into a program, the descriptor lands in the "devmgr_plugins"
 * linker section, where devmgr_ctx_new() finds it; built as a module, the
 * same descriptor is also the one symbol the module exports
 * (devmgr_plugin_entry), which the loader looks up after dlopen(). */
#ifndef DEVMGR_PLUGIN_H
#define DEVMGR_PLUGIN_H

#include <devmgr/devmgr.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- ABI ------------------------------------------------------------- */

#define DEVMGR_PLUGIN_MAGIC 0x44564d50u /* "DVMP" */
/* The descriptor layout; a different major is refused. */
#define DEVMGR_ABI_MAJOR 1
#define DEVMGR_ABI_MINOR 0

/* What must match between the core and a plugin for their structs to
 * agree (as nginx's module signature): pointer, long, size_t and bool
 * sizes, the byte order, and the devmgr major version. */
#define DEVMGR__STR2(x) #x
#define DEVMGR__STR(x)	DEVMGR__STR2(x)
#define DEVMGR_BUILD_SIGNATURE                                                                           \
	"devmgr" DEVMGR__STR(DEVMGR_VERSION_MAJOR) ":p" DEVMGR__STR(__SIZEOF_POINTER__) "l" DEVMGR__STR( \
		__SIZEOF_LONG__) "z" DEVMGR__STR(__SIZEOF_SIZE_T__) "o" DEVMGR__STR(__BYTE_ORDER__)

/* ---- typed parameters ------------------------------------------------ */

enum devmgr_param_type {
	DEVMGR_PARAM_STRING = 1,
	DEVMGR_PARAM_BOOL,
	DEVMGR_PARAM_INT,  /* JSON integer, int64 */
	DEVMGR_PARAM_SIZE, /* integer bytes, or a string "64K", "16M", "1G" */
	DEVMGR_PARAM_PATH, /* string; relative to the configuration's folder */
};

enum {
	DEVMGR_PARAM_REQUIRED = 1u << 0,
	/* Of the parameters marked ONE_OF, at least one must be given
	 * (blk-ram: "size" or "image"). */
	DEVMGR_PARAM_ONE_OF = 1u << 1,
};

/* One parameter of a provider or an app.  A table ends with {NULL}.  The
 * table alone drives validation, "devmgr inspect" and the docs. */
struct devmgr_param {
	const char *name;
	enum devmgr_param_type type;
	unsigned flags;
	const char *def; /* default as JSON text ("512", "false"), or NULL */
	const char *help;
	int64_t min, max; /* INT and SIZE bounds; both 0: no bound */
};
_Static_assert(sizeof(struct devmgr_param) == 48, "devmgr_param ABI");

/* ---- providers ------------------------------------------------------- */

struct devmgr_device;

/* A provider implements one signature.  The core allocates priv_size bytes
 * of zeroed private state before create() and frees them after destroy(),
 * so no memory crosses the plugin boundary to be freed on the other side. */
struct devmgr_provider {
	uint32_t size; /* sizeof(struct devmgr_provider) when built */
	uint32_t reserved0;
	const char *name;   /* "blk-file" */
	const char *help;   /* one line */
	const char *sig;    /* the signature name, "blk" */
	uint16_t sig_major; /* the version built against */
	uint16_t sig_minor;
	uint32_t reserved1;
	const void *ops; /* the signature's ops table (static const) */
	const struct devmgr_param *params; /* ends with {NULL} */
	/* Devices this one is stacked on ("on"): a signature and a count. */
	const char *on_sig; /* NULL: takes no "on" */
	uint16_t on_min, on_max;
	uint32_t reserved2;
	const char *xen_class; /* "vbd", "vif", "console", or NULL */
	size_t priv_size;
	/* Fill in the device; *err says why it failed.  Parameters, the
	 * devices below and the context come from the devmgr_device_*()
	 * calls below. */
	int (*create)(struct devmgr_device *dev, struct devmgr_error *err);
	/* Release what create() acquired.  Called once, only after a
	 * successful create. */
	void (*destroy)(struct devmgr_device *dev);
	/* Optional.  Check the parameters as create() would, without
	 * acquiring anything: "devmgr validate" (any configuration load)
	 * calls it, so that validate refuses what create() would refuse
	 * for a value out of range or inconsistent with another.  The
	 * device has its id, parameters and spec (devmgr_param_*() work),
	 * but no devices below, no handle and no private state.  0, or a
	 * negative errno with *err set; the core adds where (the device's
	 * JSON pointer, and below it the parameter that check() may name
	 * in err->pointer, as "size").  Taken from
	 * reserved space: a provider built before it has NULL here. */
	int (*check)(struct devmgr_device *dev, struct devmgr_error *err);
	/* DEVMGR_XEN_* flags for the Xen class.  Taken from reserved
	 * space: a provider built before it has 0 here. */
	uintptr_t xen_flags;
	void *reserved[2];
};
_Static_assert(sizeof(struct devmgr_provider) == 136, "devmgr_provider ABI");

/* The provider is the device's Xenbus frontend: it writes the frontend's
 * keys and state itself (blk-xen), so the xenstore source offers the
 * device as soon as the backend waits for a frontend (InitWait), instead
 * of waiting for both ends to be Connected. */
#define DEVMGR_XEN_FRONTEND 1u

struct devmgr_app;

/* The descriptor a plugin exports.  Arrays end with NULL. */
struct devmgr_plugin {
	uint32_t magic;	    /* DEVMGR_PLUGIN_MAGIC */
	uint16_t abi_major; /* DEVMGR_ABI_MAJOR */
	uint16_t abi_minor;
	const char *build_signature; /* DEVMGR_BUILD_SIGNATURE */
	const char *name;
	const char *version;
	const struct devmgr_provider *const *providers;
	const struct devmgr_app *const *apps;
	void *reserved[4];
};
_Static_assert(sizeof(struct devmgr_plugin) == 80, "devmgr_plugin ABI");

#define DEVMGR_PLUGIN_SYMBOL "devmgr_plugin_entry"

/* DEVMGR_PLUGIN(name, version, providers, apps): providers and apps are
 * NULL-terminated arrays (or NULL).  The descriptor always goes into the
 * devmgr_plugins section; the exported entry is weak, so that any number
 * of plugins can be linked into one program while a module still exports
 * exactly one. */
#define DEVMGR__CAT2(a, b) a##b
#define DEVMGR__CAT(a, b)  DEVMGR__CAT2(a, b)
#define DEVMGR_PLUGIN(pname, pversion, pproviders, papps)                      \
	static const struct devmgr_plugin DEVMGR__CAT(devmgr__plugin_,         \
						      __LINE__) = {            \
		.magic = DEVMGR_PLUGIN_MAGIC,                                  \
		.abi_major = DEVMGR_ABI_MAJOR,                                 \
		.abi_minor = DEVMGR_ABI_MINOR,                                 \
		.build_signature = DEVMGR_BUILD_SIGNATURE,                     \
		.name = (pname),                                               \
		.version = (pversion),                                         \
		.providers = (pproviders),                                     \
		.apps = (papps),                                               \
	};                                                                     \
	__attribute__((                                                        \
		used, section("devmgr_plugins"),                               \
		aligned(sizeof(void *)))) static const struct devmgr_plugin    \
		*const DEVMGR__CAT(devmgr__plugin_ptr_, __LINE__) =            \
			&DEVMGR__CAT(devmgr__plugin_, __LINE__);               \
	__attribute__((weak, visibility("default")))                           \
	const struct devmgr_plugin *const devmgr_plugin_entry =                \
		&DEVMGR__CAT(devmgr__plugin_, __LINE__)

/* ---- what create() may call ------------------------------------------ */

/* The device's private state (priv_size bytes, zeroed), owned by the core. */
DEVMGR_API void *devmgr_device_priv(struct devmgr_device *dev);
DEVMGR_API struct devmgr_ctx *devmgr_device_ctx(struct devmgr_device *dev);
/* Set the handle's private pointer (defaults to devmgr_device_priv()). */
DEVMGR_API void devmgr_device_set_handle_priv(struct devmgr_device *dev,
					      void *priv);
/* Replace the handle's ops table (defaults to the provider's ops), for a
 * provider whose devices differ in which optional ops they have (a
 * read-only filesystem leaves its write ops NULL).  ops must be the same
 * signature's table and outlive the device.  -EINVAL, and the handle
 * keeps its table, when ops is NULL or a required op is NULL. */
DEVMGR_API int devmgr_device_set_handle_ops(struct devmgr_device *dev,
					    const void *ops);

/* Parameters, already checked against the provider's table; absent
 * optional ones return the table's default.  Strings are borrowed until
 * the device is destroyed; a PATH is already resolved against the
 * configuration's folder.  An absent parameter with no default gives NULL,
 * or false / 0 and -ENOENT from the _get forms. */
DEVMGR_API const char *devmgr_param_str(struct devmgr_device *dev,
					const char *name);
DEVMGR_API bool devmgr_param_bool(struct devmgr_device *dev, const char *name);
DEVMGR_API int64_t devmgr_param_int(struct devmgr_device *dev,
				    const char *name);
DEVMGR_API bool devmgr_param_present(struct devmgr_device *dev,
				     const char *name);

#ifdef __cplusplus
}
#endif
#endif
