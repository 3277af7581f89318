/* xsstub.c: a TEST DOUBLE FOR THE HYPERVISOR ONLY.  LD_PRELOADed into
 * Debian's real C xenstored (started with -N) so that it runs on a machine
 * without Xen.  It stands in for the few libxenctrl, libxenevtchn and
 * libxengnttab entry points that xenstored calls at start-up and while it
 * runs, and redirects its two /proc/xen files to ordinary files:
 *
 *   xc_interface_open/close    a dummy handle
 *   xc_domain_getinfo          only dom0 exists, alive
 *   xenevtchn_*                an eventfd that never fires (no guest rings);
 *                              ports are handed out from a counter
 *   xengnttab_*                anonymous pages for grant maps
 *   /proc/xen/xsd_port         "$DIR/xsd_port" (an event channel number)
 *   /proc/xen/xsd_kva          "$DIR/xsd_kva" (one zeroed page: dom0's
 *                              ring, which stays empty)
 *
 * tests/xen/blkxen.sh preloads it into devmgr as well, for blk-xen's side:
 *   xenevtchn_bind_unbound_port  a port from the counter
 *   xengntshr_*                  anonymous pages, references from a counter
 *
 * DIR is $XSSTUB_DIR, else $XENSTORED_RUNDIR; the files are created when
 * absent.  Everything that the tests exercise (the socket protocol, nodes,
 * watches, transactions, permissions, quotas) is the real daemon's code:
 * clients talk to it over its Unix socket.  The symbol list was taken from
 * "nm -D --undefined-only xenstored"; the /proc/xen opens from strace. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xenctrl.h>
#include <xenevtchn.h>
#include <xengnttab.h>

#define STUB_API __attribute__((visibility("default")))

/* ---- /proc/xen redirection -------------------------------------------- */

static const char *stub_dir(void)
{
	const char *d = getenv("XSSTUB_DIR");
	if (!d || !*d)
		d = getenv("XENSTORED_RUNDIR");
	return d && *d ? d : "/tmp";
}

/* Create name in the stub's folder with content (len bytes) if absent;
 * return its path in buf, or NULL. */
