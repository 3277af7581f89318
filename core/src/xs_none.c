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

int devmgr__xs_open(struct devmgr_ctx *ctx, devmgr__xs_news_fn news,
		    struct devmgr_error *err)
{
	(void)ctx;
	(void)news;
	return devmgr_error_set(err, -ENOTSUP, "built without xenstore");
}
