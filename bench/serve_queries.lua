-- serve_queries.lua — the wrk script of bench/serve_load.sh: GET /search with
-- a rotating mix of query shapes (single words, AND, phrases, OR, NOT,
-- prefixes, title:, --any) over news text, and a summary of throughput,
-- latency percentiles and answers that were not 2xx.
--
-- wrk runs one copy of this script per thread; setup() keeps each thread so
-- that done() can add up their counters.

local queries = {
  "oil", "oil prices", "\"interest rates\"", "bank OR banks", "trade deficit japan",
  "wheat export*", "title:dollar", "stock market -crash", "gold", "opec production quota",
  "\"federal reserve\"", "profit NEAR/5 quarter", "coffee OR cocoa OR sugar", "merger",
  "grain (corn OR soybeans)", "shares", "title:(oil OR gas)", "london", "tax*",
  "yen dollar exchange",
}
local params = { "&n=10", "&n=10", "&n=10&any=1", "&n=20", "&n=10&snippets=0" }

local function encode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", c:byte()) end))
end

local paths = {}
for i, q in ipairs(queries) do
  paths[i] = "/search?q=" .. encode(q) .. params[(i % #params) + 1]
end

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  counter = id * 7 -- threads start at different places in the mix
  non2xx = 0
end

function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do
    bad = bad + t:get("non2xx")
  end
  local seconds = summary.duration / 1e6
  io.write("-- serve_load summary\n")
  io.write(string.format("requests   %d in %.1f s\n", summary.requests, seconds))
  io.write(string.format("qps        %.0f\n", summary.requests / seconds))
  for _, p in ipairs({ 50, 90, 99, 99.9 }) do
    io.write(string.format("p%-9s %.3f ms\n", tostring(p), latency:percentile(p) / 1000))
  end
  io.write(string.format("max        %.3f ms\n", latency.max / 1000))
  io.write(string.format("non-2xx    %d\n", bad))
  io.write(string.format("errors     connect %d, read %d, write %d, timeout %d\n",
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
end
