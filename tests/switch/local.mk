# Tests of the switch app: the forwarding table (Check), the fuzz corpus
# of the forwarding engine, and the app end to end.
check_PROGRAMS += tests/switch/test_fdb tests/switch/run_corpus_switch
TESTS += tests/switch/test_fdb tests/switch/fuzz_corpus.sh
dist_noinst_SCRIPTS += tests/switch/fuzz_corpus.sh tests/fuzz/build-switch.sh
EXTRA_DIST += tests/fuzz/corpus/switch

tests_switch_test_fdb_SOURCES = tests/switch/test_fdb.c apps/switch/fdb.c \
	apps/switch/fdb.h
tests_switch_test_fdb_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_switch_test_fdb_LDADD = $(CHECK_LIBS)

tests_switch_run_corpus_switch_SOURCES = tests/fuzz/run_corpus.c \
	tests/switch/fuzz_switch.c $(switch_sources)
tests_switch_run_corpus_switch_CFLAGS = $(AM_CFLAGS) -pthread
tests_switch_run_corpus_switch_LDADD = core/libdevmgr.la

# The app in this process on net-link ports (providers from the plugin
# path, the app linked in).
check_PROGRAMS += tests/switch/test_switch
TESTS += tests/switch/test_switch
tests_switch_test_switch_SOURCES = tests/switch/test_switch.c \
	$(switch_sources) apps/switch/plugin.c
tests_switch_test_switch_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) -pthread
tests_switch_test_switch_LDADD = core/libdevmgr.la $(CHECK_LIBS)

# Between kernel network stacks in namespaces (root; skips without).
TESTS += tests/switch/netns.sh
dist_noinst_SCRIPTS += tests/switch/netns.sh tests/switch/tcp_xfer.py

# Tagged and link-local frames, and the loop guard on a real loop
# through a Linux bridge (root; skips without).
TESTS += tests/switch/netns_l2.sh
dist_noinst_SCRIPTS += tests/switch/netns_l2.sh tests/switch/vlan_frames.py

# The executable and "devmgr run switch": start, report, stop, and every
# bad app configuration refused with its error.
TESTS += tests/switch/cli.sh
dist_noinst_SCRIPTS += tests/switch/cli.sh

# A vif hot-plugged through xenstore (root and xenstored; skips without).
TESTS += tests/switch/xen.sh
dist_noinst_SCRIPTS += tests/switch/xen.sh
dist_noinst_DATA += tests/switch/lib.sh

# iperf3 TCP across net-packet ports between namespaces whose veths
# offload, against the same with the offloads off; tshark on the wire
# (root, iperf3, ethtool, tshark; skips without).
TESTS += tests/switch/offload.sh
dist_noinst_SCRIPTS += tests/switch/offload.sh
