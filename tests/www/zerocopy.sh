#!/bin/sh
# zerocopy.sh: bodies sent from the fs's views (zero_copy, the default)
# against the same bodies copied (zero_copy false), two servers on one
# FAT image in a RAM disk, made with devmgr-fat so that one file's
# clusters are apart (mshowfat shows its runs):
#  - whole files, contiguous and fragmented: the same sha256 as the
#    source from both servers; so is a file below the 16 KiB threshold;
#  - ranges inside the first piece, across the end of a piece, from
#    inside a later piece to the end, and a range too small to be viewed;
#  - HEAD, 304, gzip's FILE.gz, and keep-alive requests on one
#    connection, with and without pipelining;
#  - a slow client (curl --limit-rate) gets the body byte-exact;
#  - the rule of docs/fs.md for a file that changes while it is served:
#    a SIGHUP that swaps the image while a slow client downloads from
#    views cuts that body short, as a prefix of the old file and never
#    bytes of the new one, and the next request gets the new file;
#  - fs-host on net-socket: the same files from a host folder go out by
#    sendfile, whole and in ranges, to a slow client too; a file cut
#    short on the host while it is being sent ends that body short (a
#    prefix), and www goes on;
#  - the stop line counts the bodies sent from views and by sendfile,
#    and an image on blk-file (no map) copies every body and says so.
set -u
. "$top_srcdir/tests/www/lib.sh"

need_tools curl sha256sum mshowfat cmp
[ -x "$PY" ] || skip "python3 is not installed"
need_plugins blk-ram blk-file fs-fat fs-host net-socket console
FAT="$top_builddir/apps/devmgr-fat/devmgr-fat"

tmp=$(mktemp -d "$top_builddir/www-zerocopy.XXXXXX") || exit 99
pids=
trap 'for p in $pids; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT INT TERM
C="curl -s -S --max-time 20"

# ---- the image: 1 KiB clusters, frag.bin written into holes ------------
head -c 307200 /dev/urandom >"$tmp/contig.bin"
head -c 409600 /dev/urandom >"$tmp/frag.bin"
head -c 8000 /dev/urandom >"$tmp/small.bin"
head -c 61440 /dev/urandom >"$tmp/hole.bin"
head -c 25165824 /dev/urandom >"$tmp/big.bin"
head -c 65536 /dev/urandom >"$tmp/page.html"
gzip -9 -n -c "$tmp/page.html" >"$tmp/page.html.gz"
img="$tmp/site.img"
fat() { "$FAT" --image "$img" "$@" >/dev/null; }
fat mkfs -s 2 -n ZEROCOPY 40M &&
	fat put "$tmp/contig.bin" /contig.bin &&
	for i in 1 2 3 4 5 6; do fat put "$tmp/hole.bin" "/h$i" || exit 99; done &&
	fat rm /h2 && fat rm /h4 && fat rm /h6 &&
	fat put "$tmp/frag.bin" /frag.bin &&
	fat put "$tmp/small.bin" /small.bin &&
	fat put "$tmp/big.bin" /big.bin &&
	fat put "$tmp/page.html" /page.html &&
	fat put "$tmp/page.html.gz" /page.html.gz ||
	{ echo "cannot make the test image"; exit 99; }

# mshowfat prints the runs of clusters: <3-8><11-14>...
runs() { mshowfat -i "$img" "::/$1" | grep -o '<[0-9-]*>' | wc -l; }
check "contig.bin is one run of clusters" "$(runs contig.bin)" 1
nfrag=$(runs frag.bin)
[ "$nfrag" -ge 3 ] && ok "frag.bin is $nfrag runs of clusters" ||
	ko "frag.bin is $nfrag runs of clusters, expected 3 or more"
# the first run of frag.bin, in bytes (1 KiB clusters)
first=$(mshowfat -i "$img" ::/frag.bin | grep -o '<[0-9-]*>' | head -n 1 |
	tr -d '<>' | awk -F- '{ print (($2 ? $2 : $1) - $1 + 1) * 1024 }')

# ---- two servers: views, and copies -------------------------------------
start() { # NAME ARGS [DEVICES]: www -v (the stop line is information)
	www_config "$tmp/$1.json" "$img" "$2" "${3:-}" &&
		start_www "$tmp/$1.json" "$tmp/$1.log" \
			sh -c 'exec "$0" -v "$@"' || exit 99
	pids="$pids $www_pid"
	eval "port_$1=\$www_port pid_$1=\$www_pid"
	www_pid=
}
start on '{}'
start off '{"zero_copy": false}'
u_on="http://127.0.0.1:$port_on" u_off="http://127.0.0.1:$port_off"

