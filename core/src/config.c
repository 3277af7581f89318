/* config.c: the JSON configuration file (CONTRACT.md, version 1), read
 * with jansson and checked into the file's set of device specifications
 * (every device's provider and parameters), the app's section and the
 * xenstore section.  Nothing is loaded or created here, and the JSON tree
 * is dropped once the specifications are made.  Syntax errors carry line
 * and column; meaning errors a JSON pointer. */
#include "internal.h"
#include "xs_map.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct cfg {
	struct devmgr_ctx *ctx;
	const struct devmgr__config *cfg;
	const char *src; /* the name errors give */
	struct devmgr_error *err;
};

#define FAIL(c, code, ptr, ...)                                                \
	devmgr__error_at((c)->err, (code), (c)->src, (ptr), __VA_ARGS__)

bool devmgr__id_valid(const char *id)
{
	size_t n = strlen(id);
	if (n < 1 || n > 64 ||
	    !((id[0] >= 'A' && id[0] <= 'Z') || (id[0] >= 'a' && id[0] <= 'z')))
		return false;
	for (size_t i = 1; i < n; i++) {
		char c = id[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		      c == '-'))
			return false;
	}
	return true;
}

#define ID_RULE "^[A-Za-z][A-Za-z0-9_.-]{0,63}$"
/* A longer id is shown cut, so that the message keeps its reason. */
#define ID_MAX 64

static const char *kind(const json_t *v)
{
	static const char *const k[] = {
		[JSON_OBJECT] = "an object", [JSON_ARRAY] = "an array",
		[JSON_STRING] = "a string",  [JSON_INTEGER] = "an integer",
		[JSON_REAL] = "a number",    [JSON_TRUE] = "a boolean",
		[JSON_FALSE] = "a boolean",  [JSON_NULL] = "null",
	};
	return k[json_typeof(v)];
}

static int unknown_keys(struct cfg *c, json_t *obj, const char *prefix,
			const char *const *allowed, size_t n)
{
	const char *key;
	json_t *v;
	json_object_foreach (obj, key, v) {
		size_t i = 0;
		while (i < n && strcmp(key, allowed[i]) != 0)
			i++;
		if (i < n)
			continue;
		char ptr[256];
		devmgr__pointer(ptr, sizeof(ptr), prefix, key);
		const char *hint = devmgr__did_you_mean(key, allowed, n);
		if (hint)
			return FAIL(c, -EINVAL, ptr,
				    "unknown key \"%s\" (did you mean \"%s\"?)",
				    key, hint);
		return FAIL(c, -EINVAL, ptr, "unknown key \"%s\"", key);
	}
	return 0;
}

/* "on" and bind values: an id or a non-empty list of ids. */
static int id_list(struct cfg *c, json_t *v, const char *ptr, bool many,
		   char ***out, size_t *n)
{
	size_t count = json_is_array(v) ? json_array_size(v) : 1;
	if (!(json_is_string(v) || (many && json_is_array(v) && count > 0)))
		return FAIL(c, -EINVAL, ptr,
			    many ? "expected a device id or a non-empty list "
				   "of them, got %s"
				 : "expected a device id, got %s",
			    kind(v));
	char **ids = devmgr__calloc(count, sizeof(*ids));
	if (!ids)
		return FAIL(c, -ENOMEM, ptr, "out of memory");
	for (size_t i = 0; i < count; i++) {
		json_t *e = json_is_array(v) ? json_array_get(v, i) : v;
		if (!json_is_string(e)) {
			devmgr__free(ids);
			return FAIL(c, -EINVAL, ptr,
				    "expected a device id, got %s", kind(e));
		}
		ids[i] = (char *)json_string_value(e); /* borrowed from root */
	}
	*out = ids;
	*n = count;
	return 0;
}

