/* scan.c: every plugin file is first loaded in a child process, the
 * scanner, so that a constructor that crashes, aborts, exits or never
 * returns, or a truncated file that dlopen() dies on (SIGBUS), takes down
 * the scanner and not devmgr.  For a file it survived, the scanner hands
 * back over a pipe a record of what the file declares (scan_record.c),
 * from which devmgr answers without loading it; devmgr loads it only when
 * a configuration uses it.  One that killed or hung it is refused.
 *
 * The records and verdicts are kept in a cache per user
 * ($XDG_CACHE_HOME/devmgr/, else ~/.cache/devmgr/), keyed by path, size,
 * mtime and a hash of the content, so that a start with nothing changed
 * forks no scanner, and a file that crashed the scanner stays refused
 * until it changes.
 *
 * The scanner is a fork() of the calling process, not a helper program:
 * it needs nothing installed (an app's own executable, a build tree) and
 * loads with the same search path, linked-in providers and registry as
 * its parent.  Plugins are loaded before any device exists, so no thread
 * of devmgr's runs at that point. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SCAN_TIMEOUT_MS 5000
#define CACHE_NAME	"plugins-v3"
/* A record longer than this is refused (a descriptor is a few KiB). */
#define RECORD_MAX (1u << 20)

struct entry {
	const char *path;
	struct stat st;
	uint64_t hash;
	bool hashed;
	/* SURVIVED: stub is its record; REFUSED: the scanner's refusal
	 * (not cached: a library it needs may be installed meanwhile);
	 * KILLED: it killed or hung the scanner. */
	enum { UNKNOWN, SURVIVED, REFUSED, KILLED } verdict;
	char reason[DEVMGR__SCAN_REASON];
	struct devmgr__stub *stub;
	char *provs;
	bool from_cache;
	bool skip; /* not a regular file, or not scanned: never cached */
};

/* A hash of the whole file, eight bytes a step (FNV-1a's prime on 64-bit
 * words, with a shift so that the high bits reach the low ones): a
 * change of content that keeps the size and the mtime (touch -r) must
 * still be seen.  Not a defence against an attacker, who could as well
 * change the file after the scan. */
static int hash_file(const char *path, uint64_t *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	uint64_t h = 0xcbf29ce484222325ull;
	unsigned char buf[65536];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		ssize_t i = 0;
		for (; i + 8 <= n; i += 8) {
			uint64_t w;
			memcpy(&w, buf + i, 8);
			h = (h ^ w) * 0x100000001b3ull;
			h ^= h >> 29;
		}
		for (; i < n; i++)
			h = (h ^ buf[i]) * 0x100000001b3ull;
	}
	int e = n < 0 ? -errno : 0;
	close(fd);
	*out = h;
	return e;
}

/* ---- the cache ------------------------------------------------------- */

static char *cache_dir(void)
{
	const char *x = getenv("XDG_CACHE_HOME");
	if (x && x[0] == '/')
		return devmgr__asprintf("%s/devmgr", x);
	const char *home = getenv("HOME");
	if (home && home[0] == '/')
		return devmgr__asprintf("%s/.cache/devmgr", home);
	return NULL;
}

/* The cache holds one tree (written by cache_write):
 *   {"build": SIGNATURE, "files": [{"path", "hash" (16 hex digits),
 *    "size", "mtime": [s, ns], "ino", "ctime": [s, ns],
 *    "verdict": "ok" | "killed", "reason", "plugin": RECORD}, ...]}
 * The build is devmgr's, whose checks the verdicts came from.  The key is
 * the path, size, mtime and content hash.  The hash is read again only
 * when the inode or its ctime moved: a write to the file sets its ctime,
 * which no user can set back, so an unchanged ctime on the same inode
 * means the content hashed last time.  The file is untrusted: an entry
 * of the wrong shape, or whose record does not read, is a miss. */
static char *cache_file(void)
{
	char *dir = cache_dir();
	char *file = dir ? devmgr__asprintf("%s/" CACHE_NAME, dir) : NULL;
	devmgr__free(dir);
	return file;
}

#define CACHE_MAX (64u << 20)
/* The file is the build signature on a line, then the tree in the form
 * of devmgr__record_dump(). */
