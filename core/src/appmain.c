/* appmain.c: main() for an app shipped as its own executable
 * (DEVMGR_APP_MAIN).  The app is linked in; providers come from the
 * program's own linker section and from plugin folders. */
#include "internal.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *f, const char *prog, const struct devmgr_app *app)
{
	fprintf(f,
		"Usage: %s [-c FILE] [--plugin-path DIR]... [-v|-q]\n"
		"%s%s"
		"Runs the %s app on the devices of FILE (default: a built-in\n"
		"configuration).\n\n"
		"  -c, --config FILE      device configuration (JSON)\n"
		"      --plugin-path DIR  search DIR for plugins (repeatable)\n"
		"  -v, --verbose          more messages\n"
		"  -q, --quiet            errors only\n"
		"  -h, --help             this text\n"
		"      --version          print the version\n",
		prog, app->help ? app->help : "", app->help ? "\n\n" : "",
		app->name);
}

static int fail(struct devmgr_ctx *ctx, const struct devmgr_error *e, int rc)
{
	char line[1200];
	fprintf(stderr, "%s\n", devmgr_error_format(e, line, sizeof(line)));
	devmgr_ctx_free(ctx);
	return rc;
}

int devmgr_app_main(int argc, char **argv, const struct devmgr_app *app,
		    const struct devmgr_plugin *const *start,
		    const struct devmgr_plugin *const *stop)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "plugin-path", required_argument, NULL, 'P' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL;
	enum devmgr_log_level level = DEVMGR_LOG_WARN;
	struct devmgr_ctx *ctx = devmgr_ctx_new_linked(start, stop);
	struct devmgr_error e;
	devmgr_error_clear(&e);
	if (!ctx) {
		fprintf(stderr, "%s: out of memory\n", argv[0]);
		return 1;
	}
	int c;
	while ((c = getopt_long(argc, argv, "c:vqh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'P':
			if (devmgr_ctx_add_plugin_dir(ctx, optarg, ".", &e) < 0)
				return fail(ctx, &e, 2);
			break;
		case 'v':
			level = DEVMGR_LOG_DEBUG;
			break;
		case 'q':
			level = DEVMGR_LOG_ERROR;
			break;
		case 'h':
			usage(stdout, argv[0], app);
			devmgr_ctx_free(ctx);
			return 0;
		case 'V':
			printf("%s (devmgr) %s\n", app->name,
			       DEVMGR_VERSION_STRING);
			devmgr_ctx_free(ctx);
			return 0;
		default:
			usage(stderr, argv[0], app);
			devmgr_ctx_free(ctx);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument \"%s\"\n", argv[0],
			argv[optind]);
		devmgr_ctx_free(ctx);
		return 2;
	}
	devmgr_ctx_set_log(ctx, NULL, NULL, level);
	if (devmgr__register_app(ctx, app, "", &e) < 0)
		return fail(ctx, &e, 2);
	int r = config ? devmgr_ctx_load_config(ctx, config, &e)
		       : devmgr_ctx_load_config_string(
				 ctx, app->default_config ? app->default_config
							  : "{\"devmgr\":1,\"devices\":{}}",
				 "<built-in>", &e);
	if (r < 0)
		return fail(ctx, &e, 2);
	if (ctx->plan.app_name && strcmp(ctx->plan.app_name, app->name) != 0) {
		devmgr__error_at(&e, -EINVAL, ctx->plan.path, "/app/name",
				 "this program runs app %s, not %s", app->name,
				 ctx->plan.app_name);
		return fail(ctx, &e, 2);
	}
	r = devmgr_run(ctx, app->name, &e);
	if (r < 0)
		return fail(ctx, &e, 1);
	devmgr_ctx_free(ctx);
	return r;
}
