/* test-stack-fault: a stack stacked on one stack device (net-socket in
 * faults.sh), passing every op through with its sockets wrapped.
 * fault=NAME breaks one rule of sig/stack.h, so that exactly one case of
 * "devmgr conform" fails (tests/conform/expect/stack).  Part of
 * test-conform-fault (fault.c). */
#include <devmgr/plugin.h>
#include <devmgr/sig/stack.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"

enum stack_fault {
	K_NONE,
	K_INFO,	   /* ipv4.sin_family is 0 */
	K_RAW,	   /* SOCK_RAW is -EINVAL */
	K_BIND,	   /* a bind to an address not the stack's answers 0 */
	K_ACCEPT,  /* accept with none waiting is -EINVAL */
	K_REFUSED, /* a pending error comes with WRITE */
	K_EDGE,	   /* readiness is edge-triggered */
	K_FLOOD,   /* send takes what does not fit, and drops it */
	K_NOTCONN, /* recv on an unconnected socket is -EAGAIN */
	K_SHUT,	   /* shutdown(SHUT_WR) shuts both ways */
	K_FROM,	   /* recvfrom reports the sender's port + 1 */
	K_V6,	   /* an IPv6 bind is -EADDRNOTAVAIL */
};

static const char *const stack_fault_names[] = {
	"none",	 "info",    "raw",  "bind", "accept", "refused", "edge",
	"flood", "notconn", "shut", "from", "v6",     NULL,
};

struct fstack {
	enum stack_fault fault;
};

struct fsock {
	struct devmgr_sock head;
	struct devmgr_sock *lower;
	devmgr_sock_fn fn;
	void *arg;
	unsigned last; /* the events delivered last (fault=edge) */
	bool connected;
};

static struct devmgr_stack *lower_stack(struct devmgr_stack *st)
{
	return devmgr_device_handle(devmgr_device_dep(st->dev, 0));
}

static enum stack_fault fault_of(struct devmgr_sock *s)
{
	return ((struct fstack *)s->stack->priv)->fault;
}

static struct fsock *fs_of(struct devmgr_sock *s)
{
	return (struct fsock *)s;
}

static struct devmgr_sock *low(struct devmgr_sock *s)
{
	return fs_of(s)->lower;
}

static int wrap(struct devmgr_stack *st, struct devmgr_sock *lower,
		bool connected, struct devmgr_sock **out)
{
	struct fsock *f = calloc(1, sizeof(*f));

	if (!f) {
		devmgr_sock_close(lower);
		return -ENOMEM;
	}
	f->head.stack = st;
	f->lower = lower;
	f->connected = connected;
	*out = &f->head;
	return 0;
}

static int fk_info(struct devmgr_stack *st, struct devmgr_stack_info *out)
{
	int rc = devmgr_stack_info(lower_stack(st), out);

	if (rc == 0 && ((struct fstack *)st->priv)->fault == K_INFO)
		out->ipv4.sin_family = 0;
	return rc;
}

static int fk_socket(struct devmgr_stack *st, int family, int type,
		     struct devmgr_sock **out)
{
	struct devmgr_sock *lower;
	int rc;

	if (type == SOCK_RAW && ((struct fstack *)st->priv)->fault == K_RAW)
		return -EINVAL;
	rc = devmgr_stack_socket(lower_stack(st), family, type, &lower);
	return rc < 0 ? rc : wrap(st, lower, false, out);
}

static int fk_bind(struct devmgr_sock *s, const struct sockaddr *addr,
		   socklen_t len)
{
	if (fault_of(s) == K_BIND && addr->sa_family == AF_INET &&
	    ((const struct sockaddr_in *)addr)->sin_addr.s_addr ==
		    htonl(0xc0000201)) /* 192.0.2.1 */
		return 0;
	if (fault_of(s) == K_V6 && addr->sa_family == AF_INET6)
		return -EADDRNOTAVAIL;
	return devmgr_sock_bind(low(s), addr, len);
}

static int fk_listen(struct devmgr_sock *s, int backlog)
{
	return devmgr_sock_listen(low(s), backlog);
}

static int fk_accept(struct devmgr_sock *s, struct devmgr_sock **out,
		     struct sockaddr *peer, socklen_t *len)
{
	struct devmgr_sock *lower;
	int rc = devmgr_sock_accept(low(s), &lower, peer, len);

	if (rc == -EAGAIN && fault_of(s) == K_ACCEPT)
		return -EINVAL;
	return rc < 0 ? rc : wrap(s->stack, lower, true, out);
}

static int fk_connect(struct devmgr_sock *s, const struct sockaddr *addr,
		      socklen_t len)
{
	int rc = devmgr_sock_connect(low(s), addr, len);

	if (rc == 0 || rc == -EINPROGRESS)
		fs_of(s)->connected = true;
	return rc;
}

