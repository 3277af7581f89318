#!/bin/sh
# cli.sh: the devmgr-fat command line: usage errors, --help, --version and
# exit statuses.  Needs no filesystem provider.
. "$top_srcdir/tests/fat-tool/lib.sh"

tmp=$(mktmp fatcli) || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

t "no arguments" 2 "$FATTOOL" && errsays "no arguments" "give exactly one of --image FILE and -c CONFIG"
t "--image and -c" 2 "$FATTOOL" --image a.img -c b.json ls
t "no command" 2 "$FATTOOL" --image a.img && errsays "no command" "no command (ls, cat"
t "unknown command" 2 "$FATTOOL" --image a.img format && errsays "unknown command" 'unknown command "format"'
t "unknown option" 2 "$FATTOOL" --image a.img rm -f /x && errsays "unknown option" 'unknown option "-f"'
t "too few arguments" 2 "$FATTOOL" --image a.img get /x && errsays "too few" 'wrong number of arguments for "get"'
t "too many arguments" 2 "$FATTOOL" --image a.img cat /x /y
t "unknown long option" 2 "$FATTOOL" --imgae a.img ls
t "rm -r of a . path" 2 "$FATTOOL" --image a.img rm -r /a/b/. &&
	errsays "rm -r of a . path" '"/a/b/.": "." and ".." are not allowed in paths of the filesystem'
t "mv to a .. path" 2 "$FATTOOL" --image a.img mv /a ../b
t "get with a .. path" 2 "$FATTOOL" --image a.img get /../x x
t "--help" 0 "$FATTOOL" --help
for word in "ls [-l]" "put SRC DEST" "rm [-r]" "Exit status" "ls [-l] [-R]" \
	"get -r SRC DEST" "put -r SRC DEST" "mkfs [-F 12|16|32]"; do
	grep -qF -- "$word" "$tmp/out" && ok "--help shows $word" || ko "--help does not show $word"
done
t "--version" 0 "$FATTOOL" --version
grep -q "^devmgr-fat (devmgr) [0-9]" "$tmp/out" && ok "--version format" || ko "--version format"

# A configuration error is a usage error (2), named by file and pointer.
cat >"$tmp/bad.json" <<EOF
{"devmgr": 1, "devices": {"d": {"provider": "blk-file", "pathh": "x"}}}
EOF
t "bad configuration" 2 "$FATTOOL" -c "$tmp/bad.json" ls &&
	errsays "bad configuration" "$tmp/bad.json: /devices/d/pathh: unknown parameter"

finish
