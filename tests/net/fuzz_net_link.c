/* libFuzzer target: net-link ports (2 to 4, one seen through net-debug)
 * with faults and queue sizes taken from the input, then a sequence of
 * operations from the input: sends of every length (bad ones included),
 * gathered and batched sends, dispatch rounds, receivers set and
 * cleared, info and stats.  The oracle: no memory error (ASan), and a
 * receiver never sees a frame outside 14 .. devmgr_net_frame_max() bytes.
 *
 * Input: byte 0 the port count and pcap flushing, bytes 1..n the ports'
 * faults and queue sizes, then one byte per operation (and one more for
 * the length of a send). */
#include <devmgr/devmgr.h>
#include <devmgr/sig/net.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MTU 200

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const probs[4] = { "0", "10%", "0.5", "1" };

static void quiet(void *arg, enum devmgr_log_level level, const char *msg)
{
	(void)arg, (void)level, (void)msg;
}

static void on_rx(void *arg, struct devmgr_net *n, const void *frame,
		  size_t len)
{
	(void)arg, (void)n;
	if (len < 14 || len > devmgr_net_frame_max(frame, len, MTU))
		abort();
	if (((const uint8_t *)frame)[13] != 0xb5)
		abort(); /* every frame sent carries this byte */
}

static size_t config(char *json, size_t cap, const uint8_t *data, unsigned n)
{
	size_t off =
		(size_t)snprintf(json, cap, "{\"devmgr\": 1, \"devices\": {");

	for (unsigned i = 0; i < n; i++) {
		uint8_t c = data[1 + i];

		off += (size_t)snprintf(
			json + off, cap - off,
			"\"p%u\": {\"provider\": \"net-link\", \"hub\": "
			"\"fz\", "
			"\"mtu\": %d, \"loss\": \"%s\", \"duplicate\": \"%s\", "
			"\"reorder\": \"%s\", \"queue\": %d, \"batch\": %d, "
			"\"seed\": %d},",
			i, MTU, probs[c & 3], probs[(c >> 2) & 3],
			probs[(c >> 4) & 3], 1 + (c >> 6) * 5, 1 + (c & 7), c);
	}
	off += (size_t)snprintf(
		json + off, cap - off,
		"\"dbg\": {\"provider\": \"net-debug\", \"on\": \"p0\", "
		"\"pcap\": \"/dev/null\", \"flush_ms\": %d, \"loss\": \"%s\", "
		"\"duplicate\": \"%s\", \"reorder\": \"%s\", \"queue\": %d}}}",
		data[0] & 8 ? 0 : 50, probs[(data[0] >> 4) & 3],
		probs[(data[0] >> 6) & 3], probs[(data[0] >> 2) & 1],
		1 + (data[0] >> 5));
	return off;
}

static void send_one(struct devmgr_net *n, uint8_t op, uint8_t lenb)
{
	static uint8_t f[MTU + 64];
	size_t len = (size_t)lenb * (MTU + 30) / 255;
	struct iovec iov[4], frames[4];

	memset(f, 0x11, sizeof(f));
	f[13] = 0xb5;
	switch (op & 7) {
	case 3: /* a batch of equal frames */
		for (int i = 0; i < 4; i++)
			frames[i] = (struct iovec){ f, len };
		devmgr_net_send_batch(n, frames, 1 + (op >> 3) % 4);
		break;
	case 7: /* gathered, with empty pieces */
		iov[0] = (struct iovec){ f, len / 3 };
		iov[1] = (struct iovec){ NULL, 0 };
		iov[2] = (struct iovec){ f + len / 3, len - len / 3 };
		iov[3] = (struct iovec){ NULL, 0 };
		devmgr_net_sendv(n, iov, 4);
		break;
	default:
		devmgr_net_send(n, f, len);
	}
}

static void run_ops(struct devmgr_ctx *ctx, struct devmgr_net **ports,
		    unsigned n, const uint8_t *p, const uint8_t *end)
{
	struct devmgr_net_info info;
	struct devmgr_net_stats st;
	bool rx[5] = { true, true, true, true, true };

	while (p < end) {
		uint8_t op = *p++;
		unsigned port = (op >> 3) % n;

		switch (op & 7) {
		case 4:
			devmgr_ctx_dispatch(ctx, 0);
			break;
		case 5:
			rx[port] = !rx[port];
			devmgr_net_set_rx(ports[port], rx[port] ? on_rx : NULL,
					  NULL);
			break;
		case 6:
			for (unsigned i = 0; i < n; i++) {
				devmgr_net_info(ports[i], &info);
				devmgr_net_stats(ports[i], &st);
			}
			break;
		default:
			send_one(ports[port], op, p < end ? *p++ : 0);
		}
	}
	for (int i = 0; i < 4; i++)
		devmgr_ctx_dispatch(ctx, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char json[4096];
	struct devmgr_net *ports[4];
	struct devmgr_error err;
	struct devmgr_ctx *ctx;
	unsigned n;

	if (size < 5)
		return 0;
	n = 2 + data[0] % 3;
	if (size < 1 + n)
		return 0;
	config(json, sizeof(json), data, n);
	ctx = devmgr_ctx_new();
	if (!ctx)
		return 0;
	devmgr_ctx_set_log(ctx, quiet, NULL, DEVMGR_LOG_ERROR);
	if (devmgr_ctx_load_config_string(ctx, json, "<fuzz>", &err) < 0 ||
	    devmgr_ctx_create_devices(ctx, false, &err) < 0) {
		fprintf(stderr, "fuzz_net_link: %s\n", err.text);
		abort(); /* every generated configuration is valid */
	}
	/* Port 0 is used through the debug device stacked on it. */
	ports[0] = devmgr_device_handle(devmgr_ctx_find_device(ctx, "dbg"));
	for (unsigned i = 1; i < n; i++) {
		char id[8];

		snprintf(id, sizeof(id), "p%u", i);
		ports[i] =
			devmgr_device_handle(devmgr_ctx_find_device(ctx, id));
	}
	for (unsigned i = 0; i < n; i++)
		devmgr_net_set_rx(ports[i], on_rx, NULL);
	run_ops(ctx, ports, n, data + 1 + n, data + size);
	devmgr_ctx_free(ctx);
	return 0;
}
