/* The echo app as a plugin, for "devmgr run echo". */
#include <devmgr/app.h>

extern const struct devmgr_app echo_app;

static const struct devmgr_app *const apps[] = {
	&echo_app,
	NULL,
};

DEVMGR_PLUGIN("echo", "0.1.0", NULL, apps);
