/* sig.c: the signatures the core knows: their versions, required ops and
 * how a device of each is described.  A new signature adds an entry here
 * and a header under devmgr/sig/. */
#include "internal.h"

#include <devmgr/sig/fs.h>
#include <devmgr/sig/net.h>
#include <devmgr/sig/stack.h>

#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

static int console_describe(void *handle, json_t *info)
{
	struct devmgr_console_info ci;
	memset(&ci, 0, sizeof(ci));
	int r = devmgr_console_info(handle, &ci);
	if (r < 0)
		return r;
	ci.name[sizeof(ci.name) - 1] = '\0';
	return json_object_set_new(info, "name", json_string(ci.name)) ? -ENOMEM
								       : 0;
}

static int blk_describe(void *handle, json_t *info)
{
	struct devmgr_blk_info bi;
	memset(&bi, 0, sizeof(bi));
	int r = devmgr_blk_info(handle, &bi);
	if (r < 0)
		return r;
	if (json_object_set_new(info, "sector_size",
				json_integer(bi.sector_size)) ||
	    json_object_set_new(info, "sectors",
				json_integer((json_int_t)bi.sectors)) ||
	    json_object_set_new(info, "read_only", json_boolean(bi.read_only)))
		return -ENOMEM;
	return 0;
}

static int net_describe(void *handle, json_t *info)
{
	struct devmgr_net_info ni;
	memset(&ni, 0, sizeof(ni));
	int r = devmgr_net_info(handle, &ni);
	if (r < 0)
		return r;
	char mac[18];
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", ni.mac[0],
		 ni.mac[1], ni.mac[2], ni.mac[3], ni.mac[4], ni.mac[5]);
	if (json_object_set_new(info, "mac", json_string(mac)) ||
	    json_object_set_new(info, "mtu", json_integer(ni.mtu)) ||
	    json_object_set_new(info, "link_up", json_boolean(ni.link_up)))
		return -ENOMEM;
	return 0;
}

static int stack_describe(void *handle, json_t *info)
{
	struct devmgr_stack_info si;
	memset(&si, 0, sizeof(si));
	int r = devmgr_stack_info(handle, &si);
	if (r < 0)
		return r;
	char a[INET6_ADDRSTRLEN];
	if (!inet_ntop(AF_INET, &si.ipv4.sin_addr, a, sizeof(a)) ||
	    json_object_set_new(info, "ipv4", json_string(a)))
		return -ENOMEM;
	if (si.has_ipv6 &&
	    (!inet_ntop(AF_INET6, &si.ipv6.sin6_addr, a, sizeof(a)) ||
	     json_object_set_new(info, "ipv6", json_string(a))))
		return -ENOMEM;
	return 0;
}

static int fs_describe(void *handle, json_t *info)
{
	struct devmgr_fs_volume v;
	memset(&v, 0, sizeof(v));
	int r = devmgr_fs_volume(handle, &v);
	if (r < 0)
		return r;
	v.type[sizeof(v.type) - 1] = '\0';
	v.label[sizeof(v.label) - 1] = '\0';
	if (json_object_set_new(info, "type", json_string(v.type)) ||
	    json_object_set_new(info, "label", json_string(v.label)) ||
	    json_object_set_new(info, "cluster_size",
				json_integer(v.cluster_size)) ||
	    json_object_set_new(info, "total_bytes",
				json_integer((json_int_t)v.total_bytes)) ||
	    json_object_set_new(info, "free_bytes",
				json_integer((json_int_t)v.free_bytes)) ||
	    json_object_set_new(info, "read_only", json_boolean(v.read_only)))
		return -ENOMEM;
	return 0;
}

static const size_t net_req[] = {
	offsetof(struct devmgr_net_ops, info),
	offsetof(struct devmgr_net_ops, sendv),
	offsetof(struct devmgr_net_ops, set_rx),
};
static const char *const net_req_names[] = { "info", "sendv", "set_rx" };

