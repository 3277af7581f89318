/* sig.c: the signatures the core knows: their versions, required ops and
 * how a device of each is described.  A new signature adds an entry here
 * and a header under devmgr/sig/. */
#include "internal.h"

#include <stddef.h>
#include <string.h>

static int console_describe(void *handle, json_t *info)
{
	struct devmgr_console_info ci;
	memset(&ci, 0, sizeof(ci));
	int r = devmgr_console_info(handle, &ci);
	if (r < 0)
		return r;
	ci.name[sizeof(ci.name) - 1] = '\0';
	return json_object_set_new(info, "name", json_string(ci.name)) ? -ENOMEM
									 : 0;
}

static int blk_describe(void *handle, json_t *info)
{
	struct devmgr_blk_info bi;
	memset(&bi, 0, sizeof(bi));
	int r = devmgr_blk_info(handle, &bi);
	if (r < 0)
		return r;
	if (json_object_set_new(info, "sector_size",
				json_integer(bi.sector_size)) ||
	    json_object_set_new(info, "sectors",
				json_integer((json_int_t)bi.sectors)) ||
	    json_object_set_new(info, "read_only", json_boolean(bi.read_only)))
		return -ENOMEM;
	return 0;
}

static const size_t console_req[] = {
	offsetof(struct devmgr_console_ops, info),
	offsetof(struct devmgr_console_ops, write),
};
static const char *const console_req_names[] = { "info", "write" };

static const size_t blk_req[] = {
	offsetof(struct devmgr_blk_ops, info),
	offsetof(struct devmgr_blk_ops, readv),
	offsetof(struct devmgr_blk_ops, writev),
	offsetof(struct devmgr_blk_ops, flush),
};
static const char *const blk_req_names[] = { "info", "readv", "writev",
					     "flush" };

_Static_assert(sizeof(struct devmgr_console) == sizeof(struct devmgr__handle),
	       "handles share one layout");
_Static_assert(sizeof(struct devmgr_blk) == sizeof(struct devmgr__handle),
	       "handles share one layout");
_Static_assert(sizeof(struct devmgr_blk_info) == 32, "blk_info ABI");
_Static_assert(sizeof(struct devmgr_console_info) == 96, "console_info ABI");

#define SIG(n, M, m, req, names, desc)                                         \
	{                                                                    \
		.name = n, .major = M, .minor = m,                           \
		.handle_size = sizeof(struct devmgr__handle),                \
		.required = req, .required_names = names,                    \
		.nrequired = sizeof(req) / sizeof(req[0]), .describe = desc, \
	}

static const struct devmgr__sig sigs[] = {
	SIG("console", DEVMGR_CONSOLE_MAJOR, DEVMGR_CONSOLE_MINOR, console_req,
	    console_req_names, console_describe),
	SIG("blk", DEVMGR_BLK_MAJOR, DEVMGR_BLK_MINOR, blk_req, blk_req_names,
	    blk_describe),
};

const struct devmgr__sig *devmgr__sig_find(const char *name)
{
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (strcmp(sigs[i].name, name) == 0)
			return &sigs[i];
	return NULL;
}
