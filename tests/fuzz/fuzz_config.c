/* libFuzzer target: a configuration text, loaded with the blk-ram and
 * console providers linked in; when it loads, every device is created
 * (keep_going) and destroyed.
 *
 * console-file devices are never created: their create() opens (and
 * truncates) whatever path the input names.  Such inputs are still
 * loaded and checked.  Nor is a configuration whose plugin_path names a
 * folder loaded: the loader would dlopen() every *.so found there (say,
 * in /usr/lib).  A plugin_path that is not an array of non-empty strings
 * is still checked. */
#include <devmgr/devmgr.h>

#include <jansson.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void quiet(void *arg, enum devmgr_log_level level, const char *msg)
{
	(void)arg, (void)level, (void)msg;
}

static int creatable(struct devmgr_ctx *ctx)
{
	for (size_t i = 0; i < devmgr_ctx_device_count(ctx); i++)
		if (strcmp(devmgr_device_provider_name(
				   devmgr_ctx_device(ctx, i)),
			   "console-file") == 0)
			return 0;
	return 1;
}

/* True when text names a plugin folder (jansson decodes escapes for us). */
static int names_plugin_folder(const char *text)
{
	json_t *root = json_loads(text, JSON_DECODE_ANY, NULL);
	json_t *pp = json_object_get(root, "plugin_path");
	int r = 0;
	size_t i;
	json_t *v;
	json_array_foreach (pp, i, v)
		if (json_is_string(v) && json_string_value(v)[0])
			r = 1;
	json_decref(root);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (names_plugin_folder(text)) {
		free(text);
		return 0;
	}
	struct devmgr_ctx *ctx = devmgr_ctx_new();
	if (!ctx) {
		free(text);
		return 0;
	}
	devmgr_ctx_set_log(ctx, quiet, NULL, DEVMGR_LOG_DEBUG);
	struct devmgr_error err;
	char line[1400];
	if (devmgr_ctx_load_config_string(ctx, text, "<fuzz>", &err) == 0) {
		if (creatable(ctx)) {
			if (devmgr_ctx_create_devices(ctx, true, &err) > 0)
				devmgr_error_format(&err, line, sizeof(line));
			for (size_t i = 0; i < devmgr_ctx_device_count(ctx);
			     i++) {
				struct devmgr_device *d =
					devmgr_ctx_device(ctx, i);
				devmgr_device_info_json(d, line, sizeof(line));
				const struct devmgr_error *e =
					devmgr_device_error(d);
				if (e)
					devmgr_error_format(e, line,
							    sizeof(line));
			}
			devmgr_ctx_destroy_devices(ctx);
		}
	} else {
		devmgr_error_format(&err, line, sizeof(line));
		devmgr_err_name(err.code);
	}
	devmgr_ctx_free(ctx);
	free(text);
	return 0;
}
