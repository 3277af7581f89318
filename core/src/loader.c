/* loader.c: finding and loading plugin modules.  The checks run in the
 * order of DESIGN.md: folder and file ownership and permissions, dlopen,
 * the descriptor symbol, magic, ABI, build signature, then the registry's
 * checks of every provider.  Each refusal is one error naming the file;
 * the other plugins still load. */
#include "internal.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef DEVMGR_PLUGINDIR
#define DEVMGR_PLUGINDIR "/usr/local/lib/devmgr/plugins"
#endif

/* provs (owned, may be NULL) names the providers the file declared. */
static void refuse_provs(struct devmgr_ctx *ctx, const struct devmgr_error *e,
			 char *provs)
{
	char line[1200];
	devmgr_log(ctx, DEVMGR_LOG_WARN, "%s",
		   devmgr_error_format(e, line, sizeof(line)));
	if (devmgr__reserve(&ctx->refusals, &ctx->refusals_cap,
			    ctx->nrefusals + 1, sizeof(*ctx->refusals)) ||
	    devmgr__reserve(&ctx->refusal_provs, &ctx->refusal_provs_cap,
			    ctx->nrefusals + 1, sizeof(*ctx->refusal_provs))) {
		devmgr__free(provs);
		return;
	}
	ctx->refusal_provs[ctx->nrefusals] = provs;
	ctx->refusals[ctx->nrefusals++] = *e;
}

static void refuse(struct devmgr_ctx *ctx, const struct devmgr_error *e)
{
	refuse_provs(ctx, e, NULL);
}

/* "a\0b\0\0": the names of a descriptor that passed its checks, so that
 * a configuration naming one of them can say which file was refused. */
static char *provider_names(const struct devmgr_plugin *d)
{
	size_t len = 1;
	for (size_t i = 0; d->providers && d->providers[i]; i++)
		if (d->providers[i]->name)
			len += strnlen(d->providers[i]->name, 256) + 1;
	char *s = devmgr__malloc(len), *p = s;
	if (!s)
		return NULL;
	for (size_t i = 0; d->providers && d->providers[i]; i++)
		if (d->providers[i]->name) {
			size_t n = strnlen(d->providers[i]->name, 256);
			memcpy(p, d->providers[i]->name, n);
			p += n;
			*p++ = '\0';
		}
	*p = '\0';
	return s;
}

const char *devmgr__refusal_provides(const struct devmgr_ctx *ctx, size_t i,
				     const char *name)
{
	for (const char *p = ctx->refusal_provs[i]; p && *p; p += strlen(p) + 1)
		if (strcmp(p, name) == 0)
			return p;
	return NULL;
}

