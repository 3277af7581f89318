# Tests of net-socket, stack-lwip and the echo app.
STACK_TESTS = tests/stack/echo_socket.sh
TESTS += $(STACK_TESTS)
dist_noinst_SCRIPTS += $(STACK_TESTS) tests/stack/echo_client.py
