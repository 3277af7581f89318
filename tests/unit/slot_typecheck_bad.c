/* Compiled by slot_typecheck.sh: with -DBAD, a slot whose field has the
 * wrong handle type must not compile; with -DBAD_IS, a plug callback that
 * tests a slot name the record has no field for must not compile; without
 * them, the same record with the right types and names must. */
#include <devmgr/app.h>
#include <devmgr/sig/blk.h>
#include <devmgr/sig/console.h>

struct rec {
	struct devmgr_console *log;
#ifdef BAD
	struct devmgr_console *disk; /* wrong: the slot is a blk */
#else
	struct devmgr_blk *disk;
#endif
	devmgr_blk_set more;
};

const struct devmgr_slot rec_slots[] = {
	DEVMGR_SLOT(struct rec, log, console, DEVMGR_SLOT_REQUIRED),
	DEVMGR_SLOT(struct rec, disk, blk, DEVMGR_SLOT_REQUIRED),
#ifdef BAD_SET
	DEVMGR_SLOT_SET(struct rec, log, console, 0), /* not a set */
#else
	DEVMGR_SLOT_SET(struct rec, more, blk, 0),
#endif
	{ NULL, NULL, 0, 0, 0 },
};

int rec_plug(struct devmgr_ctx *ctx, void *record, const char *slot,
	     void *handle);
int rec_plug(struct devmgr_ctx *ctx, void *record, const char *slot,
	     void *handle)
{
	(void)ctx;
	(void)record;
	(void)handle;
#ifdef BAD_IS
	return DEVMGR_SLOT_IS(struct rec, disks, slot) ? 0 : -1; /* no field */
#else
	return DEVMGR_SLOT_IS(struct rec, disk, slot) ? 0 : -1;
#endif
}
