/* graph.c: the device graph of a plan.  Dependencies ("on") are resolved
 * and checked (missing ids, signatures, cycles) before anything is
 * created, and the creation order is found (device.c creates in it and
 * destroys in the reverse). */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int resolve(struct devmgr__plan *plan, struct devmgr_device *dev,
		   struct devmgr_error *err)
{
	if (!dev->spec->ndeps)
		return 0;
	dev->deps = devmgr__calloc(dev->spec->ndeps, sizeof(*dev->deps));
	if (!dev->deps)
		return devmgr_error_set(err, -ENOMEM, "out of memory");
	const char *want = dev->prov->p->on_sig;
	char ptr[256];
	snprintf(ptr, sizeof(ptr), "/devices/%s/on", dev->id);
	for (size_t i = 0; i < dev->spec->ndeps; i++) {
		struct devmgr_device *d =
			devmgr__map_get(&plan->index, dev->spec->on_ids[i]);
		/* With a xenstore section, a xenstore id would have made
		 * the device wait (config.c): say why this one cannot. */
		if (!d && plan->has_xs)
			return devmgr__error_at(
				err, -ENOENT, plan->path, ptr,
				"unknown device \"%s\" (not in the file, and "
				"not "
				"a xenstore device id \"<class>-<devid>\" of a "
				"class xenstore maps, such as \"vbd-51712\")",
				dev->spec->on_ids[i]);
		if (!d)
			return devmgr__error_at(err, -ENOENT, plan->path, ptr,
						"unknown device \"%s\"",
						dev->spec->on_ids[i]);
		if (strcmp(d->prov->sig->name, want) != 0)
			return devmgr__error_at(
				err, -EINVAL, plan->path, ptr,
				"device \"%s\" is a %s, provider %s needs a %s",
				d->id, d->prov->sig->name, dev->prov->p->name,
				want);
		for (size_t j = 0; j < i; j++)
			if (dev->deps[j] == d)
				return devmgr__error_at(
					err, -EINVAL, plan->path, ptr,
					"device \"%s\" listed twice", d->id);
		dev->deps[i] = d;
	}
	return 0;
}

/* Kahn's algorithm in file order, so that independent devices are created
 * in the order the file lists them.  Iterative: 10,000-deep chains work. */
static int order(struct devmgr__plan *plan, struct devmgr_error *err)
{
	size_t n = plan->ndevs, head = 0, tail = 0;
	for (size_t i = 0; i < n; i++) {
		plan->devs[i]->unordered = plan->devs[i]->spec->ndeps;
		plan->devs[i]->nusers = 0;
	}
	/* users: who is stacked on whom, as counts and a flat index */
	size_t *start = devmgr__calloc(n + 1, sizeof(*start));
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += plan->devs[i]->spec->ndeps;
	size_t *users = devmgr__calloc(total + 1, sizeof(*users));
	struct devmgr__map pos = { 0 };
	int r = 0;
	if (!start || !users) {
		r = devmgr_error_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < plan->devs[i]->spec->ndeps; j++)
			plan->devs[i]->deps[j]->nusers++;
	for (size_t i = 0; i < n; i++) {
		start[i + 1] = start[i] + plan->devs[i]->nusers;
		if (devmgr__map_put(&pos, plan->devs[i]->id, (void *)(i + 1))) {
			r = devmgr_error_set(err, -ENOMEM, "out of memory");
			goto out;
		}
	}
	size_t *fill = devmgr__calloc(n + 1, sizeof(*fill));
	if (!fill) {
		r = devmgr_error_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < plan->devs[i]->spec->ndeps; j++) {
			size_t d = (size_t)devmgr__map_get(
					   &pos, plan->devs[i]->deps[j]->id) -
				   1;
			users[start[d] + fill[d]++] = i;
		}
	devmgr__free(fill);
	for (size_t i = 0; i < n; i++)
		if (!plan->devs[i]->unordered)
			plan->order[tail++] = plan->devs[i];
	while (head < tail) {
		struct devmgr_device *d = plan->order[head++];
		size_t di = (size_t)devmgr__map_get(&pos, d->id) - 1;
		for (size_t k = start[di]; k < start[di + 1]; k++)
			if (--plan->devs[users[k]]->unordered == 0)
				plan->order[tail++] = plan->devs[users[k]];
	}
	if (tail < n)
		r = -ELOOP;
out:
	devmgr__free(start);
	devmgr__free(users);
	devmgr__map_free(&pos);
	return r;
}

/* Some dependency of an unordered device is itself unordered. */
static struct devmgr_device *unordered_dep(const struct devmgr_device *d)
{
	size_t j = 0;
	while (!d->deps[j]->unordered)
		j++;
	return d->deps[j];
}

/* Name one cycle: from the first unordered device, follow unordered
 * dependencies until a device repeats; that device starts a cycle. */
static int cycle_error(struct devmgr__plan *plan, struct devmgr_error *err)
{
	struct devmgr_device *d = NULL;
	for (size_t i = 0; i < plan->ndevs; i++) {
		plan->devs[i]->nusers = 0; /* reused: visited */
		if (!d && plan->devs[i]->unordered)
			d = plan->devs[i];
	}
	while (!d->nusers) {
		d->nusers = 1;
		d = unordered_dep(d);
	}
	char text[sizeof(err->text)];
	size_t len = (size_t)snprintf(text, sizeof(text),
				      "dependency cycle: %s", d->id);
	struct devmgr_device *e = d;
	do {
		e = unordered_dep(e);
		if (len < sizeof(text))
			len += (size_t)snprintf(text + len, sizeof(text) - len,
						" -> %s", e->id);
	} while (e != d);
	char ptr[256];
	snprintf(ptr, sizeof(ptr), "/devices/%s/on", d->id);
	return devmgr__error_at(err, -ELOOP, plan->path, ptr, "%s", text);
}

int devmgr__plan_graph(struct devmgr__plan *plan, struct devmgr_error *err)
{
	for (size_t i = 0; i < plan->ndevs; i++) {
		int r = resolve(plan, plan->devs[i], err);
		if (r < 0)
			return r;
	}
	int r = order(plan, err);
	if (r == -ELOOP)
		return cycle_error(plan, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < plan->ndevs; i++)
		plan->devs[i]->nusers = 0;
	for (size_t i = 0; i < plan->ndevs; i++)
		for (size_t j = 0; j < plan->devs[i]->spec->ndeps; j++)
			plan->devs[i]->deps[j]->nusers++;
	return 0;
}
