# The tutorials of docs/, followed for real against an installed devmgr.
TESTS += tests/guide/tutorials.sh
dist_noinst_SCRIPTS += tests/guide/tutorials.sh
# The main job's site serves the guide (docs/ rendered at build time).
TESTS += tests/guide/site.sh
dist_noinst_SCRIPTS += tests/guide/site.sh
# tutorials.sh runs "make install", and libtool relinks each plugin in
# plugins/.libs on the way: a test loading plugins meanwhile can find a
# file cut short.  So it runs first, and every other test after it.
$(TEST_LOGS:tests/guide/tutorials.sh.log=): tests/guide/tutorials.sh.log
