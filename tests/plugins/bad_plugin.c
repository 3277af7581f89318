/* bad_plugin.c: plugins the loader must refuse, one per check.  Each
 * module is this file built with one BAD_* macro defined (see local.mk):
 *
 *   BAD_NODESC   a plain shared object without devmgr_plugin_entry
 *   BAD_MAGIC    a descriptor with the wrong magic
 *   BAD_ABI      a descriptor for ABI major 99
 *   BAD_SIG      a descriptor with another build signature
 *   BAD_DUP      a valid plugin declaring "blk-ram" again
 *   BAD_NULLOP   a blk provider whose required readv is NULL
 *   BAD_NULLNAME a parameter table with a nameless entry before its end
 *
 * The descriptors are written by hand rather than with DEVMGR_PLUGIN(),
 * which would fill in the right magic, ABI and signature. */
#include <devmgr/plugin.h>
#include <devmgr/sig/blk.h>

#ifdef BAD_NODESC

__attribute__((visibility("default"))) int bad_nodesc_answer(void);
__attribute__((visibility("default"))) int bad_nodesc_answer(void)
{
	return 42;
}

#else

static int bad_info(struct devmgr_blk *b, struct devmgr_blk_info *out)
{
	(void)b;
	(void)out;
	return -EIO;
}

static int bad_rw(struct devmgr_blk *b, uint64_t sector,
		  const struct iovec *iov, int iovcnt)
{
	(void)b;
	(void)sector;
	(void)iov;
	(void)iovcnt;
	return -EIO;
}

static int bad_flush(struct devmgr_blk *b)
{
	(void)b;
	return -EIO;
}

static const struct devmgr_blk_ops bad_ops = {
	.minor = DEVMGR_BLK_MINOR,
	.info = bad_info,
#ifndef BAD_NULLOP
	.readv = bad_rw,
#endif
	.writev = bad_rw,
	.flush = bad_flush,
};

static const struct devmgr_param bad_params[] = {
#ifdef BAD_NULLNAME
	{ "first", DEVMGR_PARAM_STRING, 0, NULL, "a parameter", 0, 0 },
	{ NULL, DEVMGR_PARAM_INT, 0, "1", "a parameter without a name", 0, 0 },
	{ "hidden", DEVMGR_PARAM_BOOL, 0, NULL, "hidden behind it", 0, 0 },
#endif
	{ NULL },
};

static int bad_create(struct devmgr_device *dev, struct devmgr_error *err)
{
	(void)dev;
	return devmgr_error_set(err, -EIO, "test plugin: never creates");
}

#if defined BAD_DUP
#define BAD_PROVIDER "blk-ram"
#elif defined BAD_NULLOP
#define BAD_PROVIDER "test-bad-nullop"
#elif defined BAD_NULLNAME
#define BAD_PROVIDER "test-bad-nullname"
#else
#define BAD_PROVIDER "test-bad-descriptor"
#endif

static const struct devmgr_provider bad_provider = {
	.size = sizeof(struct devmgr_provider),
	.name = BAD_PROVIDER,
	.help = "test: a provider from a plugin the loader refuses",
	.sig = "blk",
	.sig_major = DEVMGR_BLK_MAJOR,
	.sig_minor = DEVMGR_BLK_MINOR,
	.ops = &bad_ops,
	.params = bad_params,
	.create = bad_create,
};

static const struct devmgr_provider *const providers[] = {
	&bad_provider,
	NULL,
};

#ifdef BAD_MAGIC
#define DESC_MAGIC 0x12345678u
#else
#define DESC_MAGIC DEVMGR_PLUGIN_MAGIC
#endif
#ifdef BAD_ABI
#define DESC_ABI_MAJOR 99
#else
#define DESC_ABI_MAJOR DEVMGR_ABI_MAJOR
#endif
#ifdef BAD_SIG
#define DESC_SIGNATURE "devmgr0:p2l2z2o9999"
#else
#define DESC_SIGNATURE DEVMGR_BUILD_SIGNATURE
#endif

static const struct devmgr_plugin desc = {
	.magic = DESC_MAGIC,
	.abi_major = DESC_ABI_MAJOR,
	.abi_minor = 0,
	.build_signature = DESC_SIGNATURE,
	.name = "test-bad",
	.version = "0.1.0",
	.providers = providers,
	.apps = NULL,
};

__attribute__((visibility("default")))
const struct devmgr_plugin *const devmgr_plugin_entry = &desc;

#endif
