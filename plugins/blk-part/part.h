/* part.h: the partition table parser of blk-part (part_table.c), kept
 * apart from the provider (blk_part.c) so that the fuzz target and the
 * tests drive it over plain memory.
 *
 * Everything read from the disk is untrusted: every sector number is
 * checked against the device before it is read, the EBR chain and the
 * GPT entry array are bounded, and a table with any entry out of range
 * or overlapping another is refused whole, the entry named. */
#ifndef BLK_PART_H
#define BLK_PART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PART_MAX	     256  /* entries kept: GPT's 128 and MBR logicals */
#define PART_GPT_ENTRIES_MAX 1024 /* entries a GPT header may declare */
#define PART_LOGICAL_MAX     124 /* logical partitions followed in an EBR chain */
#define PART_NAME_MAX	     108 /* UTF-8 bytes of a GPT name (36 UTF-16 units) */

enum part_kind {
	PART_AUTO = 0, /* GPT when a valid GPT header is found, else MBR */
	PART_MBR,
	PART_GPT,
};

struct part_entry {
	unsigned number;  /* 1-based: the MBR slot (1-4), logicals from 5,
			   * as Linux numbers them; the GPT entry index */
	uint64_t start;	  /* first sector */
	uint64_t count;	  /* sectors */
	uint8_t mbr_type; /* MBR: the type byte */
	bool logical;	  /* MBR: in the extended partition */
	uint8_t type_guid[16], guid[16]; /* GPT, as stored */
	uint64_t attrs;			 /* GPT */
	char name[PART_NAME_MAX + 1];	 /* GPT, UTF-8 */
};

struct part_table {
	enum part_kind kind;
	uint32_t sector_size;
	uint64_t sectors; /* of the device */
	bool backup;	  /* GPT: the backup header was used */
	char note[400];	  /* GPT: why the primary was not used, or "" */
	uint8_t disk_guid[16];
	unsigned n;
	struct part_entry e[PART_MAX];
};

/* Read count sectors from sector into buf; 0 or a negative errno. */
typedef int (*part_read_fn)(void *arg, uint64_t sector, void *buf,
			    size_t count);

/* Read and check the table of a device of sectors sectors of sector_size
 * bytes (512..65536).  0, or a negative errno with err saying what is
 * wrong and where ("GPT entry 3: sectors 2048..10239 overlap entry 2's
 * 4096..8191").  t is caller-supplied. */
int part_read_table(part_read_fn rd, void *arg, uint32_t sector_size,
		    uint64_t sectors, enum part_kind want, struct part_table *t,
		    char *err, size_t errlen);

/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (lower case, GPT's mixed-endian
 * layout) into out (37 bytes). */
void part_guid_str(const uint8_t g[16], char out[37]);
/* The reverse; -EINVAL unless s is a GUID in that form (any case). */
int part_guid_parse(const char *s, uint8_t g[16]);

/* One line describing entry e ("2 gpt \"data\" 4096+8192 uuid ..."). */
void part_entry_str(const struct part_table *t, const struct part_entry *e,
		    char *out, size_t len);

#endif
