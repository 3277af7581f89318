/* The blk-part table parser's fuzz target (tests/fuzz/build-part.sh;
 * run_corpus_part replays the corpus in make check).  Input: one byte of
 * flags (bit 0: 4096-byte sectors, else 512; bits 1-2: auto, mbr, gpt),
 * then the disk, zero-filled to whole sectors.  The target aborts when
 * the parser reads outside the disk, or accepts a table with an entry
 * outside the device, an empty one or two that overlap, or when a GUID
 * does not survive being printed and parsed again. */
#include "../../plugins/blk-part/part.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct disk {
	const uint8_t *data;
	size_t len;
	uint32_t ss;
	uint64_t sectors;
};

static int rd(void *arg, uint64_t sector, void *buf, size_t count)
{
	const struct disk *d = arg;

	if (sector >= d->sectors || count > d->sectors - sector)
		abort(); /* the parser must check before it reads */
	for (size_t i = 0; i < count * d->ss; i++) {
		uint64_t at = sector * d->ss + i;

		((uint8_t *)buf)[i] = at < d->len ? d->data[at] : 0;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct part_table t;
	struct disk d;
	char err[512], line[512], s[37];
	uint8_t g[16];

	if (size < 1)
		return 0;
	d.ss = data[0] & 1 ? 4096 : 512;
	d.data = data + 1;
	d.len = size - 1;
	d.sectors = d.len / d.ss + 1;
	if (part_read_table(rd, &d, d.ss, d.sectors,
			    (enum part_kind)(data[0] >> 1 & 3) % 3, &t, err,
			    sizeof(err)) < 0) {
		if (err[0] == '\0')
			abort(); /* every refusal says why */
		return 0;
	}
	for (unsigned i = 0; i < t.n; i++) {
		const struct part_entry *e = &t.e[i];

		if (e->count == 0 || e->start >= d.sectors ||
		    e->count > d.sectors - e->start)
			abort();
		for (unsigned j = 0; j < i; j++)
			if (e->start < t.e[j].start + t.e[j].count &&
			    t.e[j].start < e->start + e->count)
				abort();
		part_entry_str(&t, e, line, sizeof(line));
		part_guid_str(e->guid, s);
		if (part_guid_parse(s, g) != 0 || memcmp(g, e->guid, 16) != 0)
			abort();
	}
	return 0;
}
