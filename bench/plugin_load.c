/* plugin_load.c: plugin start-up through devmgr against a program that
 * only dlopen()s .so files (RTLD_NOW|RTLD_LOCAL).  Each measurement runs
 * in a fresh process (fork + exec of this program with a mode argument),
 * so no load is shared between runs; the child times its own work and
 * writes the figure to a pipe.  Runs take turns between the modes;
 * medians are compared:
 *
 *   warm start: devmgr_ctx_new + a configuration of a blk-ram and a
 *     console-stdio (the scan from a warm cache, then only blk-ram.so and
 *     console.so loaded) / dlopen of only those two files  target <= 1.1x
 *   cold scan: devmgr_ctx_scan_plugins with no cache (the scanner loads
 *     and describes every file) / dlopen of every file      target <= 2x
 *   every file: devmgr_ctx_load_plugins, cache warm / dlopen of every
 *     file                                                  target <= 1.5x
 *
 * Usage: plugin_load [--quick] [PLUGIN_DIR]
 *   PLUGIN_DIR defaults to the first folder of DEVMGR_PLUGIN_PATH.
 * Internal: plugin_load --child config|cold|all|dlopen|needed PLUGIN_DIR FD */
#define _GNU_SOURCE
#include <devmgr/devmgr.h>
#include <devmgr/plugin.h>

#include <dirent.h>
#include <dlfcn.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

static int is_so(const char *name)
{
	size_t n = strlen(name);
	return n > 3 && strcmp(name + n - 3, ".so") == 0;
}

static void quiet_log(void *arg, enum devmgr_log_level level, const char *msg)
{
	(void)arg;
	(void)level;
	(void)msg;
}

static int child(const char *mode, const char *dir, int fd)
{
	long loaded = 0;
	double t0, t1;

	if (strcmp(mode, "dlopen") != 0 && strcmp(mode, "needed") != 0) {
		/* Only the folder given: nothing from the environment.  The
		 * parent points XDG_CACHE_HOME at a warm or an empty cache. */
		static const char config[] =
			"{\"devmgr\": 1, \"devices\": {"
			"\"disk\": {\"provider\": \"blk-ram\", \"size\": "
			"65536},"
			"\"log\": {\"provider\": \"console-stdio\"}}}";
		unsetenv("DEVMGR_PLUGIN_PATH");
		t0 = bench_now();
		struct devmgr_ctx *ctx = devmgr_ctx_new();
		if (!ctx)
			return 2;
		struct devmgr_error err;
		if (devmgr_ctx_add_plugin_dir(ctx, dir, NULL, &err) < 0)
			return 2;
		devmgr_ctx_set_log(ctx, quiet_log, NULL, DEVMGR_LOG_ERROR);
		int r;
		if (strcmp(mode, "config") == 0)
			r = devmgr_ctx_load_config_string(ctx, config, "bench",
							  &err);
		else if (strcmp(mode, "cold") == 0)
			r = devmgr_ctx_scan_plugins(ctx);
		else
			r = devmgr_ctx_load_plugins(ctx);
		t1 = bench_now();
		if (r != 0)
			return 3; /* a refused file, or no folder */
		loaded = (long)devmgr_ctx_plugin_count(ctx);
		/* The configuration's two providers are loaded (they have
		 * code), and another plugin's is not. */
		const struct devmgr_provider *ram =
			devmgr_ctx_find_provider(ctx, "blk-ram");
		const struct devmgr_provider *con =
			devmgr_ctx_find_provider(ctx, "console-stdio");
		const struct devmgr_provider *fat =
			devmgr_ctx_find_provider(ctx, "fs-fat");
		if (strcmp(mode, "config") == 0 &&
		    (!ram || !ram->create || !con || !con->create || !fat ||
		     fat->create))
			return 4;
	} else if (strcmp(mode, "needed") == 0) {
		static const char *const needed[] = { "blk-ram.so",
						      "console.so" };
		char p[4096];
		t0 = bench_now();
		for (size_t i = 0; i < 2; i++) {
			snprintf(p, sizeof(p), "%s/%s", dir, needed[i]);
			if (!dlopen(p, RTLD_NOW | RTLD_LOCAL))
				return 3;
		}
		t1 = bench_now();
		loaded = 2;
	} else {
		t0 = bench_now();
		DIR *d = opendir(dir);
		if (!d)
			return 2;
		struct dirent *e;
		char p[4096];
		while ((e = readdir(d)) != NULL) {
			if (!is_so(e->d_name))
				continue;
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			if (!dlopen(p, RTLD_NOW | RTLD_LOCAL))
				return 3;
			loaded++;
		}
		closedir(d);
		t1 = bench_now();
	}
	dprintf(fd, "%.9f %ld\n", t1 - t0, loaded);
	return 0;
}

/* Run one child; returns its time, *loaded its plugin count. */
static char warm_cache[64], cold_cache[64];

