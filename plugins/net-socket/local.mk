# net-socket: the stack signature over kernel sockets.
