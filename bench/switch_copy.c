/* switch_copy: the raw path that the switch benchmark compares with.
 * Attaches to two existing tap devices and copies every frame that one
 * delivers to the other, both ways, with plain read() and write() on the
 * two tap fds, until SIGINT or SIGTERM.
 *
 *   switch_copy TAP_A TAP_B
 *
 * Prints "ready" on stdout once both taps are attached, and the number of
 * frames copied when it ends. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static int tap_attach(const char *name)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		perror("/dev/net/tun");
		exit(2);
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		fprintf(stderr, "switch_copy: %s: TUNSETIFF: %s\n", name,
			strerror(errno));
		exit(2);
	}
	return fd;
}

/* Copy what is waiting on from to to; as a link would, a frame that the
 * other side cannot take now is dropped. */
static unsigned long long pump(int from, int to)
{
	static char buf[65536];
	unsigned long long n = 0;

	for (;;) {
		ssize_t len = read(from, buf, sizeof(buf));
		if (len <= 0)
			return n;
		if (write(to, buf, (size_t)len) == len)
			n++;
	}
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_stop };
	unsigned long long copied = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: switch_copy TAP_A TAP_B\n");
		return 2;
	}
	int a = tap_attach(argv[1]), b = tap_attach(argv[2]);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		struct pollfd p[2] = { { a, POLLIN, 0 }, { b, POLLIN, 0 } };
		if (poll(p, 2, -1) < 0)
			continue; /* EINTR: look at stop */
		if (p[0].revents)
			copied += pump(a, b);
		if (p[1].revents)
			copied += pump(b, a);
	}
	printf("copied %llu\n", copied);
	return 0;
}
