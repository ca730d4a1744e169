-- wrk script: GET /ipxe/script/<id> for host ids drawn at random from a file (one id a line).
-- Usage: wrk ... -s script.lua URL -- HOSTS_FILE SEED
local ids = {}
errors = 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  for line in io.lines(args[1]) do
    ids[#ids + 1] = line
  end
  -- One reproducible sequence per thread.
  math.randomseed(tonumber(args[2] or "1") * 1000 + id)
end

function request()
  return wrk.format("GET", "/ipxe/script/" .. ids[math.random(#ids)])
end

function response(status, headers, body)
  if status ~= 200 then
    errors = errors + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do
    total = total + t:get("errors")
  end
  io.write(string.format("non-200 responses: %d\n", total))
end
