-- wrk script for P1/P3 and the walking answers: GET at query positions (lon<TAB>lat lines of
-- NESTMAP_QUERIES, default target/national/queries.tsv, written by examples/national_data.rs).
-- The URL is NESTMAP_REQ with two %s for lon and lat (default: /api/nearest on the national
-- facilities, k = 5; bench/walk.sh sets walking nearest and isochrones).
-- Prints one JSON line at the end (bench/summary.lua's): requests/s, p50/p99 latency (us), errors.
local queries = {}
local path = os.getenv("NESTMAP_QUERIES") or "target/national/queries.tsv"
local req = os.getenv("NESTMAP_REQ") or "/api/nearest?layer=facilities&k=5&lon=%s&lat=%s"
for line in io.lines(path) do
  local lon, lat = line:match("^(%S+)\t(%S+)")
  if lon then
    queries[#queries + 1] = string.format(req, lon, lat)
  end
end
local i = 0
function init(args)
  i = math.random(#queries)
end
function request()
  i = i % #queries + 1
  return wrk.format("GET", queries[i])
end
dofile("bench/summary.lua")
