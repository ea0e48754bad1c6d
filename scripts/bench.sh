#!/usr/bin/env bash
# Compares posit-doctor with the standard tools an admin would use on the
# same input. Run by 'make bench' after the Go benchmarks. Prints figures;
# it asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=bin/posit-doctor
[ -x "$BIN" ] || make build >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go run ./cmd/mkfixture ubuntu-healthy "$work/host" >/dev/null

# Wall time of N repetitions of a command, in ms per run.
per_run() {
	local n=$1; shift
	local start end
	start=$(date +%s%N)
	for _ in $(seq "$n"); do "$@" >"$work/out" 2>&1 || true; done
	end=$(date +%s%N)
	echo $(( (end - start) / n / 1000 ))
}

N=200
echo "== full run on a healthy fixture host ($N runs each, µs per run)"
echo "posit-doctor run (4 checks, every config parsed): $(per_run $N "$BIN" run --root "$work/host") µs"
echo "for scale, a no-op /bin/true process start:       $(per_run $N /bin/true) µs"

gcfg="$work/host/etc/rstudio-connect/rstudio-connect.gcfg"
echo
echo "== gcfg parsing, same file ($N runs each, µs per run, process start included)"
echo "git config --file X --list (same grammar):        $(per_run $N git config --file "$gcfg" --list) µs"
echo "posit-doctor run --only secret-file-mode:         $(per_run $N "$BIN" run --root "$work/host" --only secret-file-mode) µs"
