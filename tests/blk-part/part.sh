#!/bin/sh
# part.sh: blk-part on disks partitioned by sfdisk (MBR: primaries, an
# extended partition with logical ones) and sgdisk (GPT), with FAT
# volumes made in them by mkfs.fat --offset and filled and checked by
# mtools through its IMAGE@@OFFSET syntax.  fs-fat on blk-part on
# blk-file reads what mtools wrote and writes what mtools reads; the
# bytes outside the partition never change; the table blk-part logs is
# the one sfdisk and sgdisk print; the GPT backup header is used when the
# primary is damaged; every bad choice is refused with the reason.
. "$top_srcdir/tests/fs/lib.sh"
for t in sfdisk sgdisk; do
	command -v $t >/dev/null 2>&1 || { echo "SKIP: $t is not installed"; exit 77; }
done
fattool=$top_builddir/apps/devmgr-fat/devmgr-fat
devmgr=$top_builddir/apps/devmgr/devmgr
[ -e "$DEVMGR_PLUGIN_PATH/blk-part.so" ] || { echo "SKIP: blk-part is not built"; exit 77; }

cfg() { # IMAGE 'BLK-PART PARAMS' -> $tmp/c.json
	cat >"$tmp/c.json" <<EOC
{"devmgr": 1, "devices": {
  "disk": {"provider": "blk-file", "path": "$1"},
  "part": {"provider": "blk-part", "on": "disk", $2},
  "fs": {"provider": "fs-fat", "on": "part"}}}
EOC
}
# fat IMAGE 'PARAMS' ARGS...: devmgr-fat over that stack, -v (the table
# is logged at info level); output in $tmp/out, $tmp/err, status in $st.
fat() {
	img=$1 params=$2
	shift 2
	cfg "$img" "$params"
	"$fattool" -v -c "$tmp/c.json" "$@" >"$tmp/out" 2>"$tmp/err"
	st=$?
}
refused() { # WHAT TEXT IMAGE PARAMS: the stack cannot be made, saying TEXT
	fat "$3" "$4" ls /
	if [ $st = 3 ] && grep -qF -- "$2" "$tmp/err"; then
		ok "$1: refused: $(grep -F -- "$2" "$tmp/err" | head -1 | sed 's/^.*part: //')"
	else
		fail "$1: status $st, wanted 3 and \"$2\": $(head -3 "$tmp/err" | tr '\n' ' ')"
	fi
}
# outside_same BEFORE AFTER FIRST COUNT: bytes outside sectors
# FIRST..FIRST+COUNT-1 are the same.
outside_same() {
	if cmp -s -n $(($3 * 512)) "$1" "$2" &&
	   cmp -s -i $((($3 + $4) * 512)) "$1" "$2"; then
		ok "$5: nothing outside sectors $3..$(($3 + $4 - 1)) changed"
	else
		fail "$5: bytes outside sectors $3..$(($3 + $4 - 1)) changed"
	fi
}
rand_file "$tmp/a" 30000
rand_file "$tmp/b" 70000
rand_file "$tmp/n" 100000

# ---- MBR -----------------------------------------------------------------
mbr=$tmp/mbr.img
truncate -s 64M "$mbr"
printf 'label: dos\nstart=2048, size=20480, type=c\nstart=22528, size=40960, type=5\nstart=24576, size=8192, type=83\nstart=34816, size=10240, type=c\nstart=63488, size=8192, type=c\n' |
	sfdisk -q "$mbr" || fail "sfdisk"
mkfs.fat --offset 2048 "$mbr" 10240 >/dev/null 2>&1 || fail "mkfs.fat --offset 2048"
mkfs.fat --offset 34816 "$mbr" 5120 >/dev/null 2>&1 || fail "mkfs.fat --offset 34816"
mcopy -i "$mbr@@$((2048 * 512))" "$tmp/a" ::/A.TXT
mcopy -i "$mbr@@$((34816 * 512))" "$tmp/b" ::/B.TXT