/* A refused plugin that would have brought name: the error names both. */
static const struct devmgr_error *refused_for(struct devmgr_ctx *ctx,
					      const char *name)
{
	for (size_t i = 0; i < ctx->nrefusals; i++)
		if (devmgr__refusal_provides(ctx, i, name))
			return &ctx->refusals[i];
	/* A file refused before its descriptor could be read: by name. */
	for (size_t i = 0; i < ctx->nrefusals; i++) {
		const char *base = strrchr(ctx->refusals[i].source, '/');
		base = base ? base + 1 : ctx->refusals[i].source;
		size_t n = strlen(name);
		if (strncmp(base, name, n) == 0 && strcmp(base + n, ".so") == 0)
			return &ctx->refusals[i];
	}
	return NULL;
}

static int unknown_provider(struct cfg *c, const char *name, const char *ptr)
{
	const struct devmgr_error *r = refused_for(c->ctx, name);
	if (r)
		return FAIL(c, -ENOENT, ptr,
			    "provider \"%s\" is in plugin %s, which was "
			    "refused: %s",
			    name, r->source, r->text);
	const char **names = devmgr__calloc(c->ctx->nprovs + 1, sizeof(*names));
	if (!names)
		return FAIL(c, -ENOMEM, ptr, "out of memory");
	for (size_t i = 0; i < c->ctx->nprovs; i++)
		names[i] = c->ctx->provs[i]->p->name;
	const char *hint = devmgr__did_you_mean(name, names, c->ctx->nprovs);
	if (hint)
		FAIL(c, -ENOENT, ptr,
		     "unknown provider \"%s\" (did you mean \"%s\"?)", name,
		     hint);
	else
		FAIL(c, -ENOENT, ptr, "unknown provider \"%s\"", name);
	devmgr__free(names);
	return -ENOENT;
}

/* The provider's own check of its parameters (what create() refuses
 * for their values), so that validate refuses it too.  The check sees a
 * device made of the specification alone. */
static int provider_check(struct cfg *c, struct devmgr__spec *spec,
			  const char *ptr)
{
	const struct devmgr_provider *p = spec->prov->p;
	struct devmgr_device dev = {
		.ctx = c->ctx, .spec = spec, .id = spec->id, .prov = spec->prov
	};
	struct devmgr_error e;
	devmgr_error_clear(&e);
	if (!p->check)
		return 0;
	int r = p->check(&dev, &e);
	if (r >= 0)
		return 0;
	char where[sizeof(e.pointer) + 300];
	if (e.pointer[0])
		devmgr__pointer(where, sizeof(where), ptr, e.pointer);
	return FAIL(c, r, e.pointer[0] ? where : ptr, "%s",
		    e.text[0] ? e.text : strerror(-r));
}

/* One allocation for the specification, its id, source and "on" ids. */
static struct devmgr__spec *spec_new(const char *id, const char *source,
				     char **on, size_t n)
{
	size_t size = sizeof(struct devmgr__spec) + n * sizeof(char *) +
		      strlen(id) + 1 + (source ? strlen(source) + 1 : 0);
	for (size_t i = 0; i < n; i++)
		size += strlen(on[i]) + 1;
	struct devmgr__spec *s = devmgr__calloc(1, size);
	if (!s)
		return NULL;
	const char **ids = (const char **)(s + 1);
	char *str = (char *)(ids + n);
	s->refs = 1;
	s->on_ids = n ? ids : NULL;
	s->ndeps = n;
	s->id = str;
	str = stpcpy(str, id) + 1;
	if (source) {
		s->source = str;
		str = stpcpy(str, source) + 1;
	}
	for (size_t i = 0; i < n; i++) {
		ids[i] = str;
		str = stpcpy(str, on[i]) + 1;
	}
	return s;
}

/* Which parameters the specification gives (devmgr_param_present);
 * a table longer than 64 has its later ones by value (param.c). */
static uint64_t given(const struct devmgr_param *table, json_t *obj)
{
	uint64_t g = 0;
	for (unsigned i = 0; table && table[i].name && i < 64; i++)
		if (json_object_get(obj, table[i].name))
			g |= (uint64_t)1 << i;
	return g;
}

