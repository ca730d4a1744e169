#!/usr/bin/env bash
# The cold path's stages on their own: a 100 MB image from nginx on 127.0.0.1 through Bergenholm's
# HTTP image source, received only, received and written, and received, written and hashed through
# the download's pipeline (what a cold fetch does when a host names a digest), the same pipeline
# without hashing (what it does otherwise: the digest follows once the image is released); and
# SHA-256 alone. The
# same file fetched by curl into /dev/null is the reference for the network side.
#
#   bench/download-bench.sh      # SIZE_MB=100 RUNS=15
#
# Needs (installed when run as root on Debian): java 17, maven, nginx (nginx-light), curl, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
# shellcheck disable=SC2086
bench_need nginx:nginx-light curl:curl python3:python3 $BENCH_JAVA

SIZE_MB=${SIZE_MB:-100}
RUNS=${RUNS:-15}
WORK=$(mktemp -d /tmp/download-bench.XXXXXX)
cleanup() {
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "== building"
mvn -B -q -pl bergenholm-engine -am test-compile dependency:build-classpath \
  -Dmdep.outputFile="$WORK/cp.txt" -Dmdep.includeScope=test >/dev/null
CP="bergenholm-engine/target/test-classes:bergenholm-engine/target/classes:$(cat "$WORK/cp.txt")"

mkdir -p "$WORK/www"
head -c "$((SIZE_MB * 1024 * 1024))" /dev/urandom > "$WORK/www/image.bin"
chmod 755 "$WORK" "$WORK/www"; chmod 644 "$WORK/www/image.bin"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
bench_nginx_conf "$WORK" "$PORT" 2
nginx -c "$WORK/nginx.conf" -p "$WORK"
URL="http://127.0.0.1:$PORT/image.bin"

echo "== curl into /dev/null (reference), $RUNS runs"
for _ in $(seq 1 "$RUNS"); do curl -sS -o /dev/null -w '%{speed_download}\n' "$URL"; done | python3 -c '
import sys, statistics as st
v = sorted(float(x) / 1048576 for x in sys.stdin)
print(f"curl     median {st.median(v):5.0f} MiB/s ({v[0]:.0f}-{v[-1]:.0f})")'
for mode in receive write pipeline pipeline-nohash sha256; do
  java -cp "$CP" io.bergenholm.engine.image.DownloadBench "$mode" "$URL" "$RUNS" "$WORK/scratch.bin"
done
