# echo: TCP and UDP echo over any stack, built twice from one source: an
# executable, and the "echo" plugin for "devmgr run".
bin_PROGRAMS += apps/echo/echo
apps_echo_echo_SOURCES = apps/echo/echo.c apps/echo/main.c
apps_echo_echo_CFLAGS = $(AM_CFLAGS)
apps_echo_echo_LDADD = core/libdevmgr.la

plugin_LTLIBRARIES += plugins/echo.la
plugins_echo_la_SOURCES = apps/echo/echo.c apps/echo/plugin.c
plugins_echo_la_CFLAGS = $(AM_CFLAGS)
plugins_echo_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_echo_la_LIBADD = core/libdevmgr.la
