-- create.lua: wrk script for POST /api/v1/incidents (bench/incidents.sh).
-- Environment: BENCH_TOKEN (a reporter's API token), BENCH_AGENCY (its
-- agency), BENCH_AWARE_AT (an RFC 3339 time in the past).  Each request
-- proposes level 1 or 2 and a category of the national platform's list;
-- titles start with [bench] so that these rows are never taken for real.
local token = os.getenv("BENCH_TOKEN")
local agency = os.getenv("BENCH_AGENCY")
local aware = os.getenv("BENCH_AWARE_AT")
local categories = { "web_attack", "intrusion", "denial_of_service",
	"equipment" }
local n = 0

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token

request = function()
	n = n + 1
	local body = string.format('{"agency":"%s","title":"[bench] ' ..
	    'incident %d","category":"%s","aware_at":"%s","level":%d,' ..
	    '"description":"[bench] made by bench/incidents.sh"}', agency, n,
	    categories[n % #categories + 1], aware, n % 2 + 1)
	return wrk.format(nil, nil, nil, body)
end
