/* fuzz_http: request handling of the www app (apps/www/conn.c and the
 * http reader under it) driven by arbitrary bytes.
 *
 * The first two input bytes choose how the bytes arrive (chunk size) and
 * how much the client takes per send, so that splits and back-pressure
 * are explored too; the rest is what the client sends.  The files come
 * from a small read-only fs in memory, an implementation of the fs
 * signature kept here so that each input runs in microseconds.
 *
 * Built by tests/fuzz/build-www.sh with libFuzzer; in make check,
 * tests/www/fuzz_corpus.sh replays tests/fuzz/corpus/http through it. */
#include "../../apps/www/conn.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct mem_file {
	struct devmgr_file head;
	const uint8_t *data;
	uint64_t size;
};

static uint8_t big[200000];

static const struct {
	const char *path;
	const char *text; /* NULL: a folder; "" with size: big */
	uint64_t size;
} files[] = {
	{ "/index.html", "<!DOCTYPE html><title>x</title>\n", 32 },
	/* not gzip inside: www only looks at the name */
	{ "/index.html.gz", "gz-bytes\n", 9 },
	{ "/empty.txt", "", 0 },
	{ "/big.bin", NULL, sizeof(big) },
	{ "/dir", NULL, 0 },
	{ "/dir/index.html", "<p>dir</p>\n", 11 },
	{ "/dir/a b.css", "p{}\n", 4 },
};

static int find(const char *path)
{
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (strcasecmp(path, files[i].path) == 0)
			return (int)i;
	return -1;
}

static bool is_dir(int i)
{
	return files[i].text == NULL && files[i].size == 0;
}

static int mem_stat(struct devmgr_fs *fs, const char *path,
		    struct devmgr_fs_stat *out)
{
	int i = find(path);

	(void)fs;
	if (i < 0)
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	out->kind = is_dir(i) ? DEVMGR_FS_DIR : DEVMGR_FS_FILE;
	out->size = files[i].size;
	out->mtime = 784111777;
	return 0;
}

static int mem_open(struct devmgr_fs *fs, const char *path, int flags,
		    struct devmgr_file **out)
{
	int i = find(path);
	struct mem_file *f;

	(void)flags;
	if (i < 0)
		return strstr(path, ".html/") ? -ENOTDIR : -ENOENT;
	if (is_dir(i))
		return -EISDIR;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->head.fs = fs;
	f->data = files[i].text ? (const uint8_t *)files[i].text : big;
	f->size = files[i].size;
	*out = &f->head;
	return 0;
}

static ssize_t mem_pread(struct devmgr_file *file, void *buf, size_t len,
			 uint64_t off)
{
	struct mem_file *f = (struct mem_file *)file;

	if (off >= f->size)
		return 0;
	if (len > f->size - off)
		len = (size_t)(f->size - off);
	memcpy(buf, f->data + off, len);
	return (ssize_t)len;
}

static int mem_fstat(struct devmgr_file *file, struct devmgr_fs_stat *out)
{
	struct mem_file *f = (struct mem_file *)file;

	memset(out, 0, sizeof(*out));
	out->kind = DEVMGR_FS_FILE;
	out->size = f->size;
	out->mtime = 784111777;
	return 0;
}

static int mem_close(struct devmgr_file *file)
{
	free(file);
	return 0;
}

static int mem_volume(struct devmgr_fs *fs, struct devmgr_fs_volume *out)
{
	(void)fs;
	memset(out, 0, sizeof(*out));
	out->read_only = true;
	return 0;
}

static int mem_readdir(struct devmgr_fs *fs, const char *path,
		       devmgr_fs_dir_fn fn, void *arg)
{
	(void)fs;
	(void)path;
	(void)fn;
	(void)arg;
	return -ENOTDIR;
}

static const struct devmgr_fs_ops mem_ops = {
	.minor = DEVMGR_FS_MINOR,
	.volume = mem_volume,
	.open = mem_open,
	.pread = mem_pread,
	.fstat = mem_fstat,
	.close = mem_close,
	.stat = mem_stat,
	.readdir = mem_readdir,
};

static struct devmgr_fs mem_fs = { .ops = &mem_ops };

static void log_line(void *arg, const char *line, size_t len)
{
	(void)arg;
	assert(len > 0 && line[len - 1] == '\n');
	assert(memchr(line, '\n', len) == line + len - 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct www_conf conf = {
		.lim = { .max_request_line = 512,
			 .max_header_size = 1024,
			 .max_body = 64 },
		.fs = &mem_fs,
		.index = "index.html",
		.chunk_size = 4096,
		.log = log_line,
	};
	struct www_conn c;
	size_t chunk, take, off = 2;
	enum www_next next = WWW_READ;

	if (size < 2)
		return 0;
	chunk = 1 + data[0];
	take = 1 + (size_t)data[1] * 64;
	if (data[1] & 1)
		strcpy(conf.root, "/dir");
	www_conf_tick(&conf, 784111777);
	if (www_conn_init(&c, &conf, "fuzz") < 0)
		return 0;
	while (next != WWW_CLOSE) {
		if (next == WWW_WRITE) {
			size_t len;
			const char *out = www_conn_out(&c, &len);
			assert(len > 0 && c.out_len <= c.out_cap);
			(void)out;
			www_conn_sent(&c, len < take ? len : take);
		} else if (off < size) {
			size_t room;
			char *p = www_conn_in_room(&c, &room);
			size_t n = size - off < chunk ? size - off : chunk;
			if (n > room)
				n = room;
			assert(n > 0);
			memcpy(p, data + off, n);
			www_conn_received(&c, n);
			off += n;
		} else {
			c.eof = true;
		}
		next = www_conn_step(&c);
	}
	www_conn_fini(&c);
	return 0;
}
