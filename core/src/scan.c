/* scan.c: every plugin file is first loaded in a child process, the
 * scanner, so that a constructor that crashes, aborts, exits or never
 * returns, or a truncated file that dlopen() dies on (SIGBUS), takes down
 * the scanner and not devmgr.  A file the scanner survived is then loaded
 * by devmgr itself; one that killed or hung it is refused.
 *
 * The verdicts are kept in a cache per user ($XDG_CACHE_HOME/devmgr/,
 * else ~/.cache/devmgr/), keyed by path, size, mtime and a hash of the
 * content, so that a start with nothing changed forks no scanner, and a
 * file that crashed the scanner stays refused until it changes.
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
#define CACHE_NAME	"plugins-v2"

struct entry {
	const char *path;
	struct stat st;
	uint64_t hash;
	bool hashed;
	enum { UNKNOWN, SURVIVED, KILLED } verdict;
	char reason[160];
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

/* One line per file:
 *   "HASH SIZE MTIME_S MTIME_NS INO CTIME_S CTIME_NS ok|killed REASON\tPATH"
 * The first line names the build, whose checks the verdicts came from.
 * The key is the path, size, mtime and content hash.  The hash is read
 * again only when the inode or its ctime moved: a write to the file sets
 * its ctime, which no user can set back, so an unchanged ctime on the
 * same inode means the content hashed last time. */
static void cache_read(struct entry *v, size_t n)
{
	char *dir = cache_dir();
	char *file = dir ? devmgr__asprintf("%s/" CACHE_NAME, dir) : NULL;
	FILE *f = file ? fopen(file, "re") : NULL;
	devmgr__free(dir);
	devmgr__free(file);
	if (!f)
		return;
	char line[PATH_MAX + 512];
	if (!fgets(line, sizeof(line), f) ||
	    strcmp(line, DEVMGR_BUILD_SIGNATURE "\n") != 0) {
		fclose(f);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		size_t len = strlen(line);
		if (!len || line[len - 1] != '\n')
			break;
		line[len - 1] = '\0';
		char *tab = strchr(line, '\t');
		if (!tab)
			continue;
		*tab = '\0';
		const char *path = tab + 1;
		unsigned long long hash, size, ino;
		long long sec, nsec, csec, cnsec;
		char kind[8];
		int used = 0;
		if (sscanf(line, "%16llx %llu %lld %lld %llu %lld %lld %7s %n",
			   &hash, &size, &sec, &nsec, &ino, &csec, &cnsec, kind,
			   &used) != 8)
			continue;
		for (size_t i = 0; i < n; i++) {
			struct entry *e = &v[i];
			if (e->verdict != UNKNOWN ||
			    strcmp(e->path, path) != 0 ||
			    (unsigned long long)e->st.st_size != size ||
			    (long long)e->st.st_mtim.tv_sec != sec ||
			    (long long)e->st.st_mtim.tv_nsec != nsec)
				continue;
			if (!e->hashed &&
			    (unsigned long long)e->st.st_ino == ino &&
			    (long long)e->st.st_ctim.tv_sec == csec &&
			    (long long)e->st.st_ctim.tv_nsec == cnsec) {
				e->hash = hash;
				e->hashed = true;
			}
			if (!e->hashed && hash_file(e->path, &e->hash) == 0)
				e->hashed = true;
			if (!e->hashed || e->hash != hash)
				continue;
			if (strcmp(kind, "ok") == 0)
				e->verdict = SURVIVED;
			else if (strcmp(kind, "killed") == 0) {
				e->verdict = KILLED;
				snprintf(e->reason, sizeof(e->reason), "%s",
					 line + used);
			} else
				continue;
			e->from_cache = true;
		}
	}
	fclose(f);
}

/* The lines of the old cache for files not in this scan (another plugin
 * path, another program), up to CACHE_KEEP of them, so that two programs
 * with different folders do not keep evicting each other. */
#define CACHE_KEEP 4096
static void keep_others(FILE *out, const char *file, const struct entry *v,
			size_t n)
{
	FILE *f = fopen(file, "re");
	if (!f)
		return;
	char line[PATH_MAX + 512];
	size_t kept = 0;
	if (!fgets(line, sizeof(line), f) ||
	    strcmp(line, DEVMGR_BUILD_SIGNATURE "\n") != 0)
		goto out;
	while (kept < CACHE_KEEP && fgets(line, sizeof(line), f)) {
		size_t len = strlen(line);
		char *tab = strchr(line, '\t');
		if (!len || line[len - 1] != '\n' || !tab)
			continue;
		line[len - 1] = '\0';
		bool ours = false;
		for (size_t i = 0; i < n && !ours; i++)
			ours = strcmp(v[i].path, tab + 1) == 0;
		if (!ours) {
			fprintf(out, "%s\n", line);
			kept++;
		}
	}
out:
	fclose(f);
}

