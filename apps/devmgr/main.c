/* main.c: the devmgr command (CONTRACT.md): probe, plugins, inspect,
 * validate, run, watch. */
#include "cmd.h"
#include "default_config.h"

#include <devmgr/cli.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

struct opts {
	const char *config;
	bool json, xenstore, rescan, dot;
	enum devmgr_log_level level;
	const char *verb;
	char **operands;
	int noperands;
};

static const char about[] =
	"Find providers, build the devices of a configuration, run apps.\n\n"
	"Verbs:\n"
	"  probe [-c FILE] [--xenstore] [--json|--dot]\n"
	"                             create every device, print it, destroy "
	"it\n"
	"  plugins [--json] [--rescan]\n"
	"                             list plugins, providers and refused "
	"files\n"
	"  inspect PROVIDER [--json]  a provider's parameters and "
	"dependencies\n"
	"  validate -c FILE           check a configuration, create nothing\n"
	"  run [-c FILE] [APP]        create the devices and run an app\n"
	"  watch [-c FILE] [--xenstore]\n"
	"                             print plug and unplug events as JSON "
	"lines\n"
	"  conform PROVIDER [PARAM=VALUE]... [--json]\n"
	"                             run the signature's conformance kit\n";

static const char epilog[] =
	"Exit status: 0 success; 1 a device, plugin or app failed;\n"
	"2 usage or configuration error.\n";

/* The verbs' own options, besides the common ones of devmgr/cli.h: to
 * add one, an entry here and a case in verb_option(). */
enum { OPT_JSON = 256, OPT_RESCAN, OPT_DOT };

static const struct devmgr_cli_opt verb_opts[] = {
	{ "json", OPT_JSON, NULL, "JSON output (see schemas/)" },
	{ "dot", OPT_DOT, NULL, "probe: a Graphviz graph of the devices" },
	{ "rescan", OPT_RESCAN, NULL,
	  "forget the plugin cache, scan every plugin again" },
	{ NULL },
};

static int verb_option(struct devmgr_cli *cli, int key, const char *arg)
{
	struct opts *o = cli->arg;
	(void)arg;
	switch (key) {
	case OPT_JSON:
		o->json = true;
		break;
	case OPT_RESCAN:
		o->rescan = true;
		break;
	case OPT_DOT:
		o->dot = true;
		break;
	}
	return -1;
}

static int report(const struct devmgr_error *e)
{
	char line[1200];
	fprintf(stderr, "devmgr: %s\n",
		devmgr_error_format(e, line, sizeof(line)));
	return e->code;
}

/* The configuration: -c FILE, else the built-in one; with --xenstore,
 * the devices of xenstore join it (without -c, they are all there is). */
static int load(struct devmgr_ctx *ctx, const struct opts *o)
{
	struct devmgr_error e;
	int r = 0;
	if (o->config)
		r = devmgr_ctx_load_config(ctx, o->config, &e);
	else if (!o->xenstore)
		r = devmgr_ctx_load_config_string(ctx, DEFAULT_CONFIG,
						  "<built-in>", &e);
	if (r < 0) {
		report(&e);
		return EXIT_USAGE;
	}
	if (o->xenstore && devmgr_ctx_use_xenstore(ctx, &e) < 0) {
		report(&e);
		return e.pointer[0] ? EXIT_USAGE : EXIT_FAILED;
	}
	return 0;
}

/* Error events (xenstore entries that give no device): counted, since
 * such a device failed too; the library logs each on stderr. */
static void count_errors(void *arg, const char *json)
{
	if (strstr(json, "{\"event\":\"error\"") == json)
		++*(int *)arg;
}

/* The app's slot bindings are in the configuration, not in the context:
 * read its "app" section again (it has been validated already). */
static void probe_dot(struct devmgr_ctx *ctx, const struct opts *o)
{
	json_t *cfg = o->config	    ? json_load_file(o->config, 0, NULL)
		      : o->xenstore ? NULL
				    : json_loads(DEFAULT_CONFIG, 0, NULL);
	print_dot(ctx, cfg ? json_object_get(cfg, "app") : NULL);
	json_decref(cfg);
}

