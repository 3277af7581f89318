# Tests of net-socket, stack-lwip and the echo app.  The scripts that need
# root and network namespaces skip (77) without.
STACK_TESTS = tests/stack/echo_socket.sh tests/stack/lwip_tap.sh \
	tests/stack/lwip_mss.sh tests/stack/lwip_flood.sh \
	tests/stack/lwip_csum.sh
TESTS += $(STACK_TESTS)
dist_noinst_SCRIPTS += $(STACK_TESTS) tests/stack/echo_client.py \
	tests/stack/pcap_csum.py
EXTRA_DIST += tests/stack/lib.sh

# net-socket's calls and readiness against the kernel on 127.0.0.1.
check_PROGRAMS += tests/stack/test_net_socket
TESTS += tests/stack/test_net_socket
tests_stack_test_net_socket_SOURCES = tests/stack/test_net_socket.c
tests_stack_test_net_socket_LDADD = core/libdevmgr.la

# Two stack-lwip devices over net-link, and bad frames (plugins from the
# build's plugin folder).
check_PROGRAMS += tests/stack/test_lwip_link
TESTS += tests/stack/test_lwip_link
tests_stack_test_lwip_link_SOURCES = tests/stack/test_lwip_link.c
tests_stack_test_lwip_link_LDADD = core/libdevmgr.la

# The fuzz target of stack-lwip replaying its seed corpus
# (tests/fuzz/build-stack.sh builds the libFuzzer binary).
check_PROGRAMS += tests/stack/run_lwip_frames
TESTS += tests/stack/fuzz_lwip_corpus.sh
tests_stack_run_lwip_frames_SOURCES = tests/fuzz/run_corpus.c \
	tests/fuzz/fuzz_lwip_frames.c plugins/net-lwip/stack_lwip.c \
	plugins/net-lwip/stack_lwip.h plugins/net-lwip/lw_sock.c \
	plugins/net-lwip/lw_super.c
tests_stack_run_lwip_frames_CFLAGS = $(AM_CFLAGS) $(LWIP_CFLAGS)
tests_stack_run_lwip_frames_LDADD = core/libdevmgr.la $(LWIP_LIBS) -lpthread -lm
EXTRA_tests_stack_run_lwip_frames_DEPENDENCIES = $(LWIP_DEP)
dist_noinst_SCRIPTS += tests/stack/fuzz_lwip_corpus.sh \
	tests/stack/gen_lwip_corpus.py tests/fuzz/build-stack.sh
EXTRA_DIST += tests/fuzz/fuzz_lwip_frames.c
