/* devmgr/sig/stack.h: the TCP/IP stack signature, v1.1 (minor 1: sendfile).
 * Sockets in the BSD manner, but never blocking: every call returns at once
 * (-EAGAIN, -EINPROGRESS) and readiness is reported through the devmgr event
 * loop.
 *
 * Readiness is level-triggered, as with poll(2): while a socket has an
 * event the app asked for (devmgr_sock_set_events), the stack calls the
 * app's function for it on the loop thread, again after each dispatch,
 * until the app consumes the condition or stops asking.  An app applies
 * back-pressure by not asking for READ while it cannot take more data.
 *
 * Addresses are the kernel's struct sockaddr_in and sockaddr_in6; IPv4 is
 * always there, IPv6 where the provider has it (-EAFNOSUPPORT otherwise).
 * Errors are negative errno values: -ECONNRESET, -ECONNREFUSED,
 * -EADDRINUSE, -EPIPE, -ENOTCONN, -ETIMEDOUT, -EMSGSIZE... */
#ifndef DEVMGR_SIG_STACK_H
#define DEVMGR_SIG_STACK_H

#include <devmgr/sig.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>

#define DEVMGR_STACK_MAJOR 1
#define DEVMGR_STACK_MINOR 1

struct devmgr_stack;

/* A socket.  Providers allocate it with this header first; apps never
 * look inside. */
struct devmgr_sock {
	struct devmgr_stack *stack;
	void *reserved_;
};

enum {
	DEVMGR_SOCK_READ = 1,  /* data, end of stream, or a connection to
				* accept is waiting */
	DEVMGR_SOCK_WRITE = 2, /* send would take data; a connect finished */
	DEVMGR_SOCK_ERROR = 4, /* an error is pending: the next call
				* returns it (always reported, unasked) */
};

typedef void (*devmgr_sock_fn)(void *arg, struct devmgr_sock *s,
			       unsigned events);

/* Caller supplies the storage. */
struct devmgr_stack_info {
	struct sockaddr_in ipv4;    /* sin_addr INADDR_ANY when none */
	struct sockaddr_in netmask; /* 0 for a kernel stack */
	struct sockaddr_in gateway; /* 0 when none */
	struct sockaddr_in6 ipv6;   /* sin6_family 0 when none */
	bool has_ipv6;
	uint8_t reserved[31];
};

struct devmgr_stack_ops {
	uint32_t minor; /* DEVMGR_STACK_MINOR when built */
	uint32_t reserved;
	/* valid for minor 0; all required */
	/* out arrives zeroed by the core's wrapper: set what you know. */
	int (*info)(struct devmgr_stack *st, struct devmgr_stack_info *out);
	/* family AF_INET or AF_INET6; type SOCK_STREAM or SOCK_DGRAM. */
	int (*socket)(struct devmgr_stack *st, int family, int type,
		      struct devmgr_sock **out);
	int (*bind)(struct devmgr_sock *s, const struct sockaddr *addr,
		    socklen_t len);
	int (*listen)(struct devmgr_sock *s, int backlog);
	/* -EAGAIN when no connection is waiting.  peer may be NULL. */
	int (*accept)(struct devmgr_sock *s, struct devmgr_sock **out,
		      struct sockaddr *peer, socklen_t *len);
	/* 0 when connected at once; -EINPROGRESS then WRITE (connected) or
	 * ERROR (the next call says why). */
	int (*connect)(struct devmgr_sock *s, const struct sockaddr *addr,
		       socklen_t len);
	/* Bytes read, 0 at end of stream, -EAGAIN when nothing waits. */
	ssize_t (*recv)(struct devmgr_sock *s, void *buf, size_t len);
	/* Bytes taken (maybe fewer than len), -EAGAIN when none fit. */
	ssize_t (*send)(struct devmgr_sock *s, const void *buf, size_t len);
	/* UDP.  from may be NULL. */
	ssize_t (*recvfrom)(struct devmgr_sock *s, void *buf, size_t len,
			    struct sockaddr *from, socklen_t *fromlen);
	ssize_t (*sendto)(struct devmgr_sock *s, const void *buf, size_t len,
			  const struct sockaddr *to, socklen_t tolen);
	/* how: SHUT_RD, SHUT_WR, SHUT_RDWR */
	int (*shutdown)(struct devmgr_sock *s, int how);
	/* Frees s; unsent data is still sent where the stack can. */
	int (*close)(struct devmgr_sock *s);
	/* Ask for events (a mask of DEVMGR_SOCK_*) to reach fn(arg). */
	int (*set_events)(struct devmgr_sock *s, unsigned events,
			  devmgr_sock_fn fn, void *arg);
	int (*getsockname)(struct devmgr_sock *s, struct sockaddr *addr,
			   socklen_t *len);
	int (*getpeername)(struct devmgr_sock *s, struct sockaddr *addr,
			   socklen_t *len);
	/* optional: gathered send, as send. */
	ssize_t (*sendv)(struct devmgr_sock *s, const struct iovec *iov,
			 int iovcnt);
	/* valid for minor 1 */
	/* optional: send the head's bytes (headcnt 0: none), then up to len
	 * bytes of the host file fd from off, as sendv (bytes taken, head
	 * first, maybe fewer; -EAGAIN when none fit), the file's bytes not
	 * passing through the caller; 0 when there is no head and the file
	 * ends at off (as FreeBSD's sendfile headers).  fd is only read at
	 * off (its own offset stays).  net-socket: sendmsg, then
	 * sendfile(2), never raising SIGPIPE. */
	ssize_t (*sendfile)(struct devmgr_sock *s, const struct iovec *head,
			    int headcnt, int fd, uint64_t off, size_t len);
};

