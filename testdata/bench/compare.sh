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
echo "posit-doctor run:           $(ms_per_run 100 "$BIN" run --root "$work/host" --skip frontdoor-tls,issuer-reachable,clock-skew)  (network checks skipped: the fixture names documentation hosts)"
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
