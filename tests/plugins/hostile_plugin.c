/* hostile_plugin.c: plugins whose constructor would take the loading
 * process down; the scanner (core/src/scan.c) must take the blow and the
 * loader refuse the file.  Each module is this file built with one
 * HOSTILE_* macro defined (see local.mk):
 *
 *   HOSTILE_SEGV   the constructor writes through a null pointer
 *   HOSTILE_ABORT  the constructor calls abort()
 *   HOSTILE_EXIT   the constructor calls exit(0)
 *   HOSTILE_LOOP   the constructor never returns
 *
 * Past its constructor, each is a valid plugin without providers. */
#include <devmgr/plugin.h>

#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((constructor)) static void hostile(void)
{
#if defined HOSTILE_SEGV
	volatile int *volatile p = NULL;
	*p = 1;
#elif defined HOSTILE_ABORT
	abort();
#elif defined HOSTILE_EXIT
	exit(0);
#elif defined HOSTILE_LOOP
	for (;;)
		pause();
#endif
}

static const struct devmgr_provider *const providers[] = { NULL };

DEVMGR_PLUGIN("test-hostile", "0.1.0", providers, NULL);
