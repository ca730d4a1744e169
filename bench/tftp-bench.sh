#!/bin/bash
# TFTP throughput: Bergenholm's TFTP server against tftpd-hpa, same file, same client, same run.
#   bench/tftp-bench.sh            (RUNS=7 PLACEMENTS="same split" by default)
# Both servers listen on 127.0.0.1 and are pinned with taskset; "same" puts client and server on
# CPU 0, "split" puts the server on CPU 0 and the client on CPU 1 (lock-step TFTP swings with
# placement, so each comparison uses one placement for both servers). Runs alternate between the
# servers. Every download is checked byte for byte. Bergenholm runs as the standalone runner
# (./bergenholm serve, built on first use). Needs: java, maven, curl, atftp, tftpd-hpa (in.tftpd),
# taskset.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-7}
PLACEMENTS=${PLACEMENTS:-"same split"}
CONCURRENT=${CONCURRENT:-200}
HPA_PORT=${HPA_PORT:-16901}
BGH_PORT=${BGH_PORT:-16902}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tftp-bench.XXXXXX")
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "building..." >&2
"$REPO/bergenholm" --version >/dev/null

mkdir -p "$WORK/root" "$WORK/out"
head -c $((10 * 1024 * 1024)) /dev/urandom > "$WORK/root/file10m"
head -c $((1024 * 1024)) /dev/urandom > "$WORK/root/file1m"
SUM10=$(sha256sum < "$WORK/root/file10m")
SUM1=$(sha256sum < "$WORK/root/file1m")

taskset -c 0 in.tftpd -L -s "$WORK/root" -a "127.0.0.1:$HPA_PORT" &
PIDS+=($!)
BERGENHOLM_JAVA_OPTS="-Xms256m -Xmx256m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn" taskset -c 0 \
  "$REPO/bergenholm" serve --store memory: --http 127.0.0.1:0 --tftp "127.0.0.1:$BGH_PORT" --tftp-root "$WORK/root" &
PIDS+=($!)
BGH_PID=$!

for _ in $(seq 100); do
  curl -s -o /dev/null "tftp://127.0.0.1:$BGH_PORT/file1m" && break
  sleep 0.2
done
echo "warming up the JIT..." >&2
for _ in $(seq 30); do
  curl -s --tftp-blksize 1432 -o /dev/null "tftp://127.0.0.1:$BGH_PORT/file10m"
  atftp --get -r file10m -l /dev/null --option "blksize 1432" --option "windowsize 16" 127.0.0.1 "$BGH_PORT" >/dev/null 2>&1
done

# fetch CLIENT_CPU PORT KIND BLKSIZE OUT -> prints milliseconds
fetch() {
  local cpu=$1 port=$2 kind=$3 blk=$4 out=$5 start end
  rm -f "$out"
  start=$(date +%s%N)
  case $kind in
    curl) taskset -c "$cpu" curl -s --tftp-blksize "$blk" -o "$out" "tftp://127.0.0.1:$port/file10m" ;;
    atftp) taskset -c "$cpu" atftp --get -r file10m -l "$out" --option "blksize $blk" 127.0.0.1 "$port" >/dev/null 2>&1 ;;
    atftp-w16) taskset -c "$cpu" atftp --get -r file10m -l "$out" --option "blksize $blk" --option "windowsize 16" \
                 127.0.0.1 "$port" >/dev/null 2>&1 ;;
  esac
  end=$(date +%s%N)
  [ "$(sha256sum < "$out")" = "$SUM10" ] || { echo "CORRUPT: $kind blksize $blk port $port" >&2; exit 1; }
  echo $(( (end - start) / 1000000 ))
}

# stats "ms ms ms ..." -> "median min max"
stats() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%d %d %d", m, a[1], a[NR]}'; }
mibs() { awk -v ms="$1" 'BEGIN { printf "%.0f", (ms > 0 ? 10 * 1000 / ms : 0) }'; }

echo "| placement | client | blksize | tftpd-hpa median ms (min-max) | Bergenholm median ms (min-max) | tftpd-hpa MiB/s | Bergenholm MiB/s |"
echo "|---|---|---|---|---|---|---|"
for placement in $PLACEMENTS; do
  if [ "$placement" = same ]; then ccpu=0; else ccpu=1; fi
  for spec in "curl 512" "curl 1432" "atftp 1432" "atftp-w16 1432"; do
    set -- $spec
    hpa="" bgh=""
    for _ in $(seq "$RUNS"); do
      hpa+=" $(fetch "$ccpu" "$HPA_PORT" "$1" "$2" "$WORK/out/hpa")"
      bgh+=" $(fetch "$ccpu" "$BGH_PORT" "$1" "$2" "$WORK/out/bgh")"
    done
    read -r hm hmin hmax <<<"$(stats "$hpa")"
    read -r bm bmin bmax <<<"$(stats "$bgh")"
    label=$1; [ "$1" = atftp-w16 ] && label="atftp windowsize 16"
    echo "| $placement | $label | $2 | $hm ($hmin-$hmax) | $bm ($bmin-$bmax) | $(mibs "$hm") | $(mibs "$bm") |"
  done
done

echo
echo "$CONCURRENT concurrent 1 MiB downloads from Bergenholm (curl, blksize 1432, unpinned):"
start=$(date +%s%N)
for i in $(seq "$CONCURRENT"); do
  curl -s --max-time 60 --tftp-blksize 1432 -o "$WORK/out/c$i" "tftp://127.0.0.1:$BGH_PORT/file1m" &
done
wait_ok=0
for job in $(jobs -p); do
  case " ${PIDS[*]} " in *" $job "*) continue ;; esac
  wait "$job" || wait_ok=1
done
end=$(date +%s%N)
good=0
for i in $(seq "$CONCURRENT"); do
  [ -f "$WORK/out/c$i" ] && [ "$(sha256sum < "$WORK/out/c$i")" = "$SUM1" ] && good=$((good + 1))
done
echo "byte-exact: $good/$CONCURRENT, curl failures: $wait_ok, wall: $(( (end - start) / 1000000 )) ms"
[ "$good" -eq "$CONCURRENT" ]
