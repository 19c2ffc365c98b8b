-- Loaded by bench's wrk engine: at the end of the run, prints one JSON line with wrk's counts and
-- the latency distribution as bands of percentiles, [from, to, latency at the band's middle]: 1%
-- wide up to p99, 0.1% up to p99.9, 0.01% above, so the tail keeps its detail. bench rebuilds a
-- histogram from them that merges with other windows. Each percentile is a scan of wrk's
-- latency array, so there are 118 of them rather than a thousand.
done = function(summary, latency, requests)
  local bounds = {}
  for i = 0, 99 do bounds[#bounds + 1] = i end
  for i = 1, 9 do bounds[#bounds + 1] = 99 + i / 10 end
  for i = 1, 10 do bounds[#bounds + 1] = 99.9 + i / 100 end
  local bands = {}
  for i = 1, #bounds - 1 do
    local from, to = bounds[i], bounds[i + 1]
    bands[#bands + 1] = string.format('[%.2f,%.2f,%d]', from, to, latency:percentile((from + to) / 2))
  end
  io.write(string.format(
    '\nBENCH-WRK {"durationUs":%d,"requests":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"maxUs":%d,"bands":[%s]}\n',
    summary.duration, summary.requests, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout, latency.max, table.concat(bands, ',')))
end
