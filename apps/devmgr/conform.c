/* conform.c: "devmgr conform PROVIDER [PARAM=VALUE]... [--json]": make one
 * device of the provider, run its signature's conformance cases against
 * it, print each case's result (docs/conform.md, schemas/conform.schema.json).
 *
 * PARAM=VALUE pairs are the device's parameters.  A device it is stacked on
 * is given with "on." in front: on.provider=blk-ram on.size=1M makes a
 * blk-ram device "on" below the device under test; on.on.provider=...
 * goes one level further down.  "peer." gives a second device of its own
 * (net: one on the same wire, which the receive cases need). */
#include "conform.h"
#include "cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CONFORM_MAX_DEPTH    8
#define DUT_ID		     "dut"
#define RO_ID		     "dut-ro"
#define PEER_ID		     "peer"
#define CONFORM_CASE_SECONDS 30

struct kit {
	const char *sig;
	const struct conform_case *cases;
	/* The devices are made in each child that runs cases rather than
	 * once before the first: a stack's threads (lwIP's) do not survive
	 * a fork. */
	bool fresh;
};

static const struct kit kits[] = {
	{ "blk", conform_blk_cases, false },
	{ "console", conform_console_cases, false },
	{ "fs", conform_fs_cases, false },
	{ "net", conform_net_cases, false },
	{ "stack", conform_stack_cases, true },
	{ NULL, NULL, false },
};

/* A child that cannot make the devices of a fresh kit exits with this. */
#define CHILD_NO_DEVICES 3

/* ---- what the cases call ---------------------------------------------- */

enum conform_result conform_fail(struct conform *c, const char *what,
				 const char *expected, const char *fmt, ...)
{
	va_list ap;

	snprintf(c->what, sizeof(c->what), "%s", what);
	snprintf(c->expected, sizeof(c->expected), "%s", expected);
	va_start(ap, fmt);
	vsnprintf(c->got, sizeof(c->got), fmt, ap);
	va_end(ap);
	return CONFORM_FAIL;
}

enum conform_result conform_skip(struct conform *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->reason, sizeof(c->reason), fmt, ap);
	va_end(ap);
	return CONFORM_SKIP;
}

const char *conform_rc(long rc, char *buf, size_t size)
{
	if (rc < 0)
		snprintf(buf, size, "-%s", devmgr_err_name((int)rc));
	else
		snprintf(buf, size, "%ld", rc);
	return buf;
}

bool conform_rc_is(struct conform *c, const char *what, long rc, long want)
{
	char w[64], g[64];

	if (rc == want)
		return true;
	conform_fail(c, what, conform_rc(want, w, sizeof(w)), "%s",
		     conform_rc(rc, g, sizeof(g)));
	return false;
}

void conform_fill(void *p, size_t len, unsigned seed)
{
	uint8_t *b = p;
	uint32_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		b[i] = (uint8_t)(x >> 16);
	}
}

/* ---- the configuration -------------------------------------------------- */

static void level_id(int level, char *buf, size_t size)
{
	size_t n = 0;

	if (level == 0) {
		snprintf(buf, size, DUT_ID);
		return;
	}
	buf[0] = '\0';
	for (int i = 0; i < level; i++)
		n += (size_t)snprintf(buf + n, size - n, "%son", i ? "." : "");
}

/* The JSON value of text for a parameter of type t: booleans and integers
 * as JSON, SIZE as an integer when it is all digits, strings as they are
 * (the core reports what does not fit the provider's table). */
static json_t *param_value(const struct devmgr_param *p, const char *text)
{
	char *end;
	long long v;

	if (!p)
		return json_string(text);
	switch (p->type) {
	case DEVMGR_PARAM_BOOL:
		if (strcmp(text, "true") == 0)
			return json_true();
		if (strcmp(text, "false") == 0)
			return json_false();
		break;
	case DEVMGR_PARAM_INT:
	case DEVMGR_PARAM_SIZE:
		v = strtoll(text, &end, 10);
		if (*text && !*end)
			return json_integer(v);
		break;
	default:
		break;
	}
	return json_string(text);
}

static const struct devmgr_param *find_param(const struct devmgr_provider *p,
					     const char *name)
{
	for (const struct devmgr_param *q = p ? p->params : NULL; q && q->name;
	     q++)
		if (strcmp(q->name, name) == 0)
			return q;
	return NULL;
}

/* Build {"devmgr": 1, "devices": {...}} from the operands.  Returns NULL
 * (the reason printed) on a usage error. */
