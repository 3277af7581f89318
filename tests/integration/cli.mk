# Integration tests of the devmgr command (CONTRACT.md): configuration cases,
# verbs and exit statuses, reload, scale, valgrind.
DEVMGR_CLI_TESTS = \
	tests/integration/config_cases.sh \
	tests/integration/hardening.sh \
	tests/integration/cli.sh \
	tests/integration/cli_common.sh \
	tests/integration/signals.sh \
	tests/integration/dot.sh \
	tests/integration/reload.sh \
	tests/integration/many.sh \
	tests/integration/valgrind.sh
TESTS += $(DEVMGR_CLI_TESTS)
dist_noinst_SCRIPTS += $(DEVMGR_CLI_TESTS)
