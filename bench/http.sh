#!/usr/bin/env bash
# http.sh: how fast tongbao answers over HTTP, next to nginx serving the same
# file on the same machine in the same run (issue 2, point 7).
#
# It builds build/tongbao, starts it on a free loopback port with a new
# temporary database, copies the bytes of one of its static assets into a
# directory that nginx serves on another loopback port, and runs
#   wrk -t2 -c64 -d${BENCH_SECONDS}s --latency
# against tongbao's /healthz, tongbao's asset and nginx's copy.  It prints
# requests/s and the 50th, 90th and 99th latency percentiles of each, and
# the ratio of tongbao's to nginx's requests/s for the file.
#
# Environment:
#   BENCH_SECONDS   seconds per wrk run (default 10)
#   BENCH_THREADS   wrk threads (default 2)
#   BENCH_CONNS     wrk connections (default 64)
#   TONGBAO_BIN     the binary to measure (default build/tongbao, built
#                   first; another one is used as it is)
#
# Everything listens on 127.0.0.1 only, and everything it started is
# stopped when it exits, however it exits.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

seconds="${BENCH_SECONDS:-10}"
threads="${BENCH_THREADS:-2}"
conns="${BENCH_CONNS:-64}"
for v in "$seconds" "$threads" "$conns"; do
	case "$v" in
	'' | *[!0-9]* | 0)
		echo "http.sh: BENCH_SECONDS, BENCH_THREADS and BENCH_CONNS" \
		    "must be positive integers" >&2
		exit 2 ;;
	esac
done

for tool in wrk nginx curl; do
	if ! command -v "$tool" >/dev/null 2>&1 &&
	    [ ! -x "/usr/sbin/$tool" ]; then
		echo "http.sh: $tool is missing; run scripts/install-deps" >&2
		exit 1
	fi
done
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"

if [ -n "${TONGBAO_BIN:-}" ]; then
	bin="$TONGBAO_BIN"
else
	make -s build >&2
	bin="build/tongbao"
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/tongbao-bench.XXXXXX")"
mkdir -p "$tmp/nginx"
tongbao_pid=""
nginx_pid=""

