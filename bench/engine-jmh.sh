#!/bin/sh
# Runs the engine's resolve+render benchmark (bergenholm-engine/src/test/java/io/bergenholm/engine/bench).
# Extra arguments go to JMH; the default run is short: one fork, 3 warm-up and 5 measured iterations.
#   bench/engine-jmh.sh                 # both benchmarks
#   bench/engine-jmh.sh -wi 5 -i 10     # longer
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
# shellcheck disable=SC2086
bench_need $BENCH_JAVA
mvn -B -q -pl bergenholm-engine -am test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile="$PWD/bergenholm-engine/target/bench-classpath.txt"
CP="bergenholm-engine/target/test-classes:bergenholm-engine/target/classes:$(cat bergenholm-engine/target/bench-classpath.txt)"
if [ "$#" -eq 0 ]; then
  set -- -f 1 -wi 3 -w 1s -i 5 -r 1s
fi
exec java -cp "$CP" org.openjdk.jmh.Main 'io.bergenholm.engine.bench.EngineBenchmark' "$@"
