/* default_config.h: what "devmgr probe" and "devmgr run" use without -c:
 * a console and a small RAM disk, so that a fresh install shows something
 * useful. */
#ifndef DEVMGR_DEFAULT_CONFIG_H
#define DEVMGR_DEFAULT_CONFIG_H

#define DEFAULT_CONFIG                                                         \
	"{ \"devmgr\": 1,\n"                                                   \
	"  \"devices\": {\n"                                                   \
	"    \"log\":  { \"provider\": \"console-stdio\" },\n"                 \
	"    \"disk\": { \"provider\": \"blk-ram\", \"size\": \"1M\" }\n"      \
	"  },\n"                                                               \
	"  \"app\": { \"name\": \"blkdump\",\n"                                \
	"           \"bind\": { \"log\": \"log\", \"disk\": \"disk\" } }\n"    \
	"}\n"

#endif
