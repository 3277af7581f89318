# net-tap: a Linux tap device.
