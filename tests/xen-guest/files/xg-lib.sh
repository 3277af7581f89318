# Sourced by every command the domU's agent runs.
# wait_for SECONDS CONDITION: polls CONDITION (a shell string) every 0.1 s.
wait_for() {
	_n=$(($1 * 10))
	while [ $_n -gt 0 ]; do
		eval "$2" && return 0
		usleep 100000
		_n=$((_n - 1))
	done
	echo "timed out after $1 s waiting for: $2"
	return 1
}
# fds PID: the files a process holds open, one per line.
fds() { ls -l "/proc/$1/fd" 2>/dev/null | sed 's/.*-> //'; }
# bg NAME COMMAND...: starts a program in the background, its output in
# /tmp/NAME.log, its pid in /tmp/NAME.pid and, once it ends, its exit
# status in /tmp/NAME.rc.
bg() {
	_name=$1
	shift
	rm -f "/tmp/$_name.pid" "/tmp/$_name.rc"
	(
		"$@" </dev/null >"/tmp/$_name.log" 2>&1 &
		echo $! >"/tmp/$_name.pid"
		wait $!
		echo $? >"/tmp/$_name.rc"
	) >/dev/null 2>&1 </dev/null &
	wait_for 5 "[ -s /tmp/$_name.pid ]"
}
# stop NAME [SIGNAL]: signals NAME (TERM) and prints its exit status.
stop() {
	kill -"${2:-TERM}" "$(cat "/tmp/$1.pid")" 2>/dev/null
	wait_for 15 "[ -s /tmp/$1.rc ]" || return 1
	cat "/tmp/$1.rc"
}
# running NAME: true while NAME runs.
running() { [ ! -s "/tmp/$1.rc" ] && kill -0 "$(cat "/tmp/$1.pid")" 2>/dev/null; }
# wait_grep SECONDS NAME TEXT: waits until /tmp/NAME.log holds TEXT
# (a fixed string).
wait_grep() {
	_n=$(($1 * 10))
	while [ $_n -gt 0 ]; do
		grep -qF -- "$3" "/tmp/$2.log" && return 0
		usleep 100000
		_n=$((_n - 1))
	done
	echo "timed out after $1 s waiting for \"$3\" in /tmp/$2.log"
	return 1
}
# count NAME TEXT: how many lines of /tmp/NAME.log hold TEXT.
count() { grep -cF -- "$2" "/tmp/$1.log"; }
# once NAME TEXT: exactly one line of /tmp/NAME.log holds TEXT.
once() {
	_c=$(count "$1" "$2")
	[ "$_c" = 1 ] || { echo "\"$2\": $_c lines in /tmp/$1.log, expected 1"; return 1; }
}
# none NAME TEXT: no line of /tmp/NAME.log holds TEXT.
none() {
	_c=$(count "$1" "$2")
	[ "$_c" = 0 ] || { echo "\"$2\": $_c lines in /tmp/$1.log, expected none"; grep -F -- "$2" "/tmp/$1.log"; return 1; }
}
# holds NAME DEV: whether process NAME holds a descriptor of /dev/DEV.
holds() { fds "$(cat "/tmp/$1.pid")" | grep -qx "/dev/$2"; }
# export KEY FILE: FILE (gzip, base64) in data/KEY, for dom0 to hand on.
export_file() { xenstore-write "data/$1" "$(gzip -9c "$2" | base64 -w0)"; }

# ---- the scenarios' own checks (see scenarios.sh) ----

# b_gone ID VDEV: xendisks (xd) and devmgr watch (watch) let go of the
# disk: the app's unplug ran before devmgr destroyed the device, and
# neither process holds a descriptor of it any more.
b_gone() {
	wait_grep 10 xd "unplug $1" &&
		wait_grep 10 watch "\"event\":\"unplug\",\"id\":\"$1\"" || return 1
	_u=$(grep -nxF "unplug $1" /tmp/xd.log | tail -n 1 | cut -d: -f1)
	_d=$(grep -nF "device $1 destroyed" /tmp/xd.log | tail -n 1 | cut -d: -f1)
	[ -n "$_d" ] && [ "$_u" -lt "$_d" ] ||
		{ echo "unplug at line $_u, destroyed at line ${_d:-none}"; return 1; }
	if holds xd "$2" || holds watch "$2"; then
		echo "/dev/$2 is still open:"
		fds "$(cat /tmp/xd.pid)"
		return 1
	fi
}