static json_t *cache_load(void)
{
	char *file = cache_file();
	int fd = file ? open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK) : -1;
	devmgr__free(file);
	struct stat st;
	if (fd < 0)
		return NULL;
	char *buf = NULL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (uint64_t)st.st_size < CACHE_MAX)
		buf = devmgr__malloc((size_t)st.st_size + 1);
	ssize_t got = buf ? read(fd, buf, (size_t)st.st_size) : -1;
	close(fd);
	size_t head = strlen(DEVMGR_BUILD_SIGNATURE "\n");
	json_t *root = NULL;
	const char *why;
	if (got == (ssize_t)st.st_size && (size_t)got > head &&
	    memcmp(buf, DEVMGR_BUILD_SIGNATURE "\n", head) == 0)
		root = devmgr__record_load(buf + head, (size_t)got - head,
					   &why);
	devmgr__free(buf);
	json_t *b = json_object_get(root, "build");
	if (!json_is_string(b) ||
	    strcmp(json_string_value(b), DEVMGR_BUILD_SIGNATURE) != 0 ||
	    !json_is_array(json_object_get(root, "files"))) {
		json_decref(root);
		return NULL;
	}
	return root;
}

static bool pair_is(json_t *a, long long s, long long ns)
{
	return json_is_array(a) && json_array_size(a) == 2 &&
	       json_integer_value(json_array_get(a, 0)) == s &&
	       json_integer_value(json_array_get(a, 1)) == ns;
}

static bool parse_hash(json_t *v, uint64_t *out)
{
	const char *s = json_string_value(v);
	if (!s || strlen(s) != 16)
		return false;
	char *end;
	errno = 0;
	unsigned long long h = strtoull(s, &end, 16);
	if (errno || *end)
		return false;
	*out = h;
	return true;
}

/* Does cache entry f hold the verdict of e (its key matches)? */
static bool entry_matches(struct entry *e, json_t *f)
{
	uint64_t hash;
	if ((unsigned long long)json_integer_value(json_object_get(
		    f, "size")) != (unsigned long long)e->st.st_size ||
	    !pair_is(json_object_get(f, "mtime"), e->st.st_mtim.tv_sec,
		     e->st.st_mtim.tv_nsec) ||
	    !parse_hash(json_object_get(f, "hash"), &hash))
		return false;
	if (!e->hashed &&
	    (unsigned long long)json_integer_value(json_object_get(f, "ino")) ==
		    (unsigned long long)e->st.st_ino &&
	    pair_is(json_object_get(f, "ctime"), e->st.st_ctim.tv_sec,
		    e->st.st_ctim.tv_nsec)) {
		e->hash = hash;
		e->hashed = true;
	}
	if (!e->hashed && hash_file(e->path, &e->hash) == 0)
		e->hashed = true;
	return e->hashed && e->hash == hash;
}

static void cache_take(struct entry *e, json_t *f)
{
	const char *kind = json_string_value(json_object_get(f, "verdict"));
	const char *reason = json_string_value(json_object_get(f, "reason"));
	struct devmgr_error err;
	if (kind && strcmp(kind, "ok") == 0) {
		if (devmgr__stub_new(json_object_get(f, "plugin"), &e->stub,
				     &err) < 0)
			return;
		e->verdict = SURVIVED;
	} else if (kind && strcmp(kind, "killed") == 0 && reason) {
		e->verdict = KILLED;
		devmgr__escape(e->reason, sizeof(e->reason), reason);
	} else {
		return;
	}
	e->from_cache = true;
}

/* Files are looked up by path in a map of the entries. */
static void cache_read(json_t *root, struct entry *v, size_t n)
{
	struct devmgr__map byname = { 0 };
	for (size_t i = 0; i < n; i++)
		if (!v[i].skip &&
		    devmgr__map_put(&byname, v[i].path, (void *)(i + 1)) < 0)
			break;
	size_t i;
	json_t *f;
	json_array_foreach (json_object_get(root, "files"), i, f) {
		const char *path =
			json_string_value(json_object_get(f, "path"));
		size_t k = path ? (size_t)devmgr__map_get(&byname, path) : 0;
		if (!k || v[k - 1].verdict != UNKNOWN)
			continue;
		if (entry_matches(&v[k - 1], f))
			cache_take(&v[k - 1], f);
	}
	devmgr__map_free(&byname);
}

static json_t *entry_json(const struct entry *e)
{
	char hash[17];
	snprintf(hash, sizeof(hash), "%016llx", (unsigned long long)e->hash);
	json_t *f = json_pack("{s:s, s:s, s:I, s:[I,I], s:I, s:[I,I], s:s}",
			      "path", e->path, "hash", hash, "size",
			      (json_int_t)e->st.st_size, "mtime",
			      (json_int_t)e->st.st_mtim.tv_sec,
			      (json_int_t)e->st.st_mtim.tv_nsec, "ino",
			      (json_int_t)e->st.st_ino, "ctime",
			      (json_int_t)e->st.st_ctim.tv_sec,
			      (json_int_t)e->st.st_ctim.tv_nsec, "verdict",
			      e->verdict == SURVIVED ? "ok" : "killed");
	if (f && e->verdict == SURVIVED)
		json_object_set(f, "plugin", devmgr__stub_json(e->stub));
	else if (f)
		json_object_set_new(f, "reason", json_string(e->reason));
	return f;
}