fat "$mbr" '"partition": 6' cat /B.TXT
if [ $st = 0 ] && cmp -s "$tmp/out" "$tmp/b"; then
	ok "MBR logical partition 6: fs-fat reads what mcopy wrote at @@$((34816 * 512))"
else
	fail "MBR partition 6: status $st: $(head -3 "$tmp/err")"
fi
# the table logged is sfdisk's: every partition but the extended one
sfdisk --json "$mbr" | python3 -c '
import json, sys
for p in json.load(sys.stdin)["partitiontable"]["partitions"]:
    if p["type"] not in ("5", "f", "85"):
        n = p["node"].rsplit("img", 1)[1]
        print("%s: sectors %d..%d (%d)" % (n, p["start"], p["start"] + p["size"] - 1, p["size"]))
' >"$tmp/want"
bad=0
while read -r line; do
	grep -qF "  $line, type" "$tmp/err" || { bad=1; fail "MBR: blk-part does not log \"$line\" (sfdisk's)"; }
done <"$tmp/want"
[ $bad = 0 ] && grep -q "disk: MBR table, 4 partitions" "$tmp/err" &&
	ok "MBR: the 4 partitions blk-part logs are sfdisk's ($(tr '\n' ';' <"$tmp/want"))"

fat "$mbr" '"partition": 1' cat /A.TXT
[ $st = 0 ] && cmp -s "$tmp/out" "$tmp/a" && ok "MBR primary partition 1: reads /A.TXT" ||
	fail "MBR partition 1: $st $(head -3 "$tmp/err")"

cp "$mbr" "$tmp/before.img"
fat "$mbr" '"partition": 6' put "$tmp/n" /NEW.BIN
[ $st = 0 ] || fail "put into partition 6: $(head -3 "$tmp/err")"
rm -f "$tmp/got"
mcopy -n -i "$mbr@@$((34816 * 512))" ::/NEW.BIN "$tmp/got"
cmp -s "$tmp/got" "$tmp/n" && ok "MBR partition 6: mtools reads /NEW.BIN as fs-fat wrote it" ||
	fail "MBR partition 6: mtools reads /NEW.BIN differently"
dd if="$mbr" of="$tmp/p6" bs=512 skip=34816 count=10240 status=none
fsck_ok "$tmp/p6" "MBR partition 6 after the put"
outside_same "$tmp/before.img" "$mbr" 34816 10240 "put into MBR partition 6"

refused "MBR partition 2 (the extended one)" "no partition 2 in the MBR (partitions: 1, 3, 5, 6)" "$mbr" '"partition": 2'
refused "MBR and a name" "name and uuid choose GPT partitions, but the disk has an MBR table" "$mbr" '"name": "data"'
refused "MBR read as GPT" "GPT: the primary header at sector 1 is not usable (no \"EFI PART\" signature), nor the backup at sector 131071" "$mbr" '"partition": 1, "table": "gpt"'
cp "$mbr" "$tmp/bad.img"
# entry 3 grown past the end of the disk (sfdisk would not write it)
python3 -c 'import struct, sys
f = open(sys.argv[1], "r+b"); f.seek(446 + 32 + 12); f.write(struct.pack("<I", 100000))' "$tmp/bad.img"
refused "MBR entry past the end" "MBR entry 3 (type 0x0C): sectors 63488..163487 (100000 sectors) lie outside the device" "$tmp/bad.img" '"partition": 1'
cp "$mbr" "$tmp/bad.img"
python3 -c 'import struct, sys
f = open(sys.argv[1], "r+b"); f.seek(446 + 32 + 8); f.write(struct.pack("<I", 20000))' "$tmp/bad.img"
refused "MBR entries that overlap" "MBR entry 3: sectors 20000..28191 overlap MBR entry 1's 2048..22527" "$tmp/bad.img" '"partition": 6'

