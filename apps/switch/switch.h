/* switch.h: the switch's forwarding engine, shared by the app
 * (switch.c), its tests and its fuzz target.  One struct sw per running
 * switch: the forwarding table and the ports, each port a net device
 * with its counters.  Everything runs on the devmgr loop thread. */
#ifndef SWITCH_SWITCH_H
#define SWITCH_SWITCH_H

#include "fdb.h"

#include <devmgr/sig/console.h>
#include <devmgr/sig/net.h>

#include <pthread.h>
#include <signal.h>

struct switch_devs {
	devmgr_net_set ports;
	struct devmgr_console *log;
};

struct sw_counters {
	uint64_t rx_frames, rx_bytes; /* every frame that came in */
	uint64_t tx_frames, tx_bytes; /* sent out of this port */
	uint64_t flooded;	      /* came in, sent to every other port */
	uint64_t filtered;   /* came in for a station on this same port */
	uint64_t invalid;    /* came in too short or from a group address */
	uint64_t tx_dropped; /* to go out, but the device was busy */
	uint64_t tx_errors;  /* to go out, refused (too big for the MTU...) */
	uint64_t reserved;   /* to 01:80:c2:00:00:0x: never forwarded */
	uint64_t blocked;    /* came in while the port was blocked */
	uint64_t storms;     /* times the port was blocked */
};

struct sw;

struct sw_port {
	struct sw *sw;
	struct devmgr_net *net; /* borrowed while the port is in */
	unsigned id;		/* index in sw->ports and port in the fdb */
	char name[64];		/* the device id */
	uint8_t mac[6];
	uint32_t mtu;
	/* Storm guard: frames this port flooded in the window that started
	 * at win_start; blocked until blocked_until (0: not blocked). */
	uint64_t win_start, blocked_until;
	uint64_t win_floods;
	struct sw_counters c;
};

struct sw {
	struct devmgr_console *log; /* may be NULL (tests) */
	struct fdb fdb;
	uint64_t (*clock)(void); /* ms on a monotonic clock */
	uint64_t storm_limit;	 /* flooded frames a second per port; 0: off */
	uint64_t storm_hold;	 /* ms a port that exceeds it stays blocked */
	struct sw_port **ports;	 /* nslots, NULL where free */
	size_t nslots, nports;
	bool stopping; /* no "left" lines when all ports go at stop */
	int sigfd;
	struct devmgr_watch *sigwatch;
	bool masked;
	sigset_t oldmask;
};

/* table_size entries at most; ageing_ms 0: never.  The storm guard
 * starts off (storm_limit 0). */
int sw_init(struct sw *sw, struct devmgr_console *log, size_t table_size,
	    uint64_t ageing_ms);
/* Removes every port, frees the table. */
void sw_fini(struct sw *sw);
/* Take n as a port: its receiver is set to the switch. */
int sw_port_add(struct sw *sw, struct devmgr_net *n);
/* Release n's port (receiver cleared) and forget its addresses. */
void sw_port_remove(struct sw *sw, struct devmgr_net *n);
/* One frame that came in on port in. */
void sw_input(struct sw_port *in, const void *frame, size_t len);
/* Counters on the console; with table, every table entry too. */
void sw_report(struct sw *sw, bool table);

#endif
