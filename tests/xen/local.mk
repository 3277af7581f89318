# Tests of the xenstore source against a real xenstored.
