# Sourced by the bench scripts (POSIX sh). bench_need TOOL:PACKAGE... checks that every tool is on
# the PATH; as root on Debian it installs the packages of the missing ones, otherwise it names them
# and stops. Maven fetches what the build needs on its own (never offline), so a fresh machine works.
bench_need() {
  bench_missing_tools="" bench_missing_packages=""
  for bench_spec in "$@"; do
    bench_tool=${bench_spec%%:*}
    if ! command -v "$bench_tool" >/dev/null 2>&1; then
      bench_missing_tools="$bench_missing_tools $bench_tool"
      bench_missing_packages="$bench_missing_packages ${bench_spec#*:}"
    fi
  done
  [ -z "$bench_missing_packages" ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "bench: installing$bench_missing_packages" >&2
    # shellcheck disable=SC2086 # a list of package names
    DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $bench_missing_packages >&2 \
      || { echo "bench: installing$bench_missing_packages failed" >&2; exit 2; }
  else
    echo "bench: missing$bench_missing_tools; install them with: apt-get install$bench_missing_packages" >&2
    exit 2
  fi
}

# What every bench builds with.
BENCH_JAVA="java:openjdk-17-jdk-headless mvn:maven"

# bench_nginx_conf WORK PORT WORKERS [EXTRA]: writes WORK/nginx.conf, nginx serving WORK/www on
# 127.0.0.1:PORT with sendfile and tcp_nopush (its temporary files and pid under WORK), logging each
# request to WORK/access.log as "msec request_time status bytes request"; EXTRA goes into the server
# block.
bench_nginx_conf() {
  mkdir -p "$1/nginx-tmp"
  cat > "$1/nginx.conf" <<CONF
worker_processes $3;
pid $1/nginx.pid;
error_log $1/nginx-error.log warn;
events { worker_connections 1024; }
http {
  log_format bench '\$msec \$request_time \$status \$body_bytes_sent "\$request"';
  access_log $1/access.log bench;
  client_body_temp_path $1/nginx-tmp/body;
  proxy_temp_path $1/nginx-tmp/proxy;
  fastcgi_temp_path $1/nginx-tmp/fastcgi;
  uwsgi_temp_path $1/nginx-tmp/uwsgi;
  scgi_temp_path $1/nginx-tmp/scgi;
  default_type application/octet-stream;
  sendfile on;
  tcp_nopush on;
  server {
    listen 127.0.0.1:$2;
    root $1/www;
    ${4:-}
  }
}
CONF
}