# ---- GPT -----------------------------------------------------------------
gpt=$tmp/gpt.img
guid=0A0B0C0D-0102-0304-0506-0708090A0B0C
truncate -s 64M "$gpt"
sgdisk -n 1:2048:+8M -c 1:boot -n 2:0:+20M -c 2:data -u 2:$guid \
	-n 3:0:0 -c 3:"Données" "$gpt" >/dev/null || fail "sgdisk"
mkfs.fat --offset 18432 "$gpt" 20480 >/dev/null 2>&1 || fail "mkfs.fat --offset 18432"
mkfs.fat --offset 59392 "$gpt" 35823 >/dev/null 2>&1 || fail "mkfs.fat --offset 59392"
mcopy -i "$gpt@@$((18432 * 512))" "$tmp/a" ::/A.TXT
mcopy -i "$gpt@@$((59392 * 512))" "$tmp/b" ::/B.TXT
for sel in '"partition": 2' '"name": "data"' "\"uuid\": \"$guid\"" \
	"\"uuid\": \"$(echo $guid | tr A-F a-f)\""; do
	fat "$gpt" "$sel" cat /A.TXT
	[ $st = 0 ] && cmp -s "$tmp/out" "$tmp/a" && ok "GPT by $sel: reads /A.TXT" ||
		fail "GPT by $sel: $st $(head -3 "$tmp/err")"
done
fat "$gpt" '"name": "Données"' cat /B.TXT
[ $st = 0 ] && cmp -s "$tmp/out" "$tmp/b" && ok "GPT by the name \"Données\": reads /B.TXT" ||
	fail "GPT by name Données: $st $(head -3 "$tmp/err")"
# sgdisk's table, as blk-part logs it
sgdisk -p "$gpt" | awk '/^ +[0-9]+ +[0-9]+ +[0-9]+/ { print $1 ": sectors " $2 ".." $3 " (" $3 - $2 + 1 "), name \"" $7 "\"" }' >"$tmp/want"
bad=0
while read -r line; do
	grep -qF "  $line" "$tmp/err" || { bad=1; fail "GPT: blk-part does not log \"$line\" (sgdisk's)"; }
done <"$tmp/want"
[ $bad = 0 ] && grep -q "disk: GPT table, 3 partitions (primary header)" "$tmp/err" &&
	grep -q "uuid $(echo $guid | tr A-F a-f)" "$tmp/err" &&
	ok "GPT: the 3 partitions blk-part logs are sgdisk's, with names and uuids"

cp "$gpt" "$tmp/before.img"
fat "$gpt" '"name": "data"' put "$tmp/n" /NEW.BIN
rm -f "$tmp/got"
mcopy -n -i "$gpt@@$((18432 * 512))" ::/NEW.BIN "$tmp/got"
[ $st = 0 ] && cmp -s "$tmp/got" "$tmp/n" && ok "GPT partition 2: mtools reads /NEW.BIN as fs-fat wrote it" ||
	fail "GPT partition 2: put $st, mtools reads /NEW.BIN differently"
dd if="$gpt" of="$tmp/p2" bs=512 skip=18432 count=40960 status=none
fsck_ok "$tmp/p2" "GPT partition 2 after the put"
outside_same "$tmp/before.img" "$gpt" 18432 40960 "put into GPT partition 2"

# the primary header damaged: sgdisk -v sees it; blk-part uses the backup
cp "$gpt" "$tmp/bad.img"
printf 'X' | dd of="$tmp/bad.img" bs=1 seek=$((512 + 70)) conv=notrunc status=none
if sgdisk -v "$tmp/bad.img" 2>&1 | grep -qi 'crc\|corrupt\|damaged'; then
	ok "sgdisk -v finds the damaged primary GPT header"
else
	fail "sgdisk -v does not see the damaged header: $(sgdisk -v "$tmp/bad.img" 2>&1 | head -3)"
