-- wrk script for bench/callbacks.ts: replays pre-generated callback POSTs; each thread takes its own slice of the file so no request repeats across threads.
-- args: <requests file (one "path?query<TAB>body" per line)> <number of wrk threads>
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  local nthreads = tonumber(args[2])
  requests = {}
  local i = 0
  for line in io.lines(args[1]) do
    if i % nthreads == id then
      local path, body = line:match("^(.-)\t(.*)$")
      requests[#requests + 1] = wrk.format("POST", path, { ["Content-Type"] = "text/xml" }, body)
    end
    i = i + 1
  end
  idx = 0
end

function request()
  idx = idx + 1
  if idx > #requests then idx = 1 end
  return requests[idx]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"status_errors":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
