/* main.c: the devmgr-fat command line.  It parses "devmgr-fat [OPTIONS]
 * COMMAND ARGS...", builds the configuration (--image FILE is a short form
 * of blk-file + fs-fat; -c FILE reads any configuration with one fs
 * device), and runs the fat app (fat.c) on it.  The app is linked in, so
 * devmgr_ctx_new() finds it; providers come from the plugin path. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "fattool.h"

#include <devmgr/cli.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct devmgr_app *const apps[] = {
	&fat_app,
	NULL,
};

DEVMGR_PLUGIN("devmgr-fat", DEVMGR_VERSION_STRING, NULL, apps);

static const struct {
	const char *name;
	enum fat_verb verb;
	int nargs;    /* required arguments */
	int optional; /* more arguments allowed */
	const char *flags;
	/* a verb that parses its own options (with values) */
	int (*parse)(int argc, char **argv, struct fat_cmd *c);
} verbs[] = {
	{ "ls", FAT_LS, 0, 1, "lR" },
	{ "cat", FAT_CAT, 1, 0, "" },
	{ "get", FAT_GET, 2, 0, "r" },
	{ "put", FAT_PUT, 2, 0, "r" },
	{ "mkdir", FAT_MKDIR, 1, 0, "p" },
	{ "rm", FAT_RM, 1, 0, "r" },
	{ "mv", FAT_MV, 2, 0, "" },
	{ "df", FAT_DF, 0, 0, "" },
	{ "attrib", FAT_ATTRIB, 1, 0, "" },
	{ "mkfs", FAT_MKFS, 0, 1, "", fat_mkfs_args },
};

static const char about[] =
	"List, read and write the files of a filesystem through devmgr.\n\n"
	"Commands (paths inside the filesystem start at /):\n"
	"  ls [-l] [-R] [PATH]  list a folder (default /) or one file;\n"
	"                     -R: and every folder below it\n"
	"  cat PATH           write a file to standard output\n"
	"  get SRC DEST       copy a file out to the host file DEST (- : "
	"stdout)\n"
	"  get -r SRC DEST    copy a folder and all in it out to the host\n"
	"  put SRC DEST       copy the host file SRC (- : stdin) in as DEST\n"
	"  put -r SRC DEST    copy a host folder and all in it in\n"
	"  mkdir [-p] PATH    make a folder (-p: and its parents)\n"
	"  rm [-r] PATH       remove a file (-r: or a folder and its "
	"contents)\n"
	"  mv SRC DEST        rename or move a file or folder\n"
	"  df                 type, label, size and free space\n"
	"  attrib [+X|-X]... PATH  show or set attributes: r read-only,\n"
	"                     h hidden, s system, a archive (\"+r-a\")\n"
	"  mkfs [-F 12|16|32] [-S BYTES] [-s N] [-n LABEL] [-i HEX] [SIZE]\n"
	"                     make a new FAT filesystem: type, bytes per "
	"sector,\n"
	"                     sectors per cluster (else by size, as "
	"mkfs.fat),\n"
	"                     label, volume id; SIZE (64M, 1G): make the "
	"image\n"
	"                     file that large first\n"
	"\n"
	"--image FILE is opened read-only unless the command writes; -c FILE\n"
	"is a device configuration with one fs device.\n";

static const char epilog[] =
	"Exit status: 0 done; 1 the command failed; 2 usage or configuration\n"
	"error; 3 the devices could not be set up.\n";

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "devmgr-fat: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'devmgr-fat --help'.\n");
	return FAT_EXIT_USAGE;
}

/* Whether argument k of a verb is a path in the filesystem (the others
 * are host files). */
static bool fs_arg(enum fat_verb verb, int k)
{
	if (verb == FAT_GET)
		return k == 0;
	if (verb == FAT_PUT)
		return k == 1;
	return true;
}

/* "." and ".." would make "rm -r /a/." remove /a, and each filesystem
 * could read them its own way: they are refused instead. */
static bool dot_component(const char *path)
{
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, "/");

		if ((n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return true;
		p += n;
		p += strspn(p, "/");
	}
	return false;
}