static int cmd_probe(struct devmgr_ctx *ctx, const struct opts *o)
{
	int xs_errors = 0;
	devmgr_ctx_set_event_hook(ctx, count_errors, &xs_errors);
	int r = load(ctx, o);
	if (r)
		return r;
	struct devmgr_error e;
	int failed = devmgr_ctx_create_devices(ctx, true, &e);
	for (size_t i = 0; i < devmgr_ctx_device_count(ctx); i++) {
		const struct devmgr_error *de =
			devmgr_device_error(devmgr_ctx_device(ctx, i));
		if (de)
			report(de);
	}
	if (o->dot)
		probe_dot(ctx, o);
	else
		print_devices(ctx, o->json);
	devmgr_ctx_destroy_devices(ctx);
	return failed || xs_errors ? EXIT_FAILED : EXIT_OK;
}

static int cmd_inspect(struct devmgr_ctx *ctx, const struct opts *o)
{
	if (o->noperands != 1) {
		fprintf(stderr, "devmgr: inspect takes one provider name\n");
		return EXIT_USAGE;
	}
	devmgr_ctx_scan_plugins(ctx); /* the scan answers: nothing loads */
	const struct devmgr_provider *p =
		devmgr_ctx_find_provider(ctx, o->operands[0]);
	if (!p) {
		fprintf(stderr, "devmgr: unknown provider \"%s\"\n",
			o->operands[0]);
		return EXIT_USAGE;
	}
	print_provider(ctx, p, o->json);
	return EXIT_OK;
}

static int cmd_validate(struct devmgr_ctx *ctx, const struct opts *o)
{
	if (!o->config) {
		fprintf(stderr, "devmgr: validate needs -c FILE\n");
		return EXIT_USAGE;
	}
	int r = load(ctx, o);
	if (r == 0 && o->level >= DEVMGR_LOG_WARN)
		fprintf(stderr, "%s: valid\n", o->config);
	return r;
}

static int cmd_run(struct devmgr_ctx *ctx, const struct opts *o)
{
	if (o->noperands > 1) {
		fprintf(stderr, "devmgr: run takes at most one app name\n");
		return EXIT_USAGE;
	}
	int r = load(ctx, o);
	if (r)
		return r;
	/* An app named only here, after a configuration of linked-in
	 * providers alone (which scans no folder), is looked for in the
	 * plugin folders. */
	if (o->noperands && !devmgr_ctx_find_app(ctx, o->operands[0]))
		devmgr_ctx_scan_plugins(ctx);
	struct devmgr_error e;
	r = devmgr_run(ctx, o->noperands ? o->operands[0] : NULL, &e);
	if (r < 0) {
		report(&e);
		return e.pointer[0] && e.code != -ENODEV ? EXIT_USAGE
							 : EXIT_FAILED;
	}
	return r;
}

static void print_event(void *arg, const char *json)
{
	(void)arg;
	printf("%s\n", json);
	fflush(stdout);
}

static json_t *initial_event(struct devmgr_device *d)
{
	json_t *ev =
		devmgr_device_handle(d)
			? json_pack("{s:s, s:s, s:s, s:s}", "event", "plug",
				    "id", devmgr_device_id(d), "signature",
				    devmgr_device_sig_name(d), "provider",
				    devmgr_device_provider_name(d))
			: json_pack("{s:s, s:s, s:s}", "event", "error", "id",
				    devmgr_device_id(d), "error",
				    devmgr_device_error(d)
					    ? devmgr_device_error(d)->text
					    : "not created");
	if (ev && devmgr_device_handle(d) && devmgr_device_source(d))
		json_object_set_new(ev, "source",
				    json_string(devmgr_device_source(d)));
	return ev;
}

/* SIGHUP re-reads the file; SIGINT and SIGTERM end.  Between signals the
 * context's loop runs (xenstore watches, devices' own fds). */
