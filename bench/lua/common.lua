-- Shared by every benchmark script (bench/wrk.py puts it in front of each one).
-- Arguments after "--": a prefix that makes this run's people unique, the most requests
-- each thread sends, a file name stem for the share tokens it receives, then whatever the
-- script itself needs (ids of shifts or ideas: the global `extra`).
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
local address_base = 0
tokens = {}
extra = {}

function init(args)
  prefix = (args[1] or "run") .. "t" .. thread_number .. "-"
  limit = tonumber(args[2] or "0") or 0
  if args[3] and args[3] ~= "" then
    token_file = io.open(args[3] .. "." .. thread_number, "w")
    token_file:setvbuf("line")
  end
  for i = 4, #args do extra[#extra + 1] = args[i] end
  math.randomseed(thread_number * 7919)
  -- Where this run's client addresses start, so two runs in one minute rarely share one.
  for i = 1, #prefix do address_base = (address_base * 31 + prefix:byte(i)) % 16777216 end
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
    -- The thank-you pages of a signature, an RSVP or a sign-up (thanks/) and of a vote.
    local token = location:match("/thanks/([^/]+)/?$") or location:match("/voted/([^/]+)/?$")
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

-- A spike comes from many people, each from their own address; the server sees them through
-- its TLS proxy (bench/spike.py trusts 127.0.0.1 as one), so each request names its client
-- in X-Forwarded-For: the n-th person of this run gets an address of 10.0.0.0/8 of its own.
-- Per-address limits then count per person, as in a real spike, not per load generator.
function client_address(n)
  local a = (address_base + n) % 16777216
  return string.format("10.%d.%d.%d", math.floor(a / 65536), math.floor(a / 256) % 256, a % 256)
end

local first = {"Asha", "Ben", "Chen", "Dara", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jo",
  "Kofi", "Lena", "Mo", "Nia", "Omar", "Pia", "Ravi", "Sara", "Tom", "Uma", "Vera", "Wim"}
local last = {"Adams", "Bauer", "Costa", "Diaz", "Evans", "Fox", "Gill", "Hale", "Ito", "Jain"}
local domains = {"example.org", "example.net", "gmail.com", "example.com"}
local people = {}

-- The next person to act: unique and varied; with `repeat_share` one who acted earlier
-- written differently (case, Gmail dots, +tags), from the same address; otherwise someone
-- new, who in 60 % of cases came through the share link of a recent person (a token from
-- the thank-you redirects this thread received). `tag` is the +tag a tenth of people add.
-- Returns {email, given, family, ref, address, earlier}: `earlier` is the person repeated.
function next_person(n, tag, repeat_share)
  if #people > 0 and math.random() < repeat_share then
    local earlier = people[math.random(#people)]
    local localpart, domain = earlier.localpart, earlier.domain
    if math.random() < 0.5 then localpart = localpart:upper() end
    if domain == "gmail.com" then localpart = localpart:gsub("%.", "") .. "+again" end
    if math.random() < 0.3 then domain = domain:upper() end
    return {email = localpart .. "@" .. domain, given = earlier.given, family = earlier.family,
      ref = "", address = earlier.address, earlier = earlier}
  end
  local given = first[math.random(#first)]
  local family = last[math.random(#last)]
  local localpart = (given .. "." .. family .. "." .. run_prefix() .. n):lower()
  local domain = domains[math.random(#domains)]
  local person = {localpart = localpart, domain = domain, given = given, family = family,
    address = client_address(n)}
  people[#people + 1] = person
  local email = localpart .. "@" .. domain
  if math.random() < 0.1 then email = localpart .. "+" .. tag .. "@" .. domain end
  local ref = ""
  if #tokens > 0 and math.random() < 0.6 then
    ref = tokens[math.random(math.max(1, #tokens - 499), #tokens)]
  end
  return {email = email, given = given, family = family, ref = ref, address = person.address,
    person = person}
end

function form_headers(person)
  return {["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Forwarded-For"] = person.address}
end
