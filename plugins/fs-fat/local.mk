# fs-fat: FAT12/16/32 over any blk device.
