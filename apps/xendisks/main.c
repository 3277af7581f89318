/* The xendisks executable: the options of "devmgr run" (devmgr/cli.h),
 * and it reads xenstore without --xenstore (XENSTORED_PATH picks the
 * daemon's socket); devices also come from -c FILE.  It runs until
 * SIGINT or SIGTERM.  It links no providers: they come from the plugin
 * path, and the app itself is passed to devmgr_app_main_flags(), so that
 * the xendisks plugin found on that path is not a second copy of it. */
#include <devmgr/app.h>

extern const struct devmgr_app xendisks_app;

DEVMGR_APP_MAIN_FLAGS(xendisks_app, DEVMGR_APP_MAIN_XENSTORE)
