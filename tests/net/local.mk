# Tests of the L2 net providers (net-tap, net-link, net-packet, net-debug).
# The scripts need root and network namespaces, and skip (77) without.
check_PROGRAMS += tests/net/responder
tests_net_responder_SOURCES = tests/net/responder.c
tests_net_responder_LDADD = core/libdevmgr.la

TESTS += tests/net/tap.sh tests/net/packet.sh tests/net/debug.sh
dist_noinst_SCRIPTS += tests/net/tap.sh tests/net/packet.sh \
	tests/net/debug.sh
dist_noinst_DATA += tests/net/lib.sh

# net-link and the fault queue, linked in (no root needed).
check_PROGRAMS += tests/net/test_net_link
TESTS += tests/net/test_net_link
tests_net_test_net_link_SOURCES = tests/net/test_net_link.c \
	plugins/net-link/net_link.c plugins/net-link/fq.c \
	plugins/net-link/netutil.c
tests_net_test_net_link_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_net_test_net_link_LDADD = core/libdevmgr.la $(CHECK_LIBS) -lpthread -lm

# net-debug on a net-link port, linked in (no root needed).
check_PROGRAMS += tests/net/test_net_debug
TESTS += tests/net/test_net_debug
tests_net_test_net_debug_SOURCES = tests/net/test_net_debug.c \
	plugins/net-debug/net_debug.c plugins/net-link/net_link.c \
	plugins/net-link/fq.c plugins/net-link/netutil.c
tests_net_test_net_debug_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_net_test_net_debug_LDADD = core/libdevmgr.la $(CHECK_LIBS) -lpthread -lm

# The net-link / net-debug fuzz target (tests/fuzz/build-net.sh builds it
# with libFuzzer), its corpus replayed in make check.
check_PROGRAMS += tests/net/run_corpus_net_link
tests_net_run_corpus_net_link_SOURCES = tests/fuzz/run_corpus.c \
	tests/net/fuzz_net_link.c plugins/net-link/net_link.c \
	plugins/net-link/fq.c plugins/net-link/netutil.c \
	plugins/net-debug/net_debug.c
tests_net_run_corpus_net_link_CFLAGS = $(AM_CFLAGS)
tests_net_run_corpus_net_link_LDADD = core/libdevmgr.la -lpthread -lm
TESTS += tests/net/fuzz_replay.sh
dist_noinst_SCRIPTS += tests/net/fuzz_replay.sh tests/fuzz/build-net.sh

# net-tap linked in, in a network namespace of the test's own (root).
check_PROGRAMS += tests/net/test_net_tap
TESTS += tests/net/test_net_tap
tests_net_test_net_tap_SOURCES = tests/net/test_net_tap.c \
	plugins/net-tap/net_tap.c
tests_net_test_net_tap_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_net_test_net_tap_LDADD = core/libdevmgr.la $(CHECK_LIBS)

# net-packet linked in, on a veth pair in a namespace of its own (root).
check_PROGRAMS += tests/net/test_net_packet
TESTS += tests/net/test_net_packet
tests_net_test_net_packet_SOURCES = tests/net/test_net_packet.c \
	plugins/net-packet/net_packet.c
tests_net_test_net_packet_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_net_test_net_packet_LDADD = core/libdevmgr.la $(CHECK_LIBS)
