# net-packet: AF_PACKET on an existing interface.
