# Tests of the switch app.
