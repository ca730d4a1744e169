#!/usr/bin/env bash
# GET /ipxe/script/<uuid>: Bergenholm against nginx serving the same bytes as a static file, side by
# side on loopback, with the sample data and with a generated 10k-host / 1k-group store.
#
#   bench/http-wrk.sh [DURATION] [ROUNDS]     (defaults: 10s, 3 rounds; needs wrk, nginx, taskset)
#
# Servers are pinned to CPU 0 and wrk (1 thread, 64 connections) to CPU 1. Each round runs every
# case once, alternating nginx and Bergenholm, so that a noisy neighbour hits both alike; the table
# shows the median round per case, and the server's CPU time per request (user + system, from
# /proc), which a loaded machine disturbs much less than requests per second.
set -euo pipefail
duration=${1:-10s}
rounds=${2:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
# BERGENHOLM_JAR runs another build (for before/after figures in one sitting).
jar=${BERGENHOLM_JAR:-"$root/samples/bergenholm-server/target/bergenholm-server-0.1.0-SNAPSHOT-all.jar"}
# HTTP_WRK_PORT moves the three listeners (nginx, sample, generated) off 18090-18092.
p0=${HTTP_WRK_PORT:-18090}; p1=$((p0 + 1)); p2=$((p0 + 2))
work=$(mktemp -d)
chmod 755 "$work" # nginx workers run as an unprivileged user
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

for tool in wrk nginx taskset curl java; do
  command -v "$tool" >/dev/null || { echo "http-wrk: $tool is needed" >&2; exit 2; }
done
[ -f "$jar" ] || (cd "$root" && mvn -q -B -DskipTests -pl samples/bergenholm-server -am package)

# --- the generated store: the sample data plus 1000 groups (three levels deep) and 10000 hosts ---
gen="$work/generated"
mkdir -p "$gen"
cp -r "$root/samples/data/." "$gen/"
for g in $(seq 0 999); do
  if [ "$g" -lt 10 ]; then parent=rocky9; else parent="gen-$((g / 10))"; fi
  printf '{"groups": ["%s"], "rack": "r%d", "owner": "team-%d", "note_%d": "group %d of 1000", "ntp": "ntp%d.example.org"}\n' \
    "$parent" "$g" "$((g % 17))" "$g" "$g" "$((g % 3))" > "$gen/groups/gen-$g"
done
for h in $(seq 0 9999); do
  printf '{"groups": ["gen-%d", "amd64"], "hostname": "node%05d", "ipaddr": "10.%d.%d.%d"}\n' \
    "$((h % 1000))" "$h" "$((h / 65536))" "$((h / 256 % 256))" "$((h % 256))" \
    > "$gen/hosts/$(printf '00000000-0000-4000-8000-%012d' "$h")"
done

sample="$work/sample"
cp -r "$root/samples/data/." "$sample/"

declare -A server_pid
start_bergenholm() { # store-dir port
  taskset -c 0 java -Xms256m -Xmx512m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -jar "$jar" \
    serve --store "file:$1" --http "127.0.0.1:$2" > "$work/bergenholm-$2.log" 2>&1 &
  pids+=($!)
  server_pid[$2]=$!
  for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$2/readyz" >/dev/null && return 0
    sleep 0.5
  done
  echo "http-wrk: Bergenholm on port $2 did not start" >&2; cat "$work/bergenholm-$2.log" >&2; exit 1
}

mkdir -p "$work/www/ipxe/script"
cat > "$work/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
error_log $work/nginx-error.log;
pid $work/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  server {
    listen 127.0.0.1:$p0;
    root $work/www;
    default_type text/plain;
  }
}
NGINX

start_bergenholm "$sample" $p1
start_bergenholm "$gen" $p2
sample_id=4c4c4544-0042-3510-8052-b4c04f564e31
gen_id=00000000-0000-4000-8000-000000004242
curl -sf "http://127.0.0.1:$p1/ipxe/script/$sample_id" > "$work/www/ipxe/script/sample"
curl -sf "http://127.0.0.1:$p2/ipxe/script/$gen_id" > "$work/www/ipxe/script/generated"
taskset -c 0 nginx -c "$work/nginx.conf" &
pids+=($!)
server_pid[$p0]=$!
sleep 1

