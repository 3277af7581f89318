# www: the static web server app, built as an executable (main.c) and as
# the "www" plugin for "devmgr run" (plugin.c) from the same sources, and
# the demo site (site/) as a FAT image made with devmgr-fat, installed in
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

# A 2 MiB FAT image (FAT12 by its size) with a fixed volume id, made by
# devmgr-fat mkfs and filled by put -r, which keeps the files'
# modification times: those become the Last-Modified of the responses.
# fs-fat keeps times in UTC by default (its utc_offset 0), so the image is
# the same wherever it is built.
WWW_FAT = apps/devmgr-fat/devmgr-fat$(EXEEXT) --plugin-path "$$PWD/plugins/.libs"
apps/www/site.img: $(WWW_SITE) apps/devmgr-fat/devmgr-fat$(EXEEXT) \
		plugins/blk-file.la plugins/fs-fat.la
	$(AM_V_GEN)$(MKDIR_P) apps/www && rm -f $@ $@.tmp && \
	$(WWW_FAT) -q --image $@.tmp mkfs -i 44564d57 -n DEVMGR-WWW 2M \
		>/dev/null && \
	for f in $(srcdir)/site/*; do \
		$(WWW_FAT) -q --image $@.tmp put -r "$$f" / || exit 1; \
	done && \
	mv $@.tmp $@
