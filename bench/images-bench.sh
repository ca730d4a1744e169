#!/usr/bin/env bash
# Images benchmark: a 100 MB image to 1 and to 50 concurrent curl clients, warm (from the cache)
# and cold (fetched from upstream while being served), side by side in the same run with nginx
# serving the same file directly. nginx is also the upstream of the cold cases.
#
#   bench/images-bench.sh   # SIZE_MB=100 CLIENTS=50 RUNS=5 SLOW_RATE=20m; KEEP=1 keeps the files; PIN=1 pins;
#                           # PRETOUCH_MB=all recycles memory first; CACHE_MB=300 bounds the cache (see below)
#
# Prints throughput (median of RUNS), upstream request counts, first-byte latencies of the cold
# case against the image's arrival from upstream, the server's heap (from -Xlog:gc), and the
# machine's own ceiling for the cold case: how fast dd writes the image into new files (pages never
# written before), the same work every cold download does, and into pages freed a moment before.
# Both servers are warmed up first with WARMUP_SECONDS of small requests (wrk, Range: bytes=0-0), so
# that the JVM's request path is compiled as in a server that has been running; the runs compare
# steady states.
# Needs (installed when run as root on Debian): java 17, maven, nginx (nginx-light), curl, python3,
# hyperfine, taskset, wrk.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
# shellcheck disable=SC2086
bench_need nginx:nginx-light curl:curl python3:python3 hyperfine:hyperfine taskset:util-linux wrk:wrk $BENCH_JAVA

SIZE_MB=${SIZE_MB:-100}
CLIENTS=${CLIENTS:-50}
RUNS=${RUNS:-5}
SLOW_RATE=${SLOW_RATE:-20m}
HEAP=${HEAP:-512m}
WARMUP_SECONDS=${WARMUP_SECONDS:-5}
# PRETOUCH_MB=N: before the runs, fill and free N MB of memory (all: all free memory but 1.5 GB), so
# that the runs' new files get pages the guest has used before (as on a server that has been up for
# a while) instead of pages a virtual machine has never touched, which cost a hypervisor fault each.
PRETOUCH_MB=${PRETOUCH_MB:-0}
# CACHE_MB=N: bound the image cache to N MB (default 2048, which keeps every image of the runs).
# With CACHE_MB=300 (the warm image and one run's two cold ones) each cold download evicts the
# previous run's copy, as a server with a full cache does, and writes into the pages that freed.
CACHE_MB=${CACHE_MB:-2048}
# PIN=1: servers (nginx and Bergenholm alike) on CPU 0, clients on CPU 1.
if [ -n "${PIN:-}" ]; then SERVER_CPU=(taskset -c 0); CLIENT_CPU=(taskset -c 1); else SERVER_CPU=(); CLIENT_CPU=(); fi
WORK=$(mktemp -d /tmp/images-bench.XXXXXX)
SERVER_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  if [ -n "${KEEP:-}" ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }

echo "== building"
mvn -B -q -pl bergenholm-netboot -am test-compile dependency:build-classpath \
  -Dmdep.outputFile="$WORK/cp.txt" -Dmdep.includeScope=test >/dev/null
CP="bergenholm-netboot/target/test-classes:bergenholm-netboot/target/classes:$(cat "$WORK/cp.txt")"

echo "== image: ${SIZE_MB} MB of random bytes"
mkdir -p "$WORK/www" "$WORK/cache" "$WORK/nginx-tmp"
head -c "$((SIZE_MB * 1024 * 1024))" /dev/urandom > "$WORK/www/image.bin"
chmod 755 "$WORK" "$WORK/www"; chmod 644 "$WORK/www/image.bin"
BYTES=$(stat -c %s "$WORK/www/image.bin")

NGINX_PORT=$(free_port)
# As many workers as the server's event loops (2 per core).
bench_nginx_conf "$WORK" "$NGINX_PORT" 4 "location /slow/ { alias $WORK/www/; limit_rate $SLOW_RATE; }"
"${SERVER_CPU[@]}" nginx -c "$WORK/nginx.conf" -p "$WORK"
UP="http://127.0.0.1:$NGINX_PORT"

echo "== Bergenholm (engine + HTTP server + image route), -Xmx$HEAP"
"${SERVER_CPU[@]}" java -Xms64m -Xmx"$HEAP" -Xlog:gc:file="$WORK/gc.log" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "$CP" io.bergenholm.netboot.http.image.ImagesBenchServer "$WORK/cache" "$WORK/port" "${CACHE_MB}M" \
  > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do [ -s "$WORK/port" ] && break; sleep 0.1; done
BH="http://127.0.0.1:$(cat "$WORK/port")"

host() { # host ID KERNEL_URL
  curl -sS -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -d "{\"kernel\": \"$2\"}" "$BH/api/1.0/hosts/$1" | grep -q 201
}

