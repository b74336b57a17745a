-- wrk script for a fixed URL (P1's /healthz), and the `done` of bench/nearest.lua: one JSON line.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\nJSON {"rps": %.1f, "p50_us": %d, "p99_us": %d, "requests": %d, "errors": %d, "non2xx": %d}\n',
    summary.requests / (summary.duration / 1e6), latency:percentile(50), latency:percentile(99),
    summary.requests, e.connect + e.read + e.write + e.timeout, e.status))
end
