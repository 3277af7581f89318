# The tutorials of docs/, followed for real against an installed devmgr.
TESTS += tests/guide/tutorials.sh
dist_noinst_SCRIPTS += tests/guide/tutorials.sh
