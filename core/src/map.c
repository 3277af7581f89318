/* map.c: a small string map (open addressing, keys not copied), for
 * provider names and device ids. */
#include "internal.h"

#include <errno.h>
#include <string.h>

static size_t hash(const char *s)
{
	size_t h = 1469598103934665603ull; /* FNV-1a */
	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

void *devmgr__map_get(const struct devmgr__map *m, const char *key)
{
	if (!m->cap)
		return NULL;
	for (size_t i = hash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (!m->slots[i].key)
			return NULL;
		if (strcmp(m->slots[i].key, key) == 0)
			return m->slots[i].val;
	}
}

static void map_insert(struct devmgr__map_slot *slots, size_t cap,
		       const char *key, void *val)
{
	size_t i = hash(key) & (cap - 1);
	while (slots[i].key && strcmp(slots[i].key, key) != 0)
		i = (i + 1) & (cap - 1);
	slots[i].key = key;
	slots[i].val = val;
}

int devmgr__map_put(struct devmgr__map *m, const char *key, void *val)
{
	if ((m->count + 1) * 2 > m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 16;
		struct devmgr__map_slot *s = devmgr__calloc(ncap, sizeof(*s));
		if (!s)
			return -ENOMEM;
		for (size_t i = 0; i < m->cap; i++)
			if (m->slots[i].key)
				map_insert(s, ncap, m->slots[i].key,
					   m->slots[i].val);
		devmgr__free(m->slots);
		m->slots = s;
		m->cap = ncap;
	}
	if (!devmgr__map_get(m, key))
		m->count++;
	map_insert(m->slots, m->cap, key, val);
	return 0;
}

void devmgr__map_free(struct devmgr__map *m)
{
	devmgr__free(m->slots);
	memset(m, 0, sizeof(*m));
}

/* A provider's table, checked before anything of it is used. */
