# www: the static web server app, built as an executable (main.c) and as
# the "www" plugin for "devmgr run" (plugin.c) from the same sources, and
# the demo site (site/) as a FAT image made with devmgr-fat, installed in
# $(pkgdatadir)/www where the executable's built-in configuration finds it.
# The image also holds devmgr's guide: docs/*.md rendered into /guide/ by
# guide.sh, so that the main job serves the project's own documentation.
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
EXTRA_DIST += $(WWW_SITE) apps/www/guide.sh
wwwdata_DATA = apps/www/site.img
CLEANFILES += apps/www/site.img apps/www/guide.stamp

# The guide's pages, with the device graph when Graphviz drew it.
WWW_GUIDE =
if HAVE_CMARK
WWW_GUIDE += apps/www/guide.stamp
if HAVE_DOT
WWW_GUIDE_SVG = apps/www/www-graph.svg
endif
# Every document of docs/: guide.sh renders all of them, and this list
# rebuilds the guide when one changes.
WWW_GUIDE_DOCS = $(srcdir)/docs/README.md \
	$(srcdir)/docs/blk-part.md \
	$(srcdir)/docs/cli.md \
	$(srcdir)/docs/conform.md \
	$(srcdir)/docs/fat-tool.md \
	$(srcdir)/docs/fs-host.md \
	$(srcdir)/docs/fs.md \
	$(srcdir)/docs/net.md \
	$(srcdir)/docs/plugins.md \
	$(srcdir)/docs/providers.md \
	$(srcdir)/docs/stack.md \
	$(srcdir)/docs/switch.md \
	$(srcdir)/docs/writing-a-provider.md \
	$(srcdir)/docs/writing-an-app.md \
	$(srcdir)/docs/www.md \
	$(srcdir)/docs/xen.md
apps/www/guide.stamp: $(srcdir)/apps/www/guide.sh $(WWW_GUIDE_DOCS) $(WWW_GUIDE_SVG)
	$(AM_V_GEN)rm -rf apps/www/guide && \
	sh $(srcdir)/apps/www/guide.sh '$(CMARK)' $(srcdir)/docs apps/www/guide \
		$(WWW_GUIDE_SVG) && touch $@
endif
clean-local: clean-www-guide
clean-www-guide:
	rm -rf apps/www/guide

# A 2 MiB FAT image (FAT12 by its size) with a fixed volume id, made by
# devmgr-fat mkfs and filled by put -r, which keeps the files'
# modification times: those become the Last-Modified of the responses.
# fs-fat keeps times in UTC by default (its utc_offset 0), so the image is
# the same wherever it is built.
WWW_FAT = apps/devmgr-fat/devmgr-fat$(EXEEXT) --plugin-path "$$PWD/plugins/.libs"
apps/www/site.img: $(WWW_SITE) $(WWW_GUIDE) apps/devmgr-fat/devmgr-fat$(EXEEXT) \
		plugins/blk-file.la plugins/fs-fat.la
	$(AM_V_GEN)$(MKDIR_P) apps/www && rm -f $@ $@.tmp && \
	$(WWW_FAT) -q --image $@.tmp mkfs -i 44564d57 -n DEVMGR-WWW 2M \
		>/dev/null && \
	for f in $(srcdir)/site/*; do \
		$(WWW_FAT) -q --image $@.tmp put -r "$$f" / || exit 1; \
	done && \
	if test -n "$(WWW_GUIDE)"; then \
		$(WWW_FAT) -q --image $@.tmp put -r apps/www/guide / || exit 1; \
	fi && \
	mv $@.tmp $@
