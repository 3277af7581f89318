/* stack_client: the load of the stack benchmarks.  Connects to HOST PORT,
 * sends BYTES while reading the echo back on the same connection (one
 * non-blocking socket and poll), half-closes, and prints the echo
 * throughput in MB/s (10^6 bytes per second) once all of it is back.
 *
 *   stack_client HOST PORT BYTES
 * Exit status 0, or 1 with a message (short echo, error, 120 s timeout). */
#include "bench.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHUNK (256 * 1024)

static int dial(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	int fd, rc = getaddrinfo(host, port, &hints, &ai);

	if (rc != 0) {
		fprintf(stderr, "stack_client: %s: %s\n", host,
			gai_strerror(rc));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		fprintf(stderr, "stack_client: connect %s:%s: %s\n", host, port,
			strerror(errno));
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

int main(int argc, char **argv)
{
	static char out[CHUNK], in[CHUNK];
	unsigned long long total, sent = 0, got = 0;
	double t0, deadline;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: stack_client HOST PORT BYTES\n");
		return 2;
	}
	total = strtoull(argv[3], NULL, 0);
	memset(out, 'e', sizeof(out));
	fd = dial(argv[1], argv[2]);
	if (fd < 0)
		return 1;
	t0 = bench_now();
	deadline = t0 + 120;
	while (got < total) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (sent < total)
			p.events |= POLLOUT;
		if (poll(&p, 1, 1000) < 0 && errno != EINTR)
			break;
		if (bench_now() > deadline) {
			fprintf(stderr, "stack_client: timed out\n");
			return 1;
		}
		if ((p.revents & POLLOUT) && sent < total) {
			size_t len =
				total - sent < CHUNK ? total - sent : CHUNK;

			n = send(fd, out, len, MSG_NOSIGNAL);
			if (n > 0)
				sent += (unsigned long long)n;
			if (sent == total)
				shutdown(fd, SHUT_WR);
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			n = recv(fd, in, sizeof(in), 0);
			if (n == 0 || (n < 0 && errno != EAGAIN)) {
				fprintf(stderr,
					"stack_client: echo ended after %llu "
					"of %llu bytes\n",
					got, total);
				return 1;
			}
			if (n > 0)
				got += (unsigned long long)n;
		}
	}
	double secs = bench_now() - t0;

	close(fd);
	printf("%.1f\n", (double)total / secs / 1e6);
	return 0;
}