cpu_ticks() { # pid: user + system clock ticks of the process and its children (nginx's worker)
  local total=0 p
  for p in "$1" $(pgrep -P "$1" || true); do
    total=$((total + $(awk '{ print $14 + $15 }' "/proc/$p/stat")))
  done
  echo "$total"
}
hz=$(getconf CLK_TCK)

declare -A url=(
  [nginx-sample]="http://127.0.0.1:$p0/ipxe/script/sample"
  [bergenholm-sample]="http://127.0.0.1:$p1/ipxe/script/$sample_id"
  [nginx-generated]="http://127.0.0.1:$p0/ipxe/script/generated"
  [bergenholm-generated]="http://127.0.0.1:$p2/ipxe/script/$gen_id"
)
cases=(nginx-sample bergenholm-sample nginx-generated bergenholm-generated)

# Warm-up: the JIT compiles the hot path; not measured.
for c in bergenholm-sample bergenholm-generated; do
  taskset -c 1 wrk -t1 -c64 -d10s "${url[$c]}" >/dev/null
done

to_ms() { # wrk latency such as 812.00us, 1.20ms, 1.01s -> milliseconds
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'
}

echo "# $(date -u +%FT%TZ) wrk -t1 -c64 -d$duration --latency, servers on CPU 0, wrk on CPU 1, $rounds rounds"
for r in $(seq 1 "$rounds"); do
  for c in "${cases[@]}"; do
    port=$(sed 's|.*127.0.0.1:\([0-9]*\)/.*|\1|' <<<"${url[$c]}")
    before=$(cpu_ticks "${server_pid[$port]}")
    out=$(taskset -c 1 wrk -t1 -c64 -d"$duration" --latency "${url[$c]}")
    after=$(cpu_ticks "${server_pid[$port]}")
    requests=$(awk '/requests in/ { print $1 }' <<<"$out")
    cpu=$(awk -v t=$((after - before)) -v hz="$hz" -v n="$requests" 'BEGIN { printf "%.1f", t * 1e6 / hz / n }')
    rps=$(awk '/^Requests\/sec/ { print $2 }' <<<"$out")
    p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")")
    p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
    errs=$(awk '/Non-2xx|Socket errors/' <<<"$out" | tr '\n' ' ')
    echo "$r $c $rps $p50 $p99 $cpu $errs" >> "$work/results"
    echo "round $r  $c  ${rps} req/s  p50 ${p50} ms  p99 ${p99} ms  server CPU ${cpu} us/req ${errs}"
  done
done

echo
echo "| case | req/s (median round) | p50 ms | p99 ms | server CPU µs/req | req/s vs nginx | CPU/req vs nginx |"
echo "|---|---|---|---|---|---|---|"
for c in "${cases[@]}"; do
  line=$(awk -v c="$c" '$2 == c' "$work/results" | sort -k3 -g | awk -v n="$rounds" 'NR == int((n + 1) / 2)')
  read -r _ _ rps p50 p99 _ <<<"$line"
  cpu=$(awk -v c="$c" '$2 == c { print $6 }' "$work/results" | sort -g | awk -v n="$rounds" 'NR == int((n + 1) / 2)')
  ref=${c/bergenholm/nginx}
  refrps=$(awk -v c="$ref" '$2 == c' "$work/results" | sort -k3 -g | awk -v n="$rounds" 'NR == int((n + 1) / 2) { print $3 }')
  refcpu=$(awk -v c="$ref" '$2 == c { print $6 }' "$work/results" | sort -g | awk -v n="$rounds" 'NR == int((n + 1) / 2)')
  ratio=$(awk -v a="$rps" -v b="$refrps" 'BEGIN { printf "%.0f%%", 100 * a / b }')
  cpuratio=$(awk -v a="$cpu" -v b="$refcpu" 'BEGIN { printf "%.1f×", a / b }')
  echo "| $c | $rps | $p50 | $p99 | $cpu | $ratio | $cpuratio |"
done