/* One argument of attrib: signs each followed by letters of rhsa. */
static int attr_changes(const char *arg, struct fat_cmd *c)
{
	static const char letters[] = "rhsa";
	static const unsigned bits[] = { 0x01, 0x02, 0x04, 0x20 };
	int sign = 0;

	if (arg[0] != '+' && arg[0] != '-')
		return usage_error("attrib: \"%s\" is not a change such as "
				   "+r or -a",
				   arg);
	for (const char *p = arg; *p; p++) {
		const char *l = strchr(letters, *p);

		if (*p == '+' || *p == '-') {
			sign = *p;
			continue;
		}
		if (l == NULL || *p == '\0')
			return usage_error("attrib: unknown attribute in "
					   "\"%s\" (r, h, s, a)",
					   arg);
		if (sign == '+')
			c->attr_set |= bits[l - letters];
		else
			c->attr_clear |= bits[l - letters];
	}
	if (c->attr_set & c->attr_clear)
		return usage_error("attrib: \"%s\" both sets and clears an "
				   "attribute",
				   arg);
	return FAT_EXIT_OK;
}

/* A command's own flags ("-l", "-r", "-p", or bundled) and arguments. */
static int parse_command(int argc, char **argv, struct fat_cmd *c)
{
	size_t i = 0, n = sizeof(verbs) / sizeof(verbs[0]);
	int a = 1;

	while (i < n && strcmp(verbs[i].name, argv[0]) != 0)
		i++;
	if (i == n)
		return usage_error("unknown command \"%s\"", argv[0]);
	c->verb = verbs[i].verb;
	if (verbs[i].parse != NULL)
		return verbs[i].parse(argc, argv, c);
	if (c->verb == FAT_ATTRIB) {
		/* "+r", "-a", "+hs-a": changes, not the command's flags */
		for (; a < argc - 1; a++) {
			int rc = attr_changes(argv[a], c);
			if (rc != FAT_EXIT_OK)
				return rc;
		}
	}
	for (; a < argc && argv[a][0] == '-' && argv[a][1] != '\0'; a++) {
		if (strcmp(argv[a], "--") == 0) {
			a++;
			break;
		}
		for (const char *f = argv[a] + 1; *f; f++) {
			if (!strchr(verbs[i].flags, *f))
				return usage_error("unknown option \"%s\"",
						   argv[a]);
			c->long_list |= *f == 'l';
			c->recursive |= *f == 'r' || *f == 'R';
			c->parents |= *f == 'p';
		}
	}
	c->nargs = argc - a;
	if (c->nargs < verbs[i].nargs ||
	    c->nargs > verbs[i].nargs + verbs[i].optional)
		return usage_error("wrong number of arguments for \"%s\"",
				   argv[0]);
	for (int k = 0; k < c->nargs; k++) {
		c->arg[k] = argv[a + k];
		if (fs_arg(c->verb, k) && dot_component(c->arg[k]))
			return usage_error("\"%s\": \".\" and \"..\" are not "
					   "allowed in paths of the filesystem",
					   c->arg[k]);
	}
	if (c->verb == FAT_LS && c->nargs == 0) {
		c->arg[0] = "/";
		c->nargs = 1;
	}
	return FAT_EXIT_OK;
}

/* The --image configuration, with the path escaped by jansson. */
static char *image_config(const char *image, bool read_only)
{
	json_t *root = json_pack(
		"{s:i, s:{s:{s:s, s:s, s:b}, s:{s:s, s:s}}, s:{s:s}}", "devmgr",
		1, "devices", "disk", "provider", "blk-file", "path", image,
		"read_only", read_only, "fs", "provider", "fs-fat", "on",
		"disk", "app", "name", "fat");
	char *text = root ? json_dumps(root, JSON_COMPACT) : NULL;

	json_decref(root);
	return text;
}

/* Errors that devices log count against the command: a device may fail
 * where nobody can return an error to the app, as when a filesystem
 * marks the volume clean while it is destroyed. */
static unsigned logged_errors;

static void log_line(void *arg, enum devmgr_log_level level, const char *msg)
{
	static const char *const names[] = { "error", "warning", "info",
					     "debug" };

	(void)arg;
	if (level == DEVMGR_LOG_ERROR)
		logged_errors++;
	fprintf(stderr, "devmgr-fat: %s: %s\n",
		level <= DEVMGR_LOG_DEBUG ? names[level] : "log", msg);
}

