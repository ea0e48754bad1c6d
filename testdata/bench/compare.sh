#!/usr/bin/env bash
# Compares posit-doctor with the standard tools an admin would use on the
# same input. Run by 'make bench' after the Go benchmarks. The log-scan
# table asserts its own inputs (equal counts, non-empty windows) and fails
# otherwise; the other sections print figures. SIZE=256MiB, RUNS=5 by
# default; ONLY_LOGS=1 stops after the log table.
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

if [ -z "${ONLY_LOGS:-}" ]; then
echo "== whole run on a healthy fixture host (ms per run, 100 runs, process start included)"
echo "posit-doctor run:           $(ms_per_run 100 "$BIN" run --root "$work/host" --skip frontdoor-tls,issuer-reachable,clock-skew)  (network checks skipped: the fixture names documentation hosts)"
echo "/bin/true (process start):  $(ms_per_run 100 /bin/true)"
gcfg="$work/host/etc/rstudio-connect/rstudio-connect.gcfg"
echo "git config --file X --list: $(ms_per_run 100 git config --file "$gcfg" --list)  (same gcfg grammar)"
fi

# ---- Log scan vs grep -c: the density table -------------------------------
# For each family and error-line density (a quarter of the lines WARNING, a
# tenth DEBUG, the rest INFO), posit-doctor's log-errors count must equal
# grep -c's in every row before any ratio is printed; the windowed case must
# find a non-empty window. Figures are CPU time (user+sys) and peak RSS from
# /usr/bin/time, medians of RUNS runs pinned to one CPU (taskset), page
# cache warm; grep writes to a file, as posit-doctor does.
RUNS=${RUNS:-5}
CPU=${CPU:-1}
DENSITIES=${DENSITIES:-0.001 0.01 0.1}
pin() { if command -v taskset >/dev/null 2>&1; then taskset -c "$CPU" "$@"; else "$@"; fi; }
# measure OUT CMD...: RUNS runs; prints "cpu_ms rss_mib wall_ms" (medians).
measure() {
	local out=$1; shift
	local i
	: >"$work/times"
	for i in $(seq "$RUNS"); do
		pin /usr/bin/time -o "$work/t1" -f '%U %S %M %e' "$@" >"$out" 2>"$work/err" || true
		cat "$work/t1" >>"$work/times"
	done
	awk '{cpu[NR]=($1+$2)*1000; rss[NR]=$3/1024; wall[NR]=$4*1000}
		function med(a, n,   i, j, t) { for (i=1;i<=n;i++) for (j=i+1;j<=n;j++) if (a[j]<a[i]) {t=a[i];a[i]=a[j];a[j]=t}; return (n%2)?a[(n+1)/2]:(a[n/2]+a[n/2+1])/2 }
		END {printf "%.0f %.1f %.0f\n", med(cpu,NR), med(rss,NR), med(wall,NR)}' "$work/times"
}
# count JSON LOG: the sum of data.count of LOG's log-errors findings.
count() {
	python3 -c 'import json,sys
r=json.load(open(sys.argv[1]))
print(sum(f.get("data",{}).get("count",0) for f in r["findings"] if f.get("check")=="log-errors" and f.get("data",{}).get("log")==sys.argv[2]))' "$1" "$2"
}
fail() { echo "compare.sh: FAILED: $*" >&2; exit 1; }