static int refuse_path(struct devmgr_ctx *ctx, const char *path, int code,
		       const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int refuse_path(struct devmgr_ctx *ctx, const char *path, int code,
		       const char *fmt, ...)
{
	struct devmgr_error e;
	devmgr_error_clear(&e);
	devmgr__escape(e.source, sizeof(e.source), path);
	va_list ap;
	va_start(ap, fmt);
	devmgr__verror(&e, code, fmt, ap);
	va_end(ap);
	refuse(ctx, &e);
	return code;
}

/* Trust a path only when its owner is root or us and nobody else may
 * write it (as ld.so does for secure paths). */
static int check_mode(const char *path, const struct stat *st, const char *what,
		      struct devmgr_error *err)
{
	if (st->st_uid != 0 && st->st_uid != geteuid())
		return devmgr__error_at(err, -EPERM, path, NULL,
					"refusing %s owned by uid %u", what,
					(unsigned)st->st_uid);
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return devmgr__error_at(
			err, -EPERM, path, NULL,
			"refusing group- or world-writable %s (mode %04o)",
			what, (unsigned)(st->st_mode & 07777));
	return 0;
}

int devmgr_ctx_add_plugin_dir(struct devmgr_ctx *ctx, const char *dir,
			      const char *base, struct devmgr_error *err)
{
	char joined[PATH_MAX], real[PATH_MAX];
	if (!dir[0])
		return devmgr__error_at(err, -EINVAL, "(empty)", NULL,
					"plugin folder is empty (an implicit "
					"current directory)");
	if (dir[0] != '/' && !base)
		return devmgr__error_at(
			err, -EINVAL, dir, NULL,
			"plugin folder is not an absolute path");
	if (dir[0] != '/')
		snprintf(joined, sizeof(joined), "%s/%s", base, dir);
	else
		snprintf(joined, sizeof(joined), "%s", dir);
	struct stat st;
	if (!realpath(joined, real)) {
		int e = errno;
		/* ENOTDIR: a file on the way ("f/sub"): nothing there. */
		if (e == ENOENT || e == ENOTDIR)
			return devmgr__error_at(err, -ENOENT, joined, NULL,
						"plugin folder does not exist");
		return devmgr__error_at(err, -e, joined, NULL,
					"plugin folder: %s", strerror(e));
	}
	if (real[0] != '/')
		return devmgr__error_at(
			err, -EINVAL, joined, NULL,
			"plugin folder is not an absolute path");
	if (stat(real, &st) < 0)
		return devmgr__error_at(err, -errno, joined, NULL,
					"plugin folder: %s", strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return devmgr__error_at(err, -ENOTDIR, joined, NULL,
					"plugin folder is not a folder (%s)",
					devmgr__file_kind(st.st_mode));
	for (size_t i = 0; i < ctx->ndirs; i++)
		if (strcmp(ctx->dirs[i], real) == 0)
			return 0;
	char *copy = devmgr__strdup(real);
	if (!copy || devmgr__reserve(&ctx->dirs, &ctx->dirs_cap, ctx->ndirs + 1,
				     sizeof(*ctx->dirs))) {
		devmgr__free(copy);
		return devmgr_error_set(err, -ENOMEM, "out of memory");
	}
	ctx->dirs[ctx->ndirs++] = copy;
	return 0;
}

static int check_descriptor(const char *path, const struct devmgr_plugin *d,
			    struct devmgr_error *err)
{
	if (d->magic != DEVMGR_PLUGIN_MAGIC)
		return devmgr__error_at(
			err, -ENOEXEC, path, NULL,
			"bad magic 0x%08x in " DEVMGR_PLUGIN_SYMBOL
			" (not a devmgr plugin descriptor)",
			d->magic);
	if (d->abi_major != DEVMGR_ABI_MAJOR)
		return devmgr__error_at(err, -ENOEXEC, path, NULL,
					"plugin ABI %u.%u, devmgr needs %u.x",
					d->abi_major, d->abi_minor,
					DEVMGR_ABI_MAJOR);
	if (!d->build_signature ||
	    strcmp(d->build_signature, DEVMGR_BUILD_SIGNATURE) != 0)
		return devmgr__error_at(
			err, -ENOEXEC, path, NULL,
			"is not binary compatible (build signature \"%s\", "
			"devmgr has \"%s\")",
			d->build_signature ? d->build_signature : "(null)",
			DEVMGR_BUILD_SIGNATURE);
	if (!d->name || !d->version)
		return devmgr__error_at(err, -ENOEXEC, path, NULL,
					"descriptor has no name or version");
	return 0;
}

/* Checks before anything opens the file: a regular file (dlopen() of a
 * FIFO waits for a writer, of a device reads forever) that nobody else
 * may write. */
static int check_file(const char *path, struct stat *st,
		      struct devmgr_error *err)
{
	if (stat(path, st) < 0)
		return devmgr__error_at(err, -errno, path, NULL, "%s",
					strerror(errno));
	if (!S_ISREG(st->st_mode))
		return devmgr__error_at(err, -ENOEXEC, path, NULL,
					"not a regular file (%s)",
					devmgr__file_kind(st->st_mode));
	return check_mode(path, st, "plugin file", err);
}

/* dlopen, the descriptor symbol and its magic, ABI and build signature. */
static int open_descriptor(const char *path, void **hp,
			   const struct devmgr_plugin **dp,
			   struct devmgr_error *err)
{
	dlerror();
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *why = dlerror();
		size_t n = strlen(path);
		/* dlerror() says "PATH: reason"; the error names PATH already.
		 */
		if (why && strncmp(why, path, n) == 0 && why[n] == ':')
			why += n + 1 + (why[n + 1] == ' ');
		return devmgr__error_at(err, -ENOEXEC, path, NULL,
					"cannot load: %s",
					why ? why : "unknown dlopen error");
	}
	const struct devmgr_plugin *const *entry =
		dlsym(h, DEVMGR_PLUGIN_SYMBOL);
	if (!entry || !*entry) {
		dlclose(h);
		return devmgr__error_at(err, -ENOEXEC, path, NULL,
					"no " DEVMGR_PLUGIN_SYMBOL
					" symbol (not a devmgr plugin)");
	}
	int r = check_descriptor(path, *entry, err);
	if (r < 0) {
		dlclose(h);
		return r;
	}
	*hp = h;
	*dp = *entry;
	return 0;
}

/* What the scanner does in its child: load the file and say what it
 * holds, or why it is refused.  Nothing registers in the child, so that
 * a verdict depends on the file alone (a clash with another file's
 * provider is the parent's to find, file by file). */
static json_t *try_describe(struct devmgr_ctx *ctx, const char *path)
{
	(void)ctx;
	struct devmgr_error e;
	void *h;
	const struct devmgr_plugin *d;
	devmgr_error_clear(&e);
	int r = open_descriptor(path, &h, &d, &e);
	if (r == 0 && devmgr__plugin_check(d, &e) < 0) {
		json_t *names = json_array();
		for (size_t i = 0; d->providers && d->providers[i] && i < 64;
		     i++)
			if (d->providers[i]->name)
				json_array_append_new(
					names,
					json_string(d->providers[i]->name));
		return json_pack("{s:s, s:o}", "error", e.text, "provides",
				 names);
	}
	if (r < 0)
		return json_pack("{s:s}", "error", e.text);
	return json_pack("{s:o}", "plugin", devmgr__plugin_describe(d));
}

/* Why a file that was registered from its scan cannot be loaded now: it
 * is refused as a load would have been, and its entries are gone. */
static int lazy_refuse(struct devmgr_ctx *ctx, struct devmgr__lazy *l,
		       struct devmgr_error *err)
{
	l->failed = true;
	l->error = *err;
	const struct devmgr_plugin *sd = devmgr__stub_plugin(l->stub);
	for (size_t i = 0; i < ctx->nprovs; i++)
		if (ctx->provs[i]->lazy == l)
			devmgr__map_put(&ctx->prov_index,
					ctx->provs[i]->p->name, NULL);
	for (size_t i = 0; i < ctx->nplugins; i++)
		if (ctx->plugins[i].lazy == l) {
			devmgr__free(ctx->plugins[i].path);
			memmove(&ctx->plugins[i], &ctx->plugins[i + 1],
				(ctx->nplugins - i - 1) *
					sizeof(*ctx->plugins));
			ctx->nplugins--;
			break;
		}
	refuse_provs(ctx, err, provider_names(sd));
	return err->code;
}

int devmgr__lazy_load(struct devmgr_ctx *ctx, struct devmgr__lazy *l,
		      struct devmgr_error *err)
{
	if (l->loaded)
		return 0;
	if (l->failed) {
		*err = l->error;
		return err->code;
	}
	struct stat st;
	void *h;
	const struct devmgr_plugin *d;
	devmgr_error_clear(err);
	int r = check_file(l->path, &st, err);
	if (r == 0)
		r = open_descriptor(l->path, &h, &d, err);
	if (r < 0)
		return lazy_refuse(ctx, l, err);
	r = devmgr__plugin_check(d, err);
	json_t *now = r == 0 ? devmgr__plugin_describe(d) : NULL;
	if (r == 0 && !json_equal(now, devmgr__stub_json(l->stub)))
		r = devmgr__error_at(err, -ESTALE, l->path, NULL,
				     "changed since it was scanned (its "
				     "providers or apps differ)");
	else if (r < 0) {
		char why[sizeof(err->text)];
		memcpy(why, err->text, sizeof(why));
		devmgr__error_at(err, r, l->path, NULL, "%s", why);
	}
	json_decref(now);
	if (r < 0) {
		dlclose(h);
		return lazy_refuse(ctx, l, err);
	}
	/* The same names as the stub's: swap each entry to its code. */
	for (size_t i = 0; i < ctx->nprovs; i++)
		for (size_t k = 0; ctx->provs[i]->lazy == l && d->providers &&
				   d->providers[k];
		     k++)
			if (strcmp(d->providers[k]->name,
				   ctx->provs[i]->p->name) == 0) {
				ctx->provs[i]->p = d->providers[k];
				break;
			}
	for (size_t i = 0; i < ctx->napps; i++)
		for (size_t k = 0;
		     ctx->apps[i].lazy == l && d->apps && d->apps[k]; k++)
			if (strcmp(d->apps[k]->name, ctx->apps[i].a->name) ==
			    0) {
				ctx->apps[i].a = d->apps[k];
				break;
			}
	for (size_t i = 0; i < ctx->nplugins; i++)
		if (ctx->plugins[i].lazy == l)
			ctx->plugins[i].d = d;
	l->loaded = true;
	return 0;
}

/* A provider or app known from the scan is loaded before its first use. */
int devmgr__provider_ready(struct devmgr_ctx *ctx,
			   const struct devmgr__provider_entry *e,
			   struct devmgr_error *err)
{
	return e->lazy ? devmgr__lazy_load(ctx, e->lazy, err) : 0;
}

int devmgr__app_ready(struct devmgr_ctx *ctx, const char *name,
		      struct devmgr_error *err)
{
	for (size_t i = 0; i < ctx->napps; i++)
		if (!DEVMGR__GONE(&ctx->apps[i]) &&
		    strcmp(ctx->apps[i].a->name, name) == 0)
			return ctx->apps[i].lazy
				       ? devmgr__lazy_load(
						 ctx, ctx->apps[i].lazy, err)
				       : 0;
	return 0;
}

/* Register a scanned file from its stub (taking res's stub); 0, or the
 * refusal. */
static int register_scanned(struct devmgr_ctx *ctx, const char *path,
			    struct devmgr__scan_result *res,
			    struct devmgr__lazy **out, struct devmgr_error *err,
			    char **provs)
{
	if (res->refused[0]) {
		*provs = res->provs;
		res->provs = NULL;
		return devmgr__error_at(err, -ENOEXEC, path, NULL, "%s",
					res->refused);
	}
	struct devmgr__lazy *l = devmgr__calloc(1, sizeof(*l));
	char *copy = devmgr__strdup(path);
	if (!l || !(l->path = devmgr__strdup(path)) || !copy ||
	    devmgr__reserve(&ctx->lazies, &ctx->lazies_cap, ctx->nlazies + 1,
			    sizeof(*ctx->lazies)) ||
	    devmgr__reserve(&ctx->plugins, &ctx->plugins_cap, ctx->nplugins + 1,
			    sizeof(*ctx->plugins))) {
		if (l)
			devmgr__free(l->path);
		devmgr__free(l);
		devmgr__free(copy);
		return devmgr_error_set(err, -ENOMEM, "out of memory");
	}
	l->stub = res->stub;
	res->stub = NULL;
	ctx->lazies[ctx->nlazies++] = l;
	const struct devmgr_plugin *d = devmgr__stub_plugin(l->stub);
	int r = devmgr__register_plugin(ctx, d, l->path, l, err);
	if (r < 0) {
		char why[sizeof(err->text)];
		memcpy(why, err->text, sizeof(why));
		devmgr__error_at(err, r, path, NULL, "%s", why);
		*provs = provider_names(d);
		l->failed = true;
		devmgr__free(copy);
		return r;
	}
	ctx->plugins[ctx->nplugins++] =
		(struct devmgr__plugin_entry){ d, copy, l };
	*out = l;
	return 0;
}

static void results_free(struct devmgr__scan_result *res, size_t n)
{
	for (size_t i = 0; res && i < n; i++) {
		devmgr__stub_free(res[i].stub);
		devmgr__free(res[i].provs);
	}
	devmgr__free(res);
}

int devmgr_ctx_load_plugin(struct devmgr_ctx *ctx, const char *path,
			   struct devmgr_error *err)
{
	struct stat st;
	int r = check_file(path, &st, err);
	if (r < 0)
		return r;
	/* Same file reached through two folders: loaded once, silently. */
	for (size_t i = 0; i < ctx->nplugins; i++) {
		struct stat o;
		if (ctx->plugins[i].path[0] &&
		    stat(ctx->plugins[i].path, &o) == 0 &&
		    o.st_dev == st.st_dev && o.st_ino == st.st_ino)
			return ctx->plugins[i].lazy
				       ? devmgr__lazy_load(
						 ctx, ctx->plugins[i].lazy, err)
				       : 0;
	}
	char *paths[1] = { (char *)path };
	struct devmgr__scan_result *res = devmgr__calloc(1, sizeof(*res));
	if (!res || devmgr__scan(ctx, paths, 1, res, try_describe) < 0) {
		devmgr__free(res);
		return devmgr_error_set(err, -ENOMEM, "out of memory");
	}
	struct devmgr__lazy *l = NULL;
	char *provs = NULL;
	r = register_scanned(ctx, path, res, &l, err, &provs);
	devmgr__free(provs);
	results_free(res, 1);
	return r < 0 ? r : devmgr__lazy_load(ctx, l, err);
}

void devmgr_ctx_rescan_plugins(struct devmgr_ctx *ctx)
{
	ctx->rescan = true;
}

static int is_module_name(const char *name)
{
	size_t n = strlen(name);
	return n > 3 && name[0] != '.' && strcmp(name + n - 3, ".so") == 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Append the *.so of one folder to names, in name order so that results
 * do not depend on the file system. */
static void list_dir(struct devmgr_ctx *ctx, const char *dir, char ***names,
		     size_t *n, size_t *cap)
{
	struct devmgr_error e;
	struct stat st;
	if (stat(dir, &st) < 0)
		return; /* a search folder that does not exist is not an error
			 */
	if (check_mode(dir, &st, "plugin folder", &e) < 0) {
		refuse(ctx, &e);
		return;
	}
	DIR *d = opendir(dir);
	if (!d) {
		refuse_path(ctx, dir, -errno, "cannot open plugin folder: %s",
			    strerror(errno));
		return;
	}
	size_t first = *n;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!is_module_name(de->d_name))
			continue;
		char *s = devmgr__asprintf("%s/%s", dir, de->d_name);
		if (!s ||
		    devmgr__reserve(names, cap, *n + 1, sizeof(**names))) {
			devmgr__free(s);
			break;
		}
		(*names)[(*n)++] = s;
	}
	closedir(d);
	if (*n > first)
		qsort(*names + first, *n - first, sizeof(**names), cmp_names);
}

