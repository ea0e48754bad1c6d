#!/usr/bin/env bash
# Compares posit-doctor with the standard tools an admin would use on the
# same input. Run by 'make bench' after the Go benchmarks. It prints figures
# and asserts nothing. SIZE=256MiB by default.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=bin/posit-doctor
[ -x "$BIN" ] || make build >/dev/null
SIZE=${SIZE:-256MiB}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LC_ALL=C

# Wall time of N repetitions of a command, in ms per run (output to a file).
ms_per_run() {
	local n=$1; shift
	local start end
	start=$(date +%s%N)
	for _ in $(seq "$n"); do "$@" >"$work/out" 2>&1 || true; done
	end=$(date +%s%N)
	echo $(( (end - start) / n / 1000000 ))
}
# Peak RSS in MiB of one run.
rss_mib() {
	/usr/bin/time -v "$@" 2>&1 >/dev/null | awk '/Maximum resident set size/ {printf "%.1f", $6/1024}'
}

go run ./cmd/mkfixture ubuntu-healthy "$work/host" >/dev/null

echo "== whole run on a healthy fixture host (ms per run, 100 runs, process start included)"
echo "posit-doctor run:           $(ms_per_run 100 "$BIN" run --root "$work/host")"
echo "/bin/true (process start):  $(ms_per_run 100 /bin/true)"
gcfg="$work/host/etc/rstudio-connect/rstudio-connect.gcfg"
echo "git config --file X --list: $(ms_per_run 100 git config --file "$gcfg" --list)  (same gcfg grammar)"

for product in workbench connect; do
	if [ $product = workbench ]; then
		log="$work/host/var/log/rstudio/rstudio-server/rserver.log"; pat='] ERROR '
	else
		log="$work/host/var/log/rstudio/rstudio-connect/rstudio-connect.log"; pat='level=error'
	fi
	rm -f "$work/host"/var/log/rstudio/*/*.log
	go run ./cmd/genlog -format $product -size "$SIZE" "$log"
	cat "$log" >/dev/null  # warm the page cache
	echo
	echo "== $product log, $(du -h "$log" | cut -f1), page cache warm, LC_ALL=C (ms, best of 3)"
	best() { local b=999999; for _ in 1 2 3; do local t; t=$(ms_per_run 1 "$@"); [ "$t" -lt "$b" ] && b=$t; done; echo $b; }
	g=$(best grep -c -F "$pat" "$log")
	p=$(best "$BIN" run --root "$work/host" --only log-errors --since all --format json)
	h=$(best "$BIN" run --root "$work/host" --only log-errors --since 1h --format json)
	echo "grep -c -F '$pat':                          $g"
	echo "posit-doctor run --only log-errors --since all: $p  (ratio $(awk "BEGIN{printf \"%.2f\", $p/($g>0?$g:1)}")x grep)"
	echo "posit-doctor run --only log-errors --since 1h:  $h"
	echo "peak RSS --since all: $(rss_mib "$BIN" run --root "$work/host" --only log-errors --since all) MiB; grep -c: $(rss_mib grep -c -F "$pat" "$log") MiB"
	"$BIN" run --root "$work/host" --only log-errors --since all --format json >"$work/r.json" || true
	echo "error lines: grep -c says $(grep -c -F "$pat" "$log"); posit-doctor data.count sum: $(python3 -c "import json;print(sum(f.get('data',{}).get('count',0) for f in json.load(open('$work/r.json'))['findings']))" 2>/dev/null || echo '?')"
done
