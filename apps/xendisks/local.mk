# xendisks: reports hot-plugged disks as they come and go.
