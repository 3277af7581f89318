/* test_net_socket: what is net-socket's own, against the kernel on
 * 127.0.0.1 (plugins from DEVMGR_PLUGIN_PATH, as in use): the address
 * and ports checks at bind and -EADDRINUSE.  The stack signature's
 * contract (refused connects, level-triggered readiness, back-pressure,
 * UDP...) is the conformance kit's, run against net-socket by
 * tests/conform/providers.sh. */
#include <devmgr/devmgr.h>
#include <devmgr/sig/stack.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int failures;

#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		printf((cond) ? "PASS: " : "FAIL: ");                          \
		failures += !(cond);                                           \
		printf(__VA_ARGS__);                                           \
		printf("\n");                                                  \
	} while (0)

static struct devmgr_ctx *ctx;

static struct sockaddr_in sin4(const char *ip, uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port) };

	inet_pton(AF_INET, ip, &a.sin_addr);
	return a;
}

static void check_binds(struct devmgr_stack *st)
{
	struct devmgr_sock *s, *s2;
	struct sockaddr_in other = sin4("127.0.0.2", 7100);
	struct sockaddr_in out = sin4("127.0.0.1", 7300);
	struct sockaddr_in in = sin4("0.0.0.0", 7101);
	int rc;

	devmgr_stack_socket(st, AF_INET, SOCK_STREAM, &s);
	rc = devmgr_sock_bind(s, (struct sockaddr *)&other, sizeof(other));
	CHECK(rc == -EADDRNOTAVAIL, "bind to 127.0.0.2: -EADDRNOTAVAIL (%d)",
	      rc);
	rc = devmgr_sock_bind(s, (struct sockaddr *)&out, sizeof(out));
	CHECK(rc == -EACCES, "bind outside ports: -EACCES (%d)", rc);
	rc = devmgr_sock_bind(s, (struct sockaddr *)&in, sizeof(in));
	CHECK(rc == 0 || rc == -EADDRINUSE, "bind 0.0.0.0:7101 (%d)", rc);
	if (rc == 0) {
		devmgr_sock_listen(s, 1);
		devmgr_stack_socket(st, AF_INET, SOCK_STREAM, &s2);
		rc = devmgr_sock_bind(s2, (struct sockaddr *)&in, sizeof(in));
		CHECK(rc == -EADDRINUSE,
		      "the same port again: -EADDRINUSE "
		      "(%d)",
		      rc);
		devmgr_sock_close(s2);
	}
	devmgr_sock_close(s);
	rc = devmgr_stack_socket(st, AF_INET, SOCK_RAW, &s);
	CHECK(rc == -EPROTONOSUPPORT, "SOCK_RAW: -EPROTONOSUPPORT (%d)", rc);
}

int main(void)
{
	static const char cfg[] =
		"{\"devmgr\": 1, \"devices\": {\"net\": {\"provider\": "
		"\"net-socket\", \"ports\": \"7000-7199\"}}}";
	struct devmgr_error err;
	char line[1400];
	struct devmgr_stack *st;
	struct devmgr_stack_info info;

	ctx = devmgr_ctx_new();
	devmgr_ctx_load_plugins(ctx);
	if (devmgr_ctx_load_config_string(ctx, cfg, "<test>", &err) < 0 ||
	    devmgr_ctx_create_devices(ctx, false, &err) < 0) {
		printf("FAIL: setup: %s\n",
		       devmgr_error_format(&err, line, sizeof(line)));
		return 1;
	}
	st = devmgr_device_handle(devmgr_ctx_find_device(ctx, "net"));
	devmgr_stack_info(st, &info);
	CHECK(info.ipv4.sin_addr.s_addr == sin4("127.0.0.1", 0).sin_addr.s_addr,
	      "info: 127.0.0.1 by default");
	check_binds(st);
	devmgr_ctx_free(ctx);
	printf("%d failed\n", failures);
	return failures ? 1 : 0;
}
