/* net-debug: an interposer stacked "on" one net device, presenting net
 * again.  It records every frame that crosses it, in both directions, in
 * a classic libpcap file (LINKTYPE_ETHERNET) that tshark or tcpdump can
 * read while the program runs, and injects the same seeded faults as
 * net-link (loss, duplication, reordering, delay) in the directions asked.
 *
 * Frames are recorded as they cross: a frame lost to a fault is not in
 * the file, a duplicated one is there twice, and a delayed one carries
 * the time it was passed on.  Records are buffered and written at least
 * every flush_ms milliseconds (and when 64 KiB have gathered), so that a
 * reader sees them soon without a write(2) per frame.
 *
 * The offloads of the device below pass through: its TSO and LRO
 * super-frames cross (and are recorded) as they are. */
#include "../net-link/fq.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define PCAP_BUF_SIZE	  65536
#define LINKTYPE_ETHERNET 1

struct pcap_file_header {
	uint32_t magic;
	uint16_t version_major, version_minor;
	int32_t thiszone;
	uint32_t sigfigs, snaplen, linktype;
};
_Static_assert(sizeof(struct pcap_file_header) == 24, "pcap header");

struct pcap_rec_header {
	uint32_t ts_sec, ts_usec, incl_len, orig_len;
};
_Static_assert(sizeof(struct pcap_rec_header) == 16, "pcap record");

struct dbg {
	struct devmgr_net_port port; /* first: see devmgr/provider/net.h */
	struct devmgr_ctx *ctx;
	struct devmgr_net *lower;
	uint32_t mtu; /* largest payload it sends: the TSO super-frame's with
		       * that offload below, which it passes on */
	/* pcap output (fd -1: none) */
	int fd, tfd;
	struct devmgr_watch *tw;
	const char *path;
	uint8_t *buf;
	size_t used;
	uint32_t snaplen;
	int64_t flush_ms;
	bool armed, write_failed;
	/* faults */
	bool tx_faults, rx_faults;
	struct fq txq, rxq;
};
DEVMGR_NET_PORT_FIRST(struct dbg, port);

/* Write out what is buffered.  A failure (disk full) is logged once and
 * recording stops; the traffic goes on. */
static void pcap_flush(struct dbg *d)
{
	size_t off = 0;

	while (off < d->used && !d->write_failed) {
		ssize_t w = write(d->fd, d->buf + off, d->used - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			devmgr_log(d->ctx, DEVMGR_LOG_ERROR,
				   "net-debug: pcap %s: %s; recording stops",
				   d->path,
				   w < 0 ? strerror(errno) : "short write");
			d->write_failed = true;
			break;
		}
		off += (size_t)w;
	}
	d->used = 0;
}

static void pcap_timer(void *arg, int fd, unsigned events)
{
	struct dbg *d = arg;
	uint64_t n;

	(void)events;
	if (read(fd, &n, sizeof(n)) < 0)
		n = 0;
	d->armed = false;
	pcap_flush(d);
}

static void pcap_arm(struct dbg *d)
{
	struct itimerspec its = { 0 };

	its.it_value.tv_sec = (time_t)(d->flush_ms / 1000);
	its.it_value.tv_nsec = (long)(d->flush_ms % 1000) * 1000000;
	if (timerfd_settime(d->tfd, 0, &its, NULL) == 0)
		d->armed = true;
}

static void pcap_record_iov(struct dbg *d, const struct iovec *iov, int iovcnt,
			    size_t len)
{
	struct pcap_rec_header h;
	struct timeval tv;
	size_t incl = len < d->snaplen ? len : d->snaplen;

	if (d->fd < 0 || d->write_failed)
		return;
	/* The buffer holds PCAP_BUF_SIZE plus one largest record. */
	if (d->used >= PCAP_BUF_SIZE)
		pcap_flush(d);
	gettimeofday(&tv, NULL);
	h.ts_sec = (uint32_t)tv.tv_sec;
	h.ts_usec = (uint32_t)tv.tv_usec;
	h.incl_len = (uint32_t)incl;
	h.orig_len = (uint32_t)len;
	memcpy(d->buf + d->used, &h, sizeof(h));
	devmgr_net_frame_gather(d->buf + d->used + sizeof(h), iov, iovcnt,
				incl);
	d->used += sizeof(h) + incl;
	if (d->flush_ms == 0 || d->used >= PCAP_BUF_SIZE)
		pcap_flush(d);
	else if (!d->armed)
		pcap_arm(d);
}

static void pcap_record(struct dbg *d, const void *frame, size_t len)
{
	struct iovec iov = { (void *)frame, len };

	pcap_record_iov(d, &iov, 1, len);
}

