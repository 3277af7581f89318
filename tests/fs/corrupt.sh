#!/bin/sh
# corrupt.sh: images with one thing broken.  A bad boot sector field is
# refused at mount with an error that names the field; a looping chain, a
# chain past the volume's end, an entry pointing outside it give EIO with
# a logged reason; a broken long name falls back to the 8.3 name.  Nothing
# crashes or hangs (each run is under a timeout).
. "$top_srcdir/tests/fs/lib.sh"
corrupt=$top_srcdir/tests/fs/corrupt.py

base16=$tmp/base16
base32=$tmp/base32
mkfs.fat -C -F 16 "$base16" 16384 >/dev/null 2>&1
mkfs.fat -C -F 32 "$base32" 36864 >/dev/null 2>&1
rand_file "$tmp/f" 20000
for b in "$base16" "$base32"; do
	mcopy -i "$b" "$tmp/f" ::/F.BIN
	mmd -i "$b" ::/D
	mcopy -i "$b" "$tmp/f" ::/D/inner.bin
	mcopy -i "$b" "$tmp/f" "::/Long Name.txt"
done

run() { # [OPTIONS] IMAGE CMD... -> output and status in $out / $st
	out=$(timeout 20 "$shell" "$@" 2>&1)
	st=$?
}

expect_mount_error() { # BASE CASE TEXT
	cp "$1" "$tmp/img"
	python3 "$corrupt" "$tmp/img" "$2"
	run "$tmp/img" tree
	case $st:$out in
	2:*"$3"*) ok "$2: refused at mount: ${out#*boot sector: }" ;;
	*) fail "$2: status $st, wanted a mount error saying \"$3\": $out" ;;
	esac
}

expect_mount_error "$base16" signature "signature at bytes 510-511"
expect_mount_error "$base16" jump "BS_jmpBoot[0] = 0x00"
expect_mount_error "$base16" bytes-per-sector "BPB_BytsPerSec = 1000"
expect_mount_error "$base16" sectors-per-cluster "BPB_SecPerClus = 3"
expect_mount_error "$base16" reserved "BPB_RsvdSecCnt = 0"
expect_mount_error "$base16" fats "BPB_NumFATs = 0"
expect_mount_error "$base16" media "BPB_Media = 0x12"
expect_mount_error "$base16" total "BPB_TotSec16 and BPB_TotSec32 are both 0"
expect_mount_error "$base16" too-big "is larger than the device"
expect_mount_error "$base16" fat-size "is too small for"
expect_mount_error "$base16" root-entries "BPB_RootEntCnt = 0"
expect_mount_error "$base32" root-cluster "BPB_RootClus = 268435440"
expect_mount_error "$base32" fs-version "BPB_FSVer = 0x0001"
expect_mount_error "$base32" fat32-fatsz16 "BPB_FATSz16 = 7 (must be 0)"
expect_mount_error "$base32" root-loop "loops"

expect_eio() { # BASE CASE TEXT CMD...
	b=$1 c=$2 t=$3
	shift 3
	cp "$b" "$tmp/img"
	python3 "$corrupt" "$tmp/img" "$c"
	run "$tmp/img" "$@"
	case $st:$out in
	1:*"$t"*EIO*) ok "$c ($(basename "$b")): EIO, logged: $(echo "$out" | head -1)" ;;
	*) fail "$c ($(basename "$b")): status $st, wanted EIO and \"$t\": $out" ;;
	esac
	# the rest of the volume still reads
	run -r "$tmp/img" stat /Long\ Name.txt
	[ $st = 0 ] || fail "$c: the rest of the volume no longer reads: $out"
}

for b in "$base16" "$base32"; do
	expect_eio "$b" chain-loop "loops" cat /F.BIN
	expect_eio "$b" chain-outside "outside the volume's clusters" cat /F.BIN
	expect_eio "$b" chain-free "marked free" cat /F.BIN
	expect_eio "$b" chain-short "needs" cat /F.BIN
	expect_eio "$b" entry-outside "outside the volume's clusters" cat /F.BIN
	expect_eio "$b" dir-outside "outside the volume's clusters" ls /D
	expect_eio "$b" dir-loop "loops" ls /D
	expect_eio "$b" chain-loop "loops" rm /F.BIN
done

# FSInfo's free count and hint are checked, not trusted, and put right
cp "$base32" "$tmp/img"
python3 "$corrupt" "$tmp/img" fsinfo-wrong
run "$tmp/img" write /new.bin 10000 1
st=$(python3 "$top_srcdir/tests/fs/fatcheck.py" "$tmp/img" state)
set -- $st
if [ "${2#fsinfo_free=}" = "${3#fat_free=}" ]; then
	ok "a wrong FSInfo free count and hint are put right ($st)"
else
	fail "FSInfo: $st / $out"
fi
fsck_ok "$tmp/img" "after fixing FSInfo"

for c in lfn-checksum lfn-order; do
	cp "$base16" "$tmp/img"
	python3 "$corrupt" "$tmp/img" $c
	run -r "$tmp/img" ls /
	case $out in
	*"F LONGNA~1.TXT 20000"*) ok "$c: the long name is ignored, the 8.3 name shows" ;;
	*) fail "$c: $out" ;;
	esac
done
exit $failed
