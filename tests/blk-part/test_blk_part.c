/* Unit tests of plugins/blk-part: the table parser (part_table.c) over
 * disks built here in memory, with the corruptions that sfdisk and
 * sgdisk will not write (EBR loops, overlaps, entries outside the
 * device, damaged GPT headers and entry arrays), and the device over
 * blk-ram (both linked in): transfers inside the partition reach the
 * right sectors, transfers that leave it are refused and change nothing. */
#include "../../plugins/blk-part/part.h"

#include <devmgr/plugin.h>
#include <devmgr/sig/blk.h>

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define SS   512
#define NSEC 4096

static uint8_t disk[NSEC * SS];
static struct part_table tab;
static char err[512];

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v);
	put16(p + 2, v >> 16);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static int rd(void *arg, uint64_t sector, void *buf, size_t count)
{
	(void)arg;
	ck_assert_uint_le(sector + count, NSEC); /* the parser checks first */
	memcpy(buf, disk + sector * SS, count * SS);
	return 0;
}

static int parse(enum part_kind want)
{
	return part_read_table(rd, NULL, SS, NSEC, want, &tab, err,
			       sizeof(err));
}

/* MBR slot i (0-3) of the sector at lba. */
static void mbr_slot(uint64_t lba, int i, uint8_t type, uint32_t start,
		     uint32_t count)
{
	uint8_t *s = disk + lba * SS, *p = s + 446 + 16 * i;

	memset(p, 0, 16);
	p[4] = type;
	put32(p + 8, start);
	put32(p + 12, count);
	s[510] = 0x55;
	s[511] = 0xAA;
}

/* primary 1 at 64+512, extended 2 at 1024+2048 holding logicals 5 (EBR at
 * 1024, data +64..+575) and 6 (EBR at 1664, data +64..+319). */
static void mbr_disk(void)
{
	memset(disk, 0, sizeof(disk));
	mbr_slot(0, 0, 0x0C, 64, 512);
	mbr_slot(0, 1, 0x05, 1024, 2048);
	mbr_slot(1024, 0, 0x83, 64, 512);
	mbr_slot(1024, 1, 0x05, 640, 320);
	mbr_slot(1664, 0, 0x0C, 64, 256);
}

START_TEST(mbr_good)
{
	mbr_disk();
	ck_assert_int_eq(parse(PART_AUTO), 0);
	ck_assert_int_eq(tab.kind, PART_MBR);
	ck_assert_uint_eq(tab.n, 3);
	ck_assert_uint_eq(tab.e[0].number, 1);
	ck_assert_uint_eq(tab.e[0].start, 64);
	ck_assert_uint_eq(tab.e[1].number, 5);
	ck_assert(tab.e[1].logical);
	ck_assert_uint_eq(tab.e[1].start, 1088);
	ck_assert_uint_eq(tab.e[2].number, 6);
	ck_assert_uint_eq(tab.e[2].start, 1728);
	ck_assert_uint_eq(tab.e[2].count, 256);
}
END_TEST

START_TEST(mbr_bad)
{
	mbr_disk();
	disk[510] = 0;
	ck_assert_int_eq(parse(PART_AUTO), -EINVAL);
	ck_assert_str_eq(err, "MBR: no 55 AA signature at bytes 510-511 of "
			      "sector 0 (found 00 AA): no partition table");

	mbr_disk();
	disk[446] = 0x12;
	ck_assert_int_eq(parse(PART_MBR), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "MBR entry 1: status byte 0x12"));

	mbr_disk();
	mbr_slot(0, 2, 0x83, 4000, 200); /* past the end */
	ck_assert_int_eq(parse(PART_MBR), -EINVAL);
	ck_assert_str_eq(err, "MBR entry 3 (type 0x83): sectors 4000..4199 "
			      "(200 sectors) lie outside the device");

	mbr_disk();
	mbr_slot(0, 2, 0x83, 500, 100); /* over entry 1 */
	ck_assert_int_eq(parse(PART_MBR), -EINVAL);
	ck_assert_str_eq(err, "MBR entry 3: sectors 500..599 overlap MBR "
			      "entry 1's 64..575");

	mbr_disk();
	mbr_slot(0, 2, 0x83, 3000, 100); /* over the extended one */
	ck_assert_int_eq(parse(PART_MBR), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "overlap the extended partition"));

	mbr_disk();
	mbr_slot(1664, 0, 0x0C, 64, 2000); /* logical 6 leaves extended */
	ck_assert_int_eq(parse(PART_MBR), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "MBR logical partition 6 (type "
					  "0x0C, EBR at sector 1664)"));

	mbr_disk();
	mbr_slot(1664, 1, 0x05, 0, 10); /* back to the first EBR: a loop */
	ck_assert_int_eq(parse(PART_MBR), -EINVAL);
	ck_assert_str_eq(err, "the EBR at sector 1664 links back to the EBR "
			      "at sector 1024 (a loop)");

	mbr_disk();
	mbr_slot(1024, 0, 0x83, 64, 700); /* logical 5 over logical 6 */
	ck_assert_int_eq(parse(PART_MBR), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "MBR logical partition 6: sectors "
					  "1728..1983 overlap MBR logical "
					  "partition 5's 1088..1787"));

	mbr_disk();
	disk[1664 * SS + 510] = 0;
	ck_assert_int_eq(parse(PART_MBR), -EINVAL);
	ck_assert_str_eq(err, "the EBR at sector 1664 (before logical "
			      "partition 6) has no 55 AA signature");
}
END_TEST

