# net-socket: the stack signature over kernel sockets.
plugin_LTLIBRARIES += plugins/net-socket.la
plugins_net_socket_la_SOURCES = plugins/net-socket/net_socket.c
plugins_net_socket_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_net_socket_la_LIBADD = core/libdevmgr.la
