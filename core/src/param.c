/* param.c: typed parameters of providers and apps.  One table drives
 * validation, defaults, "devmgr inspect" and the docs. */
#include "internal.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

static const char *const type_names[] = {
	[DEVMGR_PARAM_STRING] = "string", [DEVMGR_PARAM_BOOL] = "bool",
	[DEVMGR_PARAM_INT] = "int",	  [DEVMGR_PARAM_SIZE] = "size",
	[DEVMGR_PARAM_PATH] = "path",
};

const char *devmgr__param_type_name(enum devmgr_param_type t)
{
	return t >= DEVMGR_PARAM_STRING && t <= DEVMGR_PARAM_PATH
		       ? type_names[t]
		       : "?";
}

static const char *json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

/* "64K", "16M", "1G" (powers of 1024), or plain digits.  -EINVAL: not
 * a size; -EDOM: a negative one; -ERANGE: more than int64 holds. */
static int parse_size(const char *s, int64_t *out)
{
	uint64_t v = 0;
	const char *p = s;
	if (*p == '-' && p[1] >= '0' && p[1] <= '9')
		return -EDOM;
	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	unsigned shift = 0;
	if (*p == 'K')
		shift = 10;
	else if (*p == 'M')
		shift = 20;
	else if (*p == 'G')
		shift = 30;
	if (shift)
		p++;
	if (*p)
		return -EINVAL;
	if (v > (uint64_t)INT64_MAX >> shift)
		return -ERANGE;
	*out = (int64_t)(v << shift);
	return 0;
}

/* A SIZE value in bytes; false, with *err set, when v is none. */
static bool size_value(json_t *v, int64_t *n, const char *source,
		       const char *pointer, struct devmgr_error *err)
{
	if (json_is_integer(v) && json_integer_value(v) < 0) {
		devmgr__error_at(
			err, -EINVAL, source, pointer,
			"invalid size an integer (%" JSON_INTEGER_FORMAT
			": a size cannot be negative)",
			json_integer_value(v));
		return false;
	}
	if (json_is_integer(v)) {
		*n = json_integer_value(v);
		return true;
	}
	if (!json_is_string(v)) {
		devmgr__error_at(err, -EINVAL, source, pointer,
				 "invalid size %s (an integer, or digits "
				 "followed by K, M or G)",
				 json_kind(v));
		return false;
	}
	const char *s = json_string_value(v);
	switch (parse_size(s, n)) {
	case 0:
		return true;
	case -EDOM:
		devmgr__error_at(
			err, -EINVAL, source, pointer,
			"invalid size \"%s\": a size cannot be negative", s);
		return false;
	case -ERANGE:
		devmgr__error_at(
			err, -EINVAL, source, pointer,
			"invalid size \"%s\": too large (at most %" PRId64
			" bytes)",
			s, INT64_MAX);
		return false;
	default:
		devmgr__error_at(err, -EINVAL, source, pointer,
				 "invalid size \"%s\" (an integer, or digits "
				 "followed by K, M or G)",
				 s);
		return false;
	}
}

