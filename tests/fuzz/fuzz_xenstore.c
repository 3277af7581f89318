/* libFuzzer target: the xenstore-to-specification mapping (xs_map.c), fed
 * with random key/value trees as a guest and a backend could write them.
 * Input, one item a line:
 *
 *   c CLASS        the class (default vbd)   d DEVID   the directory name
 *   f KEY=VALUE    a frontend key            b KEY=VALUE  a backend key
 *   B              a backend exists (even empty)
 *
 * VALUE bytes are taken as they are (a value that is not UTF-8 text is
 * what the source keeps as refused: null).  The mapping is one that
 * fills every kind of placeholder into blk-ram and console-stdio
 * parameters; the result must be one verdict, and a specification only
 * with both ends Connected. */
#include "xs_map.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char config[] =
	"{\"devmgr\":1,\"devices\":{},\"xenstore\":{\"domain_path\":"
	"\"/local/domain/7\",\"map\":{"
	"\"vbd\":{\"provider\":\"blk-ram\",\"size\":\"{backend.size}\","
	"\"sector_size\":\"{frontend.sector-size}\"},"
	"\"vif\":{\"provider\":\"blk-ram\",\"size\":\"4K\","
	"\"read_only\":\"{frontend.mac!=00:16:3e:00:00:01}\"},"
	"\"console\":{\"provider\":\"console-stdio\"},"
	"\"weird\":{\"provider\":\"blk-ram\",\"size\":\"{vdev}{{x}}{devid}{"
	"domid}{"
	"backend-id}{class}\"}"
	"}}}";

static void quiet(void *arg, enum devmgr_log_level level, const char *msg)
{
	(void)arg, (void)level, (void)msg;
}

static void add(json_t **tree, const char *line, size_t len)
{
	const char *eq = memchr(line, '=', len);
	if (!eq || eq == line)
		return;
	char key[80];
	size_t klen = (size_t)(eq - line);
	if (klen >= sizeof(key))
		return;
	memcpy(key, line, klen);
	key[klen] = '\0';
	if (!*tree)
		*tree = json_object();
	json_t *v = json_stringn(eq + 1, len - klen - 1);
	json_object_set_new(*tree, key, v ? v : json_null());
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct devmgr_ctx *ctx;
	static json_t *root;
	if (!ctx) {
		root = json_loads(config, 0, NULL);
		struct devmgr_error err;
		ctx = devmgr_ctx_new();
		devmgr_ctx_set_log(ctx, quiet, NULL, DEVMGR_LOG_ERROR);
		if (devmgr_ctx_load_config_string(ctx, config, "<fuzz>", &err) <
		    0)
			abort();
	}
	char cls[33] = "vbd", devid[33] = "51712";
	json_t *front = NULL, *back = NULL;
	const char *p = (const char *)data, *end = p + size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (len >= 2 && p[1] == ' ') {
			char *dst = p[0] == 'c'	  ? cls
				    : p[0] == 'd' ? devid
						  : NULL;
			if (dst && len - 2 < 33) {
				memcpy(dst, p + 2, len - 2);
				dst[len - 2] = '\0';
			} else if (p[0] == 'f') {
				add(&front, p + 2, len - 2);
			} else if (p[0] == 'b') {
				add(&back, p + 2, len - 2);
			}
		} else if (len == 1 && p[0] == 'B' && !back) {
			back = json_object();
		}
		p += len + 1;
	}
	char fpath[128];
	snprintf(fpath, sizeof(fpath), "/local/domain/7/device/%s/%s", cls,
		 devid);
	struct xs_view v = { cls, devid, fpath, 7, front, back };
	struct xs_result res;
	json_t *map = json_object_get(json_object_get(root, "xenstore"), "map");
	devmgr__xs_evaluate(ctx, map, &v, &res);
	if ((res.verdict == XS_UP) != (res.spec != NULL))
		abort();
	if (res.verdict == XS_BAD && !res.text[0])
		abort();
	json_decref(res.spec);
	json_decref(front);
	json_decref(back);
	return 0;
}
