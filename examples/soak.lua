-- wrk script for examples/soak.sh: a random mix of valid and invalid requests against the demo
-- schema, each with a random token from a file (valid ones of many subjects, expired ones, bad
-- signatures) or none. Counts answers by status class and fails loudly on any 5xx.
--   wrk -t2 -c16 -d60s -s examples/soak.lua http://127.0.0.1:3000 -- tokens.txt
local threads = {}

function setup(thread)
  thread:set("thread_number", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  tokens = {}
  for line in io.lines(args[1]) do
    tokens[#tokens + 1] = line
  end
  math.randomseed(os.time() * 1000 + (thread_number or 0))
  counts = { ["2xx"] = 0, ["3xx"] = 0, ["4xx"] = 0, ["5xx"] = 0 }
end

local function with_token(headers)
  headers = headers or {}
  if math.random() < 0.8 then
    headers["Authorization"] = "Bearer " .. tokens[math.random(#tokens)]
  end
  return headers
end

local json = { ["Content-Type"] = "application/json" }

local function json_headers()
  return with_token({ ["Content-Type"] = "application/json" })
end

local mix = {
  function() return wrk.format("GET", "/people?id=eq." .. math.random(1, 10), with_token()) end,
  function() return wrk.format("GET", "/people?select=id,name&age=gte.18&order=name.desc&limit=3", with_token()) end,
  function() return wrk.format("GET", "/clients?select=name,projects(name,tasks(name,done))", with_token()) end,
  function() return wrk.format("GET", "/accounts?select=company", with_token()) end,
  function() return wrk.format("GET", "/people?select=nope", with_token()) end,
  function() return wrk.format("GET", "/people?id=eq.not-a-number", with_token()) end,
  function() return wrk.format("GET", "/people?or=(age.gt.1,and(name.eq.x", with_token()) end,
  function() return wrk.format("GET", "/nope", with_token()) end,
  function() return wrk.format("GET", "/people", with_token({ ["Range"] = "5-1" })) end,
  function() return wrk.format("GET", "/people", with_token({ ["Accept"] = "text/csv" })) end,
  function() return wrk.format("GET", "/people", with_token({ ["Accept"] = "image/png" })) end,
  function() return wrk.format("POST", "/people", json_headers(), '{"name": null}') end,
  function() return wrk.format("POST", "/people", json_headers(), '{"name": "x", "age": "old"}') end,
  function() return wrk.format("POST", "/people", json_headers(), '[{"name": ') end,
  function() return wrk.format("PATCH", "/people?id=eq.-1", json_headers(), '{"age": 1}') end,
  function() return wrk.format("POST", "/rpc/people_over", json_headers(), '{"min_age": ' .. math.random(0, 50) .. '}') end,
  function() return wrk.format("GET", "/rpc/people_over?min_age=x", with_token()) end,
  function()
    return wrk.format("POST", "/graphql", json_headers(),
      '{"query": "{ allPeople(first: 3) { nodes { id name } } }"}')
  end,
  function() return wrk.format("POST", "/graphql", json, '{"query": "{ nope"}') end,
}

function request()
  return mix[math.random(#mix)]()
end

function response(status, headers, body)
  local class = math.floor(status / 100) .. "xx"
  counts[class] = (counts[class] or 0) + 1
end

function done(summary, latency, requests)
  local total = { ["2xx"] = 0, ["3xx"] = 0, ["4xx"] = 0, ["5xx"] = 0 }
  for _, thread in ipairs(threads) do
    local counts = thread:get("counts")
    for class, n in pairs(counts) do
      total[class] = (total[class] or 0) + n
    end
  end
  io.write(string.format("answers: 2xx %d, 3xx %d, 4xx %d, 5xx %d\n",
    total["2xx"], total["3xx"], total["4xx"], total["5xx"]))
end
