# www: the static web server app, built as an executable (main.c) and as
# the "www" plugin for "devmgr run" (plugin.c) from the same sources, and
# the demo site (site/) as a FAT image made with mtools, installed in
# $(pkgdatadir)/www where the executable's built-in configuration finds it.
WWW_SOURCES = apps/www/www.c apps/www/www.h apps/www/conn.c \
	apps/www/conn.h apps/www/http.c apps/www/http.h
wwwdatadir = $(pkgdatadir)/www

bin_PROGRAMS += apps/www/www
apps_www_www_SOURCES = $(WWW_SOURCES) apps/www/main.c
apps_www_www_CFLAGS = $(AM_CFLAGS)
apps_www_www_CPPFLAGS = $(AM_CPPFLAGS) \
	-DWWW_IMAGE_INSTALLED='"$(wwwdatadir)/site.img"'
apps_www_www_LDADD = core/libdevmgr.la $(HTTP_PARSER_LIBS)

plugin_LTLIBRARIES += plugins/www.la
plugins_www_la_SOURCES = $(WWW_SOURCES) apps/www/plugin.c
plugins_www_la_CFLAGS = $(AM_CFLAGS)
plugins_www_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_www_la_LIBADD = core/libdevmgr.la $(HTTP_PARSER_LIBS)

WWW_SITE = site/index.html site/style.css site/data.json \
	site/about/index.html site/docs/notes.txt site/img/logo.svg
EXTRA_DIST += $(WWW_SITE)
wwwdata_DATA = apps/www/site.img
CLEANFILES += apps/www/site.img

# A 2 MiB FAT image (mkfs.fat picks FAT12) with a fixed volume id, the
# files copied with their modification times (mcopy -m): those become the
# Last-Modified of the responses.  mkfs.fat lives in /sbin on Debian.
# mcopy writes local times; TZ=UTC makes them UTC, which is what fs-fat
# reads by default (its utc_offset 0), wherever the image is built.
apps/www/site.img: $(WWW_SITE)
	$(AM_V_GEN)$(MKDIR_P) apps/www && rm -f $@ $@.tmp && \
	TZ=UTC PATH="$$PATH:/usr/sbin:/sbin" mkfs.fat -C -i 44564d57 \
		-n DEVMGR-WWW $@.tmp 2048 >/dev/null && \
	TZ=UTC MTOOLS_SKIP_CHECK=1 mcopy -i $@.tmp -s -m -Q $(srcdir)/site/* ::/ && \
	mv $@.tmp $@