/* ---- GPT ------------------------------------------------------------- */

struct gent {
	uint64_t first, last;
	const char *name;
	uint8_t guid_byte;
};

/* A header at lba whose entries (128 of 128 bytes) are at elba. */
static void gpt_header(uint64_t lba, uint64_t alt, uint64_t elba)
{
	uint8_t *h = disk + lba * SS;

	memset(h, 0, SS);
	memcpy(h, "EFI PART", 8);
	put32(h + 8, 0x00010000);
	put32(h + 12, 92);
	put64(h + 24, lba);
	put64(h + 32, alt);
	put64(h + 40, 34);
	put64(h + 48, NSEC - 34);
	memset(h + 56, 0x42, 16);
	put64(h + 72, elba);
	put32(h + 80, 128);
	put32(h + 84, 128);
	put32(h + 88, (uint32_t)crc32(0, disk + elba * SS, 128 * 128));
	put32(h + 16, (uint32_t)crc32(0, h, 92));
}

static void gpt_disk(const struct gent *e, int n)
{
	memset(disk, 0, sizeof(disk));
	mbr_slot(0, 0, 0xEE, 1, NSEC - 1);
	for (int i = 0; i < n; i++) {
		uint8_t *p = disk + 2 * SS + 128 * i;

		memset(p, 0xA0, 16); /* type */
		memset(p + 16, e[i].guid_byte, 16);
		put64(p + 32, e[i].first);
		put64(p + 40, e[i].last);
		for (int k = 0; e[i].name[k]; k++)
			put16(p + 56 + 2 * k, (uint8_t)e[i].name[k]);
	}
	memcpy(disk + (NSEC - 33) * SS, disk + 2 * SS, 32 * SS);
	gpt_header(1, NSEC - 1, 2);
	gpt_header(NSEC - 1, 1, NSEC - 33);
}

static const struct gent three[] = {
	{ 34, 99, "boot", 1 },
	{ 100, 1099, "data", 2 },
	{ 2000, 2999, "logs", 3 },
};

START_TEST(gpt_good)
{
	char s[37];
	uint8_t g[16];

	gpt_disk(three, 3);
	ck_assert_int_eq(parse(PART_AUTO), 0);
	ck_assert_int_eq(tab.kind, PART_GPT);
	ck_assert(!tab.backup);
	ck_assert_uint_eq(tab.n, 3);
	ck_assert_str_eq(tab.e[1].name, "data");
	ck_assert_uint_eq(tab.e[1].start, 100);
	ck_assert_uint_eq(tab.e[1].count, 1000);
	part_guid_str(tab.e[2].guid, s);
	ck_assert_str_eq(s, "03030303-0303-0303-0303-030303030303");
	ck_assert_int_eq(
		part_guid_parse("0A0B0C0D-0102-0304-0506-0708090a0b0c", g), 0);
	part_guid_str(g, s);
	ck_assert_str_eq(s, "0a0b0c0d-0102-0304-0506-0708090a0b0c");
	ck_assert_uint_eq(g[0], 0x0D); /* the first field little-endian */
	ck_assert_int_eq(
		part_guid_parse("0a0b0c0d-0102-0304-0506-0708090a0b0", g),
		-EINVAL);
	ck_assert_int_eq(
		part_guid_parse("0a0b0c0d+0102-0304-0506-0708090a0b0c", g),
		-EINVAL);
	/* without the protective entry, auto reads the MBR; gpt forces it */
	disk[446 + 4] = 0x83;
	ck_assert_int_eq(parse(PART_AUTO), 0);
	ck_assert_int_eq(tab.kind, PART_MBR);
	ck_assert_int_eq(parse(PART_GPT), 0);
	ck_assert_int_eq(tab.kind, PART_GPT);
}
END_TEST

