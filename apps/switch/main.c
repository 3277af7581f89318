/* The switch executable.  It links no providers: they come from the
 * plugin path, and the app itself is passed to devmgr_app_main() rather
 * than declared with DEVMGR_PLUGIN, so that the switch plugin found on
 * that path is not a second copy of it. */
#include <devmgr/app.h>

extern const struct devmgr_app switch_app;

DEVMGR_APP_MAIN(switch_app)
