/* The www executable.  Its built-in configuration serves the demo site's
 * FAT image from a RAM disk on 127.0.0.1:8080; only the image's path is
 * decided at run time, first found of:
 *
 *   1. $DEVMGR_WWW_IMAGE
 *   2. site.img beside the executable, or one folder up (the build tree,
 *      where libtool runs the program from .libs/)
 *   3. the installed copy, WWW_IMAGE_INSTALLED ($(pkgdatadir)/www/site.img)
 *
 * "www --print-config" prints that configuration and exits, so that it can
 * be looked at, probed ("devmgr probe -c") or copied and changed. */
#include "www.h"

#include <devmgr/cli.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef WWW_IMAGE_INSTALLED
#define WWW_IMAGE_INSTALLED "/usr/local/share/devmgr/www/site.img"
#endif

#define DEFAULT_CONFIG_FMT                                                     \
	"{\n"                                                                  \
	"  \"devmgr\": 1,\n"                                                   \
	"  \"devices\": {\n"                                                   \
	"    \"disk\":   { \"provider\": \"blk-ram\", \"image\": \"%s\",\n"    \
	"                \"read_only\": true },\n"                             \
	"    \"htdocs\": { \"provider\": \"fs-fat\", \"on\": \"disk\" },\n"    \
	"    \"net\":    { \"provider\": \"net-socket\", \"address\": "        \
	"\"127.0.0.1\" },\n"                                                   \
	"    \"log\":    { \"provider\": \"console-stdio\" }\n"                \
	"  },\n"                                                               \
	"  \"app\": {\n"                                                       \
	"    \"name\": \"www\",\n"                                             \
	"    \"bind\": { \"net\": \"net\", \"htdocs\": \"htdocs\", "           \
	"\"log\": \"log\" },\n"                                                \
	"    \"args\": { \"port\": 8080 }\n"                                   \
	"  }\n"                                                                \
	"}\n"

static bool readable(const char *path)
{
	return access(path, R_OK) == 0;
}

/* The folder of the running executable, with its '/'. */
static size_t exe_dir(char *buf, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", buf, size - 1);
	char *slash;

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (!slash)
		return 0;
	slash[1] = '\0';
	return (size_t)(slash + 1 - buf);
}

static void find_image(char *out, size_t size)
{
	const char *env = getenv("DEVMGR_WWW_IMAGE");
	char dir[PATH_MAX];
	size_t len;

	if (env && env[0]) {
		snprintf(out, size, "%s", env);
		return;
	}
	len = exe_dir(dir, sizeof(dir));
	if (len > 0) {
		if (snprintf(out, size, "%ssite.img", dir) < (int)size &&
		    readable(out))
			return;
		if (snprintf(out, size, "%s../site.img", dir) < (int)size &&
		    readable(out) && realpath(out, dir) &&
		    snprintf(out, size, "%s", dir) < (int)size)
			return;
	}
	snprintf(out, size, "%s", WWW_IMAGE_INSTALLED);
}

/* A JSON string's content: the path is the only text that is not ours. */
static void json_escape(const char *in, char *out, size_t size)
{
	size_t o = 0;

	for (; *in && o + 7 < size; in++) {
		unsigned char c = (unsigned char)*in;
		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20) {
			o += (size_t)snprintf(out + o, size - o, "\\u%04x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
}

int main(int argc, char **argv)
{
	static char config[8192];
	char image[PATH_MAX], escaped[PATH_MAX];
	struct devmgr_app app = www_app;

	devmgr_cli_block_signals(); /* before anything, as devmgr_app_main */
	find_image(image, sizeof(image));
	json_escape(image, escaped, sizeof(escaped));
	if (snprintf(config, sizeof(config), DEFAULT_CONFIG_FMT, escaped) >=
	    (int)sizeof(config)) {
		fprintf(stderr, "%s: image path too long: %s\n", argv[0],
			image);
		return 2;
	}
	if (argc == 2 && strcmp(argv[1], "--print-config") == 0) {
		fputs(config, stdout);
		return 0;
	}
	app.default_config = config;
	return devmgr_app_main(argc, argv, &app, __start_devmgr_plugins,
			       __stop_devmgr_plugins);
}
