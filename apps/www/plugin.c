/* The www app as a plugin, for "devmgr run -c FILE www". */
#include "www.h"

static const struct devmgr_app *const apps[] = {
	&www_app,
	NULL,
};

DEVMGR_PLUGIN("www", "0.1.0", NULL, apps);