static const char *stub_file(char *buf, size_t size, const char *name,
			     const void *content, size_t len)
{
	int (*real_open)(const char *, int, ...) =
		(int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
	snprintf(buf, size, "%s/%s", stub_dir(), name);
	int fd = real_open(buf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == EEXIST ? buf : NULL;
	ssize_t n = write(fd, content, len);
	close(fd);
	return n == (ssize_t)len ? buf : NULL;
}

static const char *redirect(const char *path, char *buf, size_t size)
{
	static char page[4096];
	if (!path)
		return path;
	if (strcmp(path, "/proc/xen/xsd_port") == 0)
		return stub_file(buf, size, "xsd_port", "1\n", 2);
	if (strcmp(path, "/proc/xen/xsd_kva") == 0)
		return stub_file(buf, size, "xsd_kva", page, sizeof(page));
	return path;
}

STUB_API int open(const char *path, int flags, ...)
{
	static int (*real)(const char *, int, ...);
	char buf[4096];
	mode_t mode = 0;
	if (flags & (O_CREAT | O_TMPFILE)) {
		va_list ap;
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if (!real)
		real = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT,
							      "open");
	const char *p = redirect(path, buf, sizeof(buf));
	if (!p) {
		errno = ENOENT;
		return -1;
	}
	return real(p, flags, mode);
}

STUB_API int open64(const char *path, int flags, ...)
{
	mode_t mode = 0;
	if (flags & (O_CREAT | O_TMPFILE)) {
		va_list ap;
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	return open(path, flags, mode);
}

/* ---- libxenctrl -------------------------------------------------------- */

struct xc_interface_core {
	int dummy;
};

STUB_API xc_interface *xc_interface_open(xentoollog_logger *logger,
					 xentoollog_logger *dombuild_logger,
					 unsigned open_flags)
{
	(void)logger;
	(void)dombuild_logger;
	(void)open_flags;
	return calloc(1, sizeof(struct xc_interface_core));
}

STUB_API int xc_interface_close(xc_interface *xch)
{
	free(xch);
	return 0;
}

/* Only dom0 exists, and it is running. */
STUB_API int xc_domain_getinfo(xc_interface *xch, uint32_t first_domid,
			       unsigned int max_doms, xc_dominfo_t *info)
{
	(void)xch;
	if (first_domid != 0 || max_doms < 1)
		return 0;
	memset(info, 0, sizeof(*info));
	info->domid = 0;
	info->running = 1;
	return 1;
}

/* ---- libxenevtchn ------------------------------------------------------ */

struct xenevtchn_handle {
	int fd;
	evtchn_port_t next_port;
	evtchn_port_t pending;
};

static xenevtchn_handle *evtchn_new(int fd)
{
	xenevtchn_handle *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->fd = fd;
	h->next_port = 100;
	return h;
}

STUB_API xenevtchn_handle *xenevtchn_open(xentoollog_logger *logger,
					  unsigned int flags)
{
	(void)logger;
	(void)flags;
	int fd = eventfd(0, EFD_NONBLOCK);
	if (fd < 0)
		return NULL;
	xenevtchn_handle *h = evtchn_new(fd);
	if (!h)
		close(fd);
	return h;
}

STUB_API xenevtchn_handle *xenevtchn_fdopen(struct xentoollog_logger *logger,
					    int fd, unsigned int flags)
{
	(void)logger;
	(void)flags;
	return evtchn_new(fd);
}

STUB_API int xenevtchn_close(xenevtchn_handle *xce)
{
	if (xce) {
		close(xce->fd);
		free(xce);
	}
	return 0;
}

STUB_API int xenevtchn_fd(xenevtchn_handle *xce)
{
	return xce->fd;
}

STUB_API int xenevtchn_notify(xenevtchn_handle *xce, evtchn_port_t port)
{
	(void)xce;
	(void)port;
	return 0;
}

STUB_API xenevtchn_port_or_error_t xenevtchn_bind_interdomain(
	xenevtchn_handle *xce, uint32_t domid, evtchn_port_t remote_port)
{
	(void)domid;
	(void)remote_port;
	return (xenevtchn_port_or_error_t)xce->next_port++;
}

STUB_API xenevtchn_port_or_error_t xenevtchn_bind_virq(xenevtchn_handle *xce,
						       unsigned int virq)
{
	(void)virq;
	return (xenevtchn_port_or_error_t)xce->next_port++;
}

/* blk-xen's side (tests/xen/blkxen.sh preloads the stub into devmgr
 * too): an unbound port for the backend domain. */
STUB_API xenevtchn_port_or_error_t
xenevtchn_bind_unbound_port(xenevtchn_handle *xce, uint32_t domid)
{
	(void)domid;
	return (xenevtchn_port_or_error_t)xce->next_port++;
}

STUB_API int xenevtchn_unbind(xenevtchn_handle *xce, evtchn_port_t port)
{
	(void)xce;
	(void)port;
	return 0;
}

/* The eventfd never becomes readable, so xenstored never asks; answer
 * anyway with "nothing pending" on port 0 rather than an error. */
STUB_API xenevtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *xce)
{
	uint64_t n;
	if (read(xce->fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return -1;
	return (xenevtchn_port_or_error_t)xce->pending;
}

STUB_API int xenevtchn_unmask(xenevtchn_handle *xce, evtchn_port_t port)
{
	(void)xce;
	(void)port;
	return 0;
}

/* ---- libxengnttab ------------------------------------------------------ */

struct xengntdev_handle {
	int dummy;
};

STUB_API xengnttab_handle *xengnttab_open(xentoollog_logger *logger,
					  unsigned int open_flags)
{
	(void)logger;
	(void)open_flags;
	return calloc(1, sizeof(struct xengntdev_handle));
}

STUB_API int xengnttab_close(xengnttab_handle *xgt)
{
	free(xgt);
	return 0;
}

STUB_API int xengnttab_set_max_grants(xengnttab_handle *xgt, uint32_t count)
{
	(void)xgt;
	(void)count;
	return 0;
}

/* A guest's ring page: a fresh zeroed page (empty rings). */
STUB_API void *xengnttab_map_grant_ref(xengnttab_handle *xgt, uint32_t domid,
				       uint32_t ref, int prot)
{
	(void)xgt;
	(void)domid;
	(void)ref;
	void *p = mmap(NULL, 4096, prot ? prot : PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

STUB_API int xengnttab_unmap(xengnttab_handle *xgt, void *start_address,
			     uint32_t count)
{
	(void)xgt;
	return munmap(start_address, (size_t)count * 4096);
}

/* ---- libxengnttab's sharing half (blk-xen) ----------------------------- */

/* Shared pages are anonymous pages with references from a counter: no
 * backend maps them, so a frontend under test sees its states and keys
 * but no I/O. */
struct xengntdev_handle_shr {
	uint32_t next_ref;
};

STUB_API xengntshr_handle *xengntshr_open(xentoollog_logger *logger,
					  unsigned int open_flags)
{
	(void)logger;
	(void)open_flags;
	struct xengntdev_handle_shr *h = calloc(1, sizeof(*h));
	if (h)
		h->next_ref = 8;
	return (xengntshr_handle *)h;
}

STUB_API int xengntshr_close(xengntshr_handle *xgs)
{
	free(xgs);
	return 0;
}

STUB_API void *xengntshr_share_pages(xengntshr_handle *xgs, uint32_t domid,
				     int count, uint32_t *refs, int writable)
{
	struct xengntdev_handle_shr *h = (struct xengntdev_handle_shr *)xgs;
	(void)domid;
	(void)writable;
	void *p = mmap(NULL, (size_t)count * 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	for (int i = 0; i < count; i++)
		refs[i] = h->next_ref++;
	return p;
}

STUB_API int xengntshr_unshare(xengntshr_handle *xgs, void *start_address,
			       uint32_t count)
{
	(void)xgs;
	return munmap(start_address, (size_t)count * 4096);
}
