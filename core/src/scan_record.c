/* scan_record.c: what the scanner tells devmgr of a plugin file, as
 * JSON: the descriptor's name and version, and of each provider and app
 * everything `devmgr plugins`, `devmgr inspect`, the configuration check
 * and the xenstore mapping read, so that devmgr answers them without
 * loading the file.  The record comes over a pipe from the scanner and
 * from the cache file: both are untrusted, so the parser takes nothing
 * for granted (types, ranges, lengths, counts), and the registry checks
 * the result again as it would a loaded descriptor's. */
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#define MAX_STR	  4096
#define MAX_ITEMS 64 /* providers, apps, parameters or slots of one table */

/* ---- describing a loaded descriptor ----------------------------------- */

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *params_json(const struct devmgr_param *t)
{
	json_t *a = json_array();
	for (size_t i = 0; t && t[i].name && i < MAX_ITEMS; i++)
		json_array_append_new(
			a,
			json_pack("[s, i, I, o, o, I, I]", t[i].name,
				  (int)t[i].type, (json_int_t)t[i].flags,
				  str_or_null(t[i].def), str_or_null(t[i].help),
				  (json_int_t)t[i].min, (json_int_t)t[i].max));
	return a;
}

static json_t *provider_json(const struct devmgr_provider *p)
{
	json_t *on = p->on_sig ? json_pack("{s:s, s:i, s:i}", "sig", p->on_sig,
					   "min", p->on_min, "max", p->on_max)
			       : json_null();
	return json_pack(
		"{s:s, s:o, s:s, s:i, s:i, s:o, s:o, s:I, s:o}", "name",
		p->name, "help", str_or_null(p->help), "sig", p->sig,
		"sig_major", p->sig_major, "sig_minor", p->sig_minor, "on", on,
		"xen_class", str_or_null(p->xen_class), "xen_flags",
		(json_int_t)p->xen_flags, "params", params_json(p->params));
}

static json_t *app_json(const struct devmgr_app *a)
{
	json_t *slots = json_array();
	for (size_t i = 0; a->slots && a->slots[i].name && i < MAX_ITEMS; i++)
		json_array_append_new(
			slots,
			json_pack("{s:s, s:s, s:I, s:I}", "name",
				  a->slots[i].name, "sig", a->slots[i].sig,
				  "offset", (json_int_t)a->slots[i].offset,
				  "flags", (json_int_t)a->slots[i].flags));
	return json_pack("{s:s, s:o, s:I, s:I, s:o, s:o, s:o}", "name", a->name,
			 "help", str_or_null(a->help), "record_size",
			 (json_int_t)a->record_size, "state_size",
			 (json_int_t)a->state_size, "default_config",
			 str_or_null(a->default_config), "slots", slots, "args",
			 params_json(a->args));
}

json_t *devmgr__plugin_describe(const struct devmgr_plugin *d)
{
	json_t *provs = json_array(), *apps = json_array();
	for (size_t i = 0; d->providers && d->providers[i]; i++)
		json_array_append_new(provs, provider_json(d->providers[i]));
	for (size_t i = 0; d->apps && d->apps[i]; i++)
		json_array_append_new(apps, app_json(d->apps[i]));
	json_t *r = json_pack("{s:s, s:s, s:[i,i], s:o, s:o}", "name", d->name,
			      "version", d->version, "abi", d->abi_major,
			      d->abi_minor, "providers", provs, "apps", apps);
	return r;
}

/* ---- reading one back --------------------------------------------------- */

struct rd {
	struct devmgr_error *err;
	char where[128];
	int failed;
};