static json_t *build_config(struct devmgr_ctx *ctx,
			    const struct devmgr_provider *p, int argc,
			    char **argv, bool *want_twin)
{
	json_t *level[CONFORM_MAX_DEPTH] = { NULL };
	json_t *peer = NULL;
	int depth = 1;
	json_t *devices = json_object();

	level[0] = json_pack("{s:s}", "provider", p->name);
	for (int i = 1; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		const char *name = argv[i];
		int n = 0;

		if (!eq || eq == argv[i]) {
			fprintf(stderr,
				"devmgr: conform: \"%s\" is not PARAM=VALUE\n",
				argv[i]);
			goto bad;
		}
		if (strncmp(name, "peer.", 5) == 0 && name + 5 < eq) {
			char key[256];
			snprintf(key, sizeof(key), "%.*s", (int)(eq - name - 5),
				 name + 5);
			if (!peer)
				peer = json_object();
			if (json_object_get(peer, key)) {
				fprintf(stderr,
					"devmgr: conform: \"%s\" given twice\n",
					argv[i]);
				goto bad;
			}
			json_object_set_new(peer, key, json_string(eq + 1));
			continue;
		}
		while (strncmp(name, "on.", 3) == 0 && name + 3 < eq) {
			name += 3;
			n++;
		}
		if (n >= CONFORM_MAX_DEPTH) {
			fprintf(stderr,
				"devmgr: conform: \"%s\" goes deeper "
				"than %d devices\n",
				argv[i], CONFORM_MAX_DEPTH);
			goto bad;
		}
		if (strncmp(name, "on", (size_t)(eq - name)) == 0 &&
		    eq - name == 2) {
			fprintf(stderr,
				"devmgr: conform: give the device below as "
				"on.provider=NAME and on.PARAM=VALUE\n");
			goto bad;
		}
		if (!level[n])
			level[n] = json_object();
		if (n + 1 > depth)
			depth = n + 1;
		char key[256];
		snprintf(key, sizeof(key), "%.*s", (int)(eq - name), name);
		if (n == 0 && strcmp(key, "provider") == 0) {
			fprintf(stderr, "devmgr: conform: the provider is "
					"the first operand, not a parameter\n");
			goto bad;
		}
		if (json_object_get(level[n], key)) {
			fprintf(stderr, "devmgr: conform: \"%s\" given twice\n",
				argv[i]);
			goto bad;
		}
		json_object_set_new(level[n], key, json_string(eq + 1));
	}
	for (int n = 0; n < depth; n++) {
		char id[64], below[64];
		const struct devmgr_provider *lp = p;
		const char *k;
		json_t *v;

		level_id(n, id, sizeof(id));
		if (!level[n]) {
			fprintf(stderr,
				"devmgr: conform: nothing given for "
				"the device \"%s\"\n",
				id);
			goto bad;
		}
		if (n > 0) {
			const char *pn = json_string_value(
				json_object_get(level[n], "provider"));
			if (!pn) {
				fprintf(stderr,
					"devmgr: conform: the device \"%s\" "
					"needs %s.provider=NAME\n",
					id, id);
				goto bad;
			}
			lp = devmgr_ctx_find_provider(ctx, pn);
		}
		json_object_foreach (level[n], k, v) {
			if (strcmp(k, "provider") == 0)
				continue;
			json_object_set_new(level[n], k,
					    param_value(find_param(lp, k),
							json_string_value(v)));
		}
		if (n + 1 < depth) {
			level_id(n + 1, below, sizeof(below));
			json_object_set_new(level[n], "on", json_string(below));
		}
	}
	/* The read-only refusals need a read-only device: a twin of the
	 * device under test, on the same devices below. */
	const struct devmgr_param *ro = find_param(p, "read_only");
	json_t *given = json_object_get(level[0], "read_only");
	*want_twin =
		ro && ro->type == DEVMGR_PARAM_BOOL && !json_is_true(given);
	json_t *twin = *want_twin ? json_deep_copy(level[0]) : NULL;
	for (int n = 0; n < depth; n++) {
		char id[64];
		level_id(n, id, sizeof(id));
		json_object_set_new(devices, id, level[n]);
	}
	if (twin) {
		json_object_set_new(twin, "read_only", json_true());
		json_object_set_new(devices, RO_ID, twin);
	}
	if (peer) {
		const char *k;
		json_t *v;
		const struct devmgr_provider *pp = devmgr_ctx_find_provider(
			ctx,
			json_string_value(json_object_get(peer, "provider"))
				?: "");
		if (!json_object_get(peer, "provider")) {
			fprintf(stderr, "devmgr: conform: the peer needs "
					"peer.provider=NAME\n");
			json_decref(peer);
			json_decref(devices);
			return NULL;
		}
		json_object_foreach (peer, k, v) {
			if (strcmp(k, "provider") != 0)
				json_object_set_new(
					peer, k,
					param_value(find_param(pp, k),
						    json_string_value(v)));
		}
		json_object_set_new(devices, PEER_ID, peer);
	}
	return json_pack("{s:i, s:o}", "devmgr", 1, "devices", devices);
bad:
	for (int n = 0; n < CONFORM_MAX_DEPTH; n++)
		json_decref(level[n]);
	json_decref(peer);
	json_decref(devices);
	return NULL;
}