# clients N URL OUT [GAP_SECONDS]: N curls at once (or GAP apart); one line per client:
# start_epoch http_code bytes time_starttransfer time_total; prints the wall time.
clients() {
  local n=$1 url=$2 out=$3 gap=${4:-0}
  : > "$out"
  local t0; t0=$(now)
  local pids=()
  for _ in $(seq 1 "$n"); do
    ( s=$(now); "${CLIENT_CPU[@]}" curl -sS -o /dev/null --max-time 300 \
        -w "$s %{http_code} %{size_download} %{time_starttransfer} %{time_total}\n" "$url" >> "$out" ) &
    pids+=($!)
    if [ "$gap" != 0 ]; then sleep "$gap"; fi
  done
  wait "${pids[@]}"
  local t1; t1=$(now)
  python3 - "$out" "$n" "$BYTES" <<'PY'
import sys
rows=[l.split() for l in open(sys.argv[1])]
n,b=int(sys.argv[2]),int(sys.argv[3])
bad=[r for r in rows if r[1] not in ('200',) or int(r[2])!=b]
if len(rows)!=n or bad: sys.exit(f"FAILED: {len(rows)} of {n} clients, bad: {bad[:3]}")
PY
  python3 -c "print(f'{$t1-$t0:.3f}')"
}

mbps() { python3 -c "print(f'{$1*$BYTES/1048576/$2:.0f}')"; } # clients wall -> MB/s
upstream_count() { grep -c "$1" "$WORK/access.log" || true; }

echo "== warm-up: fill the cache"
host warm "$UP/image.bin"
clients 1 "$BH/ipxe/kernel/warm" "$WORK/w.txt" >/dev/null
[ "$(upstream_count 'GET /image.bin HTTP')" = 1 ] || { echo "warm-up fetched more than once"; exit 1; }

echo "== warm-up: ${WARMUP_SECONDS}s of small requests to each server"
for url in "$UP/image.bin" "$BH/ipxe/kernel/warm"; do
  "${CLIENT_CPU[@]}" wrk -t1 -c4 -d"${WARMUP_SECONDS}s" -H 'Range: bytes=0-0' "$url" | grep 'Requests/sec' | sed "s|^|  $url |"
done

# The warm-up's garbage (tens of thousands of small requests) is collected before the runs, and
# the heap figures below count only collections after this point: they are the runs' own.
jcmd "$SERVER_PID" GC.run >/dev/null
GC_FROM=$(wc -l < "$WORK/gc.log")

if [ "$PRETOUCH_MB" = all ]; then
  PRETOUCH_MB=$(awk '/^MemFree:/ { print int($2 / 1024) - 1536 }' /proc/meminfo)
fi
if [ "$PRETOUCH_MB" -gt 0 ]; then
  echo "== pre-touch: filling and freeing $PRETOUCH_MB MB of memory"
  python3 -c "bytearray($PRETOUCH_MB * 1048576)"
fi

echo "== ceiling: dd writes the image into new files (as a cold download does), 3 times"
mkdir -p "$WORK/ceiling"
CEILING=""
for i in 1 2 3; do
  s=$(now); dd if="$WORK/www/image.bin" of="$WORK/ceiling/copy$i" bs=1M status=none; e=$(now)
  CEILING+="$(mbps 1 "$(python3 -c "print($e-$s)")") "
done
# The same into pages freed a moment before (each copy deleted, then written again).
RECYCLED=""
for i in 1 2 3; do
  rm -f "$WORK/ceiling/copy$i"
  s=$(now); dd if="$WORK/www/image.bin" of="$WORK/ceiling/copy$i" bs=1M status=none; e=$(now)
  RECYCLED+="$(mbps 1 "$(python3 -c "print($e-$s)")") "
done

declare -A R
for run in $(seq 1 "$RUNS"); do
  echo "== run $run"
  for n in 1 "$CLIENTS"; do
    R[nginx-$n]+="$(mbps "$n" "$(clients "$n" "$UP/image.bin" "$WORK/n.txt")") "
    R[warm-$n]+="$(mbps "$n" "$(clients "$n" "$BH/ipxe/kernel/warm" "$WORK/b.txt")") "
    host "cold$n-$run" "$UP/image.bin?cold=$n-$run"
    R[cold-$n]+="$(mbps "$n" "$(clients "$n" "$BH/ipxe/kernel/cold$n-$run" "$WORK/c.txt")") "
    R[coldreq-$n]+="$(upstream_count "cold=$n-$run ") "
  done
done

echo "== 1 client, warm, cross-check with hyperfine (${RUNS}x4 runs each)"
"${CLIENT_CPU[@]}" hyperfine -N -w 2 -r "$((RUNS * 4))" --export-json "$WORK/hf.json" \
  -n nginx "curl -sS -o /dev/null $UP/image.bin" \
  -n bergenholm "curl -sS -o /dev/null $BH/ipxe/kernel/warm" >/dev/null

echo "== cold, upstream limited to $SLOW_RATE/s, $CLIENTS clients arriving 40 ms apart"
host slow "$UP/slow/image.bin?stagger=1"
clients "$CLIENTS" "$BH/ipxe/kernel/slow" "$WORK/s.txt" 0.04 >/dev/null
clients 1 "$UP/slow/image.bin?direct=1" "$WORK/sd.txt" >/dev/null
SLOW_LINE=$(grep 'stagger=1 ' "$WORK/access.log")
SLOW_COUNT=$(grep -c 'stagger=1 ' "$WORK/access.log")

