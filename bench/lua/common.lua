-- Shared by every benchmark script (bench/wrk.py puts it in front of each one).
-- Arguments after "--": a prefix that makes this run's people unique, the most requests
-- each thread sends, and a file name stem for the share tokens it receives.
local threads = {}
-- wrk's own duration is the -d given even when every thread stopped early at its count, so
-- each thread notes when it sent its first request and got its last answer (monotonic).
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } gs_timespec;
  int clock_gettime(int clock, gs_timespec *now);
]]
local now_buffer = ffi.new("gs_timespec")

local function now()
  ffi.C.clock_gettime(1, now_buffer)
  return tonumber(now_buffer.tv_sec) + tonumber(now_buffer.tv_nsec) / 1e9
end

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

statuses = {}
first_sent, last_answer = 0, 0
local answered, limit, prefix, token_file = 0, 0, "", nil
tokens = {}

function init(args)
  prefix = (args[1] or "run") .. "t" .. thread_number .. "-"
  limit = tonumber(args[2] or "0") or 0
  if args[3] and args[3] ~= "" then
    token_file = io.open(args[3] .. "." .. thread_number, "w")
    token_file:setvbuf("line")
  end
  math.randomseed(thread_number * 7919)
end

function run_prefix()
  return prefix
end

function delay()
  -- Called before each request: the first one starts this thread's clock.
  if first_sent == 0 then first_sent = now() end
  return 0
end

function response(status, headers, body)
  last_answer = now()
  statuses[status] = (statuses[status] or 0) + 1
  if status == 302 and token_file then
    local location = headers["location"] or headers["Location"] or ""
    local token = location:match("/thanks/([^/]+)/?$")
    if token then
      tokens[#tokens + 1] = token
      token_file:write(token, "\n")
    end
  end
  answered = answered + 1
  if limit > 0 and answered >= limit then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local total = {}
  local started, finished = math.huge, 0
  for _, thread in ipairs(threads) do
    started = math.min(started, thread:get("first_sent"))
    finished = math.max(finished, thread:get("last_answer"))
    for status, count in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(total) do
    parts[#parts + 1] = string.format('"%d": %d', status, count)
  end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "measured_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, ' ..
    '"max_us": %d, "errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, ' ..
    '"statuses": {%s}}\n',
    summary.requests, summary.duration, (finished - started) * 1e6, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.timeout,
    table.concat(parts, ", ")))
end

function urlencode(text)
  return (text:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end
