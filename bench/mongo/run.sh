#!/bin/sh
# The script endpoint's requests/s with the MongoDB store against the directory store, on the same
# data (10k hosts, 1k groups over the sample data's groups and templates) in the same run.
#
# Starts mongo-java-server (in memory) loaded with the records, writes the same records into a
# directory store, then for each store in turn starts `bergenholm serve` on loopback and runs wrk
# against GET /ipxe/script/<random host>; first with the engine's caches on (the default), then
# off (-E cache.enabled=false), which makes every request read the store.
#
# Each measurement follows an unmeasured warm-up of the same load (JIT, connection pools, caches).
#
# Environment: DURATION (default 20s), WARMUP (10s), ROUNDS (2), CONNECTIONS (16), THREADS (2), HOSTS (10000),
# RACKS (1000), MONGO_PORT (27917), HTTP_PORT (18080), WORK (a temporary folder).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
. bench/lib.sh
# shellcheck disable=SC2086
bench_need wrk:wrk curl:curl $BENCH_JAVA
DURATION=${DURATION:-20s}
WARMUP=${WARMUP:-10s}
ROUNDS=${ROUNDS:-2}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-2}
HOSTS=${HOSTS:-10000}
RACKS=${RACKS:-1000}
MONGO_PORT=${MONGO_PORT:-27917}
HTTP_PORT=${HTTP_PORT:-18080}
WORK=${WORK:-$(mktemp -d)}
mkdir -p "$WORK"
pids=""
cleanup() {
  for p in $pids; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM

echo "building (mvn package, no tests)..." >&2
mvn -q -B -DskipTests -pl samples/bergenholm-server,bergenholm-store-mongo -am package \
  dependency:build-classpath -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test >&2
jar="$root/samples/bergenholm-server/target/bergenholm-server-0.1.0-SNAPSHOT-all.jar"
cp="bergenholm-store-mongo/target/test-classes:bergenholm-store-mongo/target/classes:$(cat bergenholm-store-mongo/target/bench.cp)"

echo "loading $HOSTS hosts and $RACKS groups into both stores (in $WORK)..." >&2
java -cp "$cp" io.bergenholm.store.mongo.BenchDatabase samples/data "$WORK" "$MONGO_PORT" \
  rocky9+amd64,alma9+amd64,debian12+amd64,ubuntu2404+amd64 "$HOSTS" "$RACKS" 1 >"$WORK/mongo.log" 2>&1 &
pids="$pids $!"
i=0
until [ -s "$WORK/mongo.uri" ]; do
  i=$((i + 1)); [ $i -lt 1200 ] || { echo "database load timed out; see $WORK/mongo.log" >&2; exit 1; }
  sleep 0.5
done
mongo_uri=$(cat "$WORK/mongo.uri")

run() { # LABEL STORE [serve flags...]
  label=$1; store=$2; shift 2
  java -jar "$jar" serve --store "$store" --http "127.0.0.1:$HTTP_PORT" "$@" >"$WORK/serve-$label.log" 2>&1 &
  serve=$!
  i=0
  until curl -fs -o /dev/null "http://127.0.0.1:$HTTP_PORT/api/1.0/templates/"; do
    i=$((i + 1)); [ $i -lt 120 ] || { echo "server did not start; see $WORK/serve-$label.log" >&2; kill $serve; exit 1; }
    sleep 0.5
  done
  first=$(head -n 1 "$WORK/hosts.txt")
  curl -fs "http://127.0.0.1:$HTTP_PORT/ipxe/script/$first" | grep -q '^kernel ' \
    || { echo "$label: the script of $first has no kernel line" >&2; kill $serve; exit 1; }
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -s bench/mongo/script.lua \
    "http://127.0.0.1:$HTTP_PORT" -- "$WORK/hosts.txt" 2 >/dev/null
  echo "== $label: wrk -t$THREADS -c$CONNECTIONS -d$DURATION"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s bench/mongo/script.lua \
    "http://127.0.0.1:$HTTP_PORT" -- "$WORK/hosts.txt" 1 | grep -E 'Requests/sec|Latency|50%|99%|non-200|requests in'
  kill $serve
  wait $serve 2>/dev/null || true
}

# Rounds alternate which store goes first, so that drift in the machine's load favours neither.
round=1
while [ $round -le "$ROUNDS" ]; do
  if [ $((round % 2)) -eq 1 ]; then
    run "directory-cached-r$round" "file:$WORK/store"
    run "mongodb-cached-r$round" "$mongo_uri"
    run "directory-uncached-r$round" "file:$WORK/store" -E cache.enabled=false
    run "mongodb-uncached-r$round" "$mongo_uri" -E cache.enabled=false
  else
    run "mongodb-cached-r$round" "$mongo_uri"
    run "directory-cached-r$round" "file:$WORK/store"
    run "mongodb-uncached-r$round" "$mongo_uri" -E cache.enabled=false
    run "directory-uncached-r$round" "file:$WORK/store" -E cache.enabled=false
  fi
  round=$((round + 1))
done