/* Convert and check one given value; returns a new reference or NULL. */
static json_t *param_value(const struct devmgr_param *p, json_t *v,
			   const char *dir, const char *source,
			   const char *pointer, struct devmgr_error *err)
{
	int64_t n = 0;
	switch (p->type) {
	case DEVMGR_PARAM_BOOL:
		if (json_is_boolean(v))
			return json_incref(v);
		devmgr__error_at(err, -EINVAL, source, pointer,
				 "expected a boolean, got %s", json_kind(v));
		return NULL;
	case DEVMGR_PARAM_STRING:
	case DEVMGR_PARAM_PATH:
		if (!json_is_string(v)) {
			devmgr__error_at(err, -EINVAL, source, pointer,
					 "expected a string, got %s",
					 json_kind(v));
			return NULL;
		}
		if (p->type == DEVMGR_PARAM_STRING)
			return json_incref(v);
		if (!json_string_value(v)[0] ||
		    strlen(json_string_value(v)) >= PATH_MAX) {
			devmgr__error_at(err, -EINVAL, source, pointer,
					 "a path must be 1 to %d bytes",
					 PATH_MAX - 1);
			return NULL;
		}
		if (json_string_value(v)[0] == '/' || !dir)
			return json_incref(v);
		return json_sprintf("%s/%s", dir, json_string_value(v));
	case DEVMGR_PARAM_INT:
		if (!json_is_integer(v)) {
			devmgr__error_at(err, -EINVAL, source, pointer,
					 "expected an integer, got %s",
					 json_kind(v));
			return NULL;
		}
		n = json_integer_value(v);
		break;
	case DEVMGR_PARAM_SIZE:
		if (!size_value(v, &n, source, pointer, err))
			return NULL;
		break;
	}
	if ((p->min || p->max) && (n < p->min || n > p->max)) {
		devmgr__error_at(err, -ERANGE, source, pointer,
				 "%" PRId64 " is out of range (%" PRId64
				 " to %" PRId64 ")",
				 n, p->min, p->max);
		return NULL;
	}
	return json_integer(n);
}

static bool skipped(const char *key, const char *const *skip)
{
	for (; skip && *skip; skip++)
		if (strcmp(key, *skip) == 0)
			return true;
	return false;
}

static int unknown_param(const struct devmgr_param *table, const char *key,
			 const char *what, const char *source,
			 const char *pointer, struct devmgr_error *err)
{
	const char *names[64];
	size_t n = 0;
	for (const struct devmgr_param *p = table; p && p->name && n < 64; p++)
		names[n++] = p->name;
	const char *hint = devmgr__did_you_mean(key, names, n);
	char ptr[256];
	snprintf(ptr, sizeof(ptr), "%s/%s", pointer, key);
	if (hint)
		return devmgr__error_at(err, -EINVAL, source, ptr,
					"unknown parameter \"%s\" for %s "
					"(did you mean \"%s\"?)",
					key, what, hint);
	return devmgr__error_at(err, -EINVAL, source, ptr,
				"unknown parameter \"%s\" for %s", key, what);
}

/* True (with *err set) when the table has ONE_OF parameters and obj gives
 * none of them.  Defaults do not count: they are what "not given" means. */
static bool one_of_missing(const struct devmgr_param *table, json_t *obj,
			   const char *what, const char *source,
			   const char *pointer, struct devmgr_error *err)
{
	char names[256] = "";
	size_t len = 0, n = 0;
	for (const struct devmgr_param *p = table; p && p->name; p++) {
		if (!(p->flags & DEVMGR_PARAM_ONE_OF))
			continue;
		if (json_object_get(obj, p->name))
			return false;
		int w = snprintf(names + len, sizeof(names) - len, "%s\"%s\"",
				 n++ ? " or " : "", p->name);
		if (w > 0 && (size_t)w < sizeof(names) - len)
			len += (size_t)w;
	}
	if (!n)
		return false;
	devmgr__error_at(err, -EINVAL, source, pointer,
			 "missing parameter %s for %s", names, what);
	return true;
}

