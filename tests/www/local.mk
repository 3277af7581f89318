# Tests of the www app.
