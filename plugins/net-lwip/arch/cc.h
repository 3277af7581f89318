/* lwIP's platform header for devmgr's own lwIP build (Linux, glibc). */
#ifndef DEVMGR_LWIP_ARCH_CC_H
#define DEVMGR_LWIP_ARCH_CC_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>

/* htons() and friends come from the C library, not from lwIP. */
#define LWIP_DONT_PROVIDE_BYTEORDER_FUNCTIONS

/* Random local ports and IDs; glibc's arc4random is seeded from
 * getrandom(). */
#define LWIP_RAND() ((u32_t)arc4random())

/* The port's sys_arch_protect() nests with a counter. */
typedef unsigned int sys_prot_t;

/* Debug output, only in LWIP_DEBUG builds. */
#define LWIP_PLATFORM_DIAG(x)                                                  \
	do {                                                                   \
		printf x;                                                      \
	} while (0)

/* A broken invariant inside lwIP: stop rather than run on corrupt
 * state. */
#define LWIP_PLATFORM_ASSERT(x)                                                \
	do {                                                                   \
		fprintf(stderr, "lwip: assertion \"%s\" failed at %s:%d\n", x, \
			__FILE__, __LINE__);                                   \
		abort();                                                       \
	} while (0)

#endif
