# Tests of the xenstore source against a real xenstored (tests/xen/xsd.sh
# starts one in a private folder, with the hypervisor test double
# xsstub.so preloaded), and the replay of the xenstore fuzz corpus.  A
# build without xenstore builds and runs none of them.

if HAVE_XENSTORE
# xsstub.so is built without the build's CFLAGS: it is preloaded into
# Debian's xenstored, which carries no sanitizer runtime.  (Automake has
# no primary for a check-time data file here; the corpus runner, built
# for make check, depends on it.)
CLEANFILES += tests/xen/xsstub.so
tests/xen/xsstub.so: $(srcdir)/tests/xen/xsstub.c
	@mkdir -p tests/xen
	$(AM_V_CC)$(CC) -std=gnu11 -O2 -g -fPIC -shared -fvisibility=hidden \
		$(XENSTORE_CFLAGS) -o $@ $(srcdir)/tests/xen/xsstub.c -ldl

# The fuzz target runs over the core's own sources, since the mapping it
# drives is internal to libdevmgr.
check_PROGRAMS += tests/xen/run_xs_corpus
tests_xen_run_xs_corpus_SOURCES = $(core_libdevmgr_la_SOURCES) \
	tests/fuzz/fuzz_xenstore.c tests/fuzz/run_corpus.c \
	plugins/blk-ram/blk_ram.c plugins/console/console.c
tests_xen_run_xs_corpus_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core/src
tests_xen_run_xs_corpus_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) \
	$(XENSTORE_CFLAGS)
tests_xen_run_xs_corpus_LDADD = $(JANSSON_LIBS) $(XENSTORE_LIBS) $(DL_LIBS) \
	-lpthread
EXTRA_tests_xen_run_xs_corpus_DEPENDENCIES = tests/xen/xsstub.so

# Unit tests of the mapping, over the core's sources too.
check_PROGRAMS += tests/xen/test_xs_map
TESTS += tests/xen/test_xs_map
tests_xen_test_xs_map_SOURCES = $(core_libdevmgr_la_SOURCES) \
	tests/xen/test_xs_map.c plugins/blk-ram/blk_ram.c
tests_xen_test_xs_map_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core/src
tests_xen_test_xs_map_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(JANSSON_CFLAGS) \
	$(XENSTORE_CFLAGS)
tests_xen_test_xs_map_LDADD = $(CHECK_LIBS) $(JANSSON_LIBS) $(XENSTORE_LIBS) \
	$(DL_LIBS) -lpthread

# xenpin: a test app with a required disk that does not take hot-plug.
check_LTLIBRARIES += tests/xen/xenpin.la
tests_xen_xenpin_la_SOURCES = tests/xen/xenpin.c
tests_xen_xenpin_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_xen_xenpin_la_LIBADD = core/libdevmgr.la

XEN_TESTS = \
	tests/xen/fuzz_corpus.sh \
	tests/xen/xsd_selftest.sh \
	tests/xen/lifecycle.sh \
	tests/xen/hostile.sh \
	tests/xen/storm.sh \
	tests/xen/pinned.sh \
	tests/xen/vif.sh \
	tests/xen/www.sh \
	tests/xen/flood.sh \
	tests/xen/restore.sh \
	tests/xen/late_node.sh \
	tests/xen/blkxen.sh
TESTS += $(XEN_TESTS)
endif
dist_noinst_SCRIPTS += $(XEN_TESTS) tests/xen/xsd.sh tests/xen/common.sh \
	tests/fuzz/build-xen.sh
EXTRA_DIST += tests/xen/xsstub.c