struct devmgr_stack {
	DEVMGR_HANDLE_HEAD(devmgr_stack_ops);
};

static inline const struct devmgr_stack_ops *
devmgr_sock_ops_(const struct devmgr_sock *s)
{
	return s->stack->ops;
}

static inline int devmgr_stack_info(struct devmgr_stack *st,
				    struct devmgr_stack_info *out)
{
	memset(out, 0, sizeof(*out)); /* the provider sets what it knows */
	return st->ops->info(st, out);
}

static inline int devmgr_stack_socket(struct devmgr_stack *st, int family,
				      int type, struct devmgr_sock **out)
{
	return st->ops->socket(st, family, type, out);
}

static inline int devmgr_sock_bind(struct devmgr_sock *s,
				   const struct sockaddr *addr, socklen_t len)
{
	return devmgr_sock_ops_(s)->bind(s, addr, len);
}

static inline int devmgr_sock_listen(struct devmgr_sock *s, int backlog)
{
	return devmgr_sock_ops_(s)->listen(s, backlog);
}

static inline int devmgr_sock_accept(struct devmgr_sock *s,
				     struct devmgr_sock **out,
				     struct sockaddr *peer, socklen_t *len)
{
	return devmgr_sock_ops_(s)->accept(s, out, peer, len);
}

static inline int devmgr_sock_connect(struct devmgr_sock *s,
				      const struct sockaddr *addr,
				      socklen_t len)
{
	return devmgr_sock_ops_(s)->connect(s, addr, len);
}

static inline ssize_t devmgr_sock_recv(struct devmgr_sock *s, void *buf,
				       size_t len)
{
	return devmgr_sock_ops_(s)->recv(s, buf, len);
}

static inline ssize_t devmgr_sock_send(struct devmgr_sock *s, const void *buf,
				       size_t len)
{
	return devmgr_sock_ops_(s)->send(s, buf, len);
}

/* Falls back to send of the first non-empty buffer when the provider has
 * no gathered send: still correct, the caller sees a short count. */
static inline ssize_t devmgr_sock_sendv(struct devmgr_sock *s,
					const struct iovec *iov, int iovcnt)
{
	const struct devmgr_stack_ops *o = devmgr_sock_ops_(s);
	if (DEVMGR_HAS_OP(o, 0, sendv))
		return o->sendv(s, iov, iovcnt);
	for (int i = 0; i < iovcnt; i++)
		if (iov[i].iov_len)
			return o->send(s, iov[i].iov_base, iov[i].iov_len);
	return 0;
}

/* -EOPNOTSUPP from a stack without sendfile, or built before minor 1:
 * the caller reads the file and sends its bytes. */
static inline ssize_t devmgr_sock_sendfile(struct devmgr_sock *s,
					   const struct iovec *head,
					   int headcnt, int fd, uint64_t off,
					   size_t len)
{
	const struct devmgr_stack_ops *o = devmgr_sock_ops_(s);
	if (!DEVMGR_HAS_OP(o, 1, sendfile))
		return -EOPNOTSUPP;
	return o->sendfile(s, head, headcnt, fd, off, len);
}

static inline bool devmgr_stack_has_sendfile(const struct devmgr_stack *st)
{
	return DEVMGR_HAS_OP(st->ops, 1, sendfile);
}

static inline ssize_t devmgr_sock_recvfrom(struct devmgr_sock *s, void *buf,
					   size_t len, struct sockaddr *from,
					   socklen_t *fromlen)
{
	return devmgr_sock_ops_(s)->recvfrom(s, buf, len, from, fromlen);
}

static inline ssize_t devmgr_sock_sendto(struct devmgr_sock *s, const void *buf,
					 size_t len, const struct sockaddr *to,
					 socklen_t tolen)
{
	return devmgr_sock_ops_(s)->sendto(s, buf, len, to, tolen);
}

static inline int devmgr_sock_shutdown(struct devmgr_sock *s, int how)
{
	return devmgr_sock_ops_(s)->shutdown(s, how);
}

static inline int devmgr_sock_close(struct devmgr_sock *s)
{
	return devmgr_sock_ops_(s)->close(s);
}

static inline int devmgr_sock_set_events(struct devmgr_sock *s, unsigned events,
					 devmgr_sock_fn fn, void *arg)
{
	return devmgr_sock_ops_(s)->set_events(s, events, fn, arg);
}

static inline int devmgr_sock_getsockname(struct devmgr_sock *s,
					  struct sockaddr *addr, socklen_t *len)
{
	return devmgr_sock_ops_(s)->getsockname(s, addr, len);
}

static inline int devmgr_sock_getpeername(struct devmgr_sock *s,
					  struct sockaddr *addr, socklen_t *len)
{
	return devmgr_sock_ops_(s)->getpeername(s, addr, len);
}

#endif