static void watch_loop(struct devmgr_ctx *ctx, const sigset_t *set)
{
	struct devmgr_error e;
	int sfd = signalfd(-1, set, SFD_CLOEXEC | SFD_NONBLOCK);
	struct pollfd fds[2] = { { sfd, POLLIN, 0 },
				 { devmgr_ctx_fd(ctx), POLLIN, 0 } };
	for (;;) {
		if (poll(fds, 2, -1) < 0 && errno != EINTR)
			break;
		if (fds[1].revents)
			devmgr_ctx_dispatch(ctx, 0);
		struct signalfd_siginfo si;
		if (read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo != SIGHUP)
			break;
		if (devmgr_ctx_reload(ctx, &e) < 0)
			report(&e);
	}
	close(sfd);
}

static int cmd_watch(struct devmgr_ctx *ctx, const struct opts *o)
{
	/* Signals are blocked before the first event line, so that a SIGHUP
	 * sent as soon as a reader sees it is never lost. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	devmgr_ctx_set_event_hook(ctx, print_event, NULL);
	int r = load(ctx, o);
	if (r)
		return r;
	struct devmgr_error e;
	/* The configured devices are the first plug events. */
	devmgr_ctx_create_devices(ctx, true, &e);
	for (size_t i = 0; i < devmgr_ctx_device_count(ctx); i++)
		print_json(initial_event(devmgr_ctx_device(ctx, i)));
	fflush(stdout);
	watch_loop(ctx, &set);
	devmgr_ctx_destroy_devices(ctx);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	/* From the first line, for run and watch: a signal sent before the
	 * loop runs waits for its signalfd.  The other verbs unblock them. */
	devmgr_cli_block_signals();
	struct devmgr_ctx *ctx = devmgr_ctx_new();
	if (!ctx) {
		fprintf(stderr, "devmgr: out of memory\n");
		return EXIT_FAILED;
	}
	struct opts o = { .level = DEVMGR_LOG_WARN };
	struct devmgr_cli cli = {
		.prog = "devmgr",
		.synopsis = "[OPTION]... VERB [ARG]",
		.about = about,
		.epilog = epilog,
		.flags = DEVMGR_CLI_XENSTORE,
		.opts = verb_opts,
		.option = verb_option,
		.arg = &o,
	};
	int r = devmgr_cli_parse(&cli, ctx, argc, argv);
	if (r < 0 && cli.optind >= argc)
		r = devmgr_cli_usage(&cli, "no verb (probe, plugins, inspect, "
					   "validate, run, watch, conform)");
	if (r >= 0) {
		devmgr_ctx_free(ctx);
		return r;
	}
	o.config = cli.config;
	o.xenstore = cli.xenstore;
	o.level = cli.level;
	o.verb = argv[cli.optind];
	o.operands = argv + cli.optind + 1;
	o.noperands = argc - cli.optind - 1;
	if (strcmp(o.verb, "run") != 0 && strcmp(o.verb, "watch") != 0)
		devmgr_cli_unblock_signals();
	devmgr_ctx_set_log(ctx, NULL, NULL, o.level);
	if (o.rescan)
		devmgr_ctx_rescan_plugins(ctx);
	if (o.dot && (o.json || strcmp(o.verb, "probe") != 0))
		r = devmgr_cli_usage(&cli,
				     "--dot is for probe, without --json");
	else if (strcmp(o.verb, "probe") == 0)
		r = cmd_probe(ctx, &o);
	else if (strcmp(o.verb, "plugins") == 0)
		r = (devmgr_ctx_scan_plugins(ctx), print_plugins(ctx, o.json));
	else if (strcmp(o.verb, "inspect") == 0)
		r = cmd_inspect(ctx, &o);
	else if (strcmp(o.verb, "validate") == 0)
		r = cmd_validate(ctx, &o);
	else if (strcmp(o.verb, "run") == 0)
		r = cmd_run(ctx, &o);
	else if (strcmp(o.verb, "watch") == 0)
		r = cmd_watch(ctx, &o);
	else if (strcmp(o.verb, "conform") == 0)
		r = cmd_conform(ctx, o.noperands, o.operands, o.json);
	else
		r = devmgr_cli_usage(&cli, "unknown verb \"%s\"", o.verb);
	devmgr_ctx_free(ctx);
	return r;
}
