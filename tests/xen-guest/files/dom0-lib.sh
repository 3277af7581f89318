# dom0's side of the harness, sourced by dom0-init.sh: the guest's
# life, running commands in it, and reporting steps.
uptime_s() { cut -d' ' -f1 /proc/uptime; }
# secs_since T: seconds (two decimals) since uptime T.
secs_since() { awk -v a="$1" -v b="$(uptime_s)" 'BEGIN { printf "%.2f", b - a }'; }
abort() {
	echo "@@ABORT $*"
	xl list
	dmesg | tail -40
	for f in /var/log/xen/*.log; do echo "--- $f"; tail -30 "$f"; done
	echo "@@DONE up=$(uptime_s)"
	poweroff -f
}

# wait_xs PATH VALUE SECONDS: polls xenstore every 0.1 s.
wait_xs() {
	_n=$(($3 * 10))
	while [ $_n -gt 0 ]; do
		[ "$(xenstore-read "$1" 2>/dev/null)" = "$2" ] && return 0
		usleep 100000
		_n=$((_n - 1))
	done
	return 1
}

# The guest's id and home, found again after a restore or a migration.
guest_home() {
	D=$(xl domid guest 2>/dev/null) || return 1
	H=/local/domain/$D
}

# Relays the guest's console (xenconsoled's log, which keeps its name
# across a restore) to ours.
RELAYING=
relay_console() {
	[ -n "$RELAYING" ] && return
	RELAYING=1
	(
		while [ ! -e /var/log/xen/console/guest-guest.log ]; do usleep 100000; done
		tail -f /var/log/xen/console/guest-guest.log | while IFS= read -r l; do
			echo "[domU] $l"
		done
	) &
}

# guest_create [KEY=VALUE...]: xl create of guest.cfg (with xl's extra
# settings), until the guest's agent is ready; a new agent counts its
# commands from 1 again.
guest_create() {
	CREATED_AT=$(uptime_s)
	G=0
	xl create -q /etc/xen/guest.cfg "$@" || return 1
	echo "@@DOM0 xl-create-returned up=$(uptime_s)"
	relay_console
	guest_home || return 1
	wait_xs "$H/data/agent" ready 300 || return 1
	echo "@@DOM0 guest-agent-ready up=$(uptime_s)"
}

# g [-t SECONDS] COMMAND: runs COMMAND in the guest (see domU-init.sh),
# prints its output indented and returns its status (124: no answer).
G=0
g() {
	_t=60
	[ "$1" = -t ] && { _t=$2; shift 2; }
	G=$((G + 1))
	xenstore-write -R "$H/data/cmd/$G" "$1" || return 125
	_n=$((_t * 10))
	while ! _rc=$(xenstore-read "$H/data/rc/$G" 2>/dev/null); do
		_n=$((_n - 1))
		[ $_n -gt 0 ] || { echo "    (no answer from the guest in $_t s)"; return 124; }
		usleep 100000
	done
	xenstore-read -R "$H/data/out/$G" 2>/dev/null | sed 's/^/    | /'
	echo
	return "$_rc"
}

# step NAME COMMAND...: one reported step of the current scenario.
step() {
	_name=$1
	shift
	_t0=$(uptime_s)
	echo "@@RUN $SCEN.$_name"
	if "$@"; then
		echo "@@STEP $SCEN.$_name PASS $(secs_since "$_t0") s"
		return 0
	fi
	echo "@@STEP $SCEN.$_name FAIL $(secs_since "$_t0") s"
	return 1
}

# within SECONDS COMMAND...: COMMAND succeeds and returns within SECONDS.
within() {
	_lim=$1
	shift
	_w0=$(uptime_s)
	"$@" || return 1
	_took=$(secs_since "$_w0")
	echo "    ($* took $_took s)"
	awk -v t="$_took" -v l="$_lim" 'BEGIN { exit !(t <= l) }'
}

# emit NAME PATH: a value the guest left in xenstore, for the host's
# checks (gzip + base64 of a file, see the guest's "export").
emit() { echo "@@DATA $SCEN.$1 $(xenstore-read "$2")"; }

run_scenario() {
	SCEN=$1
	echo "@@BEGIN $SCEN up=$(uptime_s)"
	if ! type "scen_$SCEN" >/dev/null 2>&1; then
		echo "@@RESULT $SCEN FAIL (no such scenario)"
		return
	fi
	if "scen_$SCEN"; then
		echo "@@RESULT $SCEN PASS up=$(uptime_s)"
	else
		echo "--- diagnostics of $SCEN"
		xl list
		guest_home && g -t 20 'for f in /tmp/*.log; do echo "== $f"; tail -n 25 "$f"; done; dmesg | tail -n 15'
		tail -n 20 /var/log/xen/hotplug.log
		for f in /var/log/xen/xl-*.log; do [ -e "$f" ] && tail -n 10 "$f"; done
		echo "@@RESULT $SCEN FAIL up=$(uptime_s)"
	fi
	if guest_home; then
		"scen_${SCEN}_cleanup" 2>/dev/null
	else
		echo "--- the guest is gone: later scenarios cannot run"
	fi
}
