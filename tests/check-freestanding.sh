#!/bin/sh
# Every libnc2ring source must compile with nothing but the compiler's own
# headers and include/nc2/, with gcc and with clang. -M lists what each
# file really pulled in, so a stray libc or kernel header fails the check.
set -eu
top=$1
status=0
for cc in gcc clang; do
	command -v "$cc" >/dev/null || { echo "missing $cc"; exit 1; }
	sys=$($cc -print-file-name=include)
	for src in "$top"/libnc2ring/*.c; do
		if ! $cc -std=c11 -Wall -Wextra -Werror -ffreestanding -nostdinc \
			-isystem "$sys" -I"$top/include" -c "$src" -o /dev/null; then
			echo "FAIL: $cc cannot build $src freestanding"
			status=1
			continue
		fi
		deps=$($cc -std=c11 -ffreestanding -nostdinc -isystem "$sys" \
			-I"$top/include" -M "$src" | tr ' \\' '\n\n' |
			grep '\.h$' || true)
		for d in $deps; do
			case $(readlink -f "$d") in
			"$(readlink -f "$top/include/nc2")"/*) ;;
			"$(readlink -f "$sys")"/*) ;;
			*) echo "FAIL: $src includes $d"; status=1 ;;
			esac
		done
	done
	echo "$cc: $(ls "$top"/libnc2ring/*.c | wc -l) sources freestanding-clean"
done
exit $status
