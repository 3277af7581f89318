/* xs_map.c: from untrusted xenstore entries to a device specification.
 * Checks a device's frontend and backend keys (strict integers, states,
 * the backend path), follows the Xenbus state protocol from the guest's
 * side, and fills the class mapping's placeholders (docs/xen.md):
 *
 *   {devid} {class} {domid} {backend-id} {vdev}
 *   {frontend.KEY} {backend.KEY}             the key's value
 *   {frontend.KEY==V} {backend.KEY!=V}       "true" or "false"
 *   {{ and }}                                 literal braces
 *
 * After filling, a value is converted to the parameter's type (bool from
 * "true"/"false", int strictly), and checked against the provider's
 * table, so that every error names the xenstore path it comes from. */
#include "xs_map.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int devmgr__xs_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	if (!s || !*s || (s[0] == '0' && s[1]))
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		unsigned d = (unsigned)(*s - '0');
		if (d > max || v > (max - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* ---- virtual-device -> Linux name ------------------------------------ */

#define VDEV_EXTENDED (1ul << 28)

/* Disk index and partition as xen-blkfront's xen_translate_vdev() finds
 * them; -EINVAL for majors that Linux refuses. */
int devmgr__xs_domid(const char *s, unsigned long *out)
{
	return devmgr__xs_uint(s, XS_DOMID_MAX, out);
}

bool devmgr__xs_class_known(const struct devmgr_ctx *ctx, json_t *map,
			    const char *cls)
{
	if (strcmp(cls, "vbd") == 0 || strcmp(cls, "vif") == 0 ||
	    strcmp(cls, "console") == 0 ||
	    (json_is_object(map) && json_object_get(map, cls)))
		return true;
	for (size_t i = 0; i < ctx->nprovs; i++) {
		const char *xc = ctx->provs[i]->p->xen_class;
		if (xc && !DEVMGR__GONE(ctx->provs[i]) && strcmp(xc, cls) == 0)
			return true;
	}
	return false;
}

bool devmgr__xs_id_class(const char *id, char *cls, size_t size)
{
	const char *dash = strrchr(id, '-');
	if (!dash || dash == id || !dash[1] || strlen(dash + 1) > 10)
		return false;
	for (const char *p = dash + 1; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	size_t n = (size_t)(dash - id);
	if (n >= size)
		return false;
	memcpy(cls, id, n);
	cls[n] = '\0';
	return true;
}

static int vdev_split(unsigned long vdev, unsigned long *disk,
		      unsigned long *part)
{
	if (vdev >> 28 > 1)
		return -EINVAL;
	if (vdev & VDEV_EXTENDED) {
		unsigned long minor = vdev & (VDEV_EXTENDED - 1);
		*disk = minor / 256;
		*part = minor % 256;
		return 0;
	}
	if (vdev > 0xffff)
		return -EINVAL;
	unsigned long major = vdev >> 8, minor = vdev & 0xff;
	static const unsigned char ide[] = { 3,	 22, 33, 34, 56,
					     57, 88, 89, 90, 91 };
	for (unsigned i = 0; i < sizeof(ide); i++)
		if (major == ide[i]) {
			*disk = minor / 64 + 2 * i;
			*part = minor % 64;
			return 0;
		}
	*part = minor % 16;
	if (major == 202)
		*disk = minor / 16;
	else if (major == 8)
		*disk = minor / 16;
	else if (major >= 65 && major <= 71)
		*disk = minor / 16 + (major - 65 + 1) * 16;
	else if (major >= 128 && major <= 135)
		*disk = minor / 16 + (major - 128 + 8) * 16;
	else
		return -EINVAL;
	return 0;
}

int devmgr__xs_vdev_name(unsigned long vdev, char *buf, size_t size)
{
	unsigned long disk, part;
	if (vdev_split(vdev, &disk, &part) < 0)
		return -EINVAL;
	/* Letters as Linux's sd/xvd naming: a..z, aa..zz, aaa..zzz. */
	char letters[8];
	size_t n = 0;
	unsigned long i = disk;
	if (i >= 26 + 26 * 26 + 26 * 26 * 26)
		return -EINVAL;
	if (i < 26) {
		letters[n++] = (char)('a' + i);
	} else if (i < 26 + 26 * 26) {
		i -= 26;
		letters[n++] = (char)('a' + i / 26);
		letters[n++] = (char)('a' + i % 26);
	} else {
		i -= 26 + 26 * 26;
		letters[n++] = (char)('a' + i / (26 * 26));
		letters[n++] = (char)('a' + i / 26 % 26);
		letters[n++] = (char)('a' + i % 26);
	}
	letters[n] = '\0';
	int w = part ? snprintf(buf, size, "xvd%s%lu", letters, part)
		     : snprintf(buf, size, "xvd%s", letters);
	return w > 0 && (size_t)w < size ? 0 : -ENOBUFS;
}

/* ---- checks ------------------------------------------------------------ */

#define BAD(res, path, ...) verdict(res, XS_BAD, path, __VA_ARGS__)
#define INCOMPLETE(res, path, ...)                                             \
	verdict(res, XS_INCOMPLETE, path, __VA_ARGS__)

static void verdict(struct xs_result *res, enum xs_verdict v, const char *where,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void verdict(struct xs_result *res, enum xs_verdict v, const char *where,
		    const char *fmt, ...)
{
	va_list ap;
	char raw[sizeof(res->text)];
	res->verdict = v;
	snprintf(res->where, sizeof(res->where), "%s", where);
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	/* The text quotes xenstore values, which the toolstack wrote. */
	devmgr__escape(res->text, sizeof(res->text), raw);
}

/* A key's value: the string, NULL when absent.  *bad is set when the key
 * is there but its value was refused when read (not text, too long). */
static const char *key(json_t *dir, const char *k, bool *bad)
{
	json_t *v = dir ? json_object_get(dir, k) : NULL;
	*bad = v && !json_is_string(v);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Read an integer key strictly; false with a verdict on failure. */
static bool int_key(struct xs_result *res, json_t *dir, const char *path,
		    const char *k, unsigned long max, unsigned long *out)
{
	bool bad;
	const char *s = key(dir, k, &bad);
	if (bad) {
		BAD(res, path,
		    "%s/%s: value is not printable text of at most %d bytes",
		    path, k, XS_MAX_VALUE);
		return false;
	}
	if (!s) {
		INCOMPLETE(res, path, "%s has no %s", path, k);
		return false;
	}
	if (devmgr__xs_uint(s, max, out) < 0) {
		BAD(res, path,
		    "%s/%s: \"%.64s\" is not an integer from 0 to %lu", path, k,
		    s, max);
		return false;
	}
	return true;
}

static bool check_frontend(const struct xs_view *v, struct xs_result *res,
			   unsigned long *state)
{
	unsigned long bid, devid;
	bool bad;
	if (devmgr__xs_uint(v->devid, 0xffffffffu, &devid) < 0) {
		BAD(res, v->fpath, "%s: device id \"%.64s\" is not an integer",
		    v->fpath, v->devid);
		return false;
	}
	if (!int_key(res, v->front, v->fpath, "state", XS_STATE_RECONFIGURED,
		     state) ||
	    !int_key(res, v->front, v->fpath, "backend-id", XS_DOMID_MAX, &bid))
		return false;
	const char *b = key(v->front, "backend", &bad);
	if (!b && !bad) {
		INCOMPLETE(res, v->fpath, "%s has no backend", v->fpath);
		return false;
	}
	char want[XS_MAX_PATH];
	snprintf(want, sizeof(want), "/local/domain/%lu/backend/%s/%u/%lu", bid,
		 v->cls, v->domid, devid);
	if (bad || strcmp(b, want) != 0) {
		BAD(res, v->fpath, "%s/backend: \"%.128s\" is not %s", v->fpath,
		    bad ? "(not text)" : b, want);
		return false;
	}
	snprintf(res->bpath, sizeof(res->bpath), "%s", want);
	return true;
}

static bool check_backend(const struct xs_view *v, struct xs_result *res,
			  unsigned long *state)
{
	const char *bp = res->bpath;
	unsigned long fid;
	bool bad;
	if (!v->back) {
		INCOMPLETE(res, bp, "backend %s is missing", bp);
		return false;
	}
	if (!int_key(res, v->back, bp, "state", XS_STATE_RECONFIGURED, state) ||
	    !int_key(res, v->back, bp, "frontend-id", XS_DOMID_MAX, &fid))
		return false;
	if (fid != v->domid) {
		BAD(res, bp, "%s/frontend-id: %lu is not this domain (%u)", bp,
		    fid, v->domid);
		return false;
	}
	const char *f = key(v->back, "frontend", &bad);
	if (!f && !bad) {
		INCOMPLETE(res, bp, "backend %s has no frontend", bp);
		return false;
	}
	if (bad || strcmp(f, v->fpath) != 0) {
		BAD(res, bp, "%s/frontend: \"%.128s\" is not %s", bp,
		    bad ? "(not text)" : f, v->fpath);
		return false;
	}
	return true;
}

/* ---- mapping ------------------------------------------------------------ */

/* What a class maps to when the configuration says nothing (only the
 * parameters that the provider has are used). */
struct class_default {
	const char *cls, *param, *value;
};
static const struct class_default class_defaults[] = {
	{ "vbd", "path", "{backend.params}" },
	{ "vbd", "read_only", "{backend.mode==r}" },
	{ "vbd", "devid", "{devid}" },
	{ "vbd", "domain_path", "/local/domain/{domid}" },
	{ "vif", "mac", "{frontend.mac}" },
	{ NULL, NULL, NULL },
};

const struct devmgr__provider_entry *
devmgr__xs_provider(struct devmgr_ctx *ctx, json_t *map, const char *cls)
{
	json_t *m = map ? json_object_get(map, cls) : NULL;
	json_t *pv = m ? json_object_get(m, "provider") : NULL;
	if (json_is_string(pv))
		return devmgr__provider_lookup(ctx, json_string_value(pv));
	for (size_t i = 0; i < ctx->nprovs; i++) {
		const char *xc = ctx->provs[i]->p->xen_class;
		if (xc && !DEVMGR__GONE(ctx->provs[i]) && strcmp(xc, cls) == 0)
			return ctx->provs[i];
	}
	return NULL;
}

struct expand {
	const struct xs_view *v;
	struct xs_result *res;
	char out[XS_MAX_EXPAND];
	size_t n;
	bool failed;
};

static void put(struct expand *e, const char *s, size_t len)
{
	if (e->n + len >= sizeof(e->out)) {
		BAD(e->res, e->v->fpath,
		    "%s: a parameter is longer than %d bytes after filling "
		    "placeholders",
		    e->v->fpath, XS_MAX_EXPAND - 1);
		e->failed = true;
		return;
	}
	memcpy(e->out + e->n, s, len);
	e->n += len;
	e->out[e->n] = '\0';
}

static const char *lookup_key(struct expand *e, const char *side, const char *k)
{
	bool front = strcmp(side, "frontend") == 0;
	const char *path = front ? e->v->fpath : e->res->bpath;
	bool bad;
	const char *s = key(front ? e->v->front : e->v->back, k, &bad);
	if (bad)
		BAD(e->res, path,
		    "%s/%s: value is not printable text of at most %d bytes",
		    path, k, XS_MAX_VALUE);
	else if (!s)
		BAD(e->res, path, "%s %s has no %s", side, path, k);
	if (!s)
		e->failed = true;
	return s;
}

static bool valid_key(const char *k)
{
	if (!*k)
		return false;
	for (; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') ||
		      (*k >= '0' && *k <= '9') || *k == '-' || *k == '_'))
			return false;
	return true;
}

/* One placeholder's name (between the braces). */
static void placeholder(struct expand *e, char *name)
{
	char buf[32];
	const struct xs_view *v = e->v;
	if (strcmp(name, "devid") == 0 || strcmp(name, "class") == 0) {
		put(e, name[0] == 'd' ? v->devid : v->cls,
		    strlen(name[0] == 'd' ? v->devid : v->cls));
		return;
	}
	if (strcmp(name, "domid") == 0) {
		snprintf(buf, sizeof(buf), "%u", v->domid);
		put(e, buf, strlen(buf));
		return;
	}
	if (strcmp(name, "backend-id") == 0 || strcmp(name, "vdev") == 0) {
		const char *k =
			name[0] == 'b' ? "backend-id" : "virtual-device";
		const char *s = lookup_key(e, "frontend", k);
		unsigned long n;
		if (!s)
			return;
		if (name[0] == 'b') {
			put(e, s, strlen(s));
			return;
		}
		if (devmgr__xs_uint(s, 0xffffffffu, &n) < 0 ||
		    devmgr__xs_vdev_name(n, buf, sizeof(buf)) < 0) {
			BAD(e->res, v->fpath,
			    "%s/virtual-device: \"%.32s\" is not a disk number "
			    "Linux accepts",
			    v->fpath, s);
			e->failed = true;
			return;
		}
		put(e, buf, strlen(buf));
		return;
	}
	char *dot = strchr(name, '.');
	if (dot) {
		*dot = '\0';
		char *k = dot + 1, *cmp = strstr(k, "==");
		bool negate = false;
		if (!cmp && (cmp = strstr(k, "!=")))
			negate = true;
		if (cmp)
			*cmp = '\0';
		if ((strcmp(name, "frontend") == 0 ||
		     strcmp(name, "backend") == 0) &&
		    valid_key(k)) {
			const char *s = lookup_key(e, name, k);
			if (!s)
				return;
			if (!cmp) {
				put(e, s, strlen(s));
				return;
			}
			bool eq = strcmp(s, cmp + 2) == 0;
			put(e, eq != negate ? "true" : "false",
			    eq != negate ? 4 : 5);
			return;
		}
		*dot = '.';
		if (cmp)
			*cmp = negate ? '!' : '=';
	}
	BAD(e->res, v->fpath,
	    "xenstore.map/%s: unknown placeholder \"{%.64s}\"", v->cls, name);
	e->failed = true;
}

static bool expand(struct expand *e, const char *tpl)
{
	e->n = 0;
	e->out[0] = '\0';
	while (*tpl && !e->failed) {
		const char *b = strpbrk(tpl, "{}");
		if (!b) {
			put(e, tpl, strlen(tpl));
			break;
		}
		put(e, tpl, (size_t)(b - tpl));
		if (b[0] == b[1]) { /* "{{" or "}}" */
			put(e, b, 1);
			tpl = b + 2;
			continue;
		}
		const char *end = b[0] == '{' ? strchr(b, '}') : NULL;
		if (!end || (size_t)(end - b) > 128) {
			BAD(e->res, e->v->fpath,
			    "xenstore.map/%s: unbalanced brace in \"%.64s\"",
			    e->v->cls, tpl);
			e->failed = true;
			break;
		}
		char name[130];
		memcpy(name, b + 1, (size_t)(end - b - 1));
		name[end - b - 1] = '\0';
		placeholder(e, name);
		tpl = end + 1;
	}
	return !e->failed;
}

static const struct devmgr_param *find_param(const struct devmgr_provider *p,
					     const char *name)
{
	for (const struct devmgr_param *q = p->params; q && q->name; q++)
		if (strcmp(q->name, name) == 0)
			return q;
	return NULL;
}

/* A filled string as the parameter's JSON type. */
static json_t *typed(struct expand *e, const struct devmgr_param *q,
		     const char *name)
{
	unsigned long n;
	const char *s = e->out;
	if (!q)
		return json_string(s); /* the checks below name it */
	if (q->type == DEVMGR_PARAM_BOOL) {
		if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0)
			return json_boolean(s[0] == 't');
		BAD(e->res, e->v->fpath,
		    "%s: parameter %s of class %s: \"%.64s\" is not true or "
		    "false",
		    e->v->fpath, name, e->v->cls, s);
		return NULL;
	}
	if (q->type == DEVMGR_PARAM_INT ||
	    (q->type == DEVMGR_PARAM_SIZE && s[0] >= '0' && s[0] <= '9' &&
	     devmgr__xs_uint(s, 0x7fffffffffffffff, &n) == 0)) {
		if (devmgr__xs_uint(s, 0x7fffffffffffffff, &n) < 0) {
			BAD(e->res, e->v->fpath,
			    "%s: parameter %s of class %s: \"%.64s\" is not an "
			    "integer",
			    e->v->fpath, name, e->v->cls, s);
			return NULL;
		}
		return json_integer((json_int_t)n);
	}
	json_t *j = json_string(s);
	if (!j)
		BAD(e->res, e->v->fpath,
		    "%s: parameter %s of class %s is not valid text",
		    e->v->fpath, name, e->v->cls);
	return j;
}

static bool add_param(struct expand *e, const struct devmgr_provider *p,
		      json_t *spec, const char *name, json_t *tpl)
{
	const struct devmgr_param *q = find_param(p, name);
	if (!json_is_string(tpl))
		return json_object_set(spec, name, tpl) == 0;
	if (!expand(e, json_string_value(tpl)))
		return false;
	json_t *val = typed(e, q, name);
	return val && json_object_set_new(spec, name, val) == 0;
}

static void map_device(struct devmgr_ctx *ctx, json_t *map,
		       const struct xs_view *v, struct xs_result *res)
{
	const struct devmgr__provider_entry *pe =
		devmgr__xs_provider(ctx, map, v->cls);
	if (!pe) {
		BAD(res, v->fpath,
		    "%s: no provider for Xen class %s (none declares it; map "
		    "it in xenstore.map)",
		    v->fpath, v->cls);
		return;
	}
	const struct devmgr_provider *p = pe->p;
	json_t *m = map ? json_object_get(map, v->cls) : NULL;
	json_t *spec = json_pack("{s:s}", "provider", p->name);
	struct expand *e = devmgr__calloc(1, sizeof(*e));
	if (!spec || !e)
		goto nomem;
	e->v = v;
	e->res = res;
	for (const struct class_default *d = class_defaults; d->cls; d++) {
		if (strcmp(d->cls, v->cls) != 0 || !find_param(p, d->param) ||
		    (m && json_object_get(m, d->param)))
			continue;
		json_t *t = json_string(d->value);
		bool ok = t && add_param(e, p, spec, d->param, t);
		json_decref(t);
		if (!ok)
			goto fail;
	}
	const char *k;
	json_t *t;
	json_object_foreach (m, k, t) {
		if (strcmp(k, "provider") != 0 && !add_param(e, p, spec, k, t))
			goto fail;
	}
	/* The provider's own checks, with messages naming the path. */
	struct devmgr_error err;
	char what[160];
	snprintf(what, sizeof(what), "provider %s", p->name);
	static const char *const skip[] = { "provider", NULL };
	json_t *checked = devmgr__params_check(p->params, spec, skip, NULL,
					       what, v->fpath, NULL, &err);
	if (!checked) {
		BAD(res, v->fpath, "%s: %s", v->fpath, err.text);
		goto fail;
	}
	json_decref(checked);
	devmgr__free(e);
	res->verdict = XS_UP;
	res->spec = spec;
	res->provider = p->name;
	return;
nomem:
	BAD(res, v->fpath, "%s: out of memory", v->fpath);
fail:
	if (res->verdict != XS_BAD)
		BAD(res, v->fpath, "%s: out of memory", v->fpath);
	devmgr__free(e);
	json_decref(spec);
}

static bool frontend_driver(struct devmgr_ctx *ctx, json_t *map,
			    const char *cls)
{
	const struct devmgr__provider_entry *pe =
		devmgr__xs_provider(ctx, map, cls);

	return pe && (pe->p->xen_flags & DEVMGR_XEN_FRONTEND);
}

void devmgr__xs_evaluate(struct devmgr_ctx *ctx, json_t *map,
			 const struct xs_view *v, struct xs_result *res)
{
	unsigned long fstate, bstate;
	memset(res, 0, sizeof(*res));
	res->verdict = XS_WAITING;
	if (!check_frontend(v, res, &fstate) || !check_backend(v, res, &bstate))
		return;
	if (fstate == XS_STATE_CLOSING || fstate == XS_STATE_CLOSED ||
	    bstate == XS_STATE_CLOSING || bstate == XS_STATE_CLOSED) {
		res->verdict = XS_CLOSED;
		return;
	}
	if (frontend_driver(ctx, map, v->cls)) {
		/* The provider drives the frontend from Initialising: the
		 * device is there once the backend waits for it. */
		if (bstate < XS_STATE_INITWAIT || bstate > XS_STATE_CONNECTED)
			return; /* XS_WAITING */
	} else if (fstate != XS_STATE_CONNECTED ||
		   bstate != XS_STATE_CONNECTED) {
		return; /* XS_WAITING */
	}
	map_device(ctx, map, v, res);
}
