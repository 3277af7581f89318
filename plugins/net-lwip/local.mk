# net-lwip: the stack-lwip provider over any net device.
