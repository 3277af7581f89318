/* console.c: the console helpers the core gives apps and providers. */
#include "internal.h"

#include <devmgr/sig/console.h>

#include <errno.h>
#include <stdio.h>

int devmgr_console_printf(struct devmgr_console *c, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1; /* a console line is bounded */
	return devmgr_console_write(c, buf, (size_t)n);
}