/* ---- running and reporting ---------------------------------------------- */

static const char *const result_names[] = { "pass", "fail", "skip" };

static json_t *case_json(const struct conform_case *k, enum conform_result r,
			 const struct conform *c)
{
	json_t *o = json_pack("{s:s, s:s}", "name", k->name, "result",
			      result_names[r]);
	if (r == CONFORM_FAIL) {
		json_object_set_new(o, "what", json_string(c->what));
		json_object_set_new(o, "expected", json_string(c->expected));
		json_object_set_new(o, "got", json_string(c->got));
	} else if (r == CONFORM_SKIP) {
		json_object_set_new(o, "reason", json_string(c->reason));
	}
	return o;
}

static void print_case_text(json_t *o)
{
	const char *r = json_string_value(json_object_get(o, "result"));

	printf("%-4s  %s", r, json_string_value(json_object_get(o, "name")));
	if (strcmp(r, "fail") == 0)
		printf(": %s: expected %s, got %s",
		       json_string_value(json_object_get(o, "what")),
		       json_string_value(json_object_get(o, "expected")),
		       json_string_value(json_object_get(o, "got")));
	else if (strcmp(r, "skip") == 0)
		printf(": %s", json_string_value(json_object_get(o, "reason")));
	putchar('\n');
}

/* What a child sends for each case it ran. */
struct record {
	unsigned char index, result;
	char what[200], expected[200], got[200], reason[200];
};

static int make_devices(struct conform *c, const struct devmgr_provider *p,
			bool want_twin);

/* What the children need to make the devices of a fresh kit. */
struct fresh {
	const struct devmgr_provider *p;
	bool want_twin;
};

/* res and rep are the parent's, freed here too so that a memory checker
 * following the child finds nothing lost.  With fresh, the child makes
 * the devices first. */
static void child(const struct conform_case *cases, size_t from,
		  struct conform *c, int fd, unsigned char *res,
		  struct record *rep, const struct fresh *fresh)
{
	free(res);
	free(rep);
	if (fresh) {
		if (make_devices(c, fresh->p, fresh->want_twin) < 0)
			_exit(CHILD_NO_DEVICES);
	}
	/* A case that crashes dies of its signal, whatever handler the
	 * program has (a sanitizer's would exit 1 instead): its failure
	 * names the signal in every build. */
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		signal(fatal[i], SIG_DFL);
	for (size_t i = from; cases[i].name; i++) {
		struct record r = { .index = (unsigned char)i };
		c->what[0] = c->expected[0] = c->got[0] = c->reason[0] = '\0';
		alarm(CONFORM_CASE_SECONDS);
		r.result = (unsigned char)cases[i].run(c);
		alarm(0);
		memcpy(r.what, c->what, sizeof(r.what));
		memcpy(r.expected, c->expected, sizeof(r.expected));
		memcpy(r.got, c->got, sizeof(r.got));
		memcpy(r.reason, c->reason, sizeof(r.reason));
		if (write(fd, &r, sizeof(r)) != sizeof(r))
			_exit(1);
	}
	_exit(0);
}

static void fail_case(struct conform *c, int status)
{
	c->what[0] = c->expected[0] = c->got[0] = c->reason[0] = '\0';
	if (WIFSIGNALED(status))
		conform_fail(c, "the case", "an answer",
			     "killed by signal %d (%s)", WTERMSIG(status),
			     WTERMSIG(status) == SIGALRM
				     ? "no answer within the time limit"
				     : strsignal(WTERMSIG(status)));
	else
		conform_fail(c, "the case", "an answer", "exit status %d",
			     WEXITSTATUS(status));
}

/* The cases run in order in a child process, so that a provider that
 * crashes or hangs fails that case alone (a new child goes on with the
 * next one) and what the cases change in a RAM device stays there.  The
 * cases of a kit may see what earlier ones left; each works in its own
 * sectors or folder.  res[i] is case i's result, its report in rep[i]. */