START_TEST(gpt_backup)
{
	gpt_disk(three, 3);
	disk[SS + 60] ^= 1; /* the primary header's disk GUID */
	ck_assert_int_eq(parse(PART_AUTO), 0);
	ck_assert(tab.backup);
	ck_assert_uint_eq(tab.n, 3);
	ck_assert_ptr_nonnull(strstr(tab.note, "the primary GPT header at "
					       "sector 1 is not usable "
					       "(header CRC-32 is"));
	ck_assert_ptr_nonnull(strstr(tab.note, "using the backup at sector "
					       "4095"));

	gpt_disk(three, 3);
	disk[2 * SS + 128 + 40] ^= 1; /* entry 2 in the primary array */
	ck_assert_int_eq(parse(PART_AUTO), 0);
	ck_assert(tab.backup);
	ck_assert_ptr_nonnull(strstr(tab.note, "entry array CRC-32 is"));
	ck_assert_uint_eq(tab.e[1].count, 1000);

	gpt_disk(three, 3);
	memset(disk + SS, 0, 8);
	disk[(NSEC - 1) * SS + 20] ^= 1;
	ck_assert_int_eq(parse(PART_AUTO), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "GPT: the primary header at sector "
					  "1 is not usable (no \"EFI PART\" "
					  "signature), nor the backup at "
					  "sector 4095 (header CRC-32 is"));
}
END_TEST

START_TEST(gpt_bad_entries)
{
	struct gent e[3];

	memcpy(e, three, sizeof(e));
	e[2].first = 1000; /* over "data" */
	gpt_disk(e, 3);
	ck_assert_int_eq(parse(PART_AUTO), -EINVAL);
	ck_assert_str_eq(err, "GPT entry 3: sectors 1000..2999 overlap GPT "
			      "entry 2's 100..1099");

	memcpy(e, three, sizeof(e));
	e[2].last = NSEC - 10; /* past the last usable sector */
	gpt_disk(e, 3);
	ck_assert_int_eq(parse(PART_AUTO), -EINVAL);
	ck_assert_str_eq(err, "GPT entry 3 (\"logs\"): sectors 2000..4086 lie "
			      "outside the usable sectors 34..4062");

	memcpy(e, three, sizeof(e));
	e[0].first = 200, e[0].last = 150;
	gpt_disk(e, 3);
	ck_assert_int_eq(parse(PART_AUTO), -EINVAL);
	ck_assert_str_eq(err, "GPT entry 1: first sector 200 is after its "
			      "last 150");

	/* a header that declares more entries than are accepted */
	gpt_disk(three, 3);
	put32(disk + SS + 80, 100000);
	put32(disk + SS + 16, 0);
	put32(disk + SS + 16, (uint32_t)crc32(0, disk + SS, 92));
	ck_assert_int_eq(parse(PART_AUTO), 0);
	ck_assert(tab.backup);
	ck_assert_ptr_nonnull(strstr(tab.note, "100000 entries"));
}
END_TEST

/* ---- the device, over blk-ram ------------------------------------------ */

static struct devmgr_ctx *ctx;
static struct devmgr_blk *ram, *part;

static void quiet(void *arg, enum devmgr_log_level level, const char *msg)
{
	(void)arg;
	(void)level;
	(void)msg;
}

static int stack(const char *params, struct devmgr_error *e)
{
	char json[1024];
	int rc;

	snprintf(json, sizeof(json),
		 "{\"devmgr\": 1, \"devices\": {"
		 "\"ram\": {\"provider\": \"blk-ram\", \"size\": 65536},"
		 "\"p\": {\"provider\": \"blk-part\", \"on\": \"ram\", %s}}}",
		 params);
	ctx = devmgr_ctx_new();
	ck_assert_ptr_nonnull(ctx);
	devmgr_ctx_set_log(ctx, quiet, NULL, DEVMGR_LOG_ERROR);
	rc = devmgr_ctx_load_config_string(ctx, json, "<test>", e);
	if (rc == 0)
		rc = devmgr_ctx_create_devices(ctx, false, e);
	if (rc == 0) {
		ram = devmgr_device_handle(devmgr_ctx_find_device(ctx, "ram"));
		part = devmgr_device_handle(devmgr_ctx_find_device(ctx, "p"));
	}
	return rc;
}

