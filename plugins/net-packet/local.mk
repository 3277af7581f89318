# net-packet: AF_PACKET on an existing interface.
plugin_LTLIBRARIES += plugins/net-packet.la
plugins_net_packet_la_SOURCES = plugins/net-packet/net_packet.c
plugins_net_packet_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_net_packet_la_LIBADD = core/libdevmgr.la
