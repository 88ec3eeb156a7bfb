-- wrk script for bench/ingest.py: each thread sends its own share of pre-signed webhooks
-- (one per line in SM2_WRK_REQUESTS: signature, a tab, the form body), each exactly once.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local nthreads = tonumber(args[1])
  local lines = {}
  local i = 0
  for line in io.lines(os.getenv("SM2_WRK_REQUESTS")) do
    if i % nthreads == tid then
      local tab = line:find("\t", 1, true)
      lines[#lines + 1] = { line:sub(1, tab - 1), line:sub(tab + 1) }
    end
    i = i + 1
  end
  mine = lines
  next_index = 1
end

function request()
  local item = mine[next_index]
  if item == nil then
    -- Out of unique messages: stop rather than resend one (a repeat is cheaper to answer).
    wrk.thread:stop()
    item = mine[#mine]
  end
  next_index = next_index + 1
  return wrk.format("POST", "/webhooks/twilio/sms", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Twilio-Signature"] = item[1],
  }, item[2])
end

function done(summary, latency, requests)
  local non200 = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format(
    "SM2 requests=%d non200=%d seconds=%.3f p50=%.3f p90=%.3f p99=%.3f max=%.3f\n",
    summary.requests, non200, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
