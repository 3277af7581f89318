/* fuzz_blk_debug: libFuzzer target for blk-debug's contract check.  The
 * input is a sequence of calls (read, write, discard, flush) with fuzzed
 * sectors and iovecs, made through blk-debug stacked on blk-ram.  A model
 * of the blk contract, written apart from blk-debug, says whether each
 * call is valid; the target aborts when blk-debug accepts an invalid call
 * or refuses a valid one, or when data written through it does not read
 * back from the device below.  Buffers are only as large as valid calls
 * need, so an invalid call that got through would also trip ASan.
 *
 * Built by tests/fuzz/build-fattool.sh; make check replays the corpus
 * (tests/fuzz/corpus/blk_debug) with tests/fuzz/run_corpus.c. */
#include <devmgr/plugin.h>
#include <devmgr/sig/blk.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SECTOR	512u
#define SECTORS 128u /* 64 KiB */
#define MAX_IOV 8    /* blk-debug's max_iovcnt below */
#define BUF	(SECTOR * SECTORS)

static struct devmgr_ctx *ctx;
static struct devmgr_blk *ram, *dbg;
static uint8_t buf[BUF], check[BUF];

struct input {
	const uint8_t *p;
	size_t left;
};

static uint64_t take(struct input *in, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++) {
		v = v << 8 | (in->left ? *in->p : 0);
		if (in->left) {
			in->p++;
			in->left--;
		}
	}
	return v;
}

static void quiet(void *arg, enum devmgr_log_level level, const char *msg)
{
	(void)arg;
	(void)level;
	(void)msg;
}

static void setup(void)
{
	struct devmgr_error err;

	ctx = devmgr_ctx_new();
	if (ctx == NULL)
		abort();
	devmgr_ctx_set_log(ctx, quiet, NULL, DEVMGR_LOG_ERROR);
	if (devmgr_ctx_load_config_string(
		    ctx,
		    "{\"devmgr\": 1, \"devices\": {"
		    "\"ram\": {\"provider\": \"blk-ram\", \"size\": 65536},"
		    "\"dbg\": {\"provider\": \"blk-debug\", \"on\": \"ram\","
		    " \"max_iovcnt\": 8}}}",
		    "<fuzz>", &err) < 0 ||
	    devmgr_ctx_create_devices(ctx, false, &err) < 0)
		abort();
	ram = devmgr_device_handle(devmgr_ctx_find_device(ctx, "ram"));
	dbg = devmgr_device_handle(devmgr_ctx_find_device(ctx, "dbg"));
}

/* The sector: mostly inside the device, sometimes anywhere. */
static uint64_t fuzz_sector(struct input *in)
{
	uint8_t kind = (uint8_t)take(in, 1);

	if (kind < 200)
		return kind % (SECTORS + 4);
	return take(in, 8);
}

/* One entry's length: mostly small, sometimes huge. */
static size_t fuzz_len(struct input *in)
{
	uint8_t kind = (uint8_t)take(in, 1);

	if (kind < 64)
		return SECTOR * (kind % 9);
	if (kind < 240)
		return (size_t)take(in, 2) % (BUF + 1);
	return SIZE_MAX - (size_t)take(in, 2);
}

/* The model: is the call valid, by the blk signature? */
static int model(uint64_t sector, const struct iovec *iov, int iovcnt,
		 uint64_t *bytes)
{
	uint64_t total = 0;

	if (iovcnt < 1 || iovcnt > MAX_IOV)
		return -EINVAL;
	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > 0 && iov[i].iov_base == NULL)
			return -EINVAL;
		if (iov[i].iov_len > UINT64_MAX - total)
			return -EINVAL;
		total += iov[i].iov_len;
	}
	if (total == 0 || total % SECTOR != 0)
		return -EINVAL;
	if (sector >= SECTORS || total / SECTOR > SECTORS - sector)
		return -ERANGE;
	*bytes = total;
	return 0;
}

/* Entries laid out one after another in buf while they fit; an entry
 * that does not fit points at the start, so only an invalid call (whose
 * total exceeds the device) can reach past the buffer. */
static int fuzz_iov(struct input *in, struct iovec *iov)
{
	int iovcnt = (int)(take(in, 1) % (MAX_IOV + 3));
	size_t off = 0;

	for (int i = 0; i < iovcnt; i++) {
		size_t len = fuzz_len(in);
		bool null = take(in, 1) == 0xff;

		iov[i].iov_len = len;
		if (null)
			iov[i].iov_base = NULL;
		else if (len <= BUF - off)
			iov[i].iov_base = buf + off;
		else
			iov[i].iov_base = buf;
		if (len <= BUF - off)
			off += len;
	}
	return iovcnt;
}

static void one_call(struct input *in)
{
	struct iovec iov[MAX_IOV + 2];
	uint8_t op = (uint8_t)take(in, 1) % 4;
	uint64_t sector = fuzz_sector(in), bytes = 0;
	int iovcnt, want, rc;

	if (op == 3) {
		if (devmgr_blk_flush(dbg) != 0)
			abort();
		return;
	}
	if (op == 2) {
		uint64_t count = take(in, 1) % (SECTORS + 2);

		want = count == 0				       ? -EINVAL
		       : sector >= SECTORS || count > SECTORS - sector ? -ERANGE
								       : 0;
		if (devmgr_blk_discard(dbg, sector, count) != want)
			abort();
		return;
	}
	iovcnt = fuzz_iov(in, iov);
	want = model(sector, iov, iovcnt, &bytes);
	for (size_t i = 0; i < sizeof(buf); i += 97)
		buf[i] = (uint8_t)(i + sector);
	rc = op == 0 ? devmgr_blk_readv(dbg, sector, iov, iovcnt)
		     : devmgr_blk_writev(dbg, sector, iov, iovcnt);
	if (rc != want)
		abort();
	/* What went through must be what the device below holds. */
	if (rc == 0 && devmgr_blk_read(ram, sector, check, bytes) != 0)
		abort();
	for (int i = 0, at = 0; rc == 0 && i < iovcnt; i++) {
		if (iov[i].iov_len &&
		    memcmp(check + at, iov[i].iov_base, iov[i].iov_len) != 0)
			abort();
		at += (int)iov[i].iov_len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };

	if (ctx == NULL)
		setup();
	for (int n = 0; in.left > 0 && n < 64; n++)
		one_call(&in);
	return 0;
}