START_TEST(device_bounds)
{
	static uint8_t all[65536], buf[16384], big[20480];
	struct devmgr_blk_info info;
	struct devmgr_error e;
	struct iovec iov[2];

	ck_assert_int_eq(stack("\"offset\": 8192, \"size\": 16384", &e), 0);
	ck_assert_int_eq(devmgr_blk_info(part, &info), 0);
	ck_assert_uint_eq(info.sectors, 32);
	ck_assert_uint_eq(info.sector_size, 512);
	memset(all, 0xAA, sizeof(all));
	ck_assert_int_eq(devmgr_blk_write(ram, 0, all, sizeof(all)), 0);
	memset(buf, 0x55, sizeof(buf));
	ck_assert_int_eq(devmgr_blk_write(part, 0, buf, sizeof(buf)), 0);
	/* refused: past the end, across it, empty, not whole sectors, an
	 * iovec whose lengths overflow */
	memset(big, 0x11, sizeof(big));
	ck_assert_int_eq(devmgr_blk_write(part, 32, big, 512), -ERANGE);
	ck_assert_int_eq(devmgr_blk_write(part, 31, big, 1024), -ERANGE);
	ck_assert_int_eq(devmgr_blk_write(part, 0, big, sizeof(big)), -ERANGE);
	ck_assert_int_eq(devmgr_blk_write(part, UINT64_MAX, big, 512), -ERANGE);
	ck_assert_int_eq(devmgr_blk_write(part, 0, big, 0), -EINVAL);
	ck_assert_int_eq(devmgr_blk_write(part, 0, big, 100), -EINVAL);
	iov[0] = (struct iovec){ big, 512 };
	iov[1] = (struct iovec){ big, SIZE_MAX - 100 };
	ck_assert_int_eq(devmgr_blk_writev(part, 0, iov, 2), -EINVAL);
	ck_assert_int_eq(devmgr_blk_discard(part, 30, 3), -ERANGE);
	ck_assert_int_eq(devmgr_blk_read(part, 31, big, 1024), -ERANGE);
	/* the device below: 0xAA outside 8192..24575, 0x55 inside */
	ck_assert_int_eq(devmgr_blk_read(ram, 0, all, sizeof(all)), 0);
	for (size_t i = 0; i < sizeof(all); i++)
		ck_assert_uint_eq(all[i], i >= 8192 && i < 24576 ? 0x55 : 0xAA);
	ck_assert_int_eq(devmgr_blk_read(part, 31, buf, 512), 0);
	ck_assert_uint_eq(buf[0], 0x55);
	devmgr_ctx_free(ctx);

	ck_assert_int_eq(stack("\"offset\": 8192, \"read_only\": true", &e), 0);
	ck_assert_int_eq(devmgr_blk_info(part, &info), 0);
	ck_assert_uint_eq(info.sectors, 112); /* to the end */
	ck_assert(info.read_only);
	ck_assert_int_eq(devmgr_blk_write(part, 0, buf, 512), -EROFS);
	devmgr_ctx_free(ctx);
}
END_TEST

START_TEST(device_params)
{
	struct devmgr_error e;
	char msg[1024];

	ck_assert_int_lt(stack("\"offset\": 1000", &e), 0);
	ck_assert_ptr_nonnull(strstr(devmgr_error_format(&e, msg, sizeof(msg)),
				     "offset 1000 and size 64536 must be "
				     "multiples of the sector size 512"));
	devmgr_ctx_free(ctx);
	ck_assert_int_lt(stack("\"offset\": 8192, \"size\": 65536", &e), 0);
	ck_assert_ptr_nonnull(strstr(devmgr_error_format(&e, msg, sizeof(msg)),
				     "do not fit in the device (65536 bytes)"));
	devmgr_ctx_free(ctx);
	ck_assert_int_lt(stack("\"offset\": 0, \"partition\": 1", &e), 0);
	ck_assert_ptr_nonnull(strstr(devmgr_error_format(&e, msg, sizeof(msg)),
				     "not both partition and offset"));
	devmgr_ctx_free(ctx);
	ck_assert_int_lt(stack("\"partition\": 1", &e), 0);
	ck_assert_ptr_nonnull(strstr(devmgr_error_format(&e, msg, sizeof(msg)),
				     "the partition table of ram: MBR: no 55 "
				     "AA signature"));
	devmgr_ctx_free(ctx);
	ck_assert_int_lt(stack("\"partition\": 1, \"table\": \"apm\"", &e), 0);
	ck_assert_ptr_nonnull(strstr(devmgr_error_format(&e, msg, sizeof(msg)),
				     "table \"apm\" is not"));
	devmgr_ctx_free(ctx);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("blk-part");
	TCase *t = tcase_create("blk-part");
	SRunner *r;
	int failed;

	tcase_add_test(t, mbr_good);
	tcase_add_test(t, mbr_bad);
	tcase_add_test(t, gpt_good);
	tcase_add_test(t, gpt_backup);
	tcase_add_test(t, gpt_bad_entries);
	tcase_add_test(t, device_bounds);
	tcase_add_test(t, device_params);
	suite_add_tcase(s, t);
	r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
