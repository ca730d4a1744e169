#!/bin/sh
# ipmi_sim's chassis_control program: called as
#   chassis_control.sh <mc> get <key>...        prints "<key>:<value>" per key
#   chassis_control.sh <mc> set <key> <value>... stores each value
#   chassis_control.sh <mc> check               succeeds
# State lives in one file per key next to this script; every call is appended to calls.log so that
# a test can see exactly what the simulated BMC was asked to do.
dir=$(dirname "$0")/state
mkdir -p "$dir"
echo "$*" >> "$(dirname "$0")/calls.log"
shift
op=$1
shift
case "$op" in
  get)
    for key in "$@"; do
      value=$(cat "$dir/$key" 2>/dev/null)
      if [ -z "$value" ]; then
        if [ "$key" = boot ]; then value=none; else value=0; fi
      fi
      echo "$key:$value"
    done
    ;;
  set)
    while [ $# -ge 2 ]; do
      echo "$2" > "$dir/$1"
      shift 2
    done
    ;;
  check)
    ;;
  *)
    echo "unknown operation $op" >&2
    exit 1
    ;;
esac
exit 0
