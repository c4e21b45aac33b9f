// Load generation with autocannon, and a latency probe for "how does X answer while Y runs".
import autocannon from 'autocannon';

/**
 * Runs autocannon and returns requests/s and latency percentiles. Any non-2xx answer or socket
 * error makes the figure worthless, so it throws instead of reporting it.
 */
export async function runLoad({ url, connections = 10, durationS, method = 'GET', headers = {}, body, requests, label }) {
  const result = await autocannon({
    url,
    connections,
    duration: durationS,
    method,
    headers,
    body,
    requests,
    timeout: 30,
  });
  const failed = result.non2xx + result.errors + result.timeouts;
  if (failed > 0 || result.requests.total === 0) {
    throw new Error(
      `${label}: ${result.requests.total} requests, ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`,
    );
  }
  return {
    rps: result.requests.total / (result.duration || durationS),
    total: result.requests.total,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
  };
}

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

/** Polls `url` every `intervalMs` until stopped; resolves the p50/p99/max of the answer times. */
export function startProbe(url, intervalMs = 20) {
  const times = [];
  let isRunning = true;
  const done = (async () => {
    while (isRunning) {
      const started = performance.now();
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`probe ${url} answered ${res.status}`);
      times.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return async () => {
    isRunning = false;
    await done;
    return { count: times.length, p50Ms: percentile(times, 50), p99Ms: percentile(times, 99), maxMs: Math.max(...times) };
  };
}

/**
 * `concurrency` clients each sending `method url` back to back for `durationS`; requests still in
 * flight at the end are awaited and counted, and the rate is completions over the whole time.
 * For slow requests (sign-ins at bcrypt cost 12) where autocannon's cut-off at the deadline would
 * drop most of the work done: a server that hashes on its main thread finishes a burst all at once.
 */
export async function runClosedLoop({ url, concurrency, durationS, method = 'POST', headers = {}, body, label }) {
  let completed = 0;
  const startedAt = performance.now();
  const deadline = startedAt + durationS * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const res = await fetch(url, { method, headers, body });
        await res.arrayBuffer();
        if (res.status < 200 || res.status > 299) throw new Error(`${label}: answered ${res.status}`);
        completed += 1;
      }
    }),
  );
  return { rps: (completed / (performance.now() - startedAt)) * 1000, total: completed };
}