cleanup() {
	local pid
	for pid in "$tongbao_pid" "$nginx_pid"; do
		if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
			kill -TERM "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
		fi
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# wait_for_line FILE REGEX SECONDS: prints the first line of FILE matching
# REGEX, waiting up to SECONDS for it to appear.
wait_for_line() {
	local i line
	for ((i = 0; i < $3 * 10; i++)); do
		line="$(grep -m1 -E "$2" "$1" 2>/dev/null || true)"
		if [ -n "$line" ]; then
			printf '%s\n' "$line"
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# free_port: a TCP port on 127.0.0.1 nobody listens on right now.  The
# kernel picks it (bind to port 0), so two runs at once do not collide.
free_port() {
	node -e 'const s = require("net").createServer();
s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

# Both servers log every request, tongbao as a JSON line on standard error,
# nginx in its access log: a real cost, so both pay it, into files.  Three
# runs at up to ~100k requests/s can write a few GB; on a fuller disk both
# write into /dev/null instead, which keeps the comparison even.
avail_kb="$(df -Pk "$tmp" | awk 'NR == 2 { print $4 }')"
if [ "${avail_kb:-0}" -gt $((4 * 1024 * 1024)) ]; then
	tongbao_log="$tmp/tongbao.err"
	nginx_access="$tmp/nginx/access.log"
else
	tongbao_log=/dev/null
	nginx_access=/dev/null
fi

# --- tongbao ---------------------------------------------------------------
TONGBAO_ADMIN_PASSWORD="bench-$(date +%s)-password" \
    "$bin" init --db "$tmp/bench.db" >"$tmp/init.log" 2>&1 || {
	echo "http.sh: tongbao init failed:" >&2
	cat "$tmp/init.log" >&2
	exit 1
}
"$bin" serve --db "$tmp/bench.db" --listen 127.0.0.1:0 \
    >"$tmp/tongbao.out" 2>"$tongbao_log" &
tongbao_pid=$!
if ! line="$(wait_for_line "$tmp/tongbao.out" \
    '^listening on http://127\.0\.0\.1:[0-9]+' 20)"; then
	echo "http.sh: tongbao did not start:" >&2
	cat "$tmp/tongbao.out" "$tongbao_log" >&2
	exit 1
fi
tongbao_port="${line##*:}"
tongbao="http://127.0.0.1:$tongbao_port"

# The asset: the stylesheet the page links (else its first script), so the
# file measured is one a browser really fetches.
curl -sSf -o "$tmp/index.html" "$tongbao/"
asset="$(grep -oE '(href|src)="/[^"]+\.css"' "$tmp/index.html" | head -n1 ||
    true)"
if [ -z "$asset" ]; then
	asset="$(grep -oE 'src="/[^"]+\.js"' "$tmp/index.html" | head -n1 ||
	    true)"
fi
asset="${asset#*=\"}"
asset="${asset%\"}"
if [ -z "$asset" ]; then
	echo "http.sh: the page links no .css or .js file" >&2
	exit 1
fi
mkdir -p "$tmp/www$(dirname "$asset")"
curl -sSf -D "$tmp/asset.headers" -o "$tmp/www$asset" "$tongbao$asset"
asset_bytes="$(wc -c <"$tmp/www$asset")"
asset_type="$(grep -i '^content-type:' "$tmp/asset.headers" |
    tr -d '\r' | cut -d' ' -f2-)"

# --- nginx, serving the same bytes -----------------------------------------
nginx_port="$(free_port)"
# As root nginx's workers would switch to nobody, who cannot read the 0700
# temporary directory; they stay root then (only on loopback, for a minute).
user_line=""
if [ "$(id -u)" -eq 0 ]; then
	user_line="user root;"
fi
# Settings chosen to match tongbao's: as many workers as cores, keep-alive
# for the whole run, the same Content-Type, one access log line per request
# (tongbao logs every request too).
cat >"$tmp/nginx/nginx.conf" <<EOF
$user_line
worker_processes auto;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 4096; }
http {
	access_log $nginx_access;
	client_body_temp_path $tmp/nginx/body;
	proxy_temp_path $tmp/nginx/proxy;
	fastcgi_temp_path $tmp/nginx/fastcgi;
	uwsgi_temp_path $tmp/nginx/uwsgi;
	scgi_temp_path $tmp/nginx/scgi;
	sendfile on;
	tcp_nopush on;
	keepalive_timeout 65;
	keepalive_requests 1000000;
	types { }
	default_type "$asset_type";
	server {
		listen 127.0.0.1:$nginx_port;
		root $tmp/www;
	}
}
EOF
"$nginx_bin" -p "$tmp/nginx" -e "$tmp/nginx/error.log" \
    -c "$tmp/nginx/nginx.conf" >"$tmp/nginx/stdout.log" 2>&1 &
nginx_pid=$!
nginx="http://127.0.0.1:$nginx_port"
for ((i = 0; i < 100; i++)); do
	if curl -sf -o /dev/null "$nginx$asset"; then
		break
	fi
	if ! kill -0 "$nginx_pid" 2>/dev/null; then
		echo "http.sh: nginx did not start:" >&2
		cat "$tmp/nginx/stdout.log" "$tmp/nginx/error.log" >&2
		exit 1
	fi
	sleep 0.1
done
curl -sSf -o "$tmp/nginx.copy" "$nginx$asset"
if ! cmp -s "$tmp/nginx.copy" "$tmp/www$asset"; then
	echo "http.sh: nginx does not serve the same bytes" >&2
	exit 1
fi

# --- measure -----------------------------------------------------------------
# run_wrk NAME URL: runs wrk and keeps its report in $tmp/NAME.wrk.
run_wrk() {
	echo "wrk -t$threads -c$conns -d${seconds}s --latency $2" >&2
	wrk -t"$threads" -c"$conns" -d"${seconds}s" --latency "$2" \
	    >"$tmp/$1.wrk"
}

# field NAME: "requests/s p50 p90 p99 errors" from a wrk report; latencies
# in milliseconds, errors the count of non-2xx/3xx answers and socket errors.
field() {
	awk '
	function ms(v) {
		if (v ~ /us$/) return v / 1000
		if (v ~ /ms$/) return v + 0
		if (v ~ /s$/) return v * 1000
		return v
	}
	/^Requests\/sec:/ { rps = $2 }
	/^ +50%/ { p50 = ms($2) }
	/^ +90%/ { p90 = ms($2) }
	/^ +99%/ { p99 = ms($2) }
	/Non-2xx or 3xx responses:/ { err += $NF }
	/Socket errors:/ {
		for (i = 3; i <= NF; i += 2) err += $(i + 1)
	}
	END { printf "%s %.3f %.3f %.3f %d\n", rps, p50, p90, p99, err }
	' "$tmp/$1.wrk"
}

run_wrk healthz "$tongbao/healthz"
run_wrk tongbao_asset "$tongbao$asset"
run_wrk nginx_asset "$nginx$asset"

if ! kill -0 "$tongbao_pid" 2>/dev/null; then
	echo "http.sh: tongbao died during the run:" >&2
	tail -n 50 "$tongbao_log" >&2
	exit 1
fi

version="$("$bin" version 2>/dev/null | head -n1 || true)"
# The build type, when the binary sits in a Meson build directory.
buildtype="?"
if [ -d "$(dirname "$bin")/meson-info" ]; then
	buildtype="$(meson introspect --buildoptions "$(dirname "$bin")" |
	    node -e 'let s = ""; process.stdin.on("data", (d) => { s += d; })
.on("end", () => { const o = JSON.parse(s).find((x) => x.name === "buildtype");
console.log(o ? o.value : "?"); });' 2>/dev/null)" || buildtype="?"
fi

echo
echo "tongbao HTTP benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "machine: $(nproc) cores, $(uname -sr); wrk shares the cores"
echo "tongbao: ${version:-?} ($bin, buildtype $buildtype)"
echo "nginx:   $("$nginx_bin" -v 2>&1 | sed 's/^nginx version: //')," \
    "worker_processes auto, sendfile on"
echo "load:    wrk -t$threads -c$conns -d${seconds}s --latency, keep-alive"
echo "file:    $asset ($asset_bytes bytes, $asset_type), the same bytes" \
    "from both"
echo
printf '%-24s %12s %10s %10s %10s %8s\n' \
    target 'requests/s' 'p50 ms' 'p90 ms' 'p99 ms' errors
for name in healthz tongbao_asset nginx_asset; do
	case "$name" in
	healthz) label="tongbao /healthz" ;;
	tongbao_asset) label="tongbao $asset" ;;
	nginx_asset) label="nginx $asset" ;;
	esac
	read -r rps p50 p90 p99 err <<<"$(field "$name")"
	printf '%-24s %12.0f %10.3f %10.3f %10.3f %8d\n' \
	    "$label" "$rps" "$p50" "$p90" "$p99" "$err"
done
read -r t_rps _ <<<"$(field tongbao_asset)"
read -r n_rps _ <<<"$(field nginx_asset)"
awk -v t="$t_rps" -v n="$n_rps" 'BEGIN {
	if (n > 0) printf "\nstatic file, tongbao/nginx requests/s: %.2f\n", t / n
}'

# Errors make the figures meaningless: say so in the exit status.
for name in healthz tongbao_asset nginx_asset; do
	read -r _ _ _ _ err <<<"$(field "$name")"
	if [ "$err" -ne 0 ]; then
		echo "http.sh: $name had $err errors; see the wrk report:" >&2
		cat "$tmp/$name.wrk" >&2
		exit 1
	fi
done