sum() { sha256sum | cut -d' ' -f1; }
for f in contig.bin frag.bin small.bin page.html big.bin; do
	want=$(sum <"$tmp/$f")
	check "$f, zero_copy on: the source's sha256" "$($C "$u_on/$f" | sum)" "$want"
	check "$f, zero_copy off: the source's sha256" "$($C "$u_off/$f" | sum)" "$want"
done

# RANGE FILE FIRST LAST: both servers give the source's bytes and a 206
range() {
	want=$("$PY" -c 'import sys
d = open(sys.argv[1], "rb").read()
sys.stdout.buffer.write(d[int(sys.argv[2]):int(sys.argv[3]) + 1])' \
		"$tmp/$2" "$3" "$4" | sum)
	for s in on off; do
		eval "u=\$u_$s"
		got=$($C -r "$3-$4" -w '%{http_code}' -o "$tmp/part" "$u/$2")
		check "$1, zero_copy $s: 206" "$got" 206
		check "$1, zero_copy $s: the bytes" "$(sum <"$tmp/part")" "$want"
	done
}
range "a range inside the first piece" frag.bin 100 30099
range "a range across the end of the first piece" frag.bin \
	$((first - 20000)) $((first + 20000))
range "a range from a later piece to the end" frag.bin $((first + 5000)) 409599
range "a range across every piece" frag.bin 1 409598
range "a range smaller than the threshold" frag.bin $((first - 100)) $((first + 100))
range "a range of the contiguous file" contig.bin 4097 300000

hdr() { $C -D - -o /dev/null "$@" | tr -d '\r'; }
for s in on off; do
	eval "u=\$u_$s"
	h=$($C -I "$u/frag.bin" | tr -d '\r')
	echo "$h" | grep -q '^Content-Length: 409600$' &&
		ok "HEAD, zero_copy $s: the length" || ko "HEAD, zero_copy $s: $h"
	etag=$(echo "$h" | sed -n 's/^ETag: //p')
	check "304, zero_copy $s" \
		"$($C -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$u/frag.bin")" 304
	check "gzip, zero_copy $s: FILE.gz's bytes" \
		"$($C -H 'Accept-Encoding: gzip' "$u/page.html" | sum)" "$(sum <"$tmp/page.html.gz")"
	# three requests on one connection (curl keeps it)
	$C -o "$tmp/k1" "$u/frag.bin" -o "$tmp/k2" "$u/small.bin" \
		-o "$tmp/k3" "$u/contig.bin" -w '%{num_connects}\n' >"$tmp/k.n"
	if cmp -s "$tmp/k1" "$tmp/frag.bin" && cmp -s "$tmp/k2" "$tmp/small.bin" &&
		cmp -s "$tmp/k3" "$tmp/contig.bin" &&
		[ "$(tr '\n' ' ' <"$tmp/k.n")" = "1 0 0 " ]; then
		ok "keep-alive, zero_copy $s: three bodies on one connection"
	else
		ko "keep-alive, zero_copy $s: connects $(tr '\n' ' ' <"$tmp/k.n")"
	fi
	# pipelined: all three requests in one write
	eval "p=\$port_$s"
	"$PY" - "$p" "$tmp/pipe" <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
req = b""
for f in ("frag.bin", "small.bin", "contig.bin"):
    req += b"GET /" + f.encode() + b" HTTP/1.1\r\nHost: t\r\n\r\n"
s.sendall(req)
out = open(sys.argv[2], "wb")
data = b""
for n in range(3):
    while b"\r\n\r\n" not in data:
        data += s.recv(65536)
    head, data = data.split(b"\r\n\r\n", 1)
    length = int([l.split(b":")[1] for l in head.split(b"\r\n")
                  if l.lower().startswith(b"content-length:")][0])
    while len(data) < length:
        data += s.recv(65536)
    out.write(data[:length])
    data = data[length:]
EOF
	cat "$tmp/frag.bin" "$tmp/small.bin" "$tmp/contig.bin" >"$tmp/pipe.want"
	cmp -s "$tmp/pipe" "$tmp/pipe.want" &&
		ok "pipelining, zero_copy $s: three bodies in order" ||
		ko "pipelining, zero_copy $s: the bodies differ"
	check "a slow client, zero_copy $s: the bytes" \
		"$($C --limit-rate 400k "$u/frag.bin" | sum)" "$(sum <"$tmp/frag.bin")"
done