fi
cp "$tmp/bad.img" "$tmp/before.img"
fat "$tmp/bad.img" '"name": "data"' put "$tmp/n" /NEW2.BIN
if [ $st = 0 ] && grep -q "the primary GPT header at sector 1 is not usable (header CRC-32 is .*): using the backup at sector 131071" "$tmp/err" &&
   grep -q "GPT table, 3 partitions (backup header)" "$tmp/err"; then
	ok "GPT primary header damaged: the backup is used, with the warning"
else
	fail "GPT backup: $st $(head -3 "$tmp/err")"
fi
outside_same "$tmp/before.img" "$tmp/bad.img" 18432 40960 "put through the backup GPT"
# the entry array damaged instead
cp "$gpt" "$tmp/bad.img"
printf 'X' | dd of="$tmp/bad.img" bs=1 seek=$((1024 + 128 + 60)) conv=notrunc status=none
fat "$tmp/bad.img" '"partition": 2' cat /A.TXT
grep -q "entry array CRC-32 is" "$tmp/err" && [ $st = 0 ] && cmp -s "$tmp/out" "$tmp/a" &&
	ok "GPT primary entry array damaged: the backup is used" ||
	fail "GPT entry array: $st $(head -3 "$tmp/err")"
# both damaged
printf 'X' | dd of="$tmp/bad.img" bs=1 seek=$((131071 * 512 + 70)) conv=notrunc status=none
refused "GPT with both headers damaged" "nor the backup at sector 131071 (header CRC-32 is" "$tmp/bad.img" '"partition": 2'

refused "GPT partition 4" "no partition 4 in the GPT (partitions: 1, 2, 3)" "$gpt" '"partition": 4'
refused "GPT name not there" 'no GPT partition is named "Data" (names: "boot", "data", "Données")' "$gpt" '"name": "Data"'
refused "GPT uuid not there" "no GPT partition has the uuid 0a0b0c0d-0102-0304-0506-0708090a0b0d" "$gpt" '"uuid": "0a0b0c0d-0102-0304-0506-0708090a0b0d"'
refused "GPT uuid malformed" 'uuid "0a0b0c0d-0102" is not a GUID' "$gpt" '"uuid": "0a0b0c0d-0102"'
refused "two selectors" "not both partition and name" "$gpt" '"partition": 2, "name": "data"'
refused "fs-fat on a raw range that holds no FAT" "signature at bytes 510-511 is 00 00, not 55 AA" "$gpt" '"offset": 512, "size": 512'

# ---- raw offset and size --------------------------------------------------
raw=$tmp/raw.img
truncate -s 32M "$raw"
mkfs.fat --offset 4096 "$raw" 16384 >/dev/null 2>&1 || fail "mkfs.fat --offset 4096"
mcopy -i "$raw@@2M" "$tmp/a" ::/A.TXT
cp "$raw" "$tmp/before.img"
fat "$raw" '"offset": "2M", "size": "16M"' put "$tmp/n" /NEW.BIN
rm -f "$tmp/got"
mcopy -n -i "$raw@@2M" ::/NEW.BIN "$tmp/got"
[ $st = 0 ] && cmp -s "$tmp/got" "$tmp/n" && ok "offset 2M, size 16M: mtools @@2M reads what fs-fat wrote" ||
	fail "raw offset: $st $(head -3 "$tmp/err")"
outside_same "$tmp/before.img" "$raw" 4096 32768 "put at offset 2M"
refused "offset past the end" "offset 33554432 and size 0 do not fit in the device (33554432 bytes)" "$raw" '"offset": "32M"'

# ---- devmgr probe --------------------------------------------------------
cfg "$gpt" '"name": "data"'
"$devmgr" probe -v -c "$tmp/c.json" >"$tmp/out" 2>"$tmp/err"
if grep -q "^part .*blk-part .*ok .*disk .*sectors=40960" "$tmp/out" &&
   grep -q "using GPT partition 2: sectors 18432..59391" "$tmp/err"; then
	ok "devmgr probe -v: part has 40960 sectors; the table is logged"
else
	fail "probe: $(cat "$tmp/out" "$tmp/err" | head -8)"
fi
exit $failed
