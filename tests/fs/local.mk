# Tests of fs-fat, blk-debug and devmgr-fat against dosfstools and mtools.
