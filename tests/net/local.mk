# Tests of the net and stack providers and the echo app.
