# Tests of net-socket, stack-lwip and the echo app.  The scripts that need
# root and network namespaces skip (77) without.
STACK_TESTS = tests/stack/echo_socket.sh tests/stack/lwip_tap.sh
TESTS += $(STACK_TESTS)
dist_noinst_SCRIPTS += $(STACK_TESTS) tests/stack/echo_client.py

# Two stack-lwip devices over net-link, and bad frames (plugins from the
# build's plugin folder).
check_PROGRAMS += tests/stack/test_lwip_link
TESTS += tests/stack/test_lwip_link
tests_stack_test_lwip_link_SOURCES = tests/stack/test_lwip_link.c
tests_stack_test_lwip_link_LDADD = core/libdevmgr.la
