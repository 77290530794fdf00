-- wrk script: GET a path template, replacing "{id}" by a random integer in [lo, hi] per request.
--   wrk -t2 -c32 -d10s --latency -s get_random_id.lua http://127.0.0.1:3000 \
--       -- '/artist?select=*&artist_id=eq.{id}' 1 275
-- A template without "{id}" sends the same GET every time.
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

function init(args)
  template = args[1] or "/"
  lo = tonumber(args[2] or "1")
  hi = tonumber(args[3] or "1")
  math.randomseed(os.time() * 1000 + (thread_number or 0))
end

function request()
  local path = template:gsub("{id}", tostring(math.random(lo, hi)))
  return wrk.format("GET", path)
end
