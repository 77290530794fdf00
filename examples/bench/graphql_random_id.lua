-- wrk script: POST a GraphQL request body (JSON), replacing "{id}" by a random integer in [lo, hi]
-- per request, and count answers that carry GraphQL errors (they come with HTTP 200).
--   wrk -t2 -c32 -d10s --latency -s graphql_random_id.lua http://127.0.0.1:3000/graphql \
--       -- '{"query":"{ artistByArtistId(artistId: {id}) { name } }"}' 1 275
-- A body without "{id}" sends the same request every time. Prints "graphql errors: N" at the end.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

function init(args)
  body = args[1] or "{}"
  lo = tonumber(args[2] or "1")
  hi = tonumber(args[3] or "1")
  graphql_errors = 0
  math.randomseed(os.time() * 1000 + (thread_number or 0))
end

local headers = { ["Content-Type"] = "application/json", ["Accept"] = "application/json" }

function request()
  local payload = body:gsub("{id}", tostring(math.random(lo, hi)))
  return wrk.format("POST", nil, headers, payload)
end

function response(status, headers, body)
  if body and body:find('"errors"', 1, true) then
    graphql_errors = graphql_errors + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + (thread:get("graphql_errors") or 0)
  end
  io.write(string.format("graphql errors: %d\n", total))
end
