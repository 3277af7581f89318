/* libFuzzer target: the bytes of a scan record or of the plugin cache
 * (core/src/scan_record.c), untrusted input that comes over the
 * scanner's pipe and from a file in the user's home.  The bytes are read
 * as a tree; a tree with a "plugin" member (a pipe record) has it made
 * into a descriptor, and so does every entry of a "files" array (the
 * cache).  A descriptor that reads is described again, and the
 * description must read back and describe itself the same way; a tree
 * written out must read back to the same bytes. */
#include "internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one(json_t *rec)
{
	struct devmgr__stub *s;
	struct devmgr_error err;
	if (devmgr__stub_new(rec, &s, &err) < 0)
		return;
	json_t *again = devmgr__plugin_describe(devmgr__stub_plugin(s));
	struct devmgr__stub *s2;
	if (again && devmgr__stub_new(again, &s2, &err) == 0) {
		json_t *third =
			devmgr__plugin_describe(devmgr__stub_plugin(s2));
		if (third && !json_equal(third, again))
			abort(); /* a description must read as itself */
		json_decref(third);
		devmgr__stub_free(s2);
	} else if (again) {
		abort(); /* what a descriptor says of itself must read */
	}
	json_decref(again);
	devmgr__stub_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why;
	json_t *root = devmgr__record_load((const char *)data, size, &why);
	if (!root)
		return 0;
	size_t len, len2;
	char *back = devmgr__record_dump(root, &len);
	json_t *root2 = back ? devmgr__record_load(back, len, &why) : NULL;
	char *back2 = root2 ? devmgr__record_dump(root2, &len2) : NULL;
	if (back && (!root2 ||
		     (back2 && (len2 != len || memcmp(back, back2, len) != 0))))
		abort(); /* what is written reads back the same */
	json_decref(root2);
	devmgr__free(back);
	devmgr__free(back2);
	one(json_object_get(root, "plugin"));
	size_t i;
	json_t *f;
	json_array_foreach (json_object_get(root, "files"), i, f)
		one(json_object_get(f, "plugin"));
	json_decref(root);
	return 0;
}