static int device_spec(struct cfg *c, const char *id, json_t *spec,
		       const char *source, struct devmgr__spec **out)
{
	char ptr[256], sub[300];
	devmgr__pointer(ptr, sizeof(ptr), "/devices", id);
	if (strlen(id) > ID_MAX)
		return FAIL(
			c, -EINVAL, ptr,
			"invalid device id \"%.*s...\" (too long: %zu bytes, "
			"at most %d; must match " ID_RULE ")",
			ID_MAX, id, strlen(id), ID_MAX);
	if (!devmgr__id_valid(id))
		return FAIL(c, -EINVAL, ptr,
			    "invalid device id \"%s\" (must match " ID_RULE ")",
			    id);
	if (!json_is_object(spec))
		return FAIL(c, -EINVAL, ptr, "expected an object, got %s",
			    kind(spec));
	json_t *pv = json_object_get(spec, "provider");
	if (!pv)
		return FAIL(c, -EINVAL, ptr, "missing \"provider\"");
	snprintf(sub, sizeof(sub), "%s/provider", ptr);
	if (!json_is_string(pv))
		return FAIL(c, -EINVAL, sub, "expected a string, got %s",
			    kind(pv));
	const struct devmgr__provider_entry *prov =
		devmgr__provider_lookup(c->ctx, json_string_value(pv));
	if (!prov)
		return unknown_provider(c, json_string_value(pv), sub);
	const struct devmgr_provider *p = prov->p;
	json_t *on = json_object_get(spec, "on");
	char **on_ids = NULL;
	size_t ndeps = 0;
	snprintf(sub, sizeof(sub), "%s/on", ptr);
	if (on && !p->on_sig)
		return FAIL(c, -EINVAL, sub, "provider %s takes no \"on\"",
			    p->name);
	if (on) {
		int r = id_list(c, on, sub, true, &on_ids, &ndeps);
		if (r < 0)
			return r;
	}
	int r = 0;
	if (p->on_sig && (ndeps < p->on_min || ndeps > p->on_max)) {
		if (p->on_min == p->on_max)
			r = FAIL(c, -EINVAL, on ? sub : ptr,
				 "provider %s needs %u \"on\" device%s of "
				 "signature %s",
				 p->name, p->on_min, p->on_min == 1 ? "" : "s",
				 p->on_sig);
		else
			r = FAIL(c, -EINVAL, on ? sub : ptr,
				 "provider %s needs %u to %u \"on\" devices of "
				 "signature %s",
				 p->name, p->on_min, p->on_max, p->on_sig);
	}
	char what[128];
	snprintf(what, sizeof(what), "provider %s", p->name);
	static const char *const skip[] = { "provider", "on", NULL };
	json_t *params = NULL;
	if (r == 0) {
		params =
			devmgr__params_check(p->params, spec, skip, c->cfg->dir,
					     what, c->src, ptr, c->err);
		if (!params)
			r = c->err ? c->err->code : -EINVAL;
	}
	struct devmgr__spec *s =
		r == 0 ? spec_new(id, source, on_ids, ndeps) : NULL;
	devmgr__free(on_ids);
	if (r == 0 && !s)
		r = FAIL(c, -ENOMEM, ptr, "out of memory");
	if (r < 0) {
		json_decref(params);
		return r;
	}
	s->prov = prov;
	s->params = params;
	s->given = given(p->params, spec);
	*out = s;
	return 0;
}

int devmgr__spec_from_json(struct devmgr_ctx *ctx,
			   const struct devmgr__config *cfg, const char *id,
			   json_t *spec, const char *source,
			   struct devmgr__spec **out, struct devmgr_error *err)
{
	struct cfg c = { ctx, cfg, cfg->path, err };
	return device_spec(&c, id, spec, source, out);
}

/* The file's devices, in file order.  Each device's part of the file's
 * tree is dropped once its specification is made, so that the tree and
 * the specifications are never both whole in memory (the peak of a
 * probe of 10,000 devices). */
