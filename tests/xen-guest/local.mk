# The real Xen guest (tests/xen-guest/run.sh): run by scripts/test.sh on
# the normal build, not by make check (it boots Xen under QEMU for a few
# minutes, as root).  Shipped so that a release can run it too.
EXTRA_DIST += tests/xen-guest/setup.sh tests/xen-guest/build.sh \
	tests/xen-guest/run.sh tests/xen-guest/check.py tests/xen-guest/configs \
	tests/xen-guest/files
