-- wrk script for bench/run: rotates requests over a file of logged-in sessions and prints
-- one JSON line of results at the end.
--   wrk ... -s bench/rotate.lua -- REQUESTS_FILE RUN_TAG
-- REQUESTS_FILE has one request per line: METHOD <TAB> PATH <TAB> COOKIE <TAB> BODY
-- ("-" for no cookie or no body). In a body, {KEY} becomes a key unique to each request
-- (the quiz form's attempt_key: every POST records a new attempt).

local threads = {}
local counter = 1

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

local function split(line)
  local out = {}
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do table.insert(out, field) end
  return out
end

function init(args)
  reqs = {}
  tag = args[2] or "run"
  for line in io.lines(args[1]) do
    if line ~= "" then
      local f = split(line)
      local headers = { ["User-Agent"] = "sabak-bench" }
      if f[3] ~= "-" then headers["Cookie"] = f[3] end
      local body = nil
      if f[4] ~= nil and f[4] ~= "-" then
        body = f[4]
        headers["Content-Type"] = "application/x-www-form-urlencoded"
      end
      table.insert(reqs, { method = f[1], path = f[2], headers = headers, body = body })
    end
  end
  -- Threads start at different places in the list, so they do not use the same session together.
  counter = (id - 1) * math.floor(#reqs / 2) + 1
  sent = 0
end

function request()
  local r = reqs[(counter - 1) % #reqs + 1]
  counter = counter + 1
  sent = sent + 1
  local body = r.body
  if body ~= nil then
    body = body:gsub("{KEY}", string.format("%s-%d-%d", tag, id, sent))
  end
  return wrk.format(r.method, r.path, r.headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"max":%d}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
