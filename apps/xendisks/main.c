/* The xendisks executable: xendisks [-c FILE] [--plugin-path DIR]...
 * [-v|-q].  Devices come from the configuration file (if any) and from
 * xenstore (XENSTORED_PATH picks the daemon's socket); it runs until
 * SIGINT or SIGTERM.  The app is linked in (DEVMGR_PLUGIN), its providers
 * come from the plugin path (a xendisks plugin found there is this same
 * app, and the linked-in one wins). */
#include <devmgr/app.h>

#include <getopt.h>
#include <stdio.h>

extern const struct devmgr_app xendisks_app;

static const struct devmgr_app *const apps[] = {&xendisks_app, NULL};
DEVMGR_PLUGIN("xendisks", "0.1.0", NULL, apps);

static int fail(const struct devmgr_error *e)
{
	char line[1200];
	fprintf(stderr, "xendisks: %s\n",
		devmgr_error_format(e, line, sizeof(line)));
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"plugin-path", required_argument, NULL, 'P'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct devmgr_ctx *ctx = devmgr_ctx_new();
	struct devmgr_error e;
	const char *config = NULL;
	enum devmgr_log_level level = DEVMGR_LOG_WARN;
	int c, r;
	if (!ctx)
		return 1;
	while ((c = getopt_long(argc, argv, "c:vqh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'P':
			if (devmgr_ctx_add_plugin_dir(ctx, optarg, ".", &e) < 0)
				return fail(&e);
			break;
		case 'v':
			level = DEVMGR_LOG_DEBUG;
			break;
		case 'q':
			level = DEVMGR_LOG_ERROR;
			break;
		case 'h':
			printf("Usage: %s [-c FILE] [--plugin-path DIR]... "
			       "[-v|-q]\n"
			       "Report disks hot-plugged from xenstore.\n",
			       argv[0]);
			devmgr_ctx_free(ctx);
			return 0;
		default:
			devmgr_ctx_free(ctx);
			return 2;
		}
	}
	devmgr_ctx_set_log(ctx, NULL, NULL, level);
	r = config ? devmgr_ctx_load_config(ctx, config, &e)
		   : devmgr_ctx_load_config_string(
			 ctx,
			 "{\"devmgr\":1,\"devices\":{},"
			 "\"app\":{\"name\":\"xendisks\"}}",
			 "<xendisks>", &e);
	if (r == 0)
		r = devmgr_ctx_use_xenstore(ctx, &e);
	if (r < 0) {
		r = fail(&e);
		devmgr_ctx_free(ctx);
		return r;
	}
	r = devmgr_run(ctx, "xendisks", &e);
	if (r < 0)
		fail(&e);
	devmgr_ctx_free(ctx);
	return r < 0 ? 1 : r;
}
