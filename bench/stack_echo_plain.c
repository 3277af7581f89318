/* stack_echo_plain: the raw-system side of the stack benchmarks, the same
 * echo as apps/echo on plain non-blocking kernel sockets and epoll: one
 * 64 KiB buffer per connection, and while output is pending the
 * connection waits for EPOLLOUT only.
 *
 *   stack_echo_plain ADDRESS PORT      (prints "ready" once listening) */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF (64 * 1024)

struct conn {
	int fd;
	size_t off, len;
	char buf[BUF];
};

static void arm(int ep, struct conn *c, int op)
{
	struct epoll_event ev = { .events =
					  c->off < c->len ? EPOLLOUT : EPOLLIN,
				  .data.ptr = c };

	epoll_ctl(ep, op, c->fd, &ev);
}

static int flush(struct conn *c)
{
	while (c->off < c->len) {
		ssize_t n = send(c->fd, c->buf + c->off, c->len - c->off,
				 MSG_NOSIGNAL);

		if (n < 0)
			return errno == EAGAIN ? 0 : -1;
		c->off += (size_t)n;
	}
	c->off = c->len = 0;
	return 0;
}

static int on_conn(struct conn *c)
{
	if (c->off < c->len)
		return flush(c);
	ssize_t n = recv(c->fd, c->buf, sizeof(c->buf), 0);

	if (n < 0)
		return errno == EAGAIN ? 0 : -1;
	if (n == 0)
		return -1;
	c->off = 0;
	c->len = (size_t)n;
	return flush(c);
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int one = 1, ep, l;
	struct conn lc = { 0 };

	if (argc != 3 || inet_pton(AF_INET, argv[1], &a.sin_addr) != 1) {
		fprintf(stderr, "usage: stack_echo_plain ADDRESS PORT\n");
		return 2;
	}
	a.sin_port = htons((uint16_t)atoi(argv[2]));
	l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(l, 128) < 0) {
		perror("stack_echo_plain: bind");
		return 1;
	}
	ep = epoll_create1(EPOLL_CLOEXEC);
	lc.fd = l;
	struct epoll_event lev = { .events = EPOLLIN, .data.ptr = &lc };

	epoll_ctl(ep, EPOLL_CTL_ADD, l, &lev);
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		struct epoll_event evs[64];
		int n = epoll_wait(ep, evs, 64, -1);

		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;

			if (c == &lc) {
				int fd = accept4(l, NULL, NULL,
						 SOCK_NONBLOCK | SOCK_CLOEXEC);
				struct conn *nc;

				if (fd < 0 || !(nc = calloc(1, sizeof(*nc)))) {
					if (fd >= 0)
						close(fd);
					continue;
				}
				nc->fd = fd;
				arm(ep, nc, EPOLL_CTL_ADD);
				continue;
			}
			unsigned was = c->off < c->len;

			if (on_conn(c) < 0) {
				close(c->fd);
				free(c);
			} else if (was != (c->off < c->len)) {
				arm(ep, c, EPOLL_CTL_MOD);
			}
		}
	}
}