static int run_children(const struct conform_case *cases, size_t n,
			struct conform *c, unsigned char *res,
			struct record *rep, const struct fresh *fresh)
{
	size_t next = 0;

	while (next < n) {
		int fds[2];
		if (pipe(fds) < 0)
			return -errno;
		fflush(NULL);
		pid_t pid = fork();
		if (pid < 0) {
			close(fds[0]);
			close(fds[1]);
			return -errno;
		}
		if (pid == 0) {
			close(fds[0]);
			child(cases, next, c, fds[1], res, rep, fresh);
		}
		close(fds[1]);
		struct record r;
		while (read(fds[0], &r, sizeof(r)) == sizeof(r) &&
		       r.index == next && next < n) {
			res[next] = r.result <= CONFORM_SKIP ? r.result
							     : CONFORM_FAIL;
			rep[next++] = r;
		}
		close(fds[0]);
		int status = 0;
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (next < n && fresh && WIFEXITED(status) &&
		    WEXITSTATUS(status) == CHILD_NO_DEVICES)
			return -ENODEV; /* make_devices said why */
		if (next < n) {
			fail_case(c, status);
			res[next] = CONFORM_FAIL;
			memcpy(rep[next].what, c->what, sizeof(c->what));
			memcpy(rep[next].expected, c->expected,
			       sizeof(c->expected));
			memcpy(rep[next].got, c->got, sizeof(c->got));
			rep[next++].reason[0] = '\0';
		}
	}
	return 0;
}

static void drop_log(void *arg, enum devmgr_log_level level, const char *msg)
{
	(void)arg;
	(void)level;
	(void)msg;
}

/* Run every case.  stdout is /dev/null meanwhile: a console provider
 * writes there (console-stdio), and the report comes after. */
static json_t *run_cases(const struct conform_case *cases, struct conform *c,
			 int count[3], const struct fresh *fresh)
{
	size_t n = 0;
	while (cases[n].name)
		n++;
	unsigned char *res = calloc(n, 1);
	struct record *rep = calloc(n, sizeof(*rep));
	if (!res || !rep) {
		free(res);
		free(rep);
		return NULL;
	}
	/* The refusals a case provokes are no news: providers' messages
	 * would only bury the report. */
	devmgr_ctx_set_log(c->ctx, drop_log, NULL, DEVMGR_LOG_ERROR);
	int saved = dup(STDOUT_FILENO);
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

	fflush(stdout);
	if (saved >= 0 && null >= 0)
		dup2(null, STDOUT_FILENO);
	int r = run_children(cases, n, c, res, rep, fresh);
	if (saved >= 0 && null >= 0)
		dup2(saved, STDOUT_FILENO);
	if (saved >= 0)
		close(saved);
	if (null >= 0)
		close(null);
	json_t *list = NULL;
	if (r == -ENODEV) {
		/* the child printed why */
	} else if (r < 0) {
		fprintf(stderr, "devmgr: conform: cannot start the cases: %s\n",
			strerror(-r));
	} else {
		list = json_array();
		for (size_t i = 0; i < n; i++) {
			memcpy(c->what, rep[i].what, sizeof(c->what));
			memcpy(c->expected, rep[i].expected,
			       sizeof(c->expected));
			memcpy(c->got, rep[i].got, sizeof(c->got));
			memcpy(c->reason, rep[i].reason, sizeof(c->reason));
			count[res[i]]++;
			json_array_append_new(
				list,
				case_json(&cases[i],
					  (enum conform_result)res[i], c));
		}
	}
	free(res);
	free(rep);
	return list;
}

static void report_error(const struct devmgr_error *e)
{
	char line[1200];
	fprintf(stderr, "devmgr: %s\n",
		devmgr_error_format(e, line, sizeof(line)));
}

/* Create the configured devices and fill c's handles.  Returns -1 (the
 * errors printed, the devices destroyed) when the device under test
 * cannot be made. */
