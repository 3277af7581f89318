# devmgr-fat: the FAT tool, an app over the fs signature.
