/* testprov: the test providers of test_graph and test_app, defined in
 * testprov.c and found through the devmgr_plugins linker section of the
 * program they are linked into (plugin "t-prov"):
 *  - t-blk, a blk device (testlib_blk_ops);
 *  - t-stack, a blk device on 1 to 4 blk devices;
 *  - t-con, a console.
 * Each takes the bool parameter "fail", which makes create() fail with
 * -EIO.  create() appends "+id" to tlog, or "!id" when asked to fail, and
 * destroy() appends "-id", each after a space unless tlog is empty. */
#ifndef DEVMGR_TESTPROV_H
#define DEVMGR_TESTPROV_H

extern char tlog[8192];

#endif /* DEVMGR_TESTPROV_H */
