#!/usr/bin/env bash
# incidents.sh: the incident benchmarks of issue 4 (point 7), through HTTP
# on loopback against a database of generated incidents.
#
# The database: `tongbao generate` fills one with BENCH_INCIDENTS incidents
# across 400 agencies over ten years (after `init` and `demo`), once; it is
# kept in $BENCH_CACHE/incidents-N.db, so a rerun with the same N does not
# generate again (remove the folder to start over).  Each run works on a
# copy, so the creates of one run never land in the next.
#
# It starts the real server on 127.0.0.1 and runs, each for BENCH_SECONDS
# with wrk -t$BENCH_THREADS -c$BENCH_CONNS --latency:
#   read        GET /api/v1/incidents/{id}, ids spread over the ten years,
#               as DoIT (admin), which sees every incident
#   list        GET /api/v1/incidents?agency=ca&... as ca.window, rotating
#               the filters of the list screen (state, level, dates, text)
#   overdue     GET /api/v1/obligations?state=overdue as DoIT, city-wide:
#               once with 1 connection (the query's own latency) and once
#               with BENCH_CONNS
#   create      POST /api/v1/incidents as ca.window, each durable
#               (synchronous=FULL) before it is answered: with
#               store_group_commit = 0 and then = 1, on a restarted server
# and prints requests/s and the 50th, 90th and 99th latency percentiles of
# each, the transactions per durable COMMIT of the creates, and the ratios
# that compare with the aims (2,000 durable creates/s, 20,000 reads/s, the
# overdue query under 20 ms).  Figures are only comparable within one run:
# these machines are shared.
#
# Environment:
#   BENCH_INCIDENTS        incidents in the database (default 1000000)
#   BENCH_SECONDS          seconds per wrk run (default 10)
#   BENCH_THREADS          wrk threads (default 2)
#   BENCH_CONNS            wrk connections (default 32)
#   BENCH_SERVER_THREADS   the server's HTTP threads (default 32: a
#                          thread waiting for its COMMIT holds no core, and
#                          group commit gathers only transactions that
#                          wait at once)
#   BENCH_CACHE            where generated databases are kept (default
#                          build/bench)
#   TONGBAO_BIN            the binary (default build/tongbao, built first)
#
# Everything listens on 127.0.0.1 only, and everything it started is
# stopped when it exits, however it exits.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

incidents="${BENCH_INCIDENTS:-1000000}"
seconds="${BENCH_SECONDS:-10}"
threads="${BENCH_THREADS:-2}"
conns="${BENCH_CONNS:-32}"
server_threads="${BENCH_SERVER_THREADS:-32}"
cache="${BENCH_CACHE:-build/bench}"
for v in "$incidents" "$seconds" "$threads" "$conns" "$server_threads"; do
	case "$v" in
	'' | *[!0-9]* | 0)
		echo "incidents.sh: BENCH_INCIDENTS, BENCH_SECONDS," \
		    "BENCH_THREADS, BENCH_CONNS and BENCH_SERVER_THREADS" \
		    "must be positive integers" >&2
		exit 2 ;;
	esac
done

for tool in wrk curl node; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "incidents.sh: $tool is missing; run scripts/install-deps" >&2
		exit 1
	fi
done

if [ -n "${TONGBAO_BIN:-}" ]; then
	bin="$TONGBAO_BIN"
else
	make -s build >&2
	bin="build/tongbao"
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/tongbao-bench-inc.XXXXXX")"
tongbao_pid=""

