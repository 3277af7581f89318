/* The xendisks app as a plugin, for "devmgr run --xenstore xendisks". */
#include <devmgr/app.h>

extern const struct devmgr_app xendisks_app;

static const struct devmgr_app *const apps[] = {
	&xendisks_app,
	NULL,
};

DEVMGR_PLUGIN("xendisks", "0.1.0", NULL, apps);