echo
echo "RESULTS (${SIZE_MB} MB image, MB/s = MiB/s over all clients, median of $RUNS runs)"
python3 - "$RUNS" "$CLIENTS" <<PY
import statistics as st
R = {k: [float(x) for x in v.split()] for k, v in {
$(for k in "${!R[@]}"; do echo "  '$k': '${R[$k]}',"; done)
}.items()}
runs, c = int("$RUNS"), "$CLIENTS"
for n in ("1", c):
    ng, w, co = (st.median(R[f"{k}-{n}"]) for k in ("nginx", "warm", "cold"))
    print(f"{n:>3} client(s): nginx {ng:6.0f} MB/s | Bergenholm warm {w:6.0f} MB/s ({100*w/ng:5.1f}% of nginx) "
          f"| cold {co:6.0f} MB/s ({100*co/ng:5.1f}% of nginx), upstream requests per cold run {sorted(set(int(x) for x in R[f'coldreq-{n}']))}")
    print(f"     runs: nginx {R[f'nginx-{n}']} warm {R[f'warm-{n}']} cold {R[f'cold-{n}']}")
PY
python3 -c "import statistics as st; v=[float(x) for x in '$CEILING'.split()]; r=[float(x) for x in '$RECYCLED'.split()]; print(f'cold ceiling: dd into new files {st.median(v):.0f} MB/s (runs {v}); into pages freed a moment before {st.median(r):.0f} MB/s (runs {r})')"
python3 - "$WORK/s.txt" "$WORK/sd.txt" "$SLOW_LINE" "$SLOW_COUNT" <<'PY'
import sys, statistics as st
rows = [l.split() for l in open(sys.argv[1])]
direct = [l.split() for l in open(sys.argv[2])][0]
msec, rtime = (float(x) for x in sys.argv[3].split()[:2])
up_start, up_end = msec - rtime, msec
# curl's own time to first byte, from its start: for the first client that includes the whole
# upstream request; later clients ask for bytes that had already arrived.
rows.sort(key=lambda r: float(r[0]))
ttfb = [1000 * float(r[3]) for r in rows]
later = sorted(ttfb[1:])
tail = [1000 * (float(r[0]) + float(r[4]) - up_end) for r in rows]
print(f"slow cold: upstream requests {sys.argv[4]}; upstream transfer {rtime:.2f} s")
print(f"  time to first byte: nginx direct {1000*float(direct[3]):.1f} ms; first Bergenholm client "
      f"(starts the upstream fetch) {ttfb[0]:.1f} ms; the {len(later)} later clients: median "
      f"{st.median(later):.1f} ms, p90 {later[int(0.9 * (len(later) - 1))]:.1f} ms, max {later[-1]:.1f} ms")
print(f"  last byte after upstream's last byte (approximate: clock read before curl starts): median {st.median(tail):.1f} ms, max {max(tail):.1f} ms")
PY
python3 - "$WORK/hf.json" "$BYTES" <<'PY'
import json, sys
n, w = json.load(open(sys.argv[1]))["results"]  # in the order given to hyperfine
b = int(sys.argv[2]) / 1048576
print(f"hyperfine, 1 client warm: nginx {n['mean']*1000:.0f} ± {n['stddev']*1000:.0f} ms "
      f"(median {n['median']*1000:.0f} ms, {b/n['median']:.0f} MB/s); Bergenholm {w['mean']*1000:.0f} "
      f"± {w['stddev']*1000:.0f} ms (median {w['median']*1000:.0f} ms, {b/w['median']:.0f} MB/s); "
      f"Bergenholm/nginx throughput by medians {100*n['median']/w['median']:.0f}%")
PY
echo "heap during the runs (from -Xlog:gc, -Xmx$HEAP; the warm-up excluded):"
python3 - "$WORK/gc.log" "$GC_FROM" <<'PY'
import re, sys
lines = open(sys.argv[1]).readlines()
start = int(sys.argv[2])
full = [re.search(r"(\d+)M->(\d+)M\((\d+)M\)", l) for l in lines[:start] if "Pause Full" in l]
if full and full[-1]:
    print(f"  live after the warm-up's full collection: {full[-1].group(2)} MB")
pre, post = [], []
for line in lines[start:]:
    m = re.search(r"(\d+)M->(\d+)M\((\d+)M\)", line)
    if m:
        pre.append(int(m.group(1))); post.append(int(m.group(2)))
if pre:
    print(f"  {len(pre)} collections during the runs; peak used before a collection {max(pre)} MB; "
          f"peak live after a collection {max(post)} MB")
else:
    print("  no collection during the runs (all they allocated fits in the young generation)")
PY
jcmd "$SERVER_PID" GC.heap_info 2>/dev/null | sed -n '2,4p' | sed 's/^/  at the end: /'