static int dbg_info(struct devmgr_net *n, struct devmgr_net_info *out)
{
	const struct dbg *d = n->priv;
	int rc = devmgr_net_info(d->lower, out);

	/* Checksum offloads stop here: a trace shows checksums as they are
	 * on the wire, and a fault may hold a frame after the device below
	 * changed what its checksum field means. */
	out->offload &= (uint8_t)~DEVMGR_NET_OFF_CSUM;
	return rc;
}

/* Pass one frame down: recorded, then sent by the device below. */
static int pass_down(struct dbg *d, const struct iovec *iov, int iovcnt,
		     size_t len)
{
	int r = devmgr_net_sendv(d->lower, iov, iovcnt);

	if (r == 0) {
		pcap_record_iov(d, iov, iovcnt, len);
		d->port.st.tx_frames++;
		d->port.st.tx_bytes += len;
	} else if (r == -EAGAIN) {
		d->port.st.tx_drops++;
	} else {
		d->port.st.tx_errors++;
	}
	return r;
}

static void tx_deliver(void *arg, const void *frame, size_t len)
{
	struct iovec iov = { (void *)frame, len };

	pass_down(arg, &iov, 1, len);
}

static int dbg_sendv(struct devmgr_net *n, const struct iovec *iov, int iovcnt)
{
	struct dbg *d = n->priv;
	ssize_t len = devmgr_net_frame_len(iov, iovcnt, d->mtu);

	if (len < 0) {
		d->port.st.tx_errors++;
		return (int)len;
	}
	if (!d->tx_faults)
		return pass_down(d, iov, iovcnt, (size_t)len);
	/* A lost frame was "sent" and vanished on the wire, as on a link. */
	switch (fq_push(&d->txq, iov, iovcnt, (size_t)len)) {
	case FQ_QUEUED:
		return 0;
	case FQ_LOST:
		d->port.st.tx_drops++;
		return 0;
	case FQ_FULL:
		d->port.st.tx_drops++;
		return -EAGAIN;
	case FQ_NOMEM:
		break;
	}
	d->port.st.tx_errors++;
	return -ENOMEM;
}

static void rx_deliver(void *arg, const void *frame, size_t len)
{
	struct dbg *d = arg;

	pcap_record(d, frame, len);
	devmgr_net_port_deliver(&d->port, frame, len);
}

/* The receiver installed on the device below. */
static void lower_rx(void *arg, struct devmgr_net *n, const void *frame,
		     size_t len)
{
	struct dbg *d = arg;
	struct iovec iov = { (void *)frame, len };

	(void)n;
	if (!d->rx_faults) {
		rx_deliver(d, frame, len);
		return;
	}
	if (fq_push(&d->rxq, &iov, 1, len) != FQ_QUEUED)
		devmgr_net_port_drop(&d->port);
}

static const struct devmgr_net_ops dbg_ops = {
	.minor = DEVMGR_NET_MINOR,
	.info = dbg_info,
	.sendv = dbg_sendv,
	.set_rx = devmgr_net_port_set_rx,
	.stats = devmgr_net_port_stats,
};

static const struct devmgr_param dbg_params[] = {
	{ "pcap", DEVMGR_PARAM_PATH, 0, NULL,
	  "file to record every frame in, both directions (classic pcap, "
	  "Ethernet); absent: no recording",
	  0, 0 },
	{ "snaplen", DEVMGR_PARAM_INT, 0, "65535",
	  "bytes of each frame recorded at most", 14, 262144 },
	{ "flush_ms", DEVMGR_PARAM_INT, 0, "100",
	  "recorded frames reach the file within this many milliseconds "
	  "(0: at once)",
	  0, 60000 },
	{ "faults", DEVMGR_PARAM_STRING, 0, "\"both\"",
	  "directions the faults apply to: \"both\", \"tx\" (frames sent "
	  "down), \"rx\" (frames received) or \"none\"",
	  0, 0 },
	{ "queue", DEVMGR_PARAM_INT, 0, "1024",
	  "frames held for a delay or reordering, per direction, at most", 1,
	  1 << 20 },
	NET_FAULT_PARAMS,
	{ NULL },
};

static int pcap_open(struct devmgr_device *dev, struct dbg *d,
		     struct devmgr_error *err)
{
	struct pcap_file_header h = {
		.magic = 0xa1b2c3d4, /* microseconds, written in host order */
		.version_major = 2,
		.version_minor = 4,
		.snaplen = d->snaplen,
		.linktype = LINKTYPE_ETHERNET,
	};
	int e;

