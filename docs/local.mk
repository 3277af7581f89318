# apps/www/www-graph.svg: the devices of the www app's built-in configuration,
# drawn by "devmgr probe --dot" at build time and installed beside the
# other documents.  Without Graphviz's dot it is left out.
if HAVE_DOT
doc_DATA = apps/www/www-graph.svg
CLEANFILES += apps/www/www-graph.svg apps/www/www-graph.json
apps/www/www-graph.svg: apps/devmgr/devmgr$(EXEEXT) apps/www/www$(EXEEXT) \
		apps/www/site.img $(plugin_LTLIBRARIES)
	$(AM_V_GEN)$(MKDIR_P) apps/www && \
	DEVMGR_PLUGIN_PATH='$(BUILD_PLUGIN_DIR)' apps/www/www --print-config \
		>apps/www/www-graph.json && \
	DEVMGR_PLUGIN_PATH='$(BUILD_PLUGIN_DIR)' apps/devmgr/devmgr -q \
		probe --dot -c apps/www/www-graph.json >$@.dot && \
	$(DOT) -Tsvg $@.dot >$@.tmp && rm -f $@.dot && mv $@.tmp $@
endif
