/* part_table.c: MBR (primary, extended and logical) and GPT partition
 * tables, read and checked.  See part.h for the contract.
 *
 * GPT is used as Linux uses it: with table "auto", when the MBR holds a
 * GPT entry (type 0xEE, protective or hybrid); the primary header (sector
 * 1) and its entry array must have the right CRC-32s, else the backup
 * header (the primary's alternate sector, else the last sector) is used
 * and the reason kept in t->note.  MBR logical partitions are numbered
 * from 5 in the order of the EBR chain, as Linux and sfdisk number them. */
#include "part.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

struct rd {
	part_read_fn fn;
	void *arg;
	uint32_t ss;
	uint64_t sectors;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 2, 3))) static int fail(struct rd *r,
						      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, r->errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* count sectors from sector, which must lie on the device. */
static int rd_sectors(struct rd *r, uint64_t sector, uint64_t count, void *buf)
{
	int rc;

	if (sector >= r->sectors || count > r->sectors - sector)
		return fail(r,
			    "sectors %llu..%llu lie outside the device (%llu "
			    "sectors)",
			    (unsigned long long)sector,
			    (unsigned long long)(sector + count - 1),
			    (unsigned long long)r->sectors);
	rc = r->fn(r->arg, sector, buf, (size_t)count);
	if (rc < 0)
		snprintf(r->err, r->errlen, "reading sector %llu: %s",
			 (unsigned long long)sector, strerror(-rc));
	return rc;
}

static struct part_entry *add(struct part_table *t)
{
	if (t->n == PART_MAX)
		return NULL;
	memset(&t->e[t->n], 0, sizeof(t->e[0]));
	return &t->e[t->n++];
}

static const char *what(const struct part_table *t, const struct part_entry *e,
			char *buf, size_t len)
{
	if (t->kind == PART_GPT)
		snprintf(buf, len, "GPT entry %u", e->number);
	else
		snprintf(buf, len, "MBR %s %u",
			 e->logical ? "logical partition" : "entry", e->number);
	return buf;
}

/* No two entries share a sector.  The MBR's extended partition holds its
 * logical ones: it is checked against the primaries only (ext is its
 * slot, 0 when none). */
static int check_overlaps(struct rd *r, const struct part_table *t,
			  const struct part_entry *ext)
{
	char a[48], b[48];

	for (unsigned i = 0; i < t->n; i++) {
		const struct part_entry *x = &t->e[i];

		for (unsigned j = 0; j < i; j++) {
			const struct part_entry *y = &t->e[j];

			if (x->start < y->start + y->count &&
			    y->start < x->start + x->count)
				return fail(r,
					    "%s: sectors %llu..%llu overlap "
					    "%s's %llu..%llu",
					    what(t, x, a, sizeof(a)),
					    (unsigned long long)x->start,
					    (unsigned long long)(x->start +
								 x->count - 1),
					    what(t, y, b, sizeof(b)),
					    (unsigned long long)y->start,
					    (unsigned long long)(y->start +
								 y->count - 1));
		}
		if (ext != NULL && !x->logical &&
		    x->start < ext->start + ext->count &&
		    ext->start < x->start + x->count)
			return fail(
				r,
				"%s: sectors %llu..%llu overlap the "
				"extended partition (MBR entry %u) "
				"%llu..%llu",
				what(t, x, a, sizeof(a)),
				(unsigned long long)x->start,
				(unsigned long long)(x->start + x->count - 1),
				ext->number, (unsigned long long)ext->start,
				(unsigned long long)(ext->start + ext->count -
						     1));
	}
	return 0;
}

/* ---- MBR ----------------------------------------------------------- */

static bool is_extended(uint8_t type)
{
	return type == 0x05 || type == 0x0F || type == 0x85;
}

static bool has_signature(const uint8_t *s)
{
	return s[510] == 0x55 && s[511] == 0xAA;
}

static bool mbr_has_gpt_entry(const uint8_t *s0)
{
	if (!has_signature(s0))
		return false;
	for (int i = 0; i < 4; i++)
		if (s0[446 + 16 * i + 4] == 0xEE)
			return true;
	return false;
}

static int mbr_logicals(struct rd *r, struct part_table *t,
			const struct part_entry *ext, uint8_t *buf)
{
	uint64_t ebr = ext->start, visited[PART_LOGICAL_MAX];
	uint64_t ext_end = ext->start + ext->count;
	unsigned number = 5;

	for (unsigned k = 0;; k++) {
		if (k == PART_LOGICAL_MAX)
			return fail(r,
				    "the EBR chain of the extended partition "
				    "(MBR entry %u) is longer than %d",
				    ext->number, PART_LOGICAL_MAX);
		for (unsigned j = 0; j < k; j++)
			if (visited[j] == ebr)
				return fail(r,
					    "the EBR at sector %llu links "
					    "back to the EBR at sector %llu "
					    "(a loop)",
					    (unsigned long long)visited[k - 1],
					    (unsigned long long)ebr);
		visited[k] = ebr;
		int rc = rd_sectors(r, ebr, 1, buf);
		if (rc < 0)
			return rc;
		if (!has_signature(buf))
			return fail(r,
				    "the EBR at sector %llu (before logical "
				    "partition %u) has no 55 AA signature",
				    (unsigned long long)ebr, number);
		const uint8_t *p = buf + 446, *q = buf + 462;
		uint64_t rel = le32(p + 8), cnt = le32(p + 12);

		if (p[4] != 0 && cnt != 0) {
			struct part_entry *e = add(t);
			uint64_t start = ebr + rel;

			if (e == NULL)
				return fail(r, "more than %d partitions",
					    PART_MAX);
			e->number = number++;
			e->logical = true;
			e->mbr_type = p[4];
			e->start = start;
			e->count = cnt;
			if (rel == 0 || start + cnt > ext_end)
				return fail(
					r,
					"MBR logical partition %u (type "
					"0x%02X, EBR at sector %llu): "
					"sectors %llu..%llu lie outside "
					"the extended partition's "
					"%llu..%llu after its EBR",
					e->number, e->mbr_type,
					(unsigned long long)ebr,
					(unsigned long long)start,
					(unsigned long long)(start + cnt - 1),
					(unsigned long long)ext->start,
					(unsigned long long)(ext_end - 1));
		}
		/* the last EBR links nowhere; a link to sector 0 of the
		 * extended partition is the first EBR again (a loop) */
		if (q[4] == 0 || !is_extended(q[4]) ||
		    (le32(q + 8) == 0 && le32(q + 12) == 0))
			return 0;
		ebr = ext->start + le32(q + 8);
		if (ebr >= ext_end)
			return fail(r,
				    "the EBR at sector %llu links to sector "
				    "%llu, outside the extended partition "
				    "%llu..%llu",
				    (unsigned long long)visited[k],
				    (unsigned long long)ebr,
				    (unsigned long long)ext->start,
				    (unsigned long long)(ext_end - 1));
	}
}

static int mbr_parse(struct rd *r, struct part_table *t, const uint8_t *s0,
		     uint8_t *buf)
{
	struct part_entry ext = { 0 };
	int rc;

	t->kind = PART_MBR;
	if (!has_signature(s0))
		return fail(r,
			    "MBR: no 55 AA signature at bytes 510-511 of "
			    "sector 0 (found %02X %02X): no partition table",
			    s0[510], s0[511]);
	for (unsigned i = 0; i < 4; i++) {
		const uint8_t *p = s0 + 446 + 16 * i;
		uint64_t lba = le32(p + 8), cnt = le32(p + 12);

		if (p[0] != 0 && p[0] != 0x80)
			return fail(r,
				    "MBR entry %u: status byte 0x%02X is not "
				    "0x00 or 0x80 (is this a partition "
				    "table?)",
				    i + 1, p[0]);
		if (p[4] == 0)
			continue;
		if (cnt == 0 || lba == 0 || lba + cnt > r->sectors)
			return fail(r,
				    "MBR entry %u (type 0x%02X): sectors "
				    "%llu..%llu (%llu sectors) %s",
				    i + 1, p[4], (unsigned long long)lba,
				    (unsigned long long)(lba + cnt - 1),
				    (unsigned long long)cnt,
				    cnt == 0   ? "are empty"
				    : lba == 0 ? "hold the MBR itself"
					       : "lie outside the device");
		if (is_extended(p[4])) {
			if (ext.number != 0)
				return fail(r,
					    "MBR entries %u and %u are both "
					    "extended partitions",
					    ext.number, i + 1);
			ext.number = i + 1;
			ext.mbr_type = p[4];
			ext.start = lba;
			ext.count = cnt;
			continue;
		}
		struct part_entry *e = add(t);
		e->number = i + 1;
		e->mbr_type = p[4];
		e->start = lba;
		e->count = cnt;
	}
	if (ext.number != 0) {
		rc = mbr_logicals(r, t, &ext, buf);
		if (rc < 0)
			return rc;
	}
	return check_overlaps(r, t, ext.number ? &ext : NULL);
}

/* ---- GPT ------------------------------------------------------------- */

/* UTF-16LE, NUL-terminated or n units, to UTF-8; bad surrogates become
 * U+FFFD. */
static void utf16_name(const uint8_t *p, unsigned n, char *out, size_t max)
{
	size_t o = 0;

	for (unsigned i = 0; i < n; i++) {
		uint32_t c = le16(p + 2 * i);

		if (c == 0)
			break;
		if (c >= 0xD800 && c < 0xDC00 && i + 1 < n &&
		    le16(p + 2 * i + 2) >= 0xDC00 &&
		    le16(p + 2 * i + 2) < 0xE000) {
			c = 0x10000 + ((c - 0xD800) << 10) +
			    (le16(p + 2 * i + 2) - 0xDC00);
			i++;
		} else if (c >= 0xD800 && c < 0xE000) {
			c = 0xFFFD;
		}
		uint8_t u[4];
		size_t k;
		if (c < 0x80) {
			u[0] = (uint8_t)c;
			k = 1;
		} else if (c < 0x800) {
			u[0] = (uint8_t)(0xC0 | c >> 6);
			u[1] = (uint8_t)(0x80 | (c & 63));
			k = 2;
		} else if (c < 0x10000) {
			u[0] = (uint8_t)(0xE0 | c >> 12);
			u[1] = (uint8_t)(0x80 | (c >> 6 & 63));
			u[2] = (uint8_t)(0x80 | (c & 63));
			k = 3;
		} else {
			u[0] = (uint8_t)(0xF0 | c >> 18);
			u[1] = (uint8_t)(0x80 | (c >> 12 & 63));
			u[2] = (uint8_t)(0x80 | (c >> 6 & 63));
			u[3] = (uint8_t)(0x80 | (c & 63));
			k = 4;
		}
		if (o + k > max)
			break;
		memcpy(out + o, u, k);
		o += k;
	}
	out[o] = '\0';
}

struct gpt_hdr {
	uint64_t my, alt, first, last, entries;
	uint32_t n, esize;
	uint8_t guid[16];
	uint8_t *arr; /* the entry array, malloc'd */
};

/* The header at lba and its entry array, checked; why says what is wrong
 * (r->err is used as scratch). */
static int gpt_read(struct rd *r, uint64_t lba, uint8_t *buf, struct gpt_hdr *h,
		    char *why, size_t whylen)
{
	uint32_t hsize, crc, got;
	uint64_t bytes, esec;
	int rc;

	h->arr = NULL;
	rc = rd_sectors(r, lba, 1, buf);
	if (rc < 0) {
		snprintf(why, whylen, "%s", r->err);
		return rc;
	}
#define WHY(...) (snprintf(why, whylen, __VA_ARGS__), -EINVAL)
	if (memcmp(buf, "EFI PART", 8) != 0)
		return WHY("no \"EFI PART\" signature");
	hsize = le32(buf + 12);
	if (hsize < 92 || hsize > r->ss)
		return WHY("header size %u is outside 92..%u", hsize, r->ss);
	crc = le32(buf + 16);
	memset(buf + 16, 0, 4);
	got = (uint32_t)crc32(0, buf, hsize);
	if (got != crc)
		return WHY("header CRC-32 is %08X, but the header's bytes give "
			   "%08X",
			   crc, got);
	h->my = le64(buf + 24);
	h->alt = le64(buf + 32);
	h->first = le64(buf + 40);
	h->last = le64(buf + 48);
	memcpy(h->guid, buf + 56, 16);
	h->entries = le64(buf + 72);
	h->n = le32(buf + 80);
	h->esize = le32(buf + 84);
	crc = le32(buf + 88);
	if (h->my != lba)
		return WHY("the header says it is at sector %llu",
			   (unsigned long long)h->my);
	if (h->first > h->last || h->last >= r->sectors || h->first < 2)
		return WHY("usable sectors %llu..%llu do not fit the device "
			   "(%llu sectors)",
			   (unsigned long long)h->first,
			   (unsigned long long)h->last,
			   (unsigned long long)r->sectors);
	if (h->esize < 128 || h->esize > 4096 || (h->esize & (h->esize - 1)))
		return WHY("entry size %u is not 128 times a power of two",
			   h->esize);
	if (h->n == 0 || h->n > PART_GPT_ENTRIES_MAX)
		return WHY("%u entries (1..%d are accepted)", h->n,
			   PART_GPT_ENTRIES_MAX);
	bytes = (uint64_t)h->n * h->esize;
	esec = (bytes + r->ss - 1) / r->ss;
	if (h->entries < 2 || h->entries >= r->sectors ||
	    esec > r->sectors - h->entries ||
	    (h->entries <= h->last && h->entries + esec > h->first))
		return WHY("the entry array at sector %llu (%llu sectors) is "
			   "outside the device or inside the usable sectors",
			   (unsigned long long)h->entries,
			   (unsigned long long)esec);
	h->arr = malloc(esec * r->ss);
	if (h->arr == NULL)
		return WHY("out of memory");
	rc = rd_sectors(r, h->entries, esec, h->arr);
	if (rc < 0) {
		snprintf(why, whylen, "%s", r->err);
		return rc;
	}
	got = (uint32_t)crc32(0, h->arr, (uInt)bytes);
	if (got != crc)
		return WHY(
			"entry array CRC-32 is %08X, but its %u entries give "
			"%08X",
			crc, h->n, got);
#undef WHY
	return 0;
}

static int gpt_entries(struct rd *r, struct part_table *t,
		       const struct gpt_hdr *h)
{
	static const uint8_t unused[16];

	t->kind = PART_GPT;
	memcpy(t->disk_guid, h->guid, 16);
	for (uint32_t i = 0; i < h->n; i++) {
		const uint8_t *p = h->arr + (size_t)i * h->esize;
		uint64_t start = le64(p + 32), end = le64(p + 40);

		if (memcmp(p, unused, 16) == 0)
			continue;
		struct part_entry *e = add(t);
		if (e == NULL)
			return fail(r, "GPT: more than %d partitions in use",
				    PART_MAX);
		e->number = i + 1;
		memcpy(e->type_guid, p, 16);
		memcpy(e->guid, p + 16, 16);
		e->attrs = le64(p + 48);
		utf16_name(p + 56, 36, e->name, PART_NAME_MAX);
		if (start > end)
			return fail(r,
				    "GPT entry %u: first sector %llu is after "
				    "its last %llu",
				    e->number, (unsigned long long)start,
				    (unsigned long long)end);
		if (start < h->first || end > h->last)
			return fail(r,
				    "GPT entry %u (\"%s\"): sectors %llu..%llu "
				    "lie outside the usable sectors %llu..%llu",
				    e->number, e->name,
				    (unsigned long long)start,
				    (unsigned long long)end,
				    (unsigned long long)h->first,
				    (unsigned long long)h->last);
		e->start = start;
		e->count = end - start + 1;
	}
	return check_overlaps(r, t, NULL);
}

static int gpt_parse(struct rd *r, struct part_table *t, uint8_t *buf)
{
	struct gpt_hdr h;
	char why1[160], why2[160];
	uint64_t backup = r->sectors - 1;
	int rc;

	if (r->sectors < 3)
		return fail(r, "GPT: the device has only %llu sectors",
			    (unsigned long long)r->sectors);
	rc = gpt_read(r, 1, buf, &h, why1, sizeof(why1));
	if (rc == 0) {
		rc = gpt_entries(r, t, &h);
		free(h.arr);
		return rc;
	}
	/* The primary's alternate sector when its header was sound. */
	if (h.arr != NULL && h.alt > 1 && h.alt < r->sectors)
		backup = h.alt;
	free(h.arr);
	rc = gpt_read(r, backup, buf, &h, why2, sizeof(why2));
	if (rc < 0) {
		free(h.arr);
		return fail(r,
			    "GPT: the primary header at sector 1 is not "
			    "usable (%s), nor the backup at sector %llu (%s)",
			    why1, (unsigned long long)backup, why2);
	}
	t->backup = true;
	snprintf(t->note, sizeof(t->note),
		 "the primary GPT header at sector 1 is not usable (%s): "
		 "using the backup at sector %llu",
		 why1, (unsigned long long)backup);
	rc = gpt_entries(r, t, &h);
	free(h.arr);
	return rc;
}

int part_read_table(part_read_fn fn, void *arg, uint32_t sector_size,
		    uint64_t sectors, enum part_kind want, struct part_table *t,
		    char *err, size_t errlen)
{
	struct rd r = { fn, arg, sector_size, sectors, err, errlen };
	uint8_t *s0, *buf;
	int rc;

	memset(t, 0, offsetof(struct part_table, e));
	t->sector_size = sector_size;
	t->sectors = sectors;
	err[0] = '\0';
	if (sector_size < 512 || sector_size > 65536 ||
	    (sector_size & (sector_size - 1)))
		return fail(&r,
			    "sector size %u is not a power of two from 512 "
			    "to 65536",
			    sector_size);
	if (sectors == 0)
		return fail(&r, "the device is empty");
	s0 = malloc(sector_size);
	buf = malloc(sector_size);
	if (s0 == NULL || buf == NULL) {
		free(s0);
		free(buf);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = rd_sectors(&r, 0, 1, s0);
	if (rc == 0) {
		if (want == PART_GPT ||
		    (want == PART_AUTO && mbr_has_gpt_entry(s0)))
			rc = gpt_parse(&r, t, buf);
		else
			rc = mbr_parse(&r, t, s0, buf);
	}
	free(s0);
	free(buf);
	return rc;
}

void part_guid_str(const uint8_t g[16], char out[37])
{
	snprintf(out, 37, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 le32(g), le16(g + 4), le16(g + 6), g[8], g[9], g[10], g[11],
		 g[12], g[13], g[14], g[15]);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int part_guid_parse(const char *s, uint8_t g[16])
{
	/* the text's bytes in order, then the first three fields reversed */
	static const int order[16] = { 3, 2, 1,	 0,  5,	 4,  7,	 6,
				       8, 9, 10, 11, 12, 13, 14, 15 };
	uint8_t b[16];
	unsigned k = 0;

	if (strlen(s) != 36)
		return -EINVAL;
	for (unsigned i = 0; i < 36;) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i++] != '-')
				return -EINVAL;
			continue;
		}
		int hi = hexval(s[i]), lo = hexval(s[i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		b[k++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	for (unsigned i = 0; i < 16; i++)
		g[order[i]] = b[i];
	return 0;
}

void part_entry_str(const struct part_table *t, const struct part_entry *e,
		    char *out, size_t len)
{
	char guid[37];

	if (t->kind == PART_GPT) {
		part_guid_str(e->guid, guid);
		snprintf(out, len,
			 "%u: sectors %llu..%llu (%llu), name \"%s\", uuid %s",
			 e->number, (unsigned long long)e->start,
			 (unsigned long long)(e->start + e->count - 1),
			 (unsigned long long)e->count, e->name, guid);
	} else {
		snprintf(out, len,
			 "%u: sectors %llu..%llu (%llu), type 0x%02X%s",
			 e->number, (unsigned long long)e->start,
			 (unsigned long long)(e->start + e->count - 1),
			 (unsigned long long)e->count, e->mbr_type,
			 e->logical ? ", logical" : "");
	}
}