# ---- the image changes under a download from views ----------------------
# The new image has another big.bin; a SIGHUP swaps htdocs while a slow
# client is in the middle of the old one (24 MiB at 4 MB/s: more than
# loopback's socket buffers hold).
head -c 25165824 /dev/urandom >"$tmp/big2.bin"
cp "$img" "$tmp/site2.img"
"$FAT" --image "$tmp/site2.img" put "$tmp/big2.bin" /big.bin >/dev/null ||
	{ echo "cannot make the second image"; exit 99; }
curl -s --max-time 30 --limit-rate 4M -o "$tmp/cut" "$u_on/big.bin" &
cpid=$!
sleep 1
www_config "$tmp/on.json" "$tmp/site2.img" '{"port": '"$port_on"'}'
kill -HUP "$pid_on"
wait "$cpid"
n=$(wc -c <"$tmp/cut")
if [ "$n" -gt 0 ] && [ "$n" -lt 25165824 ] &&
	head -c "$n" "$tmp/big.bin" | cmp -s - "$tmp/cut"; then
	ok "SIGHUP under a download from views: cut short ($n bytes), a prefix of the old file"
else
	ko "SIGHUP under a download from views: $n bytes, not a short prefix of the old file"
fi
check "after the SIGHUP: the new file" "$($C "$u_on/big.bin" | sum)" "$(sum <"$tmp/big2.bin")"
kill -0 "$pid_on" 2>/dev/null && ok "www still running" || ko "www died"

# ---- no map below: every body copied ------------------------------------
start file '{}' '{"disk": {"provider": "blk-file", "path": "'"$img"'", "read_only": true}}'
check "on blk-file (no map): frag.bin's bytes" \
	"$($C "http://127.0.0.1:$port_file/frag.bin" | sum)" "$(sum <"$tmp/frag.bin")"

# ---- fs-host: sendfile from the host file --------------------------------
mkdir "$tmp/host"
cp "$tmp/frag.bin" "$tmp/small.bin" "$tmp/big.bin" "$tmp/host/"
start host '{}' '{"htdocs": {"provider": "fs-host", "path": "'"$tmp/host"'"}}'
u_host="http://127.0.0.1:$port_host"
for f in frag.bin small.bin big.bin; do
	check "fs-host: $f's sha256" "$($C "$u_host/$f" | sum)" "$(sum <"$tmp/$f")"
done
want=$(dd if="$tmp/frag.bin" bs=1 skip=70000 count=200001 2>/dev/null | sum)
check "fs-host: a range" "$($C -r 70000-270000 "$u_host/frag.bin" | sum)" "$want"
check "fs-host: a slow client" \
	"$($C --limit-rate 400k "$u_host/frag.bin" | sum)" "$(sum <"$tmp/frag.bin")"
# The host file cut to 1 MiB while a client at 4 MB/s is in the middle.
curl -s --max-time 30 --limit-rate 4M -o "$tmp/hcut" "$u_host/big.bin" &
cpid=$!
sleep 1
truncate -s 1048576 "$tmp/host/big.bin"
wait "$cpid"
n=$(wc -c <"$tmp/hcut")
if [ "$n" -gt 0 ] && [ "$n" -lt 25165824 ] &&
	head -c "$n" "$tmp/big.bin" | cmp -s - "$tmp/hcut"; then
	ok "fs-host: a file cut under sendfile ends the body short ($n bytes), a prefix"
else
	ko "fs-host: a file cut under sendfile: $n bytes, not a short prefix"
fi
check "fs-host: then the cut file" "$($C "$u_host/big.bin" | wc -c)" 1048576
kill -0 "$pid_host" 2>/dev/null && ok "fs-host: www still running" || ko "fs-host: www died"

for s in on off file host; do
	eval "p=\$pid_$s"
	kill "$p"
	wait "$p" 2>/dev/null
done
pids=
check_grep "the stop line counts the bodies sent from views" "$tmp/on.log.err" \
	'zero_copy: [1-9][0-9]* bodies sent from fs views, 0 by sendfile, 0 copied'
if grep -q 'zero_copy:' "$tmp/off.log.err"; then
	ko "zero_copy false: no count"
else
	ok "zero_copy false: no count"
fi
check_grep "on blk-file every large body is copied, and the line says so" \
	"$tmp/file.log.err" 'zero_copy: 0 bodies sent from fs views, 0 by sendfile, [1-9][0-9]* copied'
check_grep "fs-host: the bodies went by sendfile" "$tmp/host.log.err" \
	'zero_copy: 0 bodies sent from fs views, [1-9][0-9]* by sendfile, 0 copied'
finish
