/* lwIP's options for devmgr's own lwIP build, compiled into the
 * stack-lwip plugin only (configure without --with-system-lwip).
 *
 * The threading is the one stack_lwip.c is written for: NO_SYS=0 with
 * the core lock, lwIP's tcpip thread running the timers, the raw API
 * only (no netconn, no sockets). */
#ifndef DEVMGR_LWIPOPTS_H
#define DEVMGR_LWIPOPTS_H

#define DEVMGR_OWN_LWIP 1

#define NO_SYS			0
#define LWIP_TCPIP_CORE_LOCKING 1
#define LWIP_NETCONN		0
#define LWIP_SOCKET		0
#define LWIP_NETIF_API		0

/* Memory from malloc: no pool sizes to outgrow. */
#define MEM_LIBC_MALLOC 1
#define MEMP_MEM_MALLOC 1
#define MEM_ALIGNMENT	8
#define LWIP_STATS	0

#define LWIP_ARP			   1
#define LWIP_ETHERNET			   1
#define ARP_QUEUEING			   1
#define ARP_QUEUE_LEN			   16
#define LWIP_IPV4			   1
#define LWIP_IPV6			   1
#define LWIP_ICMP			   1
#define LWIP_ICMP6			   1
#define LWIP_IGMP			   1
#define LWIP_IPV6_MLD			   1
#define LWIP_RAW			   0
#define LWIP_UDP			   1
#define LWIP_TCP			   1
#define LWIP_DHCP			   0
#define LWIP_AUTOIP			   0
#define LWIP_DNS			   0
#define LWIP_MULTICAST_TX_OPTIONS	   1
#define LWIP_IPV6_AUTOCONFIG		   0
#define LWIP_IPV6_DUP_DETECT_ATTEMPTS	   1
#define LWIP_IPV6_SEND_ROUTER_SOLICIT	   1
#define LWIP_RANDOMIZE_INITIAL_LOCAL_PORTS 1
#define SO_REUSE			   1
#define LWIP_TCP_KEEPALIVE		   1

/* A host, not a router: packets for other addresses are dropped. */
#define IP_FORWARD	  0
#define LWIP_IPV6_FORWARD 0

/* A stack reaches its own addresses, as a kernel's does: packets to them
 * are looped back through the tcpip thread, never sent on the link (the
 * stack conformance kit connects a stack to itself). */
#define LWIP_NETIF_LOOPBACK	1
#define LWIP_LOOPBACK_MAX_PBUFS 1024

/* Reassembly of whole 64 KiB datagrams (IPv4 and IPv6): 65535 bytes in
 * fragments of the smallest MTU the plugin accepts (576) are 119 frames,
 * one pbuf each; room for two such datagrams at once. */
#define IP_REASSEMBLY	   1
#define IP_FRAG		   1
#define IP_REASS_MAX_PBUFS 256
#define MEMP_NUM_REASSDATA 16
#define LWIP_IPV6_REASS	   1
#define LWIP_IPV6_FRAG	   1
/* The reassembly's bookkeeping holds pointers, larger than the 8 bytes
 * of a fragment header on a 64-bit host. */
#define IPV6_FRAG_COPYHEADER 1

/* Segments: TCP_MSS is the largest (an MTU of 9000, jumbo frames); the
 * MSS a connection uses and advertises follows the netif's MTU. */
#define TCP_MSS			   8960
#define TCP_CALCULATE_EFF_SEND_MSS 1

/* A 1 MiB window each way, scaled (RFC 7323). */
#define LWIP_WND_SCALE 1
#define TCP_RCV_SCALE  5
#define TCP_WND	       (1024 * 1024)
#define TCP_SND_BUF    (1024 * 1024)
/* Segments queued per connection: the buffer in full-size segments
 * several times over; a smaller MSS fills the queue before the buffer,
 * and the plugin's send offers lwIP only what the queue can take. */
#define TCP_SND_QUEUELEN  4096
#define TCP_SNDQUEUELOWAT (TCP_SND_QUEUELEN / 2)
/* lwIP still wants the low-water mark to fit 16 bits. */
#define TCP_SNDLOWAT (0xffff - 4 * TCP_MSS - 1)
#define TCP_OVERSIZE TCP_MSS

/* Out-of-order segments kept, and reported to the peer with SACK. */
#define TCP_QUEUE_OOSEQ	      1
#define LWIP_TCP_SACK_OUT     1
#define LWIP_TCP_MAX_SACK_NUM 4

/* The listen backlog also counts the half-open connections (SYN
 * received, handshake not complete) of a listener; when they fill it, the
 * oldest moves out of it for a new SYN, and a bounded number are kept
 * beyond it (lw_sock.c). */
#define TCP_LISTEN_BACKLOG	   1
#define TCP_DEFAULT_LISTEN_BACKLOG 0xff
struct tcp_pcb;
struct tcp_hdr;
signed char devmgr_lw_tcp_in(struct tcp_pcb *pcb, const struct tcp_hdr *hdr);
#define LWIP_HOOK_TCP_INPACKET_PCB(pcb, hdr, optlen, opt1len, opt2, p)         \
	devmgr_lw_tcp_in(pcb, hdr)

/* Checksums chosen per netif (NETIF_SET_CHECKSUM_CTRL), so that a device
 * that does them is left to. */
#define LWIP_CHECKSUM_CTRL_PER_NETIF 1
#define CHECKSUM_GEN_IP		     1
#define CHECKSUM_GEN_UDP	     1
#define CHECKSUM_GEN_TCP	     1
#define CHECKSUM_GEN_ICMP	     1
#define CHECKSUM_GEN_ICMP6	     1
#define CHECKSUM_CHECK_IP	     1
#define CHECKSUM_CHECK_UDP	     1
#define CHECKSUM_CHECK_TCP	     1
#define CHECKSUM_CHECK_ICMP	     1
#define CHECKSUM_CHECK_ICMP6	     1

/* RFC 6528 initial sequence numbers (stack_lwip.c). */
struct ip_addr;
unsigned int devmgr_lw_isn(const struct ip_addr *local, unsigned short lport,
			   const struct ip_addr *remote, unsigned short rport);
#define LWIP_HOOK_TCP_ISN(local_ip, local_port, remote_ip, remote_port)        \
	devmgr_lw_isn(local_ip, local_port, remote_ip, remote_port)

/* The core lock (sys_arch.c of the lwip source package's port). */
void sys_check_core_locking(void);
void sys_mark_tcpip_thread(void);
void sys_lock_tcpip_core(void);
void sys_unlock_tcpip_core(void);
#define LWIP_ASSERT_CORE_LOCKED() sys_check_core_locking()
#define LWIP_MARK_TCPIP_THREAD()  sys_mark_tcpip_thread()
#define LOCK_TCPIP_CORE()	  sys_lock_tcpip_core()
#define UNLOCK_TCPIP_CORE()	  sys_unlock_tcpip_core()

#endif
