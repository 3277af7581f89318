/* Compiled by slot_typecheck.sh: with -DBAD, a slot whose field has the
 * wrong handle type must not compile; without it, the same record with
 * the right type must. */
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