__attribute__((format(printf, 2, 3))) static int bad(struct rd *c,
						     const char *fmt, ...)
{
	if (c->failed)
		return -EINVAL;
	c->failed = 1;
	char why[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	devmgr_error_set(c->err, -EINVAL, "scan record %s: %s",
			 c->where[0] ? c->where : "/", why);
	return -EINVAL;
}

static void at(struct rd *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void at(struct rd *c, const char *fmt, ...)
{
	if (c->failed)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->where, sizeof(c->where), fmt, ap);
	va_end(ap);
}

/* A string of 1..MAX_STR bytes without NUL; NULL (and *c failed) if not.
 * null_ok: JSON null gives NULL without failing. */
/* A parameter is an array of these, in this order: a record holds
 * hundreds of them, and an array costs a fraction of an object to read. */
static const char *const param_keys[] = { "name", "type", "flags", "default",
					  "help", "min",  "max",   NULL };

static json_t *field(json_t *o, const char *key)
{
	if (!json_is_array(o))
		return json_object_get(o, key);
	for (size_t i = 0; param_keys[i]; i++)
		if (strcmp(param_keys[i], key) == 0)
			return json_array_get(o, i);
	return NULL;
}

static const char *str(struct rd *c, json_t *o, const char *key, bool null_ok)
{
	json_t *v = field(o, key);
	if (null_ok && json_is_null(v))
		return NULL;
	if (!json_is_string(v)) {
		bad(c, "\"%s\" is not a string", key);
		return NULL;
	}
	size_t n = json_string_length(v);
	const char *s = json_string_value(v);
	if (n > MAX_STR || strlen(s) != n || (!null_ok && n == 0)) {
		bad(c, "\"%s\" is empty, too long or holds a NUL", key);
		return NULL;
	}
	return s;
}

static int64_t num(struct rd *c, json_t *o, const char *key, int64_t min,
		   int64_t max)
{
	json_t *v = field(o, key);
	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max) {
		bad(c, "\"%s\" is not an integer from %lld to %lld", key,
		    (long long)min, (long long)max);
		return min;
	}
	return json_integer_value(v);
}

static json_t *arr(struct rd *c, json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_array(v) || json_array_size(v) > MAX_ITEMS) {
		bad(c, "\"%s\" is not an array of at most %d", key, MAX_ITEMS);
		return NULL;
	}
	return v;
}

/* A descriptor made from a record: what a file declares, not loaded. */
struct devmgr__stub {
	json_t *json; /* owns every string below */
	struct devmgr_plugin d;
	/* One allocation: the provider and app pointer arrays (each
	 * ending with NULL), the providers, the apps, and the parameter and
	 * slot tables (each ending with {NULL}). */
	void *mem;
};

static const struct devmgr_param *read_params(struct rd *c, json_t *a,
					      struct devmgr_param **next)
{
	struct devmgr_param *t = *next;
	size_t i;
	json_t *p;
	const char *where = c->where[0] ? c->where : "";
	char base[128];
	snprintf(base, sizeof(base), "%s", where);
	json_array_foreach (a, i, p) {
		at(c, "%s/%zu", base, i);
		if (!json_is_array(p) || json_array_size(p) != 7) {
			bad(c, "not an array of 7");
			break;
		}
		t[i].name = str(c, p, "name", false);
		t[i].type = (enum devmgr_param_type)num(
			c, p, "type", DEVMGR_PARAM_STRING, DEVMGR_PARAM_PATH);
		t[i].flags = (unsigned)num(c, p, "flags", 0, UINT32_MAX);
		t[i].def = str(c, p, "default", true);
		t[i].help = str(c, p, "help", true);
		t[i].min = num(c, p, "min", INT64_MIN, INT64_MAX);
		t[i].max = num(c, p, "max", INT64_MIN, INT64_MAX);
	}
	*next = t + json_array_size(a) + 1; /* and the {NULL} end */
	return t;
}

static void read_provider(struct rd *c, json_t *p, struct devmgr_provider *o,
			  struct devmgr_param **params)
{
	o->size = sizeof(*o);
	o->name = str(c, p, "name", false);
	o->help = str(c, p, "help", true);
	o->sig = str(c, p, "sig", false);
	o->sig_major = (uint16_t)num(c, p, "sig_major", 0, UINT16_MAX);
	o->sig_minor = (uint16_t)num(c, p, "sig_minor", 0, UINT16_MAX);
	json_t *on = json_object_get(p, "on");
	if (json_is_object(on)) {
		o->on_sig = str(c, on, "sig", false);
		o->on_min = (uint16_t)num(c, on, "min", 0, UINT16_MAX);
		o->on_max = (uint16_t)num(c, on, "max", 0, UINT16_MAX);
	} else if (!json_is_null(on)) {
		bad(c, "\"on\" is neither an object nor null");
	}
	o->xen_class = str(c, p, "xen_class", true);
	o->xen_flags = (uintptr_t)num(c, p, "xen_flags", 0, UINT32_MAX);
	char base[128];
	snprintf(base, sizeof(base), "%s/params", c->where);
	json_t *a = arr(c, p, "params");
	at(c, "%s", base);
	if (a)
		o->params = read_params(c, a, params);
}

