// Load generation with autocannon, and a latency probe for "how does X answer while Y runs".
import http from 'node:http';
import autocannon from 'autocannon';

/**
 * The probe's and closed loops' HTTP client: node:http over kept-alive connections. The load
 * generator shares the machine's cores with the server under test, so it should cost as little
 * as it can; fetch (undici) spent several times more CPU per request here.
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function send(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method, headers: body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) }, agent },
      (res) => {
        res.on('data', () => undefined);
        res.on('end', () => resolve(res.statusCode));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Runs autocannon and returns requests/s and latency percentiles. Any answer but the expected one
 * (2xx, or `expectStatus` when given: ForwardAuth's 302 to sign-in) or any socket error makes the
 * figure worthless, so it throws instead of reporting it.
 */
export async function runLoad({ url, connections = 10, durationS, method = 'GET', headers = {}, body, requests, label, expectStatus }) {
  const options = {
    url,
    connections,
    duration: durationS,
    method,
    headers,
    body,
    requests,
    timeout: 30,
    // autocannon stops at its first sample tick after the duration: ticks every 250 ms let a
    // round last 1.5 s rather than 2 (requests/s are total / measured duration either way).
    sampleInt: 250,
  };
  // Latencies as measured (fractions of a millisecond): autocannon's own histogram keeps whole
  // milliseconds, too coarse once an answer takes one or two.
  const latenciesMs = [];
  const result = await new Promise((resolve, reject) => {
    const instance = autocannon(options, (error, done) => (error ? reject(error) : resolve(done)));
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (expectStatus === undefined ? statusCode >= 200 && statusCode < 300 : statusCode === expectStatus) latenciesMs.push(responseTime);
    });
  });
  const unexpected =
    expectStatus === undefined
      ? result.non2xx
      : Object.entries(result.statusCodeStats ?? {}).reduce((sum, [code, { count }]) => sum + (Number(code) === expectStatus ? 0 : count), 0);
  const failed = unexpected + result.errors + result.timeouts;
  if (failed > 0 || result.requests.total === 0) {
    const codes = Object.entries(result.statusCodeStats ?? {})
      .map(([code, { count }]) => `${count}x ${code}`)
      .join(', ');
    throw new Error(
      `${label}: ${result.requests.total} requests (${codes}), ${unexpected} not ${expectStatus ?? '2xx'}, ${result.errors} errors, ${result.timeouts} timeouts`,
    );
  }
  return {
    rps: result.requests.total / (result.duration || durationS),
    total: result.requests.total,
    p50Ms: percentile(latenciesMs, 50),
    p99Ms: percentile(latenciesMs, 99),
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
      const status = await send(url);
      if (status !== 200) throw new Error(`probe ${url} answered ${status}`);
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
 * `concurrency` clients sending `GET url` back to back until `stop()`; every answer is kept as
 * [sent at, status] (performance.now() of this process), to tell when the answers changed.
 */
export function startTimedLoop({ url, concurrency, headers = {} }) {
  const answers = [];
  let isRunning = true;
  const done = Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (isRunning) {
        const sentAt = performance.now();
        answers.push([sentAt, await send(url, { headers })]);
      }
    }),
  );
  return async () => {
    isRunning = false;
    await done;
    return answers;
  };
}

/**
 * `concurrency` clients each sending `method url` back to back for `durationS`; requests still in
 * flight at the end are awaited and counted, and the rate is completions over the whole time.
 * For slow requests (sign-ins at bcrypt cost 12) where autocannon's cut-off at the deadline would
 * drop most of the work done: a server that hashes on its main thread finishes a burst all at once.
 */
/** `body` is the request body, or a function of the connection's index that gives one. */
export async function runClosedLoop({ url, concurrency, durationS, method = 'POST', headers = {}, body, label }) {
  let completed = 0;
  const startedAt = performance.now();
  const deadline = startedAt + durationS * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, index) => {
      const connectionBody = typeof body === 'function' ? body(index) : body;
      while (performance.now() < deadline) {
        const status = await send(url, { method, headers, body: connectionBody });
        if (status < 200 || status > 299) throw new Error(`${label}: answered ${status}`);
        completed += 1;
      }
    }),
  );
  return { rps: (completed / (performance.now() - startedAt)) * 1000, total: completed };
}
