-- token.lua: adds "Authorization: Bearer $BENCH_TOKEN" to every request
-- of a plain wrk GET (bench/incidents.sh: the overdue query).
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
