# Tests of net-socket, stack-lwip and the echo app.
