/* print.c: the devmgr command's output, as a table or as JSON (described
 * by schemas/probe.schema.json, plugins.schema.json, inspect.schema.json). */
#include "cmd.h"

#include <string.h>

void print_json(json_t *doc)
{
	json_dumpf(doc, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(doc);
}

static json_t *device_json(struct devmgr_device *d)
{
	bool ok = devmgr_device_handle(d) != NULL;
	json_t *on = json_array();
	for (size_t i = 0; i < devmgr_device_dep_count(d); i++)
		json_array_append_new(on, json_string(devmgr_device_id(
						  devmgr_device_dep(d, i))));
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:o}", "id",
			      devmgr_device_id(d), "signature",
			      devmgr_device_sig_name(d), "provider",
			      devmgr_device_provider_name(d), "state",
			      ok ? "ok" : "failed", "on", on);
	char info[2048];
	if (ok && devmgr_device_info_json(d, info, sizeof(info)) > 0)
		json_object_set_new(o, "info", json_loads(info, 0, NULL));
	const struct devmgr_error *e = devmgr_device_error(d);
	if (!ok)
		json_object_set_new(o, "error",
				    json_string(e ? e->text : "not created"));
	if (devmgr_device_source(d))
		json_object_set_new(o, "source",
				    json_string(devmgr_device_source(d)));
	return o;
}

/* "key=value key=value" from the info object. */
static void info_text(json_t *info, char *buf, size_t size)
{
	const char *k;
	json_t *v;
	size_t n = 0;
	buf[0] = '\0';
	json_object_foreach (info, k, v) {
		char *s = json_dumps(v, JSON_ENCODE_ANY);
		if (json_is_string(v))
			n += (size_t)snprintf(buf + n, n < size ? size - n : 0,
					      "%s%s=%s", n ? " " : "", k,
					      json_string_value(v));
		else
			n += (size_t)snprintf(buf + n, n < size ? size - n : 0,
					      "%s%s=%s", n ? " " : "", k,
					      s ? s : "?");
		free(s);
	}
}

static void print_row(json_t *d)
{
	char on[256] = "-", facts[1024];
	json_t *id;
	size_t j, len = 0;
	json_array_foreach (json_object_get(d, "on"), j, id)
		len += (size_t)snprintf(
			on + len, len < sizeof(on) ? sizeof(on) - len : 0,
			"%s%s", j ? "," : "", json_string_value(id));
	json_t *err = json_object_get(d, "error");
	if (err)
		snprintf(facts, sizeof(facts), "error: %s",
			 json_string_value(err));
	else
		info_text(json_object_get(d, "info"), facts, sizeof(facts));
	printf("%-16s %-9s %-16s %-7s %-12s %s\n",
	       json_string_value(json_object_get(d, "id")),
	       json_string_value(json_object_get(d, "signature")),
	       json_string_value(json_object_get(d, "provider")),
	       json_string_value(json_object_get(d, "state")), on, facts);
}

/* One device at a time, so that output costs the same whatever the
 * number of devices: {"devices":[...]} is written piece by piece. */
void print_devices(struct devmgr_ctx *ctx, bool json)
{
	size_t n = devmgr_ctx_device_count(ctx);
	bool first = true;
	if (json)
		fputs("{\"devices\":[", stdout);
	else
		printf("%-16s %-9s %-16s %-7s %-12s %s\n", "ID", "SIGNATURE",
		       "PROVIDER", "STATE", "ON", "INFO");
	for (size_t i = 0; i < n; i++) {
		json_t *d = device_json(devmgr_ctx_device(ctx, i));
		if (!d)
			continue;
		if (json) {
			if (!first)
				fputc(',', stdout);
			first = false;
			json_dumpf(d, stdout,
				   JSON_COMPACT | JSON_PRESERVE_ORDER);
		} else {
			print_row(d);
		}
		json_decref(d);
	}
	if (json)
		fputs("]}\n", stdout);
}

static json_t *providers_json(const struct devmgr_plugin *pl)
{
	json_t *a = json_array();
	for (size_t i = 0; pl->providers && pl->providers[i]; i++) {
		const struct devmgr_provider *p = pl->providers[i];
		char version[16];
		snprintf(version, sizeof(version), "%u.%u", p->sig_major,
			 p->sig_minor);
		json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "name",
						   p->name, "signature", p->sig,
						   "version", version));
	}
	return a;
}