static int report(const struct devmgr_error *e, int status)
{
	char line[1400];

	fprintf(stderr, "devmgr-fat: %s\n",
		devmgr_error_format(e, line, sizeof(line)));
	return status;
}

struct options {
	const char *image, *config;
	enum devmgr_log_level level;
};

/* The tool's own option, besides the common ones of devmgr/cli.h. */
static const struct devmgr_cli_opt fat_opts[] = {
	{ "image", 'i', "FILE", "a FAT image file (blk-file + fs-fat)" },
	{ NULL },
};

static int fat_option(struct devmgr_cli *cli, int key, const char *arg)
{
	struct options *o = cli->arg;

	if (key == 'i')
		o->image = arg;
	return -1;
}

/* Options before the command.  Returns -1 to go on, or an exit status. */
static int parse_options(int argc, char **argv, struct devmgr_ctx *ctx,
			 struct devmgr_cli *cli)
{
	struct options *o = cli->arg;
	int rc;

	/* DEVMGR_CLI_STOP: stop at the command, whose own flags come after
	 * it. */
	rc = devmgr_cli_parse(cli, ctx, argc, argv);
	if (rc >= 0)
		return rc;
	o->config = cli->config;
	o->level = cli->level;
	if ((o->image == NULL) == (o->config == NULL))
		return usage_error("%s", "give exactly one of --image FILE "
					 "and -c CONFIG");
	if (cli->optind >= argc)
		return usage_error("%s", "no command (ls, cat, get, put, "
					 "mkdir, rm, mv, df, attrib, mkfs)");
	return -1;
}

static int load(struct devmgr_ctx *ctx, const struct options *o)
{
	struct devmgr_error e;
	char *text;
	int rc;

	if (fat_command.verb == FAT_MKFS)
		return fat_mkfs_load(ctx, o->image, o->config);
	if (o->config != NULL) {
		rc = devmgr_ctx_load_config(ctx, o->config, &e);
	} else {
		text = image_config(o->image,
				    !fat_verb_writes(fat_command.verb));
		if (text == NULL) {
			fprintf(stderr, "devmgr-fat: out of memory\n");
			return FAT_EXIT_FAILED;
		}
		rc = devmgr_ctx_load_config_string(ctx, text, o->image, &e);
		free(text);
	}
	return rc < 0 ? report(&e, FAT_EXIT_USAGE) : FAT_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct options o = { .level = DEVMGR_LOG_WARN };
	struct devmgr_cli cli = {
		.prog = "devmgr-fat",
		.synopsis =
			"(--image FILE | -c CONFIG) [OPTIONS] COMMAND [ARGS]",
		.about = about,
		.epilog = epilog,
		.flags = DEVMGR_CLI_STOP,
		.opts = fat_opts,
		.option = fat_option,
		.arg = &o,
	};
	struct devmgr_ctx *ctx = devmgr_ctx_new();
	struct devmgr_error e;
	int rc;

	if (ctx == NULL) {
		fprintf(stderr, "devmgr-fat: out of memory\n");
		return FAT_EXIT_FAILED;
	}
	rc = parse_options(argc, argv, ctx, &cli);
	if (rc < 0)
		rc = parse_command(argc - cli.optind, argv + cli.optind,
				   &fat_command);
	if (rc == FAT_EXIT_OK && fat_command.verb != 0) {
		devmgr_ctx_set_log(ctx, log_line, NULL, o.level);
		rc = load(ctx, &o);
	}
	if (rc == FAT_EXIT_OK && fat_command.verb != 0) {
		rc = devmgr_run(ctx, "fat", &e);
		if (rc < 0)
			rc = report(&e, FAT_EXIT_DEVICE);
		if (rc == FAT_EXIT_OK && logged_errors > 0) {
			fprintf(stderr, "devmgr-fat: a device reported an "
					"error (above)\n");
			rc = FAT_EXIT_FAILED;
		}
	}
	devmgr_ctx_free(ctx);
	return rc;
}
