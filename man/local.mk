# Man pages, written by hand in man(7); checked for formatting warnings and
# against each program's --help.
dist_man_MANS = man/devmgr.1 man/devmgr.json.5 man/devmgr-fat.1 man/www.1
DEVMGR_MAN_TESTS = man/lint.sh man/options.sh
TESTS += $(DEVMGR_MAN_TESTS)
dist_noinst_SCRIPTS += $(DEVMGR_MAN_TESTS)