static void read_app(struct rd *c, json_t *p, struct devmgr_app *o,
		     struct devmgr_slot **slots, struct devmgr_param **params)
{
	char base[128];
	snprintf(base, sizeof(base), "%s", c->where);
	o->size = sizeof(*o);
	o->name = str(c, p, "name", false);
	o->help = str(c, p, "help", true);
	o->record_size = (size_t)num(c, p, "record_size", 0, 1 << 20);
	o->state_size = (size_t)num(c, p, "state_size", 0, 1 << 30);
	o->default_config = str(c, p, "default_config", true);
	json_t *a = arr(c, p, "slots"), *s;
	size_t i;
	o->slots = *slots;
	json_array_foreach (a, i, s) {
		at(c, "%s/slots/%zu", base, i);
		struct devmgr_slot *t = &(*slots)[i];
		if (!json_is_object(s)) {
			bad(c, "not an object");
			break;
		}
		t->name = str(c, s, "name", false);
		t->sig = str(c, s, "sig", false);
		t->offset = (size_t)num(c, s, "offset", 0, 1 << 20);
		t->flags = (unsigned)num(c, s, "flags", 0, UINT32_MAX);
	}
	*slots += json_array_size(a) + 1;
	at(c, "%s/args", base);
	a = arr(c, p, "args");
	if (a)
		o->args = read_params(c, a, params);
}

/* How many parameter and slot entries (with their ends) rec needs; the
 * arrays were bounded by arr() already when this is called. */
static void count(json_t *rec, size_t *np, size_t *ns)
{
	size_t i;
	json_t *p;
	*np = *ns = 0;
	json_array_foreach (json_object_get(rec, "providers"), i, p)
		*np += json_array_size(json_object_get(p, "params")) + 1;
	json_array_foreach (json_object_get(rec, "apps"), i, p) {
		*np += json_array_size(json_object_get(p, "args")) + 1;
		*ns += json_array_size(json_object_get(p, "slots")) + 1;
	}
}

/* Every array of rec is bounded, so that count() may trust sizes. */
static int shape(struct rd *c, json_t *rec)
{
	static const char *const lists[2] = { "providers", "apps" };
	static const char *const inner[2][2] = { { "params", NULL },
						 { "slots", "args" } };
	for (int k = 0; k < 2; k++) {
		at(c, "/%s", lists[k]);
		json_t *a = arr(c, rec, lists[k]), *p;
		size_t i;
		json_array_foreach (a, i, p) {
			at(c, "/%s/%zu", lists[k], i);
			if (!json_is_object(p))
				return bad(c, "not an object");
			for (int j = 0; j < 2 && inner[k][j]; j++)
				if (!arr(c, p, inner[k][j]))
					return -EINVAL;
		}
	}
	return c->failed ? -EINVAL : 0;
}