	d->fd = open(d->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (d->fd < 0)
		goto fail;
	if (write(d->fd, &h, sizeof(h)) != (ssize_t)sizeof(h))
		goto fail;
	d->buf = malloc(PCAP_BUF_SIZE + sizeof(struct pcap_rec_header) +
			d->snaplen);
	d->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (d->buf == NULL || d->tfd < 0)
		goto fail;
	d->tw = devmgr_watch_fd(devmgr_device_ctx(dev), d->tfd, DEVMGR_EV_READ,
				pcap_timer, d);
	if (d->tw == NULL)
		goto fail;
	return 0;
fail:
	e = errno ? errno : EIO;
	return devmgr_error_set(err, -e, "pcap %s: %s", d->path, strerror(e));
}

static int fault_dirs(struct devmgr_device *dev, struct dbg *d,
		      const struct net_fault_cfg *cfg, struct devmgr_error *err)
{
	const char *f = devmgr_param_str(dev, "faults");

	if (strcmp(f, "both") == 0) {
		d->tx_faults = d->rx_faults = cfg->any;
	} else if (strcmp(f, "tx") == 0) {
		d->tx_faults = cfg->any;
	} else if (strcmp(f, "rx") == 0) {
		d->rx_faults = cfg->any;
	} else if (strcmp(f, "none") != 0) {
		return devmgr_error_set(err, -EINVAL,
					"faults \"%s\" is not one of both, tx, "
					"rx, none",
					f);
	}
	return 0;
}

static void dbg_close(struct dbg *d)
{
	if (d->fd >= 0) {
		pcap_flush(d);
		close(d->fd);
	}
	devmgr_watch_cancel(d->tw);
	if (d->tfd >= 0)
		close(d->tfd);
	free(d->buf);
	fq_fini(&d->txq);
	fq_fini(&d->rxq);
}

static int dbg_create(struct devmgr_device *dev, struct devmgr_error *err)
{
	struct dbg *d = devmgr_device_priv(dev);
	struct devmgr_ctx *ctx = devmgr_device_ctx(dev);
	struct devmgr_net_info info;
	struct net_fault_cfg cfg, rx_cfg;
	unsigned limit = (unsigned)devmgr_param_int(dev, "queue");
	int rc;

	d->fd = d->tfd = -1;
	d->ctx = ctx;
	d->lower = devmgr_device_handle(devmgr_device_dep(dev, 0));
	if (d->lower == NULL)
		return devmgr_error_set(err, -ENODEV, "no device below");
	rc = devmgr_net_info(d->lower, &info);
	if (rc < 0)
		return devmgr_error_set(err, rc, "info of the device below: %s",
					strerror(-rc));
	d->mtu = info.mtu;
	if ((info.offload & DEVMGR_NET_OFF_TSO) &&
	    info.max_frame > info.mtu + DEVMGR_NET_HDR_LEN)
		d->mtu = info.max_frame - DEVMGR_NET_HDR_LEN;
	d->snaplen = (uint32_t)devmgr_param_int(dev, "snaplen");
	d->flush_ms = devmgr_param_int(dev, "flush_ms");
	d->path = devmgr_param_str(dev, "pcap");
	rc = net_fault_params(dev, &cfg, err);
	if (rc == 0)
		rc = fault_dirs(dev, d, &cfg, err);
	if (rc == 0 && d->path)
		rc = pcap_open(dev, d, err);
	/* The receive side draws from its own sequence, so that the faults
	 * of one direction do not shift with the traffic of the other. */
	rx_cfg = cfg;
	rx_cfg.seed = cfg.seed ^ 0x5bd1e995u;
	if (rc == 0 && d->tx_faults)
		rc = fq_init(&d->txq, ctx, &cfg, limit, 64, tx_deliver, d, err);
	if (rc == 0 && d->rx_faults)
		rc = fq_init(&d->rxq, ctx, &rx_cfg, limit, 64, rx_deliver, d,
			     err);
	if (rc == 0)
		rc = devmgr_net_set_rx(d->lower, lower_rx, d);
	if (rc < 0)
		dbg_close(d);
	return rc;
}

static void dbg_destroy(struct devmgr_device *dev)
{
	struct dbg *d = devmgr_device_priv(dev);

	devmgr_net_set_rx(d->lower, NULL, NULL);
	dbg_close(d);
}

static const struct devmgr_provider dbg_provider = {
	.size = sizeof(struct devmgr_provider),
	.name = "net-debug",
	.help = "records a net device's frames in a pcap file and injects "
		"seeded faults",
	.sig = "net",
	.sig_major = DEVMGR_NET_MAJOR,
	.sig_minor = DEVMGR_NET_MINOR,
	.ops = &dbg_ops,
	.params = dbg_params,
	.on_sig = "net",
	.on_min = 1,
	.on_max = 1,
	.priv_size = sizeof(struct dbg),
	.create = dbg_create,
	.destroy = dbg_destroy,
};

static const struct devmgr_provider *const providers[] = {
	&dbg_provider,
	NULL,
};

DEVMGR_PLUGIN("net-debug", "0.1.0", providers, NULL);
