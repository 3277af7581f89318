/* appmain.c: main() for an app shipped as its own executable
 * (DEVMGR_APP_MAIN).  The app is linked in; providers come from the
 * program's own linker section and from plugin folders.  Its command line
 * is the shared one (cli.c), with the options of "devmgr run". */
#include "internal.h"

#include <devmgr/cli.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

int devmgr_app_main_flags(int argc, char **argv, const struct devmgr_app *app,
			  unsigned flags,
			  const struct devmgr_plugin *const *start,
			  const struct devmgr_plugin *const *stop)
{
	/* Before anything else: a signal sent while the devices are set up
	 * waits for the loop's signalfd rather than killing the program. */
	devmgr_cli_block_signals();
	char about[1024];
	snprintf(about, sizeof(about),
		 "%s%sRuns the %s app on the devices of FILE (default: a "
		 "built-in\nconfiguration)%s.\n",
		 app->help ? app->help : "", app->help ? "\n\n" : "", app->name,
		 flags & DEVMGR_APP_MAIN_XENSTORE ? " and of xenstore" : "");
	struct devmgr_cli cli = {
		.prog = app->name,
		.synopsis = "[-c FILE] [--plugin-path DIR]... [--xenstore] "
			    "[-v|-q]",
		.about = about,
		.flags = DEVMGR_CLI_XENSTORE,
	};
	struct devmgr_ctx *ctx = devmgr_ctx_new_linked(start, stop);
	struct devmgr_error e;
	int r;
	devmgr_error_clear(&e);
	if (!ctx) {
		fprintf(stderr, "%s: out of memory\n", app->name);
		return 1;
	}
	r = devmgr_cli_parse(&cli, ctx, argc, argv);
	if (r < 0 && cli.optind < argc)
		r = devmgr_cli_usage(&cli, "unexpected argument \"%s\"",
				     argv[cli.optind]);
	if (r >= 0)
		goto out;
	if (flags & DEVMGR_APP_MAIN_XENSTORE) {
		if (!devmgr__have_xenstore()) {
			fprintf(stderr, "%s: built without xenstore\n",
				app->name);
			r = 2;
			goto out;
		}
		cli.xenstore = true;
	}
	devmgr_ctx_set_log(ctx, NULL, NULL, cli.level);
	if (devmgr__register_app(ctx, app, "", &e) < 0) {
		r = devmgr_cli_error(&cli, &e, 2);
		goto out;
	}
	r = cli.config ? devmgr_ctx_load_config(ctx, cli.config, &e)
		       : devmgr_ctx_load_config_string(
				 ctx,
				 app->default_config
					 ? app->default_config
					 : "{\"devmgr\":1,\"devices\":{}}",
				 "<built-in>", &e);
	if (r < 0) {
		r = devmgr_cli_error(&cli, &e, 2);
		goto out;
	}
	if (ctx->plan.app_name && strcmp(ctx->plan.app_name, app->name) != 0) {
		devmgr__error_at(&e, -EINVAL, ctx->plan.path, "/app/name",
				 "this program runs app %s, not %s", app->name,
				 ctx->plan.app_name);
		r = devmgr_cli_error(&cli, &e, 2);
		goto out;
	}
	/* As "devmgr run --xenstore": a mistake in the file's xenstore
	 * section is a configuration error, no store a failure. */
	if (cli.xenstore && devmgr_ctx_use_xenstore(ctx, &e) < 0) {
		r = devmgr_cli_error(&cli, &e, e.pointer[0] ? 2 : 1);
		goto out;
	}
	r = devmgr_run(ctx, app->name, &e);
	if (r < 0)
		r = devmgr_cli_error(&cli, &e, 1);
out:
	devmgr_ctx_free(ctx);
	return r;
}

int devmgr_app_main(int argc, char **argv, const struct devmgr_app *app,
		    const struct devmgr_plugin *const *start,
		    const struct devmgr_plugin *const *stop)
{
	return devmgr_app_main_flags(argc, argv, app, 0, start, stop);
}
