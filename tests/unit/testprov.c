/* testprov.c: the test providers t-blk, t-stack and t-con; see testprov.h. */
#include "testprov.h"
#include "testlib.h"

#include <devmgr/sig/console.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

char tlog[8192];

static void tlog_add(const char *what, const char *id)
{
	size_t n = strlen(tlog);
	snprintf(tlog + n, sizeof(tlog) - n, "%s%s%s", n ? " " : "", what, id);
}

static int tc_info(struct devmgr_console *c, struct devmgr_console_info *o)
{
	(void)c;
	memset(o, 0, sizeof(*o));
	snprintf(o->name, sizeof(o->name), "t-con");
	return 0;
}

static int tc_write(struct devmgr_console *c, const char *buf, size_t len)
{
	(void)c, (void)buf, (void)len;
	return 0;
}

static const struct devmgr_console_ops tc_ops = {
	.minor = DEVMGR_CONSOLE_MINOR,
	.info = tc_info,
	.write = tc_write,
};

static const struct devmgr_param t_params[] = {
	{ "fail", DEVMGR_PARAM_BOOL, 0, "false", "make create fail", 0, 0 },
	{ NULL, 0, 0, NULL, NULL, 0, 0 },
};

static int t_create(struct devmgr_device *dev, struct devmgr_error *err)
{
	if (devmgr_param_bool(dev, "fail")) {
		tlog_add("!", devmgr_device_id(dev));
		return devmgr_error_set(err, -EIO, "asked to fail");
	}
	tlog_add("+", devmgr_device_id(dev));
	return 0;
}

static void t_destroy(struct devmgr_device *dev)
{
	tlog_add("-", devmgr_device_id(dev));
}

static const struct devmgr_provider t_blk = {
	.size = sizeof(struct devmgr_provider),
	.name = "t-blk",
	.help = "test blk",
	.sig = "blk",
	.sig_major = DEVMGR_BLK_MAJOR,
	.sig_minor = DEVMGR_BLK_MINOR,
	.ops = &testlib_blk_ops,
	.params = t_params,
	.priv_size = 16,
	.create = t_create,
	.destroy = t_destroy,
};

static const struct devmgr_provider t_stack = {
	.size = sizeof(struct devmgr_provider),
	.name = "t-stack",
	.help = "test blk stacked on blk",
	.sig = "blk",
	.sig_major = DEVMGR_BLK_MAJOR,
	.sig_minor = DEVMGR_BLK_MINOR,
	.ops = &testlib_blk_ops,
	.params = t_params,
	.on_sig = "blk",
	.on_min = 1,
	.on_max = 4,
	.priv_size = 16,
	.create = t_create,
	.destroy = t_destroy,
};

static const struct devmgr_provider t_con = {
	.size = sizeof(struct devmgr_provider),
	.name = "t-con",
	.help = "test console",
	.sig = "console",
	.sig_major = DEVMGR_CONSOLE_MAJOR,
	.sig_minor = DEVMGR_CONSOLE_MINOR,
	.ops = &tc_ops,
	.params = t_params,
	.priv_size = 0,
	.create = t_create,
	.destroy = t_destroy,
};

static const struct devmgr_provider *const t_provs[] = { &t_blk, &t_stack,
							 &t_con, NULL };
DEVMGR_PLUGIN("t-prov", "1", t_provs, NULL);
