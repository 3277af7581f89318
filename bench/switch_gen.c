/* switch_gen: traffic for the switch benchmark.  Sends Ethernet frames
 * into the kernel side of tap A (an AF_PACKET socket bound to it) as fast
 * as the kernel takes them for a number of seconds, and counts the frames
 * that whatever sits between the two taps (the switch, or switch_copy)
 * delivered to tap B: tap B's rx_packets, read from sysfs.
 *
 *   switch_gen TAP_A TAP_B FRAME_LEN SECONDS
 *
 * Before timing, one frame goes out of tap B from the destination
 * address, so that a learning switch knows where it is and forwards the
 * frames as unicast.  The ethertype is a local experimental one (0x88b5),
 * which the kernel drops without further work.  Prints
 * "frames=N seconds=S fps=F". */
#define _GNU_SOURCE /* sendmmsg */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

static const unsigned char src_mac[6] = { 0x02, 0x5b, 0, 0, 0, 0x0a };
static const unsigned char dst_mac[6] = { 0x02, 0x5b, 0, 0, 0, 0x0b };

static int packet_socket(const char *ifname, struct sockaddr_ll *to)
{
	int s = socket(AF_PACKET, SOCK_RAW, 0);
	unsigned idx = if_nametoindex(ifname);

	if (s < 0 || idx == 0) {
		fprintf(stderr, "switch_gen: %s: %s\n", ifname,
			strerror(errno));
		exit(2);
	}
	memset(to, 0, sizeof(*to));
	to->sll_family = AF_PACKET;
	to->sll_ifindex = (int)idx;
	to->sll_halen = 6;
	return s;
}

static unsigned long long rx_packets(const char *ifname)
{
	char path[128];
	unsigned long long n = 0;

	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/rx_packets",
		 ifname);
	FILE *f = fopen(path, "r");
	if (!f || fscanf(f, "%llu", &n) != 1) {
		fprintf(stderr, "switch_gen: %s: cannot read\n", path);
		exit(2);
	}
	fclose(f);
	return n;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void make_frame(unsigned char *f, size_t len, const unsigned char *dst,
		       const unsigned char *src)
{
	memset(f, 0x5a, len);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x88;
	f[13] = 0xb5;
}

int main(int argc, char **argv)
{
	static unsigned char frame[9000];
	struct sockaddr_ll to_a, to_b;

	if (argc != 5) {
		fprintf(stderr,
			"usage: switch_gen TAP_A TAP_B FRAME_LEN SECONDS\n");
		return 2;
	}
	size_t len = strtoul(argv[3], NULL, 10);
	double secs = strtod(argv[4], NULL);
	if (len < 60 || len > sizeof(frame) || secs <= 0) {
		fprintf(stderr,
			"switch_gen: FRAME_LEN 60..9000, SECONDS > 0\n");
		return 2;
	}
	int a = packet_socket(argv[1], &to_a);
	int b = packet_socket(argv[2], &to_b);

	/* Teach the destination's port. */
	make_frame(
		frame, 60,
		(const unsigned char[6]){ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
		dst_mac);
	if (sendto(b, frame, 60, 0, (struct sockaddr *)&to_b, sizeof(to_b)) < 0)
		perror("switch_gen: send on B");
	usleep(100000);

	make_frame(frame, len, dst_mac, src_mac);
	struct iovec iov = { frame, len };
	struct mmsghdr msgs[BATCH];
	for (int i = 0; i < BATCH; i++)
		msgs[i] = (struct mmsghdr){ .msg_hdr = { .msg_name = &to_a,
							 .msg_namelen =
								 sizeof(to_a),
							 .msg_iov = &iov,
							 .msg_iovlen = 1 } };

	unsigned long long before = rx_packets(argv[2]);
	double t0 = now_s(), t1;
	do {
		for (int k = 0; k < 16; k++)
			if (sendmmsg(a, msgs, BATCH, 0) < 0 &&
			    errno != ENOBUFS && errno != EAGAIN) {
				perror("switch_gen: sendmmsg");
				return 2;
			}
		t1 = now_s();
	} while (t1 - t0 < secs);
	/* Frames still queued on tap A are forwarded within a few ms;
	 * counting them but not the time is a small bias that both paths
	 * share. */
	usleep(50000);
	unsigned long long n = rx_packets(argv[2]) - before;
	printf("frames=%llu seconds=%.3f fps=%.0f\n", n, t1 - t0,
	       (double)n / (t1 - t0));
	return 0;
}