static double run_child(const char *self, const char *mode, const char *dir,
			long *loaded)
{
	int pfd[2];
	if (strcmp(mode, "cold") == 0) {
		char f[128];
		snprintf(f, sizeof(f), "%s/devmgr/plugins-v3", cold_cache);
		unlink(f);
		setenv("XDG_CACHE_HOME", cold_cache, 1);
	} else
		setenv("XDG_CACHE_HOME", warm_cache, 1);
	if (pipe(pfd) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		char fds[16];
		snprintf(fds, sizeof(fds), "%d", pfd[1]);
		execl(self, self, "--child", mode, dir, fds, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	char buf[128] = "";
	ssize_t n = read(pfd[0], buf, sizeof(buf) - 1);
	close(pfd[0]);
	int st;
	waitpid(pid, &st, 0);
	double t;
	if (n <= 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0 ||
	    sscanf(buf, "%lf %ld", &t, loaded) != 2) {
		fprintf(stderr, "plugin_load: %s child failed (status %d)\n",
			mode, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		return -1;
	}
	return t;
}

int main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "--child") == 0)
		return child(argv[2], argv[3], atoi(argv[4]));

	int quick = bench_quick(argc, argv);
	int runs = quick ? 5 : 31;
	const char *dir = NULL;
	char envdir[4096];
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--quick") != 0)
			dir = argv[i];
	if (!dir) {
		const char *e = getenv("DEVMGR_PLUGIN_PATH");
		if (!e || !*e) {
			fprintf(stderr, "usage: plugin_load [--quick] DIR "
					"(or set DEVMGR_PLUGIN_PATH)\n");
			return 2;
		}
		snprintf(envdir, sizeof(envdir), "%s", e);
		envdir[strcspn(envdir, ":")] = 0;
		dir = envdir;
	}
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return 2;
	self[n] = 0;

	snprintf(warm_cache, sizeof(warm_cache), "/tmp/plugin_load.w.XXXXXX");
	snprintf(cold_cache, sizeof(cold_cache), "/tmp/plugin_load.c.XXXXXX");
	if (!mkdtemp(warm_cache) || !mkdtemp(cold_cache))
		return 2;
	static const char *const modes[] = { "config", "needed", "cold",
					     "dlopen", "all" };
	enum { CONFIG, NEEDED, COLD, DLOPEN, ALL, M };
	double *t[M];
	long count[M] = { 0 };
	for (int m = 0; m < M; m++)
		t[m] = calloc(runs, sizeof(double));
	/* One start to warm the cache, not counted. */
	if (run_child(self, "config", dir, &count[0]) < 0)
		return 2;
	int missed = 0;
	for (int r = 0; r < runs && !missed; r++)
		for (int k = 0; k < M; k++) {
			int m = (k + r) % M; /* each mode goes first in turn */
			double v = run_child(self, modes[m], dir, &count[m]);
			if (v < 0) {
				missed = 2;
				break;
			}
			t[m][r] = v;
		}
	char cmd[200];
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", warm_cache, cold_cache);
	if (system(cmd) != 0)
		fprintf(stderr, "plugin_load: could not remove %s\n", cmd + 7);
	if (missed)
		return missed;
	if (count[ALL] != count[DLOPEN] || count[COLD] != count[DLOPEN]) {
		fprintf(stderr,
			"plugin_load: devmgr loaded %ld plugins (cold scan "
			"%ld), dlopen %ld files\n",
			count[ALL], count[COLD], count[DLOPEN]);
		return 2;
	}
	double mw = bench_median(t[CONFIG], runs) * 1e3;
	double mn = bench_median(t[NEEDED], runs) * 1e3;
	double mc = bench_median(t[COLD], runs) * 1e3;
	double mr = bench_median(t[DLOPEN], runs) * 1e3;
	double ma = bench_median(t[ALL], runs) * 1e3;
	printf("plugin warm start (%ld plugins known, 2 loaded): devmgr "
	       "%.3f ms, dlopen of the 2 plugins a configuration needs "
	       "%.3f ms, ratio %.3fx ",
	       count[CONFIG], mw, mn, mw / mn);
	missed |= bench_verdict(mw / mn, 1.1, 0);
	printf("plugin cold scan (%ld plugins, no cache): devmgr %.3f ms, "
	       "dlopen of every file %.3f ms, ratio %.3fx ",
	       count[COLD], mc, mr, mc / mr);
	missed |= bench_verdict(mc / mr, 2.0, 0);
	printf("plugin load of every file (cache warm): devmgr %.3f ms, "
	       "dlopen %.3f ms, ratio %.3fx ",
	       ma, mr, ma / mr);
	missed |= bench_verdict(ma / mr, 1.5, 0);
	for (int m = 0; m < M; m++)
		free(t[m]);
	return missed;
}