/* Register the files of every folder from one scan (one scanner, one
 * read and one write of its cache), in folder order; nothing is loaded.
 * Files refused before the scan (not a regular file, writable by
 * others, the same file again) never reach the scanner. */
static void scan_files(struct devmgr_ctx *ctx, char **names, size_t n)
{
	struct devmgr_error e;
	struct stat *st = devmgr__calloc(n ? n : 1, sizeof(*st));
	char **todo = devmgr__calloc(n ? n : 1, sizeof(*todo));
	size_t m = 0;
	for (size_t i = 0; st && todo && i < n; i++) {
		if (check_file(names[i], &st[m], &e) < 0) {
			refuse(ctx, &e);
			continue;
		}
		bool dup = false;
		for (size_t j = 0; j < m && !dup; j++)
			dup = st[j].st_dev == st[m].st_dev &&
			      st[j].st_ino == st[m].st_ino;
		for (size_t j = 0; j < ctx->nplugins && !dup; j++) {
			struct stat o;
			dup = ctx->plugins[j].path[0] &&
			      stat(ctx->plugins[j].path, &o) == 0 &&
			      o.st_dev == st[m].st_dev &&
			      o.st_ino == st[m].st_ino;
		}
		if (!dup)
			todo[m++] = names[i];
	}
	struct devmgr__scan_result *res =
		devmgr__calloc(m ? m : 1, sizeof(*res));
	/* Out of memory: nothing is registered unscanned. */
	bool scanned =
		res && devmgr__scan(ctx, todo, m, res, try_describe) == 0;
	for (size_t i = 0; scanned && i < m; i++) {
		char *provs = NULL;
		struct devmgr__lazy *l;
		if (register_scanned(ctx, todo[i], &res[i], &l, &e, &provs) < 0)
			refuse_provs(ctx, &e, provs);
	}
	results_free(res, m);
	for (size_t i = 0; i < n; i++)
		devmgr__free(names[i]);
	devmgr__free(st);
	devmgr__free(todo);
}

