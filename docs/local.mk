# apps/www/www-graph.svg: the devices of the www app's built-in configuration,
# drawn by "devmgr probe --dot" at build time and installed beside the
# other documents and in the site's guide.  Without Graphviz's dot it is
# left out.  The configuration is the built-in one on an empty image of
# its own (the site image holds the graph, so it cannot be the input).
if HAVE_DOT
doc_DATA = apps/www/www-graph.svg
CLEANFILES += apps/www/www-graph.svg apps/www/www-graph.json \
	apps/www/www-graph.img
apps/www/www-graph.svg: apps/devmgr/devmgr$(EXEEXT) apps/www/www$(EXEEXT) \
		apps/devmgr-fat/devmgr-fat$(EXEEXT) $(plugin_LTLIBRARIES)
	$(AM_V_GEN)$(MKDIR_P) apps/www && rm -f apps/www/www-graph.img && \
	$(WWW_FAT) -q --image apps/www/www-graph.img mkfs 1M >/dev/null && \
	DEVMGR_WWW_IMAGE="$$PWD/apps/www/www-graph.img" \
		DEVMGR_PLUGIN_PATH='$(BUILD_PLUGIN_DIR)' apps/www/www --print-config \
		>apps/www/www-graph.json && \
	DEVMGR_PLUGIN_PATH='$(BUILD_PLUGIN_DIR)' apps/devmgr/devmgr -q \
		probe --dot -c apps/www/www-graph.json >$@.dot && \
	$(DOT) -Tsvg $@.dot >$@.tmp && rm -f $@.dot && mv $@.tmp $@
endif
