# net-link: an in-memory Ethernet hub.  netutil.c (the fault parameters)
# and fq.c (the fault-injecting delivery queue) are shared with net-debug,
# which compiles them in too; what every net provider shares is the kit
# in libdevmgr (devmgr/provider/net.h).
plugin_LTLIBRARIES += plugins/net-link.la
plugins_net_link_la_SOURCES = plugins/net-link/net_link.c \
	plugins/net-link/fq.c plugins/net-link/fq.h \
	plugins/net-link/netutil.c plugins/net-link/netutil.h
plugins_net_link_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_net_link_la_LIBADD = core/libdevmgr.la -lpthread -lm
