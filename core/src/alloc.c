/* alloc.c: the core's allocations, replaceable so that tests can fail the
 * k-th one.  jansson's allocations are routed through the same hook. */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct devmgr_allocator alloc = { malloc, realloc, free };

static void *json_malloc(size_t n)
{
	return alloc.malloc(n);
}

static void json_free(void *p)
{
	alloc.free(p);
}

void devmgr_set_allocator(const struct devmgr_allocator *a)
{
	if (a)
		alloc = *a;
	else
		alloc = (struct devmgr_allocator){ malloc, realloc, free };
	json_set_alloc_funcs(json_malloc, json_free);
}

void *devmgr__malloc(size_t n)
{
	void *p = alloc.malloc(n ? n : 1);
	if (!p)
		errno = ENOMEM;
	return p;
}

void *devmgr__calloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	size_t total = n * size;
	void *p = devmgr__malloc(total);
	if (p)
		memset(p, 0, total > 0 ? total : 1);
	return p;
}

void *devmgr__realloc(void *p, size_t n)
{
	void *q = alloc.realloc(p, n ? n : 1);
	if (!q)
		errno = ENOMEM;
	return q;
}

void devmgr__free(void *p)
{
	if (p)
		alloc.free(p);
}

char *devmgr__strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = devmgr__malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

char *devmgr__asprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	char *s = devmgr__malloc((size_t)n + 1);
	if (!s)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

int devmgr__reserve(void *arr, size_t *cap, size_t need, size_t elem)
{
	void **p = arr;
	if (need <= *cap)
		return 0;
	size_t ncap = *cap ? *cap : 8;
	while (ncap < need)
		ncap *= 2;
	if (ncap > SIZE_MAX / elem)
		return -ENOMEM;
	void *q = devmgr__realloc(*p, ncap * elem);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = ncap;
	return 0;
}
