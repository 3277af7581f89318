/* conform_console.c: the console signature's conformance cases
 * (sig/console.h).  What a console writes goes where the device sends it
 * (console-stdio: conform's stdout, which is /dev/null while cases run). */
#include "conform.h"

#include <devmgr/sig/console.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum conform_result console_info(struct conform *c)
{
	struct devmgr_console_info a, b;

	memset(&a, 0xff, sizeof(a));
	memset(&b, 0, sizeof(b));
	if (!conform_rc_is(c, "info()", devmgr_console_info(c->handle, &a), 0))
		return CONFORM_FAIL;
	if (!memchr(a.name, '\0', sizeof(a.name)))
		return conform_fail(c, "info().name", "a NUL-terminated string",
				    "64 bytes without a NUL");
	if (!a.name[0])
		return conform_fail(c, "info().name", "a name", "\"\"");
	if (!conform_rc_is(c, "info() again",
			   devmgr_console_info(c->handle, &b), 0))
		return CONFORM_FAIL;
	if (strcmp(a.name, b.name) != 0)
		return conform_fail(c, "info() again", a.name, "%s", b.name);
	return CONFORM_PASS;
}

/* Write all len bytes, or a negative errno: never a count. */
static enum conform_result console_write(struct conform *c)
{
	static const size_t lens[] = { 1, 6, 80, 4096, 65536 };
	char *buf = malloc(65536);

	if (!buf)
		abort();
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		char what[64];
		/* Lines of text, each ending in a newline. */
		for (size_t j = 0; j < lens[i]; j++)
			buf[j] = j % 64 == 63 ? '\n' : (char)('a' + j % 26);
		buf[lens[i] - 1] = '\n';
		snprintf(what, sizeof(what), "write(%zu bytes)", lens[i]);
		if (!conform_rc_is(
			    c, what,
			    devmgr_console_write(c->handle, buf, lens[i]), 0)) {
			free(buf);
			return CONFORM_FAIL;
		}
	}
	free(buf);
	return CONFORM_PASS;
}

static enum conform_result console_write_empty(struct conform *c)
{
	if (!conform_rc_is(c, "write(0 bytes)",
			   devmgr_console_write(c->handle, "", 0), 0))
		return CONFORM_FAIL;
	return CONFORM_PASS;
}

static enum conform_result console_flush(struct conform *c)
{
	struct devmgr_console *con = c->handle;

	if (!DEVMGR_HAS_OP(con->ops, 0, flush))
		return conform_skip(c, "the provider has no flush");
	if (!conform_rc_is(c, "write(a line)",
			   devmgr_console_write(con, "flush\n", 6), 0) ||
	    !conform_rc_is(c, "flush() after a write",
			   devmgr_console_flush(con), 0) ||
	    !conform_rc_is(c, "flush() again", devmgr_console_flush(con), 0))
		return CONFORM_FAIL;
	return CONFORM_PASS;
}

static enum conform_result console_reopen(struct conform *c)
{
	struct devmgr_console *con = c->handle;

	if (!DEVMGR_HAS_OP(con->ops, 1, reopen))
		return conform_skip(c,
				    "the provider has no reopen "
				    "(minor %u)",
				    con->ops->minor);
	if (!conform_rc_is(c, "reopen()", devmgr_console_reopen(con), 0) ||
	    !conform_rc_is(c, "write(a line) after reopen()",
			   devmgr_console_write(con, "reopen\n", 7), 0))
		return CONFORM_FAIL;
	return CONFORM_PASS;
}

const struct conform_case conform_console_cases[] = {
	{ "console.info",
	  "info() answers 0 with a non-empty NUL-terminated "
	  "name, the same twice",
	  console_info },
	{ "console.write",
	  "writes of 1 byte to 64 KiB answer 0 (all bytes "
	  "written, never a count)",
	  console_write },
	{ "console.write_empty", "a zero-byte write answers 0",
	  console_write_empty },
	{ "console.flush",
	  "when offered: flush() after a write answers 0, "
	  "and again",
	  console_flush },
	{ "console.reopen",
	  "when offered (minor 1): reopen() answers 0 and "
	  "a write after it answers 0",
	  console_reopen },
	{ NULL, NULL, NULL },
};