static int devices(struct cfg *c, struct devmgr__config *cfg, json_t *devs)
{
	if (!devs)
		return FAIL(c, -EINVAL, "/",
			    "missing required key \"devices\"");
	if (!json_is_object(devs))
		return FAIL(c, -EINVAL, "/devices",
			    "expected an object, got %s", kind(devs));
	const char *id;
	json_t *spec;
	void *tmp;
	json_object_foreach_safe (devs, tmp, id, spec) {
		struct devmgr__spec *s;
		char ptr[256];
		int r = device_spec(c, id, spec, NULL, &s);
		if (r < 0)
			return r;
		if (devmgr__specs_add(&cfg->devs, s) < 0)
			return FAIL(c, -ENOMEM, "/devices", "out of memory");
		devmgr__pointer(ptr, sizeof(ptr), "/devices", id);
		if ((r = provider_check(c, s, ptr)) < 0)
			return r;
		json_object_del(devs, id);
	}
	return 0;
}

static int plugin_path(struct cfg *c, json_t *pp)
{
	if (!pp)
		return 0;
	if (!json_is_array(pp))
		return FAIL(c, -EINVAL, "/plugin_path",
			    "expected an array, got %s", kind(pp));
	size_t i;
	json_t *v;
	json_array_foreach (pp, i, v) {
		char ptr[64];
		snprintf(ptr, sizeof(ptr), "/plugin_path/%zu", i);
		if (!json_is_string(v) || !json_string_value(v)[0])
			return FAIL(c, -EINVAL, ptr,
				    "expected a non-empty folder name, got %s",
				    kind(v));
		struct devmgr_error e;
		int r = devmgr_ctx_add_plugin_dir(c->ctx, json_string_value(v),
						  c->cfg->dir, &e);
		if (r < 0 && r != -ENOENT)
			return FAIL(c, r, ptr, "%s: %s", e.source, e.text);
	}
	return 0;
}

static int app_section(struct cfg *c, struct devmgr__config *cfg, json_t *app)
{
	if (!app)
		return 0;
	if (!json_is_object(app))
		return FAIL(c, -EINVAL, "/app", "expected an object, got %s",
			    kind(app));
	static const char *const keys[] = { "name", "bind", "args" };
	int r = unknown_keys(c, app, "/app", keys, 3);
	if (r < 0)
		return r;
	json_t *name = json_object_get(app, "name");
	if (!name)
		return FAIL(c, -EINVAL, "/app", "missing \"name\"");
	if (!json_is_string(name))
		return FAIL(c, -EINVAL, "/app/name",
			    "expected a string, got %s", kind(name));
	json_t *bind = json_object_get(app, "bind");
	if (bind && !json_is_object(bind))
		return FAIL(c, -EINVAL, "/app/bind",
			    "expected an object, got %s", kind(bind));
	json_t *args = json_object_get(app, "args");
	if (args && !json_is_object(args))
		return FAIL(c, -EINVAL, "/app/args",
			    "expected an object, got %s", kind(args));
	const char *slot;
	json_t *v;
	json_object_foreach (bind, slot, v) {
		char ptr[256];
		devmgr__pointer(ptr, sizeof(ptr), "/app/bind", slot);
		char **ids;
		size_t n;
		r = id_list(c, v, ptr, true, &ids, &n);
		if (r < 0)
			return r;
		devmgr__free(ids); /* the plan checks that they exist */
	}
	cfg->app = json_incref(app);
	cfg->app_name = json_string_value(name);
	cfg->app_bind = bind;
	cfg->app_args = args;
	return 0;
}

