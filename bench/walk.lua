-- wrk script for the walking answers (bench/walk.sh): GET NESTMAP_REQ (a URL with two %s for
-- lon and lat) at the positions of NESTMAP_QUERIES (lon<TAB>lat lines). Prints one JSON line
-- at the end: requests/s, p50/p99 latency (us), errors.
local queries = {}
local req = os.getenv("NESTMAP_REQ")
for line in io.lines(os.getenv("NESTMAP_QUERIES")) do
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
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\nJSON {"rps": %.1f, "p50_us": %d, "p99_us": %d, "requests": %d, "errors": %d, "non2xx": %d}\n',
    summary.requests / (summary.duration / 1e6), latency:percentile(50), latency:percentile(99),
    summary.requests, e.connect + e.read + e.write + e.timeout, e.status))
end
