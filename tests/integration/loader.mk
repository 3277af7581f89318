# Plugin loader, exported symbols and an out-of-tree plugin, seen from
# outside: real modules (tests/plugins) loaded by the real devmgr command.
TESTS += tests/integration/loader.sh tests/integration/scanner.sh \
	tests/integration/lazy.sh \
	tests/integration/exports.sh \
	tests/integration/out_of_tree.sh
dist_noinst_SCRIPTS += tests/integration/loader.sh tests/integration/scanner.sh \
	tests/integration/lazy.sh \
	tests/integration/exports.sh tests/integration/out_of_tree.sh
dist_noinst_DATA += tests/integration/exports.txt