/* Written whole to a temporary file and renamed over the old one, so
 * that two devmgr starting at once leave one or the other. */
static void cache_write(const struct entry *v, size_t n)
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
	FILE *f = tmp ? fopen(tmp, "wxe") : NULL;
	if (!f)
		goto out;
	fputs(DEVMGR_BUILD_SIGNATURE "\n", f);
	keep_others(f, file, v, n);
	for (size_t i = 0; i < n; i++) {
		const struct entry *e = &v[i];
		/* A path the line format cannot hold is scanned every time. */
		if (e->skip || e->verdict == UNKNOWN || !e->hashed ||
		    strpbrk(e->path, "\t\n"))
			continue;
		fprintf(f, "%016llx %llu %lld %lld %llu %lld %lld %s %s\t%s\n",
			(unsigned long long)e->hash,
			(unsigned long long)e->st.st_size,
			(long long)e->st.st_mtim.tv_sec,
			(long long)e->st.st_mtim.tv_nsec,
			(unsigned long long)e->st.st_ino,
			(long long)e->st.st_ctim.tv_sec,
			(long long)e->st.st_ctim.tv_nsec,
			e->verdict == SURVIVED ? "ok" : "killed",
			e->verdict == KILLED ? e->reason : "", e->path);
	}
	if (fclose(f) == 0 && rename(tmp, file) == 0)
		goto out;
	unlink(tmp);
out:
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

/* The child: try each file from first on, and after each one write its
 * index.  Its output goes nowhere: a constructor's words would else be
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
		try(ctx, v[i].path);
		uint32_t idx = (uint32_t)i;
		if (write(wfd, &idx, sizeof(idx)) != sizeof(idx))
			_exit(127);
	}
	_exit(0);
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
	int64_t deadline = now_ms() + timeout;
	for (;;) {
		while (next < n && v[next].verdict != UNKNOWN)
			next++;
		if (next == n)
			break;
		int64_t left = deadline - now_ms();
		if (left <= 0) {
			timed_out = true;
			break;
		}
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };
		int r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			timed_out = true;
			break;
		}
		uint32_t idx;
		ssize_t got = read(p[0], &idx, sizeof(idx));
		if (got < 0 && errno == EINTR)
			continue;
		if (got != sizeof(idx) || idx != next)
			break; /* the scanner died on v[next] */
		v[next].verdict = SURVIVED;
		deadline = now_ms() + timeout;
	}
	if (timed_out)
		kill(pid, SIGKILL);
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
		 char (*refused)[DEVMGR__SCAN_REASON], devmgr__scan_try_fn try)
{
	struct entry *v = devmgr__calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		v[i].path = paths[i];
		/* Not a regular file: load_plugin refuses it without opening.
		 */
		if (stat(paths[i], &v[i].st) < 0 || !S_ISREG(v[i].st.st_mode)) {
			v[i].verdict = SURVIVED;
			v[i].skip = true;
		}
	}
	if (!ctx->rescan)
		cache_read(v, n);
	int timeout = scan_timeout_ms(ctx);
	for (size_t i = 0; i < n;) {
		while (i < n && v[i].verdict != UNKNOWN)
			i++;
		if (i == n)
			break;
		size_t k = run_child(ctx, v, i, n, try, timeout);
		if (k == SIZE_MAX) {
			/* No scanner: load in-process, as before the scanner.
			 */
			devmgr_log(ctx, DEVMGR_LOG_WARN,
				   "cannot start the plugin scanner: %s",
				   strerror(errno));
			for (; i < n; i++)
				if (v[i].verdict == UNKNOWN) {
					v[i].verdict = SURVIVED;
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
		refused[i][0] = '\0';
		if (e->skip)
			continue;
		if (!e->hashed && hash_file(e->path, &e->hash) == 0)
			e->hashed = true;
		if (e->verdict == KILLED)
			snprintf(refused[i], sizeof(refused[i]), "%s%s",
				 e->reason,
				 e->from_cache ? " (an earlier scan; refused "
						 "until the file changes)"
					       : "");
		if (!e->from_cache)
			changed = true;
	}
	if (changed)
		cache_write(v, n);
	devmgr__free(v);
	return 0;
}
