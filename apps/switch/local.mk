# switch: an L2 learning switch over many net ports, built twice from one
# source: an executable, and the "switch" plugin for "devmgr run".  Both
# have their own CFLAGS so that the sources get one object per target.
switch_sources = apps/switch/switch.c apps/switch/switch.h \
	apps/switch/fdb.c apps/switch/fdb.h

bin_PROGRAMS += apps/switch/switch
apps_switch_switch_SOURCES = $(switch_sources) apps/switch/main.c
apps_switch_switch_CFLAGS = $(AM_CFLAGS) -pthread
apps_switch_switch_LDADD = core/libdevmgr.la

plugin_LTLIBRARIES += plugins/switch.la
plugins_switch_la_SOURCES = $(switch_sources) apps/switch/plugin.c
plugins_switch_la_CFLAGS = $(AM_CFLAGS) -pthread
plugins_switch_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_switch_la_LIBADD = core/libdevmgr.la
