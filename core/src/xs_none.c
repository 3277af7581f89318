/* xs_none.c: the xenstore source of a build made with --without-xenstore
 * (xs_source.c is left out, libxenstore is not linked).  A context never
 * has a store: devmgr_ctx_use_xenstore() says so, and what the core asks
 * of the source has nothing to do. */
#include "internal.h"

#include <errno.h>

bool devmgr__have_xenstore(void)
{
	return false;
}

void devmgr__xs_reloaded(struct devmgr_ctx *ctx)
{
	(void)ctx;
}

void devmgr__xs_close(struct devmgr_ctx *ctx)
{
	(void)ctx;
}

int devmgr_ctx_use_xenstore(struct devmgr_ctx *ctx, struct devmgr_error *err)
{
	(void)ctx;
	return devmgr_error_set(err, -ENOTSUP, "built without xenstore");
}