/* DEVMGR_PLUGIN_PATH is colon-separated; an empty or relative element
 * would mean the current directory, which is never searched. */
static void add_env_dirs(struct devmgr_ctx *ctx)
{
	const char *env = getenv("DEVMGR_PLUGIN_PATH");
	if (!env || !env[0])
		return;
	char *copy = devmgr__strdup(env), *rest = copy, *tok;
	if (!copy)
		return;
	while ((tok = strsep(&rest, ":"))) {
		struct devmgr_error e;
		if (devmgr_ctx_add_plugin_dir(ctx, tok, NULL, &e) < 0 &&
		    e.code != -ENOENT) {
			size_t len = strlen(e.text);
			snprintf(e.text + len, sizeof(e.text) - len,
				 " (in DEVMGR_PLUGIN_PATH)");
			refuse(ctx, &e);
		}
	}
	devmgr__free(copy);
}

int devmgr_ctx_scan_plugins(struct devmgr_ctx *ctx)
{
	if (ctx->plugins_scanned)
		return (int)ctx->nrefusals;
	ctx->plugins_scanned = true;
	add_env_dirs(ctx);
	struct devmgr_error e;
	if (devmgr_ctx_add_plugin_dir(ctx, DEVMGR_PLUGINDIR, NULL, &e) < 0 &&
	    e.code != -ENOENT)
		refuse(ctx, &e);
	char **names = NULL;
	size_t n = 0, cap = 0;
	for (size_t i = 0; i < ctx->ndirs; i++)
		list_dir(ctx, ctx->dirs[i], &names, &n, &cap);
	scan_files(ctx, names, n);
	devmgr__free(names);
	return (int)ctx->nrefusals;
}

int devmgr_ctx_load_plugins(struct devmgr_ctx *ctx)
{
	devmgr_ctx_scan_plugins(ctx);
	if (ctx->plugins_loaded)
		return (int)ctx->nrefusals;
	ctx->plugins_loaded = true;
	struct devmgr_error e;
	for (size_t i = 0; i < ctx->nlazies; i++)
		devmgr__lazy_load(ctx, ctx->lazies[i], &e);
	return (int)ctx->nrefusals;
}
