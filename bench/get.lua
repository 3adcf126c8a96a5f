-- get.lua: wrk script for GET /api/v1/incidents/{id} (bench/incidents.sh).
-- Environment: BENCH_TOKEN (an API token that may read them all) and
-- BENCH_IDS (a file of incident ids, one a line); each request reads one
-- of them at random.
local token = os.getenv("BENCH_TOKEN")
local ids = {}

for line in io.lines(os.getenv("BENCH_IDS")) do
	if line:match("^%d+$") then
		ids[#ids + 1] = line
	end
end
if #ids == 0 then
	error("get.lua: no ids in " .. os.getenv("BENCH_IDS"))
end
wrk.headers["Authorization"] = "Bearer " .. token

request = function()
	return wrk.format("GET", "/api/v1/incidents/" ..
	    ids[math.random(#ids)])
end