json_t *devmgr__params_check(const struct devmgr_param *table, json_t *obj,
			     const char *const *skip, const char *dir,
			     const char *what, const char *source,
			     const char *pointer, struct devmgr_error *err)
{
	if (err)
		err->text[0] = '\0';
	json_t *out = json_object();
	if (!out)
		goto nomem;
	const char *key;
	json_t *v;
	json_object_foreach (obj, key, v) {
		if (skipped(key, skip))
			continue;
		const struct devmgr_param *p = table;
		while (p && p->name && strcmp(p->name, key) != 0)
			p++;
		if (!p || !p->name) {
			unknown_param(table, key, what, source, pointer, err);
			goto fail;
		}
		char ptr[256];
		snprintf(ptr, sizeof(ptr), "%s/%s", pointer, key);
		json_t *c = param_value(p, v, dir, source, ptr, err);
		if (!c) {
			if (err && !err->text[0])
				goto nomem;
			goto fail;
		}
		if (json_object_set_new(out, key, c))
			goto nomem;
	}
	for (const struct devmgr_param *p = table; p && p->name; p++) {
		if (json_object_get(out, p->name))
			continue;
		if (p->flags & DEVMGR_PARAM_REQUIRED) {
			devmgr__error_at(
				err, -EINVAL, source, pointer,
				"missing required parameter \"%s\" for %s",
				p->name, what);
			goto fail;
		}
		if (!p->def)
			continue;
		json_t *d = json_loads(p->def, JSON_DECODE_ANY, NULL);
		json_t *c =
			d ? param_value(p, d, dir, source, pointer, err) : NULL;
		json_decref(d);
		if (!c || json_object_set_new(out, p->name, c))
			goto nomem;
	}
	if (one_of_missing(table, obj, what, source, pointer, err))
		goto fail;
	return out;
nomem:
	devmgr__error_at(err, -ENOMEM, source, pointer, "out of memory");
fail:
	json_decref(out);
	return NULL;
}

/* A table ends with {NULL}; an entry without a name but with anything
 * else set is a mistake that would hide the entries after it. */
static bool table_end(const struct devmgr_param *p)
{
	static const struct devmgr_param zero;
	return !p->name && memcmp(p, &zero, sizeof(zero)) == 0;
}

int devmgr__params_table_check(const struct devmgr_param *table,
			       struct devmgr_error *err)
{
	for (const struct devmgr_param *p = table; p && !table_end(p); p++) {
		if (!p->name)
			return devmgr_error_set(
				err, -EINVAL,
				"parameter %zu has no name (a table ends with "
				"an all-zero entry)",
				(size_t)(p - table));
		if (p->type < DEVMGR_PARAM_STRING ||
		    p->type > DEVMGR_PARAM_PATH)
			return devmgr_error_set(
				err, -EINVAL,
				"parameter \"%s\" of unknown type %d", p->name,
				(int)p->type);
		for (const struct devmgr_param *q = table; q < p; q++)
			if (strcmp(q->name, p->name) == 0)
				return devmgr_error_set(
					err, -EINVAL,
					"parameter \"%s\" declared twice",
					p->name);
		if (!p->def)
			continue;
		json_error_t je;
		struct devmgr_error why = { 0 };
		json_t *d = json_loads(p->def, JSON_DECODE_ANY, &je);
		json_t *c =
			d ? param_value(p, d, NULL, NULL, NULL, &why) : NULL;
		json_decref(d);
		/* Running out of memory says nothing about the table. */
		if ((!d && json_error_code(&je) == json_error_out_of_memory) ||
		    (d && !c && why.code == -ENOMEM))
			return devmgr_error_set(err, -ENOMEM, "out of memory");
		if (!c)
			return devmgr_error_set(
				err, -EINVAL,
				"parameter \"%s\": default %s is not a valid "
				"%s",
				p->name, p->def,
				devmgr__param_type_name(p->type));
		json_decref(c);
	}
	return 0;
}

/* ---- what providers and apps call ------------------------------------ */

static json_t *param_get(struct devmgr_device *dev, const char *name)
{
	return dev && dev->spec ? json_object_get(dev->spec->params, name)
				: NULL;
}

const char *devmgr_param_str(struct devmgr_device *dev, const char *name)
{
	return json_string_value(param_get(dev, name));
}

bool devmgr_param_bool(struct devmgr_device *dev, const char *name)
{
	return json_is_true(param_get(dev, name));
}

int64_t devmgr_param_int(struct devmgr_device *dev, const char *name)
{
	return json_integer_value(param_get(dev, name));
}

bool devmgr_param_present(struct devmgr_device *dev, const char *name)
{
	if (!dev || !dev->spec)
		return false;
	const struct devmgr_param *t = dev->prov->p->params;
	for (unsigned i = 0; t && t[i].name; i++)
		if (strcmp(t[i].name, name) == 0)
			return i < 64 ? (dev->spec->given >> i) & 1
				      : param_get(dev, name) != NULL;
	return false;
}