static ssize_t fk_recv(struct devmgr_sock *s, void *buf, size_t len)
{
	ssize_t n = devmgr_sock_recv(low(s), buf, len);

	if (n == -ENOTCONN && fault_of(s) == K_NOTCONN && !fs_of(s)->connected)
		return -EAGAIN;
	return n;
}

static ssize_t fk_send(struct devmgr_sock *s, const void *buf, size_t len)
{
	ssize_t n = devmgr_sock_send(low(s), buf, len);

	if (n == -EAGAIN && fault_of(s) == K_FLOOD)
		return (ssize_t)len;
	return n;
}

static ssize_t fk_recvfrom(struct devmgr_sock *s, void *buf, size_t len,
			   struct sockaddr *from, socklen_t *fromlen)
{
	ssize_t n = devmgr_sock_recvfrom(low(s), buf, len, from, fromlen);

	if (n >= 0 && from && from->sa_family == AF_INET &&
	    fault_of(s) == K_FROM) {
		struct sockaddr_in *a = (struct sockaddr_in *)from;
		a->sin_port = htons((uint16_t)(ntohs(a->sin_port) + 1));
	}
	return n;
}

static ssize_t fk_sendto(struct devmgr_sock *s, const void *buf, size_t len,
			 const struct sockaddr *to, socklen_t tolen)
{
	return devmgr_sock_sendto(low(s), buf, len, to, tolen);
}

static int fk_shutdown(struct devmgr_sock *s, int how)
{
	if (how == SHUT_WR && fault_of(s) == K_SHUT)
		how = SHUT_RDWR;
	return devmgr_sock_shutdown(low(s), how);
}

static int fk_close(struct devmgr_sock *s)
{
	int rc = devmgr_sock_close(low(s));

	free(fs_of(s));
	return rc;
}

static void fk_events(void *arg, struct devmgr_sock *lower, unsigned events)
{
	struct fsock *f = arg;

	(void)lower;
	if ((events & DEVMGR_SOCK_ERROR) && fault_of(&f->head) == K_REFUSED)
		events |= DEVMGR_SOCK_WRITE;
	if (fault_of(&f->head) == K_EDGE && events == f->last)
		return;
	f->last = events;
	if (f->fn)
		f->fn(f->arg, &f->head, events);
}

static int fk_set_events(struct devmgr_sock *s, unsigned events,
			 devmgr_sock_fn fn, void *arg)
{
	struct fsock *f = fs_of(s);

	f->fn = fn;
	f->arg = arg;
	f->last = 0;
	return devmgr_sock_set_events(low(s), events, fn ? fk_events : NULL, f);
}

static int fk_getsockname(struct devmgr_sock *s, struct sockaddr *addr,
			  socklen_t *len)
{
	return devmgr_sock_getsockname(low(s), addr, len);
}

static int fk_getpeername(struct devmgr_sock *s, struct sockaddr *addr,
			  socklen_t *len)
{
	return devmgr_sock_getpeername(low(s), addr, len);
}

static const struct devmgr_stack_ops fk_ops = {
	.minor = DEVMGR_STACK_MINOR,
	.info = fk_info,
	.socket = fk_socket,
	.bind = fk_bind,
	.listen = fk_listen,
	.accept = fk_accept,
	.connect = fk_connect,
	.recv = fk_recv,
	.send = fk_send,
	.recvfrom = fk_recvfrom,
	.sendto = fk_sendto,
	.shutdown = fk_shutdown,
	.close = fk_close,
	.set_events = fk_set_events,
	.getsockname = fk_getsockname,
	.getpeername = fk_getpeername,
};

static int fk_create(struct devmgr_device *dev, struct devmgr_error *err)
{
	struct fstack *st = devmgr_device_priv(dev);
	int fault =
		fault_find(stack_fault_names, devmgr_param_str(dev, "fault"));

	if (fault < 0)
		return devmgr_error_set(err, -EINVAL, "unknown fault \"%s\"",
					devmgr_param_str(dev, "fault"));
	st->fault = (enum stack_fault)fault;
	return 0;
}

static const struct devmgr_param fk_params[] = {
	{ "fault", DEVMGR_PARAM_STRING, 0, "\"none\"",
	  "the rule to break (tests/conform/fault_stack.c)", 0, 0 },
	{ NULL },
};

const struct devmgr_provider fault_stack_provider = {
	.size = sizeof(struct devmgr_provider),
	.name = "test-stack-fault",
	.help = "test: the stack below, with the rule named by fault broken",
	.sig = "stack",
	.sig_major = DEVMGR_STACK_MAJOR,
	.sig_minor = DEVMGR_STACK_MINOR,
	.ops = &fk_ops,
	.params = fk_params,
	.on_sig = "stack",
	.on_min = 1,
	.on_max = 1,
	.priv_size = sizeof(struct fstack),
	.create = fk_create,
};
