-- The HTTP bench's wrk script. Arguments after `--` are request paths: with more than one,
-- each connection cycles through them (wrk builds each request once, here, not per request).
-- done() prints one JSON line the driver parses: counts, errors and latency percentiles (µs).

local requests = {}
local n = 0

function init(args)
  for i, path in ipairs(args) do
    requests[i] = wrk.format(nil, path)
  end
  if #requests > 1 then
    request = function()
      n = n % #requests + 1
      return requests[n]
    end
  elseif #requests == 1 then
    wrk.path = args[1]
  end
end

function done(summary, latency, _)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"durationUs":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"p50Us":%d,"p90Us":%d,"p99Us":%d,"maxUs":%d,"meanUs":%.1f}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