static json_t *apps_json(const struct devmgr_plugin *pl)
{
	json_t *a = json_array();
	for (size_t i = 0; pl->apps && pl->apps[i]; i++)
		json_array_append_new(
			a, json_pack("{s:s}", "name", pl->apps[i]->name));
	return a;
}

int print_plugins(struct devmgr_ctx *ctx, bool json)
{
	json_t *plugins = json_array(), *refused = json_array();
	json_t *linked = json_array();
	for (size_t i = 0; i < devmgr_ctx_plugin_count(ctx); i++) {
		const char *path;
		const struct devmgr_plugin *pl =
			devmgr_ctx_plugin(ctx, i, &path);
		if (!path[0]) {
			json_array_append_new(
				linked,
				json_pack("{s:s, s:s, s:o, s:o}", "name",
					  pl->name, "version", pl->version,
					  "providers", providers_json(pl),
					  "apps", apps_json(pl)));
			continue;
		}
		char abi[32];
		snprintf(abi, sizeof(abi), "%u.%u", pl->abi_major,
			 pl->abi_minor);
		json_array_append_new(
			plugins,
			json_pack("{s:s, s:s, s:s, s:s, s:o, s:o}", "path",
				  path, "name", pl->name, "version",
				  pl->version, "abi", abi, "providers",
				  providers_json(pl), "apps", apps_json(pl)));
	}
	for (size_t i = 0; i < devmgr_ctx_refusal_count(ctx); i++) {
		const struct devmgr_error *e = devmgr_ctx_refusal(ctx, i);
		json_array_append_new(refused,
				      json_pack("{s:s, s:s}", "path", e->source,
						"error", e->text));
	}
	size_t nrefused = json_array_size(refused);
	if (json) {
		print_json(json_pack("{s:o, s:o, s:o}", "plugins", plugins,
				     "linked", linked, "refused", refused));
		return nrefused ? EXIT_FAILED : EXIT_OK;
	}
	size_t i, j;
	json_t *pl, *p;
	json_array_foreach (plugins, i, pl) {
		printf("%s %s (ABI %s)\n  %s\n",
		       json_string_value(json_object_get(pl, "name")),
		       json_string_value(json_object_get(pl, "version")),
		       json_string_value(json_object_get(pl, "abi")),
		       json_string_value(json_object_get(pl, "path")));
		json_array_foreach (json_object_get(pl, "providers"), j, p)
			printf("  provider %-16s %s %s\n",
			       json_string_value(json_object_get(p, "name")),
			       json_string_value(
				       json_object_get(p, "signature")),
			       json_string_value(
				       json_object_get(p, "version")));
		json_array_foreach (json_object_get(pl, "apps"), j, p)
			printf("  app      %s\n",
			       json_string_value(json_object_get(p, "name")));
	}
	json_array_foreach (refused, i, p)
		printf("refused %s: %s\n",
		       json_string_value(json_object_get(p, "path")),
		       json_string_value(json_object_get(p, "error")));
	json_array_foreach (linked, i, pl)
		printf("%s (linked in)\n",
		       json_string_value(json_object_get(pl, "name")));
	json_decref(plugins);
	json_decref(linked);
	json_decref(refused);
	return nrefused ? EXIT_FAILED : EXIT_OK;
}

static const char *type_name(enum devmgr_param_type t)
{
	static const char *const names[] = { "?",   "string", "bool",
					     "int", "size",   "path" };
	return (unsigned)t < 6 ? names[t] : "?";
}

