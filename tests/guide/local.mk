# The tutorials of docs/, followed for real against an installed devmgr.
TESTS += tests/guide/tutorials.sh
dist_noinst_SCRIPTS += tests/guide/tutorials.sh
# The main job's site serves the guide (docs/ rendered at build time).
TESTS += tests/guide/site.sh
dist_noinst_SCRIPTS += tests/guide/site.sh
