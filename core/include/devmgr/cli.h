/* cli.h: the command line that devmgr, devmgr-fat and every app's own
 * executable share.  One parser takes the common options
 *
 *   -c, --config FILE    --plugin-path DIR (repeatable, relative to the
 *   current folder)      --xenstore (with DEVMGR_CLI_XENSTORE)
 *   -v, --verbose        -q, --quiet        -h, --help     --version
 *
 * and the program's own ones (a table and a callback), prints --help and
 * --version, and reports usage errors in one form: "PROG: what is wrong"
 * and "Try 'PROG --help'." on stderr, exit status 2.
 *
 *   static const struct devmgr_cli_opt own[] = {
 *           { "json", 'j', NULL, "JSON output" },
 *           { NULL },
 *   };
 *   struct devmgr_cli cli = { .prog = "tool", .synopsis = "[OPTION]...",
 *                             .opts = own, .option = on_option };
 *   int r = devmgr_cli_parse(&cli, ctx, argc, argv);
 *   if (r >= 0)
 *           return r;        (--help, --version, or a usage error)
 *   ... argv + cli.optind are the operands ...
 */
#ifndef DEVMGR_CLI_H
#define DEVMGR_CLI_H

#include <devmgr/devmgr.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
	/* Accept --xenstore.  A build without xenstore answers it with
	 * "built without xenstore" and exit status 2. */
	DEVMGR_CLI_XENSTORE = 1u << 0,
	/* Stop at the first operand: what follows it is a command's own. */
	DEVMGR_CLI_STOP = 1u << 1,
};

/* One of the program's own options.  key is the short option letter, or
 * a value above 255 for a long option only; arg names the argument in
 * --help (NULL: the option takes none). */
struct devmgr_cli_opt {
	const char *name;
	int key;
	const char *arg;
	const char *help;
};

struct devmgr_cli {
	const char *prog;     /* in messages and --version */
	const char *synopsis; /* --help: "Usage: PROG SYNOPSIS" */
	const char *about;    /* --help: the text between usage and options */
	const char *epilog;   /* --help: the text after the options */
	unsigned flags;	      /* DEVMGR_CLI_* */
	const struct devmgr_cli_opt *opts; /* the program's own; { NULL } */
	/* Called for each of the program's own options; returns -1 to go
	 * on, or an exit status to end with. */
	int (*option)(struct devmgr_cli *cli, int key, const char *arg);
	void *arg; /* the program's, for option() */

	/* What the common options said. */
	const char *config;	     /* -c FILE, or NULL */
	bool xenstore;		     /* --xenstore */
	enum devmgr_log_level level; /* DEVMGR_LOG_WARN unless -v or -q */
	int optind;		     /* the first operand in argv */
};

/* Parses argv: --plugin-path folders are added to ctx as they come.
 * Returns -1 to go on, 0 after --help or --version (printed on stdout),
 * or 2 after a usage error (printed on stderr). */
DEVMGR_API int devmgr_cli_parse(struct devmgr_cli *cli, struct devmgr_ctx *ctx,
				int argc, char **argv);

/* A usage error: "PROG: MESSAGE" and "Try 'PROG --help'." on stderr.
 * Returns 2. */
DEVMGR_API int devmgr_cli_usage(const struct devmgr_cli *cli, const char *fmt,
				...) __attribute__((format(printf, 2, 3)));

/* An error: "PROG: " and the formatted error on stderr.  Returns rc. */
DEVMGR_API int devmgr_cli_error(const struct devmgr_cli *cli,
				const struct devmgr_error *e, int rc);

/* Blocks SIGHUP, SIGINT and SIGTERM, so that one that comes before the
 * event loop runs waits for it (its signalfd) instead of killing the
 * program.  The first line of main() of a program that runs a loop. */
DEVMGR_API void devmgr_cli_block_signals(void);

/* Undoes it, for a program that turns out to run no loop: a signal that
 * came meanwhile then acts as it would have. */
DEVMGR_API void devmgr_cli_unblock_signals(void);

#ifdef __cplusplus
}
#endif
#endif
