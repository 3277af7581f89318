/* cli.c: the command line every devmgr program shares (cli.h).  getopt
 * prints nothing itself (opterr = 0): its complaints are worded here, so
 * that every program says them the same way, under its own name. */
#include "internal.h"

#include <devmgr/cli.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

/* Keys of the common long-only options: above those a program may use. */
enum {
	KEY_PLUGIN_PATH = 0x10000,
	KEY_XENSTORE,
	KEY_VERSION,
};

static const struct devmgr_cli_opt common[] = {
	{ "config", 'c', "FILE", "device configuration (JSON)" },
	{ "plugin-path", KEY_PLUGIN_PATH, "DIR",
	  "search DIR for plugins first (repeatable)" },
	{ "xenstore", KEY_XENSTORE, NULL,
	  "also read devices from xenstore (XENSTORED_PATH)" },
	{ "verbose", 'v', NULL, "more messages" },
	{ "quiet", 'q', NULL, "errors only" },
	{ "help", 'h', NULL, "this text" },
	{ "version", KEY_VERSION, NULL, "print the version" },
	{ NULL },
};

static bool wanted(const struct devmgr_cli *cli, const struct devmgr_cli_opt *o)
{
	return o->key != KEY_XENSTORE || (cli->flags & DEVMGR_CLI_XENSTORE);
}

static size_t count(const struct devmgr_cli_opt *o)
{
	size_t n = 0;
	while (o && o[n].name)
		n++;
	return n;
}

static void help_line(FILE *f, const struct devmgr_cli_opt *o)
{
	char left[80];
	if (o->key > 0 && o->key < 256)
		snprintf(left, sizeof(left), "  -%c, --%s%s%s", o->key, o->name,
			 o->arg ? " " : "", o->arg ? o->arg : "");
	else
		snprintf(left, sizeof(left), "      --%s%s%s", o->name,
			 o->arg ? " " : "", o->arg ? o->arg : "");
	if (strlen(left) < 25)
		fprintf(f, "%-25s%s\n", left, o->help);
	else
		fprintf(f, "%s\n%25s%s\n", left, "", o->help);
}

static void help(const struct devmgr_cli *cli)
{
	printf("Usage: %s %s\n", cli->prog, cli->synopsis ? cli->synopsis : "");
	if (cli->about)
		printf("%s", cli->about);
	printf("\nOptions:\n");
	for (size_t i = 0; i < count(cli->opts); i++)
		help_line(stdout, &cli->opts[i]);
	for (const struct devmgr_cli_opt *o = common; o->name; o++) {
		struct devmgr_cli_opt none = *o;
		if (!wanted(cli, o))
			continue;
		/* Still taken without xenstore, to say why it cannot be. */
		if (o->key == KEY_XENSTORE && !devmgr__have_xenstore())
			none.help = "(this build is without xenstore)";
		help_line(stdout, &none);
	}
	if (cli->epilog)
		printf("\n%s", cli->epilog);
}

int devmgr_cli_usage(const struct devmgr_cli *cli, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", cli->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", cli->prog);
	return 2;
}

int devmgr_cli_error(const struct devmgr_cli *cli, const struct devmgr_error *e,
		     int rc)
{
	char line[1400];
	fprintf(stderr, "%s: %s\n", cli->prog,
		devmgr_error_format(e, line, sizeof(line)));
	return rc;
}

static const struct devmgr_cli_opt *by_key(const struct devmgr_cli *cli,
					   int key)
{
	for (size_t i = 0; i < count(cli->opts); i++)
		if (cli->opts[i].key == key)
			return &cli->opts[i];
	for (const struct devmgr_cli_opt *o = common; o->name; o++)
		if (o->key == key && wanted(cli, o))
			return o;
	return NULL;
}

/* The options whose long name starts with the n bytes of word, for an
 * abbreviation that getopt found ambiguous (it says only '?'). */
static size_t prefixed(const struct devmgr_cli *cli, const char *word, size_t n,
		       char *list, size_t size)
{
	size_t hits = 0, len = 0;
	list[0] = '\0';
	for (size_t i = 0; i < count(cli->opts) + count(common); i++) {
		const struct devmgr_cli_opt *o =
			i < count(cli->opts) ? &cli->opts[i]
					     : &common[i - count(cli->opts)];
		if (!wanted(cli, o) || strncmp(o->name, word, n) != 0)
			continue;
		hits++;
		if (len < size)
			len += (size_t)snprintf(list + len, size - len,
						" '--%s'", o->name);
	}
	return hits;
}

/* What getopt refused: c is '?' or ':'.  A long option is the element
 * argv[optind - 1]; a short one is optopt, whatever bundle it was in. */