/* Only the shape is checked here; the xenstore source reads the rest. */
static int xenstore_section(struct cfg *c, json_t *xs)
{
	if (!xs)
		return 0;
	if (!json_is_object(xs))
		return FAIL(c, -EINVAL, "/xenstore",
			    "expected an object, got %s", kind(xs));
	static const char *const keys[] = { "domain_path", "map",
					    "incomplete_timeout_ms" };
	int r = unknown_keys(c, xs, "/xenstore", keys, 3);
	if (r < 0)
		return r;
	json_t *to = json_object_get(xs, "incomplete_timeout_ms");
	if (to && (!json_is_integer(to) || json_integer_value(to) < 0 ||
		   json_integer_value(to) > 86400000))
		return FAIL(c, -EINVAL, "/xenstore/incomplete_timeout_ms",
			    "expected milliseconds from 0 to 86400000");
	json_t *dp = json_object_get(xs, "domain_path");
	if (dp && !json_is_string(dp))
		return FAIL(c, -EINVAL, "/xenstore/domain_path",
			    "expected a string, got %s", kind(dp));
	if (dp && json_string_value(dp)[0] != '/')
		return FAIL(c, -EINVAL, "/xenstore/domain_path",
			    "expected an absolute xenstore path "
			    "(\"/local/domain/N\")");
	json_t *map = json_object_get(xs, "map");
	if (map && !json_is_object(map))
		return FAIL(c, -EINVAL, "/xenstore/map",
			    "expected an object, got %s", kind(map));
	const char *cls;
	json_t *m;
	json_object_foreach (map, cls, m) {
		char ptr[256];
		devmgr__pointer(ptr, sizeof(ptr), "/xenstore/map", cls);
		if (!json_is_object(m))
			return FAIL(c, -EINVAL, ptr,
				    "expected an object, got %s", kind(m));
		json_t *pv = json_object_get(m, "provider");
		if (pv && !json_is_string(pv))
			return FAIL(c, -EINVAL, ptr,
				    "\"provider\" must be a string");
	}
	return 0;
}

static int check_root(struct cfg *c, json_t *root)
{
	if (!json_is_object(root))
		return FAIL(c, -EINVAL, "/",
			    "expected an object, got %s (the configuration "
			    "must be a JSON object)",
			    kind(root));
	json_t *ver = json_object_get(root, "devmgr");
	if (!ver)
		return FAIL(c, -EINVAL, "/", "missing required key \"devmgr\"");
	if (!json_is_integer(ver))
		return FAIL(c, -EINVAL, "/devmgr",
			    "expected the format version 1, got %s", kind(ver));
	if (json_integer_value(ver) != 1)
		return FAIL(
			c, -EINVAL, "/devmgr",
			"unsupported format version %lld (this devmgr reads 1)",
			(long long)json_integer_value(ver));
	static const char *const keys[] = { "devmgr", "plugin_path", "devices",
					    "app", "xenstore" };
	int r = unknown_keys(c, root, "", keys, 5);
	if (r < 0)
		return r;
	return plugin_path(c, json_object_get(root, "plugin_path"));
}

/* Open path for reading only when it is a regular file: a FIFO would
 * block the reader until a writer comes, a device never ends.  O_NONBLOCK
 * keeps open() itself from waiting for a FIFO's writer. */
static int open_config(struct cfg *c, const char *path, int *fdp)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	if (fd < 0) {
		int e = errno;
		return FAIL(c, -e, NULL, "unable to open %s: %s", path,
			    strerror(e));
	}
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return FAIL(c, -e, NULL, "unable to stat %s: %s", path,
			    strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return FAIL(c, -EINVAL, NULL, "not a regular file (%s)",
			    devmgr__file_kind(st.st_mode));
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
		int e = errno;
		close(fd);
		return FAIL(c, -e, NULL, "unable to read %s: %s", path,
			    strerror(e));
	}
	*fdp = fd;
	return 0;
}

/* jansson's messages in plain words: some name its own flags, which mean
 * nothing to someone writing a configuration. */
static void syntax_text(char *buf, size_t size, const char *text)
{
	static const struct {
		const char *jansson, *plain;
	} words[] = {
		{ "'[' or '{' expected",
		  "the configuration must be a JSON object: '{' expected" },
		{ "\\u0000 is not allowed without JSON_ALLOW_NUL",
		  "\\u0000 (a NUL character) is not allowed in a string" },
	};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		size_t n = strlen(words[i].jansson);
		if (strncmp(text, words[i].jansson, n) == 0) {
			snprintf(buf, size, "%s%s", words[i].plain, text + n);
			return;
		}
	}
	snprintf(buf, size, "%s", text);
}