void print_provider(struct devmgr_ctx *ctx, const struct devmgr_provider *p,
		    bool json)
{
	const char *origin = "";
	for (size_t i = 0; i < devmgr_ctx_provider_count(ctx); i++)
		if (devmgr_ctx_provider(ctx, i) == p)
			origin = devmgr_ctx_provider_origin(ctx, i);
	json_t *params = json_array();
	for (const struct devmgr_param *q = p->params; q && q->name; q++) {
		json_t *def = q->def ? json_loads(q->def, JSON_DECODE_ANY, NULL)
				     : json_null();
		json_array_append_new(
			params,
			json_pack(
				"{s:s, s:s, s:b, s:b, s:o, s:s}", "name",
				q->name, "type", type_name(q->type), "required",
				(q->flags & DEVMGR_PARAM_REQUIRED) != 0,
				"one_of", (q->flags & DEVMGR_PARAM_ONE_OF) != 0,
				"default", def ? def : json_null(), "help",
				q->help ? q->help : ""));
	}
	char version[16];
	snprintf(version, sizeof(version), "%u.%u", p->sig_major, p->sig_minor);
	json_t *on =
		p->on_sig ? json_pack("{s:s, s:i, s:i}", "signature", p->on_sig,
				      "min", p->on_min, "max", p->on_max)
			  : json_null();
	json_t *doc = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:s}",
				"name", p->name, "signature", p->sig, "version",
				version, "help", p->help ? p->help : "",
				"parameters", params, "on", on, "xen_class",
				p->xen_class ? json_string(p->xen_class)
					     : json_null(),
				"plugin", origin);
	if (json) {
		print_json(doc);
		return;
	}
	printf("%s: %s\n  signature %s %s\n  plugin    %s\n", p->name,
	       p->help ? p->help : "", p->sig, version,
	       origin[0] ? origin : "(linked in)");
	if (p->on_sig)
		printf("  on        %u to %u %s device(s)\n", p->on_min,
		       p->on_max, p->on_sig);
	if (p->xen_class)
		printf("  xen class %s\n", p->xen_class);
	printf("  parameters:\n");
	if (!p->params || !p->params->name)
		printf("    (none)\n");
	for (const struct devmgr_param *q = p->params; q && q->name; q++)
		printf("    %-12s %-6s %-9s default %-8s %s\n", q->name,
		       type_name(q->type),
		       q->flags & DEVMGR_PARAM_REQUIRED ? "required"
		       : q->flags & DEVMGR_PARAM_ONE_OF ? "one-of"
							: "optional",
		       q->def ? q->def : "-", q->help ? q->help : "");
	json_decref(doc);
}

static void dot_esc(const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', stdout);
		fputc(*s, stdout);
	}
}

/* A Graphviz ID: always quoted, so that any device id is one. */
static void dot_id(const char *prefix, const char *s)
{
	fprintf(stdout, "\"%s", prefix);
	dot_esc(s);
	fputc('"', stdout);
}

/* Devices are boxes ("dev:ID"), providers ellipses ("provider:NAME"), the
 * app a double octagon ("app:NAME").  A device points at what it is on and,
 * dashed, at its provider; the app points at each bound device, the edge
 * labelled with the slot. */
void print_dot(struct devmgr_ctx *ctx, json_t *app)
{
	size_t n = devmgr_ctx_device_count(ctx);
	puts("digraph devmgr {\n\trankdir=LR;\n\tnode [fontname=\"sans\"];");
	for (size_t i = 0; i < n; i++) {
		struct devmgr_device *d = devmgr_ctx_device(ctx, i);
		const char *id = devmgr_device_id(d),
			   *pv = devmgr_device_provider_name(d);
		bool ok = devmgr_device_handle(d) != NULL;
		fputc('\t', stdout);
		dot_id("dev:", id);
		fputs(" [shape=box, label=\"", stdout);
		dot_esc(id);
		printf("\\n%s\"%s];\n\t", devmgr_device_sig_name(d),
		       ok ? "" : ", color=red");
		dot_id("provider:", pv);
		fputs(" [shape=ellipse, label=", stdout);
		dot_id("", pv);
		puts("];");
		fputc('\t', stdout);
		dot_id("dev:", id);
		fputs(" -> ", stdout);
		dot_id("provider:", pv);
		puts(" [style=dashed, arrowhead=none];");
		for (size_t j = 0; j < devmgr_device_dep_count(d); j++) {
			fputc('\t', stdout);
			dot_id("dev:", id);
			fputs(" -> ", stdout);
			dot_id("dev:",
			       devmgr_device_id(devmgr_device_dep(d, j)));
			puts(" [label=\"on\"];");
		}
	}
	const char *name = json_string_value(json_object_get(app, "name"));
	if (name) {
		const char *slot;
		json_t *v;
		fputc('\t', stdout);
		dot_id("app:", name);
		fputs(" [shape=doubleoctagon, label=", stdout);
		dot_id("", name);
		puts("];");
		json_object_foreach (json_object_get(app, "bind"), slot, v) {
			size_t k = 0,
			       cnt = json_is_array(v) ? json_array_size(v) : 1;
			for (; k < cnt; k++) {
				json_t *dev = json_is_array(v)
						      ? json_array_get(v, k)
						      : v;
				if (!json_is_string(dev))
					continue;
				fputc('\t', stdout);
				dot_id("app:", name);
				fputs(" -> ", stdout);
				dot_id("dev:", json_string_value(dev));
				fputs(" [label=", stdout);
				dot_id("", slot);
				puts(", style=bold];");
			}
		}
	}
	puts("}");
}
