#!/bin/sh
# xsd_selftest.sh: the harness itself: the real xenstored runs under the
# hypervisor test double; writes, reads, watches, transactions (through
# xenstore-write of several nodes) and permissions work; it stops and
# starts again with an empty store.
set -u
: "${top_builddir:?}" "${top_srcdir:?}"
. "$top_srcdir/tests/xen/xsd.sh"
xsd_init
xsd_start

pass=0 fail=0
ok() { echo "PASS: $1"; pass=$((pass + 1)); }
ko() { echo "FAIL: $1"; fail=$((fail + 1)); }

xsw /local/domain/0/name Domain-0
[ "$(xenstore-read /local/domain/0/name)" = Domain-0 ] && ok "write then read" || ko "write then read"

xenstore-watch -n 2 /local/domain/3 >"$XSD_DIR/watch" 2>&1 &
wpid=$!
sleep 0.2
xsw /local/domain/3/x 1
wait $wpid
grep -q '^/local/domain/3/x' "$XSD_DIR/watch" && ok "watch fires" || { ko "watch fires"; cat "$XSD_DIR/watch"; }

xsd_domain 3
# Domain 3 may read its home but not write it: the daemon's permissions.
if xenstore-ls -p /local/domain | grep -q "^ *3 = .*(n0,r3)"; then
	ok "permissions set"
else
	ko "permissions set"; xenstore-ls -p /local/domain
fi
xenstore-rm /local/domain/3/x
xenstore-read /local/domain/3/x >/dev/null 2>&1 && ko "rm removes" || ok "rm removes"

xsd_stop
xenstore-read /local/domain/0/name >/dev/null 2>&1 && ko "stopped daemon answers" || ok "stopped daemon answers nothing"
xsd_start
xenstore-read /local/domain/0/name >/dev/null 2>&1 && ko "restart gives an empty store" || ok "restart gives an empty store"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
