-- list.lua: wrk script for GET /api/v1/incidents with filters
-- (bench/incidents.sh): one agency's incidents as its own window would
-- list them, rotating through the filters of the list screen.
-- Environment: BENCH_TOKEN (the agency's window) and BENCH_AGENCY.
local token = os.getenv("BENCH_TOKEN")
local agency = os.getenv("BENCH_AGENCY")
local filters = {
	"",
	"&state=closed",
	"&level=2",
	"&state=reported&level=1",
	"&from=2022-01-01&to=2022-12-31",
	"&q=%E9%9D%9E%E6%B3%95",	-- 非法: in titles of intrusions
	"&level=3&from=2020-01-01",
}
local n = 0

wrk.headers["Authorization"] = "Bearer " .. token

request = function()
	n = n + 1
	return wrk.format("GET", "/api/v1/incidents?agency=" .. agency ..
	    filters[n % #filters + 1])
end