static int make_devices(struct conform *c, const struct devmgr_provider *p,
			bool want_twin)
{
	struct devmgr_ctx *ctx = c->ctx;
	struct devmgr_error e;

	devmgr_ctx_create_devices(ctx, true, &e);
	struct devmgr_device *dut = devmgr_ctx_find_device(ctx, DUT_ID);
	c->handle = dut ? devmgr_device_handle(dut) : NULL;
	if (!c->handle) {
		/* The device under test, or one it is stacked on. */
		for (size_t i = devmgr_ctx_device_count(ctx); i-- > 0;) {
			struct devmgr_device *d = devmgr_ctx_device(ctx, i);
			if (devmgr_device_error(d) &&
			    strcmp(devmgr_device_id(d), RO_ID) != 0 &&
			    strcmp(devmgr_device_id(d), PEER_ID) != 0)
				report_error(devmgr_device_error(d));
		}
		fprintf(stderr, "devmgr: conform: cannot create a %s device\n",
			p->name);
		devmgr_ctx_destroy_devices(ctx);
		return -1;
	}
	struct devmgr_device *twin = devmgr_ctx_find_device(ctx, RO_ID);
	if (twin && devmgr_device_handle(twin))
		c->ro_handle = devmgr_device_handle(twin);
	else if (twin && devmgr_device_error(twin))
		snprintf(c->ro_why, sizeof(c->ro_why),
			 "a read-only twin cannot be created: %s",
			 devmgr_device_error(twin)->text);
	else
		snprintf(c->ro_why, sizeof(c->ro_why),
			 want_twin ? "no read-only twin"
				   : "provider %s has no read_only parameter",
			 p->name);

	struct devmgr_device *peer = devmgr_ctx_find_device(ctx, PEER_ID);
	if (peer && devmgr_device_handle(peer))
		c->peer_handle = devmgr_device_handle(peer);
	else if (peer && devmgr_device_error(peer))
		snprintf(c->peer_why, sizeof(c->peer_why),
			 "the peer cannot be created: %s",
			 devmgr_device_error(peer)->text);
	else
		snprintf(c->peer_why, sizeof(c->peer_why),
			 "no peer on the same wire (peer.provider=NAME "
			 "peer.PARAM=VALUE)");
	return 0;
}

int cmd_conform(struct devmgr_ctx *ctx, int argc, char **argv, bool json)
{
	struct conform c = { .ctx = ctx };
	struct devmgr_error e;
	const struct kit *kit;
	bool want_twin;
	int count[3] = { 0, 0, 0 };

	if (argc < 1) {
		fprintf(stderr, "devmgr: conform takes a provider name and "
				"its PARAM=VALUE pairs\n");
		return EXIT_USAGE;
	}
	devmgr_ctx_load_plugins(ctx);
	const struct devmgr_provider *p =
		devmgr_ctx_find_provider(ctx, argv[0]);
	if (!p) {
		fprintf(stderr, "devmgr: unknown provider \"%s\"\n", argv[0]);
		return EXIT_USAGE;
	}
	for (kit = kits; kit->sig && strcmp(kit->sig, p->sig) != 0; kit++)
		;
	if (!kit->sig) {
		fprintf(stderr,
			"devmgr: conform: no conformance kit for the %s "
			"signature (of provider %s)\n",
			p->sig, p->name);
		return EXIT_USAGE;
	}
	json_t *config = build_config(ctx, p, argc, argv, &want_twin);
	if (!config)
		return EXIT_USAGE;
	char *text = json_dumps(config, JSON_PRESERVE_ORDER);
	json_decref(config);
	int r = text ? devmgr_ctx_load_config_string(ctx, text, "<conform>", &e)
		     : devmgr_error_set(&e, -ENOMEM, "out of memory");
	free(text);
	if (r < 0) {
		report_error(&e);
		return EXIT_USAGE;
	}
	struct fresh fresh = { p, want_twin };
	if (!kit->fresh && make_devices(&c, p, want_twin) < 0)
		return EXIT_USAGE;
	json_t *cases =
		run_cases(kit->cases, &c, count, kit->fresh ? &fresh : NULL);
	devmgr_ctx_destroy_devices(ctx);
	if (!cases)
		return kit->fresh ? EXIT_USAGE : EXIT_FAILED;

	char version[32];
	snprintf(version, sizeof(version), "%u.%u", p->sig_major, p->sig_minor);
	if (json) {
		print_json(json_pack("{s:s, s:s, s:s, s:o, s:{s:i, s:i, s:i}}",
				     "provider", p->name, "signature", p->sig,
				     "version", version, "cases", cases,
				     "summary", "passed", count[CONFORM_PASS],
				     "failed", count[CONFORM_FAIL], "skipped",
				     count[CONFORM_SKIP]));
	} else {
		size_t i;
		json_t *o;
		printf("%s: %s %s conformance\n", p->name, p->sig, version);
		json_array_foreach (cases, i, o)
			print_case_text(o);
		printf("%zu cases: %d passed, %d failed, %d skipped\n",
		       json_array_size(cases), count[CONFORM_PASS],
		       count[CONFORM_FAIL], count[CONFORM_SKIP]);
		json_decref(cases);
	}
	return count[CONFORM_FAIL] ? EXIT_FAILED : EXIT_OK;
}
