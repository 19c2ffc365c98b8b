-- Loaded by bench's wrk engine: at the end of the run, prints one JSON line with wrk's counts and
-- the latency distribution as 1,000 quantiles (each stands for 0.1% of the responses), from which
-- bench rebuilds a histogram it can merge with other windows.
done = function(summary, latency, requests)
  local q = {}
  for i = 1, 1000 do
    q[i] = latency:percentile((i - 0.5) / 10)
  end
  io.write(string.format(
    '\nBENCH-WRK {"durationUs":%d,"requests":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"maxUs":%d,"quantilesUs":[%s]}\n',
    summary.duration, summary.requests, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout, latency.max, table.concat(q, ',')))
end