stop_server() {
	if [ -n "$tongbao_pid" ] && kill -0 "$tongbao_pid" 2>/dev/null; then
		kill -TERM "$tongbao_pid" 2>/dev/null || true
		wait "$tongbao_pid" 2>/dev/null || true
	fi
	tongbao_pid=""
}
cleanup() {
	stop_server
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- the generated database, made once per N --------------------------------
mkdir -p "$cache"
cached="$cache/incidents-$incidents.db"
if [ ! -f "$cached" ]; then
	part="$cache/incidents-$incidents.partial-$$.db"
	rm -f "$part" "$part-wal" "$part-shm" "$part.audit-key"
	echo "incidents.sh: generating $incidents incidents into $cached" \
	    "(once; kept for the next runs)" >&2
	t0=$(date +%s)
	if ! { TONGBAO_ADMIN_PASSWORD="bench-$(date +%s)-$$-pass" \
	    "$bin" init --db "$part" >"$tmp/init.log" 2>&1 &&
	    "$bin" demo --db "$part" >>"$tmp/init.log" 2>&1 &&
	    "$bin" generate --incidents "$incidents" --agencies 400 \
	    --years 10 --db "$part" >&2; }; then
		echo "incidents.sh: generating the database failed:" >&2
		cat "$tmp/init.log" >&2
		rm -f "$part" "$part-wal" "$part-shm" "$part.audit-key"
		exit 1
	fi
	echo "incidents.sh: generated in $(($(date +%s) - t0)) s" >&2
	# The first server on generated data schedules the reminders of every
	# open obligation (notify_schedule) and works through them: seconds
	# of writes that would otherwise land in the first measurements.  A
	# server is run once here until it idles, so the cached database is
	# as a running server leaves it.
	"$bin" serve --db "$part" --listen 127.0.0.1:0 --threads 2 \
	    >"$tmp/settle.out" 2>/dev/null &
	settle_pid=$!
	prev=""
	for ((i = 0; i < 300; i++)); do
		sleep 2
		if ! kill -0 "$settle_pid" 2>/dev/null; then
			echo "incidents.sh: the server stopped while settling" \
			    "the generated database" >&2
			exit 1
		fi
		# CPU ticks used: idle once under 5 in 2 s.
		cur="$(awk '{ print $14 + $15 }' "/proc/$settle_pid/stat")"
		if [ -n "$prev" ] && [ $((cur - prev)) -lt 5 ]; then
			break
		fi
		prev="$cur"
	done
	kill -TERM "$settle_pid"
	wait "$settle_pid" || true
	echo "incidents.sh: settled in $(($(date +%s) - t0)) s in all" >&2
	# The key goes with its database: a trail without its key is refused.
	mv "$part.audit-key" "$cached.audit-key"
	mv "$part" "$cached"
fi

# A copy per run; the server checkpoints and removes its WAL on exit, so
# the database file alone is the whole database.
work="$tmp/bench.db"
cp --reflink=auto "$cached" "$work"
if [ -f "$cached-wal" ]; then
	cp --reflink=auto "$cached-wal" "$work-wal"
fi
cp --preserve=mode "$cached.audit-key" "$work.audit-key"

token() {
	"$bin" token create --user "$1" --db "$work" 2>/dev/null | tail -n1
}
doit_token="$(token admin)"
window_token="$(token ca.window)"
if [ -z "$doit_token" ] || [ -z "$window_token" ]; then
	echo "incidents.sh: cannot make API tokens on $work" >&2
	exit 1
fi

# Both sides log: the server a JSON line per request into a file (a real
# cost it pays in production), unless the disk is nearly full.
avail_kb="$(df -Pk "$tmp" | awk 'NR == 2 { print $4 }')"
if [ "${avail_kb:-0}" -gt $((4 * 1024 * 1024)) ]; then
	server_log="$tmp/tongbao.err"
else
	server_log=/dev/null
fi

# start_server GROUP_COMMIT: starts the server on a free port.
start_server() {
	local i line
	: >"$tmp/tongbao.out"
	"$bin" serve --db "$work" --listen 127.0.0.1:0 \
	    --threads "$server_threads" --store_group_commit "$1" \
	    >"$tmp/tongbao.out" 2>>"$server_log" &
	tongbao_pid=$!
	for ((i = 0; i < 600; i++)); do
		line="$(grep -m1 -E '^listening on http://127\.0\.0\.1:[0-9]+' \
		    "$tmp/tongbao.out" 2>/dev/null || true)"
		if [ -n "$line" ]; then
			base="http://127.0.0.1:${line##*:}"
			return 0
		fi
		if ! kill -0 "$tongbao_pid" 2>/dev/null; then
			break
		fi
		sleep 0.1
	done
	echo "incidents.sh: tongbao did not start:" >&2
	cat "$tmp/tongbao.out" >&2
	tail -n 20 "$server_log" >&2 || true
	exit 1
}

# settle: waits (at most 60 s) until the server started last idles: at
# start its notification scheduler looks through every open obligation
# (a page per transaction), which must not land in the measurements.
settle() {
	local i cur prev=""
	for ((i = 0; i < 60; i++)); do
		sleep 1
		cur="$(awk '{ print $14 + $15 }' "/proc/$tongbao_pid/stat")"
		# CPU ticks used: idle once under 10 in a second.
		if [ -n "$prev" ] && [ $((cur - prev)) -lt 10 ]; then
			return 0
		fi
		prev="$cur"
	done
}

# metric NAME: the value of a counter of /metrics.
metric() {
	curl -sf "$base/metrics" | awk -v m="$1" '$1 == m { print $2 }'
}

# run_wrk NAME CONNS SCRIPT PATH: wrk's report in $tmp/NAME.wrk (wrk
# wants no more threads than connections).
run_wrk() {
	local t=$((threads < $2 ? threads : $2))
	echo "wrk -t$t -c$2 -d${seconds}s --latency -s bench/$3 $4" >&2
	wrk -t"$t" -c"$2" -d"${seconds}s" --latency \
	    -s "bench/$3" "$base$4" >"$tmp/$1.wrk"
}

# field NAME: "requests/s p50 p90 p99 errors", latencies in ms, errors
# the non-2xx/3xx answers and socket errors.
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

# --- reads ---------------------------------------------------------------
start_server 1
settle

# Incident ids spread over the whole span (rows far apart in the file,
# not only the newest and hottest): a few from each of 600 random days.
BENCH_BASE="$base" BENCH_TOKEN="$doit_token" node -e '
const base = process.env.BENCH_BASE;
const auth = { Authorization: "Bearer " + process.env.BENCH_TOKEN };
const day = 86400000, now = Date.now(), ids = new Set();
(async () => {
	for (let i = 0; i < 600; i++) {
		const d = new Date(now - Math.random() * 3650 * day + 8 * 3600000)
		    .toISOString().slice(0, 10);
		const r = await fetch(`${base}/api/v1/incidents?from=${d}` +
		    `&to=${d}&limit=20`, { headers: auth });
		if (!r.ok) throw new Error(`list: ${r.status}`);
		for (const it of (await r.json()).items) ids.add(String(it.id));
	}
	if (ids.size === 0) throw new Error("no incidents listed");
	process.stdout.write([...ids].join("\n") + "\n");
})().catch((e) => { console.error(e.message); process.exit(1); });
' >"$tmp/ids"
nids="$(wc -l <"$tmp/ids")"

export BENCH_IDS="$tmp/ids" BENCH_AGENCY=ca
# A short pass first: the copy's pages into this process's caches.
BENCH_TOKEN="$doit_token" wrk -t"$threads" -c"$conns" -d2s \
    -s bench/get.lua "$base/api/v1/incidents" >/dev/null
BENCH_TOKEN="$doit_token" run_wrk read "$conns" get.lua /api/v1/incidents
BENCH_TOKEN="$window_token" run_wrk list "$conns" list.lua /api/v1/incidents
BENCH_TOKEN="$doit_token" run_wrk overdue1 1 token.lua \
    "/api/v1/obligations?state=overdue"
BENCH_TOKEN="$doit_token" run_wrk overdue "$conns" token.lua \
    "/api/v1/obligations?state=overdue"
overdue_rows="$(curl -sf -H "Authorization: Bearer $doit_token" \
    "$base/api/v1/obligations?state=overdue&limit=500" |
    node -e 'let s = ""; process.stdin.on("data", (d) => { s += d; })
.on("end", () => { const o = JSON.parse(s);
console.log(o.items.length + (o.next_cursor ? "+" : "")); });')"
stop_server

# --- durable creates, without and with group commit ----------------------
# Awareness ten minutes before: a report made within its hour (P10), the
# common case, whose clocks run but nothing is overdue yet.  (An hour or
# more before, every create is overdue at once and the scheduler sends its
# reminder: a second write transaction per create.)
export BENCH_AWARE_AT="$(date -u -d '10 minutes ago' +%Y-%m-%dT%H:%M:%S+00:00)"
for gc in 0 1; do
	start_server "$gc"
	settle
	c0="$(metric tongbao_store_commits_total)"
	b0="$(metric tongbao_store_commit_batches_total)"
	BENCH_TOKEN="$window_token" run_wrk "create$gc" "$conns" create.lua \
	    /api/v1/incidents
	c1="$(metric tongbao_store_commits_total)"
	b1="$(metric tongbao_store_commit_batches_total)"
	echo "$((c1 - c0)) $((b1 - b0))" >"$tmp/create$gc.commits"
	stop_server
done

version="$("$bin" version 2>/dev/null | head -n1 || true)"
buildtype="?"
if [ -d "$(dirname "$bin")/meson-info" ]; then
	buildtype="$(meson introspect --buildoptions "$(dirname "$bin")" |
	    node -e 'let s = ""; process.stdin.on("data", (d) => { s += d; })
.on("end", () => { const o = JSON.parse(s).find((x) => x.name === "buildtype");
console.log(o ? o.value : "?"); });' 2>/dev/null)" || buildtype="?"
fi

echo
echo "tongbao incident benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "machine:  $(nproc) cores, $(uname -sr); wrk shares the cores;" \
    "load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "tongbao:  ${version:-?} ($bin, buildtype $buildtype)," \
    "$server_threads HTTP threads"
echo "database: $incidents generated incidents ($cached," \
    "$(du -m "$cached" | cut -f1) MB), a copy per run"
echo "load:     wrk -t$threads -c$conns -d${seconds}s --latency," \
    "keep-alive; reads of $nids ids spread over ten years"
echo
printf '%-34s %12s %9s %9s %9s %7s\n' \
    target 'requests/s' 'p50 ms' 'p90 ms' 'p99 ms' errors
for name in read list overdue1 overdue create0 create1; do
	case "$name" in
	read) label="GET incident by id" ;;
	list) label="GET incidents, one agency, filters" ;;
	overdue1) label="GET overdue city-wide, 1 conn" ;;
	overdue) label="GET overdue city-wide, $conns conns" ;;
	create0) label="POST incident, group commit off" ;;
	create1) label="POST incident, group commit on" ;;
	esac
	read -r rps p50 p90 p99 err <<<"$(field "$name")"
	printf '%-34s %12.0f %9.3f %9.3f %9.3f %7d\n' \
	    "$label" "$rps" "$p50" "$p90" "$p99" "$err"
