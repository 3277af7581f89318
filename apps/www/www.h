/* www.h: what the www app's executable and plugin share. */
#ifndef WWW_H
#define WWW_H

#include <devmgr/app.h>

extern const struct devmgr_app www_app;

#endif