/* The entries of the old cache for files not in this scan (another plugin
 * path, another program) are kept, up to CACHE_KEEP of them, so that two
 * programs with different folders do not keep evicting each other.
 * Written whole to a temporary file and renamed over the old one, so
 * that two devmgr starting at once leave one or the other. */
#define CACHE_KEEP 4096
static void cache_write(json_t *old, const struct entry *v, size_t n)
{
	char *dir = cache_dir();
	if (!dir)
		return;
	char *parent = devmgr__strdup(dir), *slash;
	if (parent && (slash = strrchr(parent, '/')) && slash != parent) {
		*slash = '\0';
		mkdir(parent, 0700);
	}
	devmgr__free(parent);
	mkdir(dir, 0700);
	char *file = devmgr__asprintf("%s/" CACHE_NAME, dir);
	char *tmp =
		devmgr__asprintf("%s/." CACHE_NAME ".%ld", dir, (long)getpid());
	devmgr__free(dir);
	json_t *files = json_array();
	struct devmgr__map ours = { 0 };
	for (size_t i = 0; i < n; i++)
		devmgr__map_put(&ours, v[i].path, (void *)1);
	size_t i, kept = 0;
	json_t *f;
	json_array_foreach (json_object_get(old, "files"), i, f) {
		const char *path =
			json_string_value(json_object_get(f, "path"));
		if (kept < CACHE_KEEP && path &&
		    !devmgr__map_get(&ours, path)) {
			json_array_append(files, f);
			kept++;
		}
	}
	devmgr__map_free(&ours);
	for (i = 0; i < n; i++) {
		const struct entry *e = &v[i];
		if (e->skip || !e->hashed ||
		    (e->verdict != SURVIVED && e->verdict != KILLED))
			continue;
		json_array_append_new(files, entry_json(e));
	}
	json_t *root = json_pack("{s:s, s:o}", "build", DEVMGR_BUILD_SIGNATURE,
				 "files", files);
	size_t len;
	char *text = root ? devmgr__record_dump(root, &len) : NULL;
	FILE *out = tmp && text ? fopen(tmp, "wxe") : NULL;
	if (!out)
		goto out;
	int r = fputs(DEVMGR_BUILD_SIGNATURE "\n", out) < 0 ||
				fwrite(text, 1, len, out) != len
			? -1
			: 0;
	if (fclose(out) == 0 && r == 0 && rename(tmp, file) == 0)
		goto out;
	unlink(tmp);
out:
	devmgr__free(text);
	json_decref(root);
	devmgr__free(file);
	devmgr__free(tmp);
}

/* ---- the scanner ----------------------------------------------------- */

static int scan_timeout_ms(struct devmgr_ctx *ctx)
{
	const char *s = getenv("DEVMGR_SCAN_TIMEOUT_MS");
	if (!s || !s[0])
		return SCAN_TIMEOUT_MS;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v < 1 || v > 3600000) {
		devmgr_log(ctx, DEVMGR_LOG_WARN,
			   "DEVMGR_SCAN_TIMEOUT_MS: \"%s\" is not a number of "
			   "milliseconds from 1 to 3600000; using %d",
			   s, SCAN_TIMEOUT_MS);
		return SCAN_TIMEOUT_MS;
	}
	return (int)v;
}

static int64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static bool write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* One file's record on the pipe: its index and the length of the JSON
 * text that follows, both 32-bit in the host's order. */
static bool send_record(int wfd, uint32_t idx, json_t *rec)
{
	size_t len = 0;
	char *text = rec ? devmgr__record_dump(rec, &len) : NULL;
	static const char none[] = "o1:s5:errors33:the scanner could not "
				   "describe it";
	const char *body = text && len <= RECORD_MAX ? text : none;
	uint32_t head[2] = { idx, (uint32_t)(body == text ? len
							  : sizeof(none) - 1) };
	bool ok = write_all(wfd, head, sizeof(head)) &&
		  write_all(wfd, body, head[1]);
	devmgr__free(text);
	return ok;
}

