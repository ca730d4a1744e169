#!/bin/sh
# Bergenholm: the server (bergenholm serve) and the client of its REST API. See bergenholm(1) and
# `bergenholm --help`. BERGENHOLM_JAVA_OPTS adds options to the Java command line; JAVA_HOME picks
# the Java runtime (17 or later), else java on the PATH.
set -e
if [ -n "${JAVA_HOME:-}" ]; then
  java="$JAVA_HOME/bin/java"
else
  java=java
fi
# shellcheck disable=SC2086 # BERGENHOLM_JAVA_OPTS is a list of options
exec "$java" ${BERGENHOLM_JAVA_OPTS:-} -jar /usr/share/bergenholm/bergenholm.jar "$@"
