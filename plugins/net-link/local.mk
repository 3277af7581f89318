# net-link: an in-memory Ethernet hub.