int devmgr__stub_new(json_t *rec, struct devmgr__stub **out,
		     struct devmgr_error *err)
{
	struct rd c = { .err = err };
	*out = NULL;
	if (!json_is_object(rec))
		return bad(&c, "not an object");
	if (shape(&c, rec) < 0)
		return -EINVAL;
	size_t np, ns;
	count(rec, &np, &ns);
	size_t nprov = json_array_size(json_object_get(rec, "providers"));
	size_t napp = json_array_size(json_object_get(rec, "apps"));
	/* All of these have pointer alignment or more. */
	size_t size = (nprov + 1 + napp + 1) * sizeof(void *) +
		      nprov * sizeof(struct devmgr_provider) +
		      napp * sizeof(struct devmgr_app) +
		      np * sizeof(struct devmgr_param) +
		      ns * sizeof(struct devmgr_slot);
	struct devmgr__stub *s = devmgr__calloc(1, sizeof(*s));
	char *mem = devmgr__calloc(1, size);
	if (!s || !mem) {
		devmgr__free(s);
		devmgr__free(mem);
		return devmgr_error_set(err, -ENOMEM, "out of memory");
	}
	s->json = json_incref(rec);
	s->mem = mem;
	const struct devmgr_provider **provp = (void *)mem;
	const struct devmgr_app **appp = (void *)(provp + nprov + 1);
	struct devmgr_provider *provs = (void *)(appp + napp + 1);
	struct devmgr_app *apps = (void *)(provs + nprov);
	struct devmgr_param *params = (void *)(apps + napp);
	struct devmgr_slot *slots = (void *)(params + np);
	at(&c, "%s", "");
	s->d.magic = DEVMGR_PLUGIN_MAGIC;
	s->d.build_signature = DEVMGR_BUILD_SIGNATURE;
	s->d.name = str(&c, rec, "name", false);
	s->d.version = str(&c, rec, "version", false);
	json_t *abi = json_object_get(rec, "abi");
	if (!json_is_array(abi) || json_array_size(abi) != 2 ||
	    !json_is_integer(json_array_get(abi, 0)) ||
	    !json_is_integer(json_array_get(abi, 1)) ||
	    json_integer_value(json_array_get(abi, 0)) != DEVMGR_ABI_MAJOR ||
	    json_integer_value(json_array_get(abi, 1)) < 0 ||
	    json_integer_value(json_array_get(abi, 1)) > UINT16_MAX)
		bad(&c, "\"abi\" is not [%d, minor]", DEVMGR_ABI_MAJOR);
	else {
		s->d.abi_major = DEVMGR_ABI_MAJOR;
		s->d.abi_minor =
			(uint16_t)json_integer_value(json_array_get(abi, 1));
	}
	size_t i;
	json_t *p;
	json_array_foreach (json_object_get(rec, "providers"), i, p) {
		at(&c, "/providers/%zu", i);
		read_provider(&c, p, &provs[i], &params);
		provp[i] = &provs[i];
	}
	json_array_foreach (json_object_get(rec, "apps"), i, p) {
		at(&c, "/apps/%zu", i);
		read_app(&c, p, &apps[i], &slots, &params);
		appp[i] = &apps[i];
	}
	s->d.providers = provp;
	s->d.apps = appp;
	/* What the registry would refuse of a loaded descriptor (unknown
	 * signatures, bad parameter tables) is a bad record too. */
	if (c.failed || devmgr__stub_check(&s->d, err) < 0) {
		if (!c.failed) {
			char why[sizeof(err->text)];
			memcpy(why, err->text, sizeof(why));
			devmgr_error_set(err, -EINVAL, "scan record: %s", why);
		}
		devmgr__stub_free(s);
		return -EINVAL;
	}
	*out = s;
	return 0;
}

const struct devmgr_plugin *devmgr__stub_plugin(const struct devmgr__stub *s)
{
	return &s->d;
}

json_t *devmgr__stub_json(const struct devmgr__stub *s)
{
	return s->json;
}

void devmgr__stub_free(struct devmgr__stub *s)
{
	if (!s)
		return;
	json_decref(s->json);
	devmgr__free(s->mem);
	devmgr__free(s);
}

/* ---- the bytes of a record --------------------------------------------- */

/* Records cross the pipe and sit in the cache in a length-prefixed form
 * of the same tree, not as JSON text: jansson's lexer (2.14) writes past
 * its buffer when an allocation fails while it reads a long string, and
 * the cache is read on every start.  The form:
 *   n            null
 *   i<digits>;   an integer (a leading '-' allowed)
 *   s<len>:BYTES a string (UTF-8, no NUL)
 *   a<n>:V...    an array of n values
 *   o<n>:(sV)... an object of n members, each a string key and a value */

struct wbuf {
	char *p;
	size_t len, cap;
	bool failed;
};

static void put(struct wbuf *b, const char *s, size_t n)
{
	if (b->failed ||
	    devmgr__reserve(&b->p, &b->cap, b->len + n + 1, sizeof(char))) {
		b->failed = true;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void putf(struct wbuf *b, const char *fmt, long long v)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), fmt, v);
	put(b, tmp, (size_t)n);
}

static void put_str(struct wbuf *b, const char *s, size_t n)
{
	putf(b, "s%lld:", (long long)n);
	put(b, s, n);
}