static int parse(struct cfg *c, struct devmgr__config *cfg, const char *text,
		 const char *path)
{
	json_error_t je;
	json_t *root;
	if (text) {
		root = json_loads(text, JSON_REJECT_DUPLICATES, &je);
	} else {
		int fd = -1, r = open_config(c, path, &fd);
		if (r < 0)
			return r;
		root = json_loadfd(fd, JSON_REJECT_DUPLICATES, &je);
		int e = errno;
		close(fd);
		errno = e;
	}
	if (!root) {
		if (je.line < 1 && errno == ENOMEM)
			return FAIL(c, -ENOMEM, NULL, "out of memory");
		char plain[sizeof(je.text) + 64];
		syntax_text(plain, sizeof(plain), je.text);
		devmgr__error_at(c->err, -EINVAL, c->src, NULL, "%s", plain);
		if (c->err && je.line > 0) {
			c->err->line = je.line;
			c->err->column = je.column > 0 ? je.column : 1;
		}
		return -EINVAL;
	}
	cfg->root = root;
	return 0;
}

int devmgr__config_read(struct devmgr_ctx *ctx, const char *text,
			const char *path, struct devmgr__config *cfg,
			struct devmgr_error *err)
{
	struct cfg c = { ctx, cfg, path, err };
	char dirbuf[PATH_MAX];
	memset(cfg, 0, sizeof(*cfg));
	devmgr_error_clear(err);
	cfg->path = devmgr__strdup(path);
	snprintf(dirbuf, sizeof(dirbuf), "%s", path);
	char *dir = text ? NULL : dirname(dirbuf);
	char real[PATH_MAX];
	if (dir && realpath(dir, real))
		dir = real;
	cfg->dir = dir ? devmgr__strdup(dir) : NULL;
	int r = 0;
	if (!cfg->path || (dir && !cfg->dir))
		r = FAIL(&c, -ENOMEM, NULL, "out of memory");
	if (r == 0)
		r = parse(&c, cfg, text, path);
	if (r == 0)
		r = check_root(&c, cfg->root);
	if (r < 0)
		devmgr__config_free(cfg);
	return r;
}

int devmgr__config_check(struct devmgr_ctx *ctx, struct devmgr__config *cfg,
			 struct devmgr_error *err)
{
	struct cfg c = { ctx, cfg, cfg->path, err };
	json_t *root = cfg->root;
	json_t *xs = json_object_get(root, "xenstore");
	int r;
	if ((r = devices(&c, cfg, json_object_get(root, "devices"))) < 0 ||
	    (r = app_section(&c, cfg, json_object_get(root, "app"))) < 0 ||
	    (r = xenstore_section(&c, xs)) < 0)
		return r;
	cfg->xs = json_incref(xs);
	cfg->root = NULL;
	json_decref(root);
	return 0;
}

void devmgr__config_free(struct devmgr__config *cfg)
{
	devmgr__specs_free(&cfg->devs);
	json_decref(cfg->root);
	json_decref(cfg->app);
	json_decref(cfg->xs);
	devmgr__free(cfg->path);
	devmgr__free(cfg->dir);
	memset(cfg, 0, sizeof(*cfg));
}

/* ---- specifications and their sets ------------------------------------ */

void devmgr__spec_put(struct devmgr__spec *s)
{
	if (!s || --s->refs)
		return;
	json_decref(s->params);
	devmgr__free(s);
}

bool devmgr__spec_equal(const struct devmgr__spec *a,
			const struct devmgr__spec *b)
{
	if (a == b)
		return true;
	if (a->prov != b->prov || a->given != b->given ||
	    a->ndeps != b->ndeps || !json_equal(a->params, b->params))
		return false;
	for (size_t i = 0; i < a->ndeps; i++)
		if (strcmp(a->on_ids[i], b->on_ids[i]) != 0)
			return false;
	return true;
}

int devmgr__specs_add(struct devmgr__specs *set, struct devmgr__spec *s)
{
	if (devmgr__reserve(&set->v, &set->cap, set->n + 1, sizeof(*set->v)) <
		    0 ||
	    devmgr__map_put(&set->index, s->id, s) < 0) {
		devmgr__spec_put(s);
		return -ENOMEM;
	}
	set->v[set->n++] = s;
	return 0;
}

void devmgr__specs_free(struct devmgr__specs *set)
{
	for (size_t i = 0; i < set->n; i++)
		devmgr__spec_put(set->v[i]);
	devmgr__free(set->v);
	devmgr__map_free(&set->index);
	memset(set, 0, sizeof(*set));
}