done
echo
read -r n0 b0 <"$tmp/create0.commits"
read -r n1 b1 <"$tmp/create1.commits"
awk -v n0="$n0" -v b0="$b0" -v n1="$n1" -v b1="$b1" 'BEGIN {
	f = "creates per durable COMMIT: %.1f without group commit, %.1f with\n"
	printf f, (b0 > 0 ? n0 / b0 : 0), (b1 > 0 ? n1 / b1 : 0)
}'
echo "overdue obligations on the first page (limit 500): $overdue_rows"
read -r c0 _ <<<"$(field create0)"
read -r c1 _ <<<"$(field create1)"
read -r r _ <<<"$(field read)"
read -r _ o50 _ o99 _ <<<"$(field overdue1)"
awk -v c0="$c0" -v c1="$c1" -v r="$r" -v o50="$o50" -v o99="$o99" 'BEGIN {
	printf "durable creates/s, group commit on/off:  %.2f\n",
	    (c0 > 0 ? c1 / c0 : 0)
	printf "durable creates/s / aim of 2,000:         %.2f\n", c1 / 2000
	printf "reads/s / aim of 20,000:                  %.2f\n", r / 20000
	printf "overdue query p99 / aim of 20 ms:         %.2f (p50 %.2f)\n",
	    o99 / 20, o50 / 20
}'

# Errors make the figures meaningless: say so in the exit status.
for name in read list overdue1 overdue create0 create1; do
	read -r _ _ _ _ err <<<"$(field "$name")"
	if [ "$err" -ne 0 ]; then
		echo "incidents.sh: $name had $err errors; see the wrk report:" >&2
		cat "$tmp/$name.wrk" >&2
		exit 1
	fi
done
