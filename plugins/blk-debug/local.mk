# blk-debug: a fault-injecting, tracing, checking blk interposer.