# b_reads: xendisks read all along (and said how it went).
b_reads() {
	grep -E '^reads=[0-9]+ errors=[0-9]+$' /tmp/xd.log || { echo "no reads= line"; return 1; }
	grep -qE '^reads=[1-9]' /tmp/xd.log || { echo "xendisks read nothing"; return 1; }
	grep '^read-error' /tmp/xd.log | head -n 5
	return 0
}

# err_once ID TEXT: one error event for ID, with TEXT (as JSON writes it).
err_once() {
	_t=$(printf '%s' "$2" | sed 's/["\\]/\\&/g')
	wait_grep 20 watch "\"id\":\"$1\",\"error\":\"$_t\"" >/dev/null &&
		once watch "\"id\":\"$1\",\"error\":\"$_t\"" && return 0
	echo "expected one error for $1: $2"
	grep -F "\"id\":\"$1\"" /tmp/watch.log
	return 1
}
# hostile_check: the errors of dom0's hostile entries (scenarios.sh),
# one each and no other.
hostile_check() {
	_d=$(xenstore-read domid)
	_h=/local/domain/$_d/device/vbd _b=/local/domain/0/backend/vbd/$_d
	err_once vbd-51760 "$_h/51760/state: \"4x\" is not an integer from 0 to 8" &&
		err_once vbd-51776 "$_h/51776/backend: \"/local/domain/0/backend/vbd/$((_d + 1))/51776\" is not $_b/51776" &&
		err_once vbd-51792 "$_h/51792/backend-id: \"-1\" is not an integer from 0 to 32751" &&
		err_once vbd-51840 "$_b/51840/mode: value is not printable text of at most 1024 bytes" &&
		err_once vbd-51856 "$_b/51856/frontend-id: $((_d + 1)) is not this domain ($_d)" &&
		err_once vbd-51888 "$_h/51888: more than 64 keys" || return 1
	_n=$(count watch '"event":"error"')
	[ "$_n" = 6 ] || { echo "$_n error events, expected 6:"; grep '"event":"error"' /tmp/watch.log; return 1; }
}

# links_up MAC...: the interfaces with these MACs, up.
links_up() {
	for _m; do
		for _i in /sys/class/net/*; do
			[ "$(cat "$_i/address")" = "$_m" ] && ip link set "${_i##*/}" up
		done
	done
	return 0
}

# e_holds NAME ID...: within 30 s, xendisks NAME holds each disk: the last
# line it printed about it is "disk" or "plug", not "unplug".
e_last() {
	_l=$(grep -E "^(disk|plug|unplug) $2( |\$)" "/tmp/$1.log" | tail -n 1)
	case $_l in unplug* | "") return 1 ;; esac
}
e_holds() {
	_name=$1
	shift
	for _id; do
		wait_for 30 "e_last $_name $_id" || { grep -E " $_id( |\$)" "/tmp/$_name.log"; return 1; }
	done
}

# g_refused DEVID TEXT: blk-xen refuses the vbd within 6 s (its timeout is
# 2 s), exit 2, with TEXT and the frontend's path on stderr.
g_refused() {
	_t0=$(cut -d. -f1 /proc/uptime)
	devmgr conform blk-xen devid="$1" timeout_ms=2000 >/tmp/refused.out 2>&1
	_rc=$?
	_dt=$(($(cut -d. -f1 /proc/uptime) - _t0))
	cat /tmp/refused.out
	[ $_rc = 2 ] && [ $_dt -le 6 ] && grep -qF -- "$2" /tmp/refused.out &&
		grep -qF "/device/vbd/$1" /tmp/refused.out ||
		{ echo "vbd $1: exit $_rc after $_dt s, expected 2 and: $2"; return 1; }
}