static int refused(const struct devmgr_cli *cli, int c, char **argv)
{
	const struct devmgr_cli_opt *o = optopt ? by_key(cli, optopt) : NULL;
	const char *elem = argv[optind - 1];
	bool is_long = strncmp(elem, "--", 2) == 0 && o &&
		       strncmp(elem + 2, o->name, strcspn(elem + 2, "=")) == 0;
	if (c == ':' && o && is_long)
		return devmgr_cli_usage(
			cli, "option '--%s' requires an argument", o->name);
	if (c == ':')
		return devmgr_cli_usage(
			cli, "option '-%c' requires an argument", optopt);
	if (o && is_long)
		return devmgr_cli_usage(
			cli, "option '--%s' doesn't allow an argument",
			o->name);
	if (optopt)
		return devmgr_cli_usage(cli, "unrecognized option '-%c'",
					optopt);
	char list[256];
	size_t n = strcspn(elem, "=");
	if (n > 2 && prefixed(cli, elem + 2, n - 2, list, sizeof(list)) > 1)
		return devmgr_cli_usage(cli,
					"option '%.*s' is ambiguous; "
					"possibilities:%s",
					(int)n, elem, list);
	return devmgr_cli_usage(cli, "unrecognized option '%.*s'",
				(int)strcspn(elem, "="), elem);
}

static int common_option(struct devmgr_cli *cli, struct devmgr_ctx *ctx,
			 int key, const char *arg)
{
	struct devmgr_error e;
	switch (key) {
	case 'c':
		cli->config = arg;
		return -1;
	case KEY_PLUGIN_PATH:
		if (devmgr_ctx_add_plugin_dir(ctx, arg, ".", &e) < 0)
			return devmgr_cli_error(cli, &e, 2);
		return -1;
	case KEY_XENSTORE:
		if (!devmgr__have_xenstore()) {
			fprintf(stderr, "%s: built without xenstore\n",
				cli->prog);
			return 2;
		}
		cli->xenstore = true;
		return -1;
	case 'v':
		cli->level = DEVMGR_LOG_DEBUG;
		return -1;
	case 'q':
		cli->level = DEVMGR_LOG_ERROR;
		return -1;
	case 'h':
		help(cli);
		return 0;
	case KEY_VERSION:
		if (strcmp(cli->prog, "devmgr") == 0)
			printf("devmgr %s\n", DEVMGR_VERSION_STRING);
		else
			printf("%s (devmgr) %s\n", cli->prog,
			       DEVMGR_VERSION_STRING);
		return 0;
	}
	return cli->option ? cli->option(cli, key, arg) : -1;
}

static void add(struct option *lo, size_t *nlo, char *so, size_t *nso,
		const struct devmgr_cli_opt *o)
{
	lo[*nlo].name = o->name;
	lo[*nlo].has_arg = o->arg ? required_argument : no_argument;
	lo[*nlo].flag = NULL;
	lo[*nlo].val = o->key;
	++*nlo;
	if (o->key > 0 && o->key < 256) {
		so[(*nso)++] = (char)o->key;
		if (o->arg)
			so[(*nso)++] = ':';
	}
}

int devmgr_cli_parse(struct devmgr_cli *cli, struct devmgr_ctx *ctx, int argc,
		     char **argv)
{
	size_t n = count(cli->opts) + count(common) + 1, nlo = 0, nso = 0;
	struct option *lo = devmgr__calloc(n, sizeof(*lo));
	char *so = devmgr__calloc(3 * n + 3, 1);
	int r = -1, c;
	if (!lo || !so) {
		fprintf(stderr, "%s: out of memory\n", cli->prog);
		r = 1;
		goto out;
	}
	/* "+": stop at the first operand; ":": a missing argument is ':'. */
	if (cli->flags & DEVMGR_CLI_STOP)
		so[nso++] = '+';
	so[nso++] = ':';
	for (size_t i = 0; i < count(cli->opts); i++)
		add(lo, &nlo, so, &nso, &cli->opts[i]);
	for (const struct devmgr_cli_opt *o = common; o->name; o++)
		if (wanted(cli, o))
			add(lo, &nlo, so, &nso, o);
	cli->config = NULL;
	cli->xenstore = false;
	cli->level = DEVMGR_LOG_WARN;
	opterr = 0;
	optind = 0; /* a full restart of getopt, for a second parse */
	while (r < 0 && (c = getopt_long(argc, argv, so, lo, NULL)) != -1) {
		if (c == '?' || c == ':')
			r = refused(cli, c, argv);
		else
			r = common_option(cli, ctx, c, optarg);
	}
	cli->optind = optind;
out:
	devmgr__free(lo);
	devmgr__free(so);
	return r;
}

static void signals(int how)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(how, &set, NULL);
}

void devmgr_cli_block_signals(void)
{
	signals(SIG_BLOCK);
}

void devmgr_cli_unblock_signals(void)
{
	signals(SIG_UNBLOCK);
}
