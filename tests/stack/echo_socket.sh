#!/bin/sh
# echo_socket.sh: the echo app on net-socket at 127.0.0.1, as its own
# executable and through "devmgr run echo": TCP and UDP round trips from
# kernel-socket clients (1 MiB byte for byte on one connection, several
# connections at once), the port-in-use error, the ports and address
# parameters, and bad parameter values.
set -u

. "${top_srcdir:?}/tests/stack/lib.sh"
stack_init echo_socket

# A port nobody listens on now (the kernel's choice).
free_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

config() { # config FILE PORT [DEVICE-PARAMS]
	params=${3-}
	[ $# -ge 3 ] || params=', "address": "127.0.0.1"'
	cat >"$1" <<JSON
{ "devmgr": 1,
  "devices": { "net": { "provider": "net-socket"$params } },
  "app": { "name": "echo", "bind": { "net": "net" }, "args": { "port": $2 } } }
JSON
}

# round_trips NAME PORT: the client checks everything against a running echo.
round_trips() {
	if "$PY" "$CLIENT" wait 127.0.0.1 "$2" 10 2>"$tmp/client.err"; then
		ok "$1: accepts connections"
	else
		ko "$1: accepts connections"; return
	fi
	if "$PY" "$CLIENT" tcp 127.0.0.1 "$2" 1048576 2>"$tmp/client.err"; then
		ok "$1: 1 MiB echoed byte for byte on one TCP connection"
	else
		ko "$1: 1 MiB on one TCP connection"
	fi
	if "$PY" "$CLIENT" tcp 127.0.0.1 "$2" 262144 8 2>"$tmp/client.err"; then
		ok "$1: 8 TCP connections at once, 256 KiB each"
	else
		ko "$1: 8 TCP connections at once"
	fi
	if "$PY" "$CLIENT" tcp 127.0.0.1 "$2" 0 2>"$tmp/client.err"; then
		ok "$1: an empty TCP stream ends cleanly"
	else
		ko "$1: an empty TCP stream"
	fi
	if "$PY" "$CLIENT" stall 127.0.0.1 "$2" 134217728 >"$tmp/stall.out" 2>"$tmp/client.err"; then
		ok "$1: back-pressure: a client that does not read is stopped ($(cat "$tmp/stall.out"))"
	else
		ko "$1: back-pressure"
	fi
	if "$PY" "$CLIENT" udp 127.0.0.1 "$2" 200 2>"$tmp/client.err"; then
		ok "$1: 200 UDP datagrams (0 to 1400 bytes) echoed exactly"
	else
		ko "$1: UDP datagrams"
	fi
}

# The executable, on its own configuration file.
port=$(free_port)
config "$tmp/echo.json" "$port"
"$ECHO" -c "$tmp/echo.json" >"$tmp/echo.out" 2>"$tmp/echo.err" &
epid=$!
pids="$pids $epid"
round_trips "echo executable" "$port"

# The same port again: one clear error, exit status 1.
"$ECHO" -c "$tmp/echo.json" >"$tmp/second.out" 2>"$tmp/second.err"
rc=$?
if [ $rc -eq 1 ] && grep -q "echo: IPv4 TCP port $port: Address already in use" "$tmp/second.err"; then
	ok "port in use: exit 1 and \"port $port: Address already in use\""
else
	ko "port in use (exit $rc)"
fi
rm -f "$tmp/second.err"

# SIGTERM ends it cleanly.
kill -TERM "$epid"
wait "$epid"
rc=$?
if [ $rc -eq 0 ]; then ok "SIGTERM: exit 0"; else ko "SIGTERM: exit $rc"; fi
pids=

# devmgr run echo, the app from its plugin.
port=$(free_port)
config "$tmp/run.json" "$port"
"$DEVMGR" run -c "$tmp/run.json" >"$tmp/run.out" 2>"$tmp/run.err" &
rpid=$!
pids="$pids $rpid"
round_trips "devmgr run echo" "$port"
kill -TERM "$rpid"
wait "$rpid"
pids=

# IPv6 on ::1 (address6), when the kernel has it.
if ip -6 addr show dev lo 2>/dev/null | grep -q "::1/128"; then
	port=$(free_port)
	cat >"$tmp/v6.json" <<JSON
{ "devmgr": 1,
  "devices": { "net": { "provider": "net-socket", "address6": "::1" } },
  "app": { "name": "echo", "bind": { "net": "net" },
           "args": { "port": $port, "ipv6": true } } }
JSON
	"$ECHO" -c "$tmp/v6.json" >"$tmp/v6.out" 2>"$tmp/v6.err" &
	vpid=$!
	pids="$vpid"
	if "$PY" "$CLIENT" wait ::1 "$port" 10 2>"$tmp/client.err" &&
		"$PY" "$CLIENT" tcp ::1 "$port" 262144 2>"$tmp/client.err" &&
		"$PY" "$CLIENT" udp ::1 "$port" 20 2>"$tmp/client.err" &&
		"$PY" "$CLIENT" tcp 127.0.0.1 "$port" 1000 2>"$tmp/client.err"; then
		ok "IPv6: TCP and UDP echo on [::1] (and IPv4 beside it)"
	else
		ko "IPv6: echo on [::1]"
	fi
	kill -TERM "$vpid"
	wait "$vpid"
	pids=
	rm -f "$tmp/v6.err"
else
	echo "SKIP: IPv6 (no ::1 on lo)"
fi

# A port outside "ports" is refused at bind with EACCES.
port=$(free_port)
config "$tmp/ports.json" "$port" ', "ports": "1-9, 11"'
"$ECHO" -c "$tmp/ports.json" >/dev/null 2>"$tmp/ports.err"
rc=$?
if [ $rc -eq 1 ] && grep -q "port $port: Permission denied" "$tmp/ports.err"; then
	ok "port outside ports: Permission denied"
else
	ko "port outside ports (exit $rc)"
fi
rm -f "$tmp/ports.err"

# devmgr probe shows the addresses the device owns.
config "$tmp/probe.json" 7007 ', "address": "127.0.0.1", "address6": ""'
if "$DEVMGR" probe --json -c "$tmp/probe.json" >"$tmp/probe.out" 2>"$tmp/probe.err" &&
	grep -q '"info":{"ipv4":"127.0.0.1"}' "$tmp/probe.out"; then
	ok "probe --json: info ipv4 127.0.0.1, no ipv6 when address6 is \"\""
else
	ko "probe --json info"
fi
rm -f "$tmp/probe.out" "$tmp/probe.err"

# Bad parameter values: exit 1, the message names the device and value.
bad() { # bad NAME PARAMS REGEX
	config "$tmp/bad.json" 7007 "$2"
	"$DEVMGR" probe -c "$tmp/bad.json" >/dev/null 2>"$tmp/bad.err"
	rc=$?
	if [ $rc -eq 1 ] && grep -q -e "$3" "$tmp/bad.err"; then
		ok "$1"
	else
		ko "$1 (exit $rc)"
	fi
	rm -f "$tmp/bad.err"
}
bad "address not IPv4" ', "address": "127.0.0"' 'address "127.0.0" is not an IPv4 address'
bad "address6 not IPv6" ', "address6": "::g"' 'address6 "::g" is not an IPv6 address'
bad "ports garbage" ', "ports": "80,x"' 'ports "80,x": expected a port or a range'
bad "ports reversed" ', "ports": "90-80"' 'ports "90-80": expected a port or a range'
bad "ports too large" ', "ports": "70000"' 'ports "70000"'
bad "ports trailing comma" ', "ports": "80,"' 'ports "80,"'

summary
