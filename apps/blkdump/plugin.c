/* The blkdump app as a plugin, for "devmgr run blkdump". */
#include <devmgr/app.h>

extern const struct devmgr_app blkdump_app;

static const struct devmgr_app *const apps[] = {
	&blkdump_app,
	NULL,
};

DEVMGR_PLUGIN("blkdump", "0.1.0", NULL, apps);
