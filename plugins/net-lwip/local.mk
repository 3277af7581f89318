# net-lwip: the stack-lwip provider over any net device.
plugin_LTLIBRARIES += plugins/net-lwip.la
plugins_net_lwip_la_SOURCES = plugins/net-lwip/stack_lwip.c \
	plugins/net-lwip/stack_lwip.h plugins/net-lwip/lw_sock.c \
	plugins/net-lwip/lw_super.c
plugins_net_lwip_la_CFLAGS = $(AM_CFLAGS) $(LWIP_CFLAGS)
plugins_net_lwip_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_net_lwip_la_LIBADD = core/libdevmgr.la $(LWIP_LIBS) -lpthread -lm
EXTRA_plugins_net_lwip_la_DEPENDENCIES = $(LWIP_DEP)
EXTRA_DIST += plugins/net-lwip/lwipopts.h plugins/net-lwip/arch/cc.h

if LWIP_OWN
# lwIP 2.1.3 from the lwip source package ($(LWIP_SRC), outside the
# tree), with lwipopts.h: a libtool convenience library linked into the
# plugin only, its symbols hidden.  The files are compiled from where
# the package lies, their objects kept in the build tree.
LWIP_UNITS = src__core__init src__core__def src__core__inet_chksum \
	src__core__ip src__core__mem src__core__memp \
	src__core__netif src__core__pbuf src__core__stats \
	src__core__sys src__core__tcp src__core__tcp_in \
	src__core__tcp_out src__core__timeouts src__core__udp \
	src__core__ipv4__etharp src__core__ipv4__icmp src__core__ipv4__igmp \
	src__core__ipv4__ip4_frag src__core__ipv4__ip4 src__core__ipv4__ip4_addr \
	src__core__ipv6__ethip6 src__core__ipv6__icmp6 src__core__ipv6__inet6 \
	src__core__ipv6__ip6 src__core__ipv6__ip6_addr src__core__ipv6__ip6_frag \
	src__core__ipv6__mld6 src__core__ipv6__nd6 \
	src__api__tcpip src__netif__ethernet port__sys_arch
LWIP_COMPILE = $(LIBTOOL) $(AM_V_lt) --tag=CC --mode=compile $(CC) \
	$(DEFS) $(LWIP_CFLAGS) $(CPPFLAGS) $(CFLAGS) -fvisibility=hidden
plugins/net-lwip/liblwip.la: Makefile $(srcdir)/plugins/net-lwip/lwipopts.h \
		$(srcdir)/plugins/net-lwip/arch/cc.h
	$(AM_V_GEN)$(MKDIR_P) plugins/net-lwip/lwip-obj && \
	objs= && for u in $(LWIP_UNITS); do \
		f=`echo $$u | sed 's|__|/|g'` && \
		$(LWIP_COMPILE) -c -o plugins/net-lwip/lwip-obj/$$u.lo \
			$(LWIP_SRC)/$$f.c || exit 1; \
		objs="$$objs plugins/net-lwip/lwip-obj/$$u.lo"; \
	done && \
	$(LIBTOOL) $(AM_V_lt) --tag=CC --mode=link $(CC) $(CFLAGS) \
		$(LDFLAGS) -o $@ $$objs
endif
clean-local: clean-lwip
clean-lwip:
	-rm -rf plugins/net-lwip/lwip-obj plugins/net-lwip/liblwip.la \
		plugins/net-lwip/.libs/liblwip.*