#define STACK_OP(op) offsetof(struct devmgr_stack_ops, op)
static const size_t stack_req[] = {
	STACK_OP(info),	      STACK_OP(socket),	     STACK_OP(bind),
	STACK_OP(listen),     STACK_OP(accept),	     STACK_OP(connect),
	STACK_OP(recv),	      STACK_OP(send),	     STACK_OP(recvfrom),
	STACK_OP(sendto),     STACK_OP(shutdown),    STACK_OP(close),
	STACK_OP(set_events), STACK_OP(getsockname), STACK_OP(getpeername),
};
static const char *const stack_req_names[] = {
	"info",	    "socket", "bind",	    "listen",	   "accept",
	"connect",  "recv",   "send",	    "recvfrom",	   "sendto",
	"shutdown", "close",  "set_events", "getsockname", "getpeername",
};

#define FS_OP(op) offsetof(struct devmgr_fs_ops, op)
static const size_t fs_req[] = {
	FS_OP(volume), FS_OP(open), FS_OP(pread),   FS_OP(fstat),
	FS_OP(close),  FS_OP(stat), FS_OP(readdir),
};
static const char *const fs_req_names[] = { "volume", "open", "pread",	"fstat",
					    "close",  "stat", "readdir" };

static const size_t console_req[] = {
	offsetof(struct devmgr_console_ops, info),
	offsetof(struct devmgr_console_ops, write),
};
static const char *const console_req_names[] = { "info", "write" };

static const size_t blk_req[] = {
	offsetof(struct devmgr_blk_ops, info),
	offsetof(struct devmgr_blk_ops, readv),
	offsetof(struct devmgr_blk_ops, writev),
	offsetof(struct devmgr_blk_ops, flush),
};
static const char *const blk_req_names[] = { "info", "readv", "writev",
					     "flush" };

_Static_assert(sizeof(struct devmgr_console) == sizeof(struct devmgr__handle),
	       "handles share one layout");
_Static_assert(sizeof(struct devmgr_blk) == sizeof(struct devmgr__handle),
	       "handles share one layout");
_Static_assert(sizeof(struct devmgr_net) == sizeof(struct devmgr__handle),
	       "handles share one layout");
_Static_assert(sizeof(struct devmgr_stack) == sizeof(struct devmgr__handle),
	       "handles share one layout");
_Static_assert(sizeof(struct devmgr_fs) == sizeof(struct devmgr__handle),
	       "handles share one layout");
_Static_assert(sizeof(struct devmgr_blk_info) == 32, "blk_info ABI");
_Static_assert(sizeof(struct devmgr_net_info) == 32, "net_info ABI");
_Static_assert(sizeof(struct devmgr_console_info) == 96, "console_info ABI");

#define SIG(n, M, m, req, names, desc)                                         \
	{                                                                      \
		.name = n, .major = M, .minor = m,                             \
		.handle_size = sizeof(struct devmgr__handle), .required = req, \
		.required_names = names,                                       \
		.nrequired = sizeof(req) / sizeof(req[0]), .describe = desc,   \
	}

static const struct devmgr__sig sigs[] = {
	SIG("console", DEVMGR_CONSOLE_MAJOR, DEVMGR_CONSOLE_MINOR, console_req,
	    console_req_names, console_describe),
	SIG("blk", DEVMGR_BLK_MAJOR, DEVMGR_BLK_MINOR, blk_req, blk_req_names,
	    blk_describe),
	SIG("net", DEVMGR_NET_MAJOR, DEVMGR_NET_MINOR, net_req, net_req_names,
	    net_describe),
	SIG("stack", DEVMGR_STACK_MAJOR, DEVMGR_STACK_MINOR, stack_req,
	    stack_req_names, stack_describe),
	SIG("fs", DEVMGR_FS_MAJOR, DEVMGR_FS_MINOR, fs_req, fs_req_names,
	    fs_describe),
};

const struct devmgr__sig *devmgr__sig_find(const char *name)
{
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (strcmp(sigs[i].name, name) == 0)
			return &sigs[i];
	return NULL;
}
