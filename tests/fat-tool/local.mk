# Tests of devmgr-fat and blk-debug against dosfstools and mtools.