echo
echo "== log scan, ${SIZE} logs, 25 % WARNING, medians of $RUNS runs on CPU $CPU (CPU ms = user+sys; RSS MiB)"
printf '%-10s %7s %9s %9s %8s %7s %9s %9s %11s %9s\n' family errors grep-cpu pd-cpu ratio pd-rss grep-rss count "1h-wall/cpu" 1h-count
for product in workbench connect; do
	if [ $product = workbench ]; then
		log="$work/host/var/log/rstudio/rstudio-server/rserver.log"; name=rserver.log
	else
		log="$work/host/var/log/rstudio/rstudio-connect/rstudio-connect.log"; name=rstudio-connect.log
	fi
	pat=$(go run ./cmd/genlog -pattern -format $product x)
	for d in $DENSITIES; do
		rm -f "$work/host"/var/log/rstudio/*/*.log
		end=$(date -u +%Y-%m-%dT%H:%M:%SZ)
		go run ./cmd/genlog -format $product -size "$SIZE" -error "$d" -warn 0.25 -debug 0.10 -end "$end" "$log" 2>"$work/genlog.out"
		cat "$log" >/dev/null # warm the page cache
		read -r gcpu grss _ < <(measure "$work/grep.out" grep -c -F "$pat" "$log")
		want=$(cat "$work/grep.out")
		read -r pcpu prss _ < <(measure "$work/pd.json" "$BIN" run --root "$work/host" --only log-errors --since all --format json)
		got=$(count "$work/pd.json" $name)
		[ "$got" = "$want" ] || fail "$product at $d errors: posit-doctor counted $got error lines, grep -c $want"
		# The window: the last hour of lines (one a second, the last at
		# $end), counted by grep on exactly those lines; timed with
		# --since 1h, whose window is the same hour a few seconds later.
		since=$(date -u -d "$end 1 hour ago" +%Y-%m-%dT%H:%M:%SZ)
		want1h=$(tail -n 3601 "$log" | grep -c -F "$pat" || true)
		"$BIN" run --root "$work/host" --only log-errors --since "$since" --format json >"$work/pd1h.json" || true
		got1h=$(count "$work/pd1h.json" $name)
		[ "$got1h" -gt 0 ] || fail "$product at $d errors: the --since $since window holds no error line; the benchmark would time an empty window"
		[ "$got1h" = "$want1h" ] || fail "$product at $d errors: posit-doctor --since $since counted $got1h, grep over the last hour's lines $want1h"
		read -r hcpu _ hwall < <(measure "$work/pd1hb.json" "$BIN" run --root "$work/host" --only log-errors --since 1h --format json)
		h1=$(count "$work/pd1hb.json" $name)
		[ "$h1" -gt 0 ] || fail "$product at $d errors: --since 1h found an empty window"
		printf '%-10s %6s%% %9s %9s %7.2fx %7s %9s %9s %11s %9s\n' $product "$(awk "BEGIN{print $d*100}")" "$gcpu" "$pcpu" \
			"$(awk "BEGIN{print $pcpu/($gcpu>0?$gcpu:1)}")" "$prss" "$grss" "$got" "$hwall/$hcpu" "$h1"
	done
done
echo "(ratio: posit-doctor's CPU time over grep -c -F's on the same file; counts asserted equal before printing; 1h: wall/CPU ms of --since 1h, its window asserted non-empty)"
[ -n "${ONLY_LOGS:-}" ] && exit 0

echo
echo "== TLS probe of one loopback server (ms per run, 50 runs, process start included)"
pki="$work/pki"; mkdir -p "$pki"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$pki/ca.key" -out "$pki/ca.pem" -subj /CN=bench-ca -days 2 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$pki/leaf.key" -out "$pki/leaf.csr" -subj /CN=localhost 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$pki/ext"
openssl x509 -req -in "$pki/leaf.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" -CAcreateserial -out "$pki/leaf.pem" -days 2 -extfile "$pki/ext" 2>/dev/null
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
openssl s_server -accept "127.0.0.1:$port" -cert "$pki/leaf.pem" -key "$pki/leaf.key" -www -quiet >/dev/null 2>&1 &
srv=$!
sleep 0.5
empty="$work/empty"; mkdir -p "$empty"
echo "openssl s_client -verify_return_error:   $(ms_per_run 50 sh -c "openssl s_client -connect 127.0.0.1:$port -servername localhost -verify_return_error -CAfile $pki/ca.pem -brief </dev/null")"
echo "curl -sS --cacert (handshake + GET /):   $(ms_per_run 50 curl -sS --cacert "$pki/ca.pem" -o /dev/null "https://localhost:$port/")"
echo "posit-doctor --only frontdoor-tls --url: $(ms_per_run 50 env NO_PROXY='*' "$BIN" run --root "$empty" --only frontdoor-tls --url "https://localhost:$port/" --ca-file "$pki/ca.pem")"
kill $srv 2>/dev/null || true

echo
echo "== three peers that accept and never answer, --timeout 2s (wall time, ms)"
cat >"$work/hung.py" <<'PY'
import socket, sys, time
ss = []
for _ in range(3):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16); ss.append(s)
print(" ".join(str(s.getsockname()[1]) for s in ss), flush=True)
conns, end = [], time.time() + 20
while time.time() < end:
    for s in ss:
        s.settimeout(0.05)
        try: conns.append(s.accept())
        except OSError: pass
PY
python3 "$work/hung.py" >"$work/hung.ports" &
hung=$!
sleep 0.5
set -- $(cat "$work/hung.ports")
start=$(date +%s%N)
NO_PROXY='*' "$BIN" run --root "$empty" --only frontdoor-tls --timeout 2s --url "https://127.0.0.1:$1/" --url "https://127.0.0.1:$2/" --url "https://127.0.0.1:$3/" >"$work/hung.out" 2>&1 || true
end=$(date +%s%N)
kill $hung 2>/dev/null || true
echo "posit-doctor with 3 hung --url peers: $(( (end - start) / 1000000 )) ms, $(grep -c ': timeout' "$work/hung.out") timeouts (one --timeout is 2000 ms)"

echo
echo "== redaction of a ${SIZE} Connect log with a secret in 1 line of 50 (one core)"
rlog="$work/redact.log"
go run ./cmd/genlog -format connect -size "$SIZE" -secrets 50 "$rlog"
cat "$rlog" >/dev/null
bytes=$(stat -c %s "$rlog")
start=$(date +%s%N)
taskset -c 0 "$BIN" redact <"$rlog" >"$work/redacted.log"
end=$(date +%s%N)
ms=$(( (end - start) / 1000000 ))
echo "posit-doctor redact: ${ms} ms, $(awk "BEGIN{printf \"%.0f\", $bytes/1048576/($ms/1000)}") MiB/s; planted secrets in: $(grep -c Planted "$rlog"), left out: $(grep -c Planted "$work/redacted.log" || true)"
echo "peak RSS: $(rss_mib "$BIN" redact <"$rlog") MiB"
rm -f "$rlog" "$work/redacted.log"

echo
SOS_SIZE=${SOS_SIZE:-16MiB}
echo "== sos clean vs posit-doctor redact: the configs of the secrets-everywhere fixture + a ${SOS_SIZE} log"
if ! command -v sos >/dev/null 2>&1; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends sosreport >/dev/null 2>&1 || true
	fi
fi
tgt="$work/sos-target"
go run ./cmd/mkfixture secrets-everywhere "$work/se" >/dev/null
mkdir -p "$tgt/etc" "$tgt/var/log" "$tgt/sos_logs" "$tgt/sos_reports" "$tgt/sos_commands"
cp -r "$work/se/etc/rstudio" "$work/se/etc/rstudio-connect" "$tgt/etc/"
go run ./cmd/genlog -format connect -size "$SOS_SIZE" -secrets 50 "$tgt/var/log/rstudio-connect.log"
planted=$(grep -ro 'Planted[A-Za-z]*[0-9]*' "$tgt" | wc -l)
# posit-doctor first (sos clean consumes its target directory).
start=$(date +%s%N)
left=0
while IFS= read -r f; do
	n=$("$BIN" redact <"$f" 2>/dev/null | { grep -o 'Planted[A-Za-z]*[0-9]*' || true; } | wc -l)
	left=$((left + n))
done < <(find "$tgt" -type f)
end=$(date +%s%N)
echo "posit-doctor redact: $(( (end - start) / 1000000 )) ms; planted secrets: $planted; left unredacted: $left"
if command -v sos >/dev/null 2>&1; then
	mkdir -p "$work/sostmp"
	start=$(date +%s%N)
	sos clean --batch --tmp-dir "$work/sostmp" "$tgt" >"$work/sos.out" 2>&1 || true
	end=$(date +%s%N)
	cleaned=$(find "$work/sostmp" -maxdepth 1 -mindepth 1 -type d ! -name 'sos.*' | head -1)
	sleft=$({ grep -ro 'Planted[A-Za-z]*[0-9]*' "$cleaned" 2>/dev/null || true; } | wc -l)
	echo "sos clean ($(sos --version 2>/dev/null | head -1)): $(( (end - start) / 1000000 )) ms; left unredacted: $sleft of $planted (it obfuscates hostnames, IPs and MACs, not secrets)"
else
	echo "sos clean: SKIPPED (sosreport is not installed and could not be installed)"
fi
