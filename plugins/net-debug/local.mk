# net-debug: a pcap-writing, fault-injecting net interposer.
plugin_LTLIBRARIES += plugins/net-debug.la
plugins_net_debug_la_SOURCES = plugins/net-debug/net_debug.c \
	plugins/net-link/fq.c plugins/net-link/fq.h \
	plugins/net-link/netutil.c plugins/net-link/netutil.h
plugins_net_debug_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_net_debug_la_LIBADD = core/libdevmgr.la -lpthread -lm
