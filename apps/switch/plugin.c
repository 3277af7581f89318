/* The switch app as a plugin, for "devmgr run switch". */
#include <devmgr/app.h>

extern const struct devmgr_app switch_app;

static const struct devmgr_app *const apps[] = {
	&switch_app,
	NULL,
};

DEVMGR_PLUGIN("switch", "0.1.0", NULL, apps);
