/* xs_map.h: the pure half of the xenstore source: everything that turns
 * untrusted xenstore key/value trees into a device specification, with no
 * connection to a store (so that the fuzz target can drive it).  The
 * connection, watches and hot-plug live in xs_source.c. */
#ifndef DEVMGR_XS_MAP_H
#define DEVMGR_XS_MAP_H

#include "internal.h"

/* Bounds on what one device may bring (a guest writes these). */
#define XS_MAX_KEYS   64   /* keys in one frontend or backend directory */
#define XS_MAX_VALUE  1024 /* bytes of one value that devmgr keeps */
#define XS_MAX_PATH   256  /* bytes of a path devmgr builds or accepts */
#define XS_MAX_EXPAND 4096 /* bytes of one parameter after placeholders */

/* XenbusState values (xen/io/xenbus.h). */
enum {
	XS_STATE_UNKNOWN = 0,
	XS_STATE_INITIALISING = 1,
	XS_STATE_INITWAIT = 2,
	XS_STATE_INITIALISED = 3,
	XS_STATE_CONNECTED = 4,
	XS_STATE_CLOSING = 5,
	XS_STATE_CLOSED = 6,
	XS_STATE_RECONFIGURING = 7,
	XS_STATE_RECONFIGURED = 8,
};

/* What one device's entries say, from the guest's side. */
enum xs_verdict {
	XS_UP,	       /* complete, both ends Connected: *spec is set */
	XS_WAITING,    /* well-formed, not (yet) Connected */
	XS_CLOSED,     /* an end is Closing or Closed */
	XS_INCOMPLETE, /* keys missing that a writer is expected to add */
	XS_BAD,	       /* a hostile or impossible value: an error event */
};

/* One device as read: frontend and backend keys (key -> string value,
 * both untrusted).  back is NULL when the backend was not read. */
struct xs_view {
	const char *cls;   /* "vbd" */
	const char *devid; /* the directory name, untrusted */
	const char *fpath; /* <domain path>/device/<class>/<devid> */
	unsigned domid;	   /* our domain */
	json_t *front, *back;
};

struct xs_result {
	enum xs_verdict verdict;
	char bpath[XS_MAX_PATH]; /* the validated backend path, or "" */
	json_t *spec;		 /* XS_UP: new reference */
	char where[XS_MAX_PATH]; /* the xenstore path a message is about */
	char text[512];		 /* XS_BAD, XS_INCOMPLETE: the message */
	const char *provider;	 /* XS_UP: the provider's name */
};

/* The highest domain id (below DOMID_FIRST_RESERVED, xen/xen.h). */
#define XS_DOMID_MAX 0x7fefu

/* Strict unsigned decimal: no sign, no spaces, no leading zeros (but
 * "0"), at most max.  0 or -EINVAL. */
HIDDEN int devmgr__xs_uint(const char *s, unsigned long max,
			   unsigned long *out);
/* A domain id as xenstore writes it: strict decimal, at most
 * XS_DOMID_MAX.  0 or -EINVAL. */
HIDDEN int devmgr__xs_domid(const char *s, unsigned long *out);
/* Does the source read class cls: vbd, vif, console, a class a provider
 * declares or one that map (the configuration's xenstore.map, may be
 * NULL) names? */
HIDDEN bool devmgr__xs_class_known(const struct devmgr_ctx *ctx, json_t *map,
				   const char *cls);
/* Split a xenstore device id "<class>-<devid>" (a numeric devid, as Xen
 * writes them) into its class; false when id cannot be one. */
HIDDEN bool devmgr__xs_id_class(const char *id, char *cls, size_t size);

/* Linux's name for a Xen disk from its virtual-device number ("xvda",
 * "xvdb3", "xvdaa"), as xen-blkfront names it: majors 202 (xvd), 3/22/..
 * (IDE hd), 8/65-71/128-135 (SCSI sd), and extended ids (bit 28).  0, or
 * -EINVAL when Linux would refuse the number. */
HIDDEN int devmgr__xs_vdev_name(unsigned long vdev, char *buf, size_t size);

/* Check the frontend keys and, when the backend keys are there, the
 * backend's; apply the class mapping.  map is the configuration's
 * xenstore.map (may be NULL).  Fills *res; res->spec owned by the caller. */
HIDDEN void devmgr__xs_evaluate(struct devmgr_ctx *ctx, json_t *map,
				const struct xs_view *v, struct xs_result *res);
/* The provider serving class cls: map's entry, else the provider that
 * declares the class.  NULL if none. */
HIDDEN const struct devmgr__provider_entry *
devmgr__xs_provider(struct devmgr_ctx *ctx, json_t *map, const char *cls);

#endif