/* The child: try each file from first on, and after each one write its
 * record.  Its output goes nowhere: a constructor's words would else be
 * printed twice, once here and once when devmgr loads the file. */
static __attribute__((noreturn)) void child(struct devmgr_ctx *ctx,
					    struct entry *v, size_t first,
					    size_t n, int wfd,
					    devmgr__scan_try_fn try)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
	}
	/* A crash is the signal itself, whatever handler the program put in
	 * place (an app's, or a sanitizer's, whose report could outlast the
	 * timeout): the verdict is the same in every build. */
	static const int fatal[] = { SIGSEGV, SIGBUS,  SIGILL, SIGFPE,
				     SIGABRT, SIGTRAP, SIGSYS, SIGPIPE };
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		signal(fatal[i], SIG_DFL);
	for (size_t i = first; i < n; i++) {
		if (v[i].verdict != UNKNOWN)
			continue;
		json_t *rec = try(ctx, v[i].path);
		if (!send_record(wfd, (uint32_t)i, rec))
			_exit(127);
		json_decref(rec);
	}
	_exit(0);
}

/* Read n bytes before the deadline: 0, -ETIMEDOUT, or -EPIPE when the
 * scanner ended first. */
static int read_full(int fd, void *buf, size_t n, int64_t deadline)
{
	char *p = buf;
	while (n) {
		int64_t left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			return -ETIMEDOUT;
		ssize_t got = read(fd, p, n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return -EPIPE;
		p += got;
		n -= (size_t)got;
	}
	return 0;
}

/* What the scanner said of e (rec: its record, borrowed). */
static void take_record(struct entry *e, json_t *rec, const char *why)
{
	struct devmgr_error err;
	json_t *plugin = json_object_get(rec, "plugin");
	const char *error = json_string_value(json_object_get(rec, "error"));
	if (plugin && devmgr__stub_new(plugin, &e->stub, &err) == 0) {
		e->verdict = SURVIVED;
		return;
	}
	e->verdict = REFUSED;
	if (plugin) {
		devmgr__escape(e->reason, sizeof(e->reason), err.text);
		return;
	}
	if (!error) {
		snprintf(e->reason, sizeof(e->reason),
			 "the scanner's record of it is malformed%s%s",
			 why ? ": " : "", why ? why : "");
		return;
	}
	devmgr__escape(e->reason, sizeof(e->reason), error);
	json_t *names = json_object_get(rec, "provides"), *nm;
	size_t len = 1, i;
	json_array_foreach (names, i, nm)
		if (json_is_string(nm) && i < 64)
			len += json_string_length(nm) + 1;
	char *q = json_is_array(names) ? devmgr__malloc(len) : NULL;
	if (!q)
		return;
	e->provs = q;
	json_array_foreach (names, i, nm)
		if (json_is_string(nm) && i < 64) {
			memcpy(q, json_string_value(nm),
			       json_string_length(nm));
			q += json_string_length(nm);
			*q++ = '\0';
		}
	*q = '\0';
}

/* One record from the pipe for v[next]: 0, or <0 when the scanner died
 * or hung on it (-ETIMEDOUT) or said something else. */
static int recv_record(int fd, struct entry *v, size_t next, int64_t deadline)
{
	uint32_t head[2];
	int r = read_full(fd, head, sizeof(head), deadline);
	if (r < 0)
		return r;
	if (head[0] != next || head[1] > RECORD_MAX)
		return -EPROTO;
	char *body = devmgr__malloc(head[1] + 1);
	if (!body)
		return -ENOMEM;
	r = read_full(fd, body, head[1], deadline);
	if (r == 0) {
		const char *why = "not an object";
		json_t *rec = devmgr__record_load(body, head[1], &why);
		take_record(&v[next], json_is_object(rec) ? rec : NULL, why);
		json_decref(rec);
	}
	devmgr__free(body);
	return r;
}

static const char *sig_name(int sig)
{
	switch (sig) {
	case SIGSEGV:
		return "SIGSEGV";
	case SIGBUS:
		return "SIGBUS";
	case SIGABRT:
		return "SIGABRT";
	case SIGILL:
		return "SIGILL";
	case SIGFPE:
		return "SIGFPE";
	case SIGKILL:
		return "SIGKILL";
	case SIGTERM:
		return "SIGTERM";
	case SIGTRAP:
		return "SIGTRAP";
	case SIGSYS:
		return "SIGSYS";
	default:
		return "a signal";
	}
}

static void killed_reason(struct entry *e, int status, bool timed_out,
			  int timeout)
{
	if (timed_out)
		snprintf(e->reason, sizeof(e->reason),
			 "loading it did not finish within %d ms (a "
			 "constructor that never returns?)",
			 timeout);
	else if (WIFSIGNALED(status))
		snprintf(e->reason, sizeof(e->reason),
			 "loading it killed the scanner with %s (signal %d)",
			 sig_name(WTERMSIG(status)), WTERMSIG(status));
	else if (WIFEXITED(status))
		snprintf(e->reason, sizeof(e->reason),
			 "loading it made the scanner exit with status %d",
			 WEXITSTATUS(status));
	else
		snprintf(e->reason, sizeof(e->reason),
			 "loading it stopped the scanner");
}

/* Run one scanner from index first; returns the index it got to (the
 * file that killed it, or n). */
static size_t run_child(struct devmgr_ctx *ctx, struct entry *v, size_t first,
			size_t n, devmgr__scan_try_fn try, int timeout)
{
	int p[2];
	if (pipe(p) < 0)
		return SIZE_MAX;
	fcntl(p[0], F_SETFD, FD_CLOEXEC);
	fcntl(p[1], F_SETFD, FD_CLOEXEC);
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return SIZE_MAX;
	}
	if (pid == 0) {
		close(p[0]);
		child(ctx, v, first, n, p[1], try);
	}
	close(p[1]);
	size_t next = first;
	bool timed_out = false;
	for (;;) {
		while (next < n && v[next].verdict != UNKNOWN)
			next++;
		if (next == n)
			break;
		int r = recv_record(p[0], v, next, now_ms() + timeout);
		if (r == -ETIMEDOUT)
			timed_out = true;
		if (r < 0) {
			/* The scanner died on v[next], hung, or said
			 * something else: it goes. */
			if (r != -EPIPE)
				kill(pid, SIGKILL);
			break;
		}
	}
	close(p[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (next < n) {
		v[next].verdict = KILLED;
		killed_reason(&v[next], status, timed_out, timeout);
	}
	return next;
}

int devmgr__scan(struct devmgr_ctx *ctx, char **paths, size_t n,
		 struct devmgr__scan_result *res, devmgr__scan_try_fn try)
{
	if (!n)
		return 0; /* no cache to read, nor to write */
	struct entry *v = devmgr__calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		v[i].path = paths[i];
		/* The loader checked the file; it went meanwhile. */
		if (stat(paths[i], &v[i].st) < 0 || !S_ISREG(v[i].st.st_mode)) {
			v[i].verdict = REFUSED;
			v[i].skip = true;
			snprintf(v[i].reason, sizeof(v[i].reason),
				 "not a regular file any more");
		}
	}
	json_t *old = cache_load();
	if (!ctx->rescan)
		cache_read(old, v, n);
	int timeout = scan_timeout_ms(ctx);
	for (size_t i = 0; i < n;) {
		while (i < n && v[i].verdict != UNKNOWN)
			i++;
		if (i == n)
			break;
		size_t k = run_child(ctx, v, i, n, try, timeout);
		if (k == SIZE_MAX) {
			/* No scanner: describe in-process, as before the
			 * scanner. */
			devmgr_log(ctx, DEVMGR_LOG_WARN,
				   "cannot start the plugin scanner: %s",
				   strerror(errno));
			for (; i < n; i++)
				if (v[i].verdict == UNKNOWN) {
					json_t *rec = try(ctx, v[i].path);
					take_record(&v[i], rec, NULL);
					json_decref(rec);
					v[i].skip = true; /* never scanned */
				}
			break;
		}
		i = k + 1;
	}
	/* Anything scanned (not from the cache) is written back. */
	bool changed = ctx->rescan;
	for (size_t i = 0; i < n; i++) {
		struct entry *e = &v[i];
		memset(&res[i], 0, sizeof(res[i]));
		if (!e->skip && !e->hashed && hash_file(e->path, &e->hash) == 0)
			e->hashed = true;
		if (e->verdict == KILLED || e->verdict == REFUSED)
			snprintf(res[i].refused, sizeof(res[i].refused), "%s%s",
				 e->reason,
				 e->from_cache ? " (an earlier scan; refused "
						 "until the file changes)"
					       : "");
		if (!e->from_cache && !e->skip)
			changed = true;
	}
	if (changed)
		cache_write(old, v, n);
	for (size_t i = 0; i < n; i++) {
		res[i].stub = v[i].stub;
		res[i].provs = v[i].provs;
	}
	json_decref(old);
	devmgr__free(v);
	return 0;
}