static void dump(struct wbuf *b, json_t *v, int depth)
{
	if (depth > 16) {
		b->failed = true;
		return;
	}
	size_t i;
	json_t *e;
	const char *k;
	switch (json_typeof(v)) {
	case JSON_NULL:
		put(b, "n", 1);
		break;
	case JSON_INTEGER:
		putf(b, "i%lld;", (long long)json_integer_value(v));
		break;
	case JSON_STRING:
		put_str(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_ARRAY:
		putf(b, "a%lld:", (long long)json_array_size(v));
		json_array_foreach (v, i, e)
			dump(b, e, depth + 1);
		break;
	case JSON_OBJECT:
		putf(b, "o%lld:", (long long)json_object_size(v));
		json_object_foreach (v, k, e) {
			put_str(b, k, strlen(k));
			dump(b, e, depth + 1);
		}
		break;
	default: /* records hold no reals or booleans */
		b->failed = true;
	}
}

char *devmgr__record_dump(json_t *v, size_t *len)
{
	struct wbuf b = { 0 };
	dump(&b, v, 0);
	if (b.failed) {
		devmgr__free(b.p);
		return NULL;
	}
	*len = b.len;
	return b.p;
}

struct rbuf {
	const char *p, *end;
	const char *why;
};

/* A decimal number ending with term; false if there is none. */
static bool get_num(struct rbuf *b, char term, long long *out)
{
	bool neg = b->p < b->end && *b->p == '-' && term == ';';
	const char *q = b->p + neg;
	unsigned long long v = 0;
	size_t digits = 0;
	for (; q < b->end && *q >= '0' && *q <= '9' && digits < 19; q++) {
		v = v * 10 + (unsigned)(*q - '0');
		digits++;
	}
	/* 19 digits fit in v but not always in a long long: the range is
	 * LLONG_MIN (which dump writes for it) to LLONG_MAX. */
	unsigned long long max = (unsigned long long)LLONG_MAX + neg;
	if (!digits || q == b->end || *q != term || v > max) {
		b->why = "a bad number";
		return false;
	}
	b->p = q + 1;
	*out = neg && v ? -(long long)(v - 1) - 1 : (long long)v;
	return true;
}

static json_t *load(struct rbuf *b, int depth);

static json_t *get_str(struct rbuf *b)
{
	long long n;
	if (b->p == b->end || *b->p != 's') {
		b->why = "a string expected";
		return NULL;
	}
	b->p++;
	if (!get_num(b, ':', &n))
		return NULL;
	if (n > (long long)(b->end - b->p) || memchr(b->p, 0, (size_t)n)) {
		b->why = "a string past the end, or with a NUL";
		return NULL;
	}
	json_t *s = json_stringn(b->p, (size_t)n);
	if (!s)
		b->why = "a string that is not UTF-8";
	b->p += n;
	return s;
}

static json_t *load_list(struct rbuf *b, char kind, int depth)
{
	long long n;
	b->p++;
	if (!get_num(b, ':', &n))
		return NULL;
	/* Each member takes a byte at least: a count past the end lies. */
	if (n > (long long)(b->end - b->p)) {
		b->why = "a count past the end";
		return NULL;
	}
	json_t *v = kind == 'a' ? json_array() : json_object();
	for (long long i = 0; v && i < n; i++) {
		json_t *key = kind == 'o' ? get_str(b) : NULL;
		json_t *e = kind == 'a' || key ? load(b, depth + 1) : NULL;
		int r = !e	      ? -1
			: kind == 'a' ? json_array_append_new(v, e)
				      : json_object_set_new(
						v, json_string_value(key), e);
		json_decref(key);
		if (r < 0) {
			json_decref(v);
			return NULL;
		}
	}
	return v;
}

static json_t *load(struct rbuf *b, int depth)
{
	long long n;
	if (depth > 16) {
		b->why = "nested too deep";
		return NULL;
	}
	if (b->p == b->end) {
		b->why = "cut short";
		return NULL;
	}
	switch (*b->p) {
	case 'n':
		b->p++;
		return json_null();
	case 'i':
		b->p++;
		return get_num(b, ';', &n) ? json_integer(n) : NULL;
	case 's':
		return get_str(b);
	case 'a':
	case 'o':
		return load_list(b, *b->p, depth);
	default:
		b->why = "an unknown value";
		return NULL;
	}
}

json_t *devmgr__record_load(const char *p, size_t len, const char **why)
{
	struct rbuf b = { p, p + len, NULL };
	json_t *v = load(&b, 0);
	if (v && b.p != b.end) {
		json_decref(v);
		v = NULL;
		b.why = "bytes after the value";
	}
	if (!v)
		*why = b.why ? b.why : "out of memory";
	return v;
}
