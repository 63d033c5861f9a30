// Fault injection, the request log, and the response writer that applies faults to bodies.
// Test-only machinery, served under /__control (not part of the Hugging Face APIs):
//
//   POST   /__control/faults    body: a rule or a JSON list of rules (appended), answers the rules
//   GET    /__control/faults    the active rules with their remaining counts
//   DELETE /__control/faults    clears every rule
//   GET    /__control/requests  the request log, oldest first: [{id, time, method, url, range,
//                               authorization (bool), status, bytes (body bytes written), aborted
//                               (the client went away before the end), cut (dropped by a cut
//                               rule), done, fault (kind of the rule applied, or null)}]
//   DELETE /__control/requests  clears the log
//   POST   /__control/reset     clears rules, log and the ResponseNotReady counters
//
// Rules (`match` is a substring of the request's path + query, decoded or not; `method` optional;
// `times` = how many requests it applies to, unlimited when omitted; `every: n` = only every n-th
// request it matches (the n-th, 2n-th, ...; default 1); `skip: k` = not the first k it matches;
// the first rule that applies wins):
//   {match, kind: "status", status: 429|500|503|..., times, error_code?, message?,
//    rate_limit?: {remaining: 0, reset_seconds: 1, bucket?: "api", quota?: 500, window?: 300}}
//   {match, kind: "cut", after_bytes: n | after_fraction: f, times}   headers (the full
//       Content-Length) + n body bytes (or that fraction of the body), then the socket is destroyed
//   {match, kind: "slow", chunk_bytes, delay_ms, times}   body written in chunks with a delay
//   {match, kind: "etag", etag: "\"v2\"", times}   the file is served as a new version: this
//       ETag (and an `If-Range` naming the old one is not met, so a range request gets the whole
//       file with 200). With `times` omitted, every later request sees the new version.
// Rules apply to every route but /__control and CORS preflights (OPTIONS), which are logged too.
// The log keeps the last 10,000 requests.
// A 429 carries `RateLimit: "api";r=0;t=1`, `RateLimit-Policy: "fixed window";"api";q=500;w=300`
// and `Retry-After`; the bucket defaults from the path (resolve -> resolvers, else api).

const LOG_LIMIT = 10_000;

export class Control {
  constructor() {
    this.rules = [];
    this.log = [];
    this.nextId = 1;
  }

  addRules(input) {
    const list = Array.isArray(input) ? input : [input];
    for (const r of list) {
      if (!r || typeof r !== 'object' || typeof r.match !== 'string') throw new Error('a rule needs a string `match`');
      if (!['status', 'cut', 'slow', 'etag'].includes(r.kind)) throw new Error(`unknown rule kind ${JSON.stringify(r.kind)}`);
      if (r.kind === 'status' && !(Number.isInteger(r.status) && r.status >= 400 && r.status <= 599)) {
        throw new Error('a status rule needs status 400..599');
      }
      const byBytes = Number.isInteger(r.after_bytes) && r.after_bytes >= 0;
      const byFraction = typeof r.after_fraction === 'number' && r.after_fraction >= 0 && r.after_fraction < 1;
      if (r.kind === 'cut' && !(byBytes || byFraction)) throw new Error('a cut rule needs after_bytes >= 0 or 0 <= after_fraction < 1');
      if (r.kind === 'etag' && !(typeof r.etag === 'string' && r.etag.length)) throw new Error('an etag rule needs a string `etag`');
      if (r.every !== undefined && !(Number.isInteger(r.every) && r.every >= 1)) throw new Error('`every` must be an integer >= 1');
      if (r.skip !== undefined && !(Number.isInteger(r.skip) && r.skip >= 0)) throw new Error('`skip` must be an integer >= 0');
      if (r.kind === 'slow' && !(r.chunk_bytes > 0 && r.delay_ms >= 0)) throw new Error('a slow rule needs chunk_bytes > 0 and delay_ms >= 0');
      this.rules.push({ ...r, remaining: r.times === undefined || r.times === null ? null : Number(r.times), hits: 0, seen: 0 });
    }
    return this.rules;
  }

  clearRules() {
    this.rules = [];
  }

  /**
   * The rules that apply to the request, consumed (their counts decremented): the first fault
   * (status, cut or slow) and, apart, the first etag rule, as `{ fault, etag }`.
   */
  take(method, url) {
    let decoded = url;
    try {
      decoded = decodeURIComponent(url);
    } catch {}
    const taken = { fault: null, etag: null };
    for (const r of this.rules) {
      const slot = r.kind === 'etag' ? 'etag' : 'fault';
      if (taken[slot]) continue;
      if (r.remaining !== null && r.remaining <= 0) continue;
      if (r.method && r.method.toUpperCase() !== method) continue;
      if (!url.includes(r.match) && !decoded.includes(r.match)) continue;
      r.seen++;
      if (r.seen <= (r.skip ?? 0) || (r.seen - (r.skip ?? 0)) % (r.every ?? 1) !== 0) continue;
      if (r.remaining !== null) r.remaining--;
      r.hits++;
      taken[slot] = r;
    }
    return taken;
  }

  begin(req) {
    const entry = {
      id: this.nextId++,
      time: new Date().toISOString(),
      method: req.method,
      url: req.url,
      range: req.headers.range || null,
      authorization: Boolean(req.headers.authorization),
      status: null,
      bytes: 0,
      aborted: false,
      cut: false,
      done: false,
      fault: null,
    };
    this.log.push(entry);
    if (this.log.length > LOG_LIMIT) this.log.splice(0, this.log.length - LOG_LIMIT);
    return entry;
  }
}

/** Headers of a rate-limited (429) answer, from a rule's rate_limit and the request path. */
export function rateLimitHeaders(rule, pathname) {
  const rl = rule.rate_limit || {};
  const bucket = rl.bucket || (pathname.includes('/resolve/') ? 'resolvers' : 'api');
  const reset = rl.reset_seconds ?? 1;
  const quota = rl.quota ?? { api: 500, resolvers: 3000, pages: 100 }[bucket] ?? 500;
  return {
    RateLimit: `"${bucket}";r=${rl.remaining ?? 0};t=${reset}`,
    'RateLimit-Policy': `"fixed window";"${bucket}";q=${quota};w=${rl.window ?? 300}`,
    'Retry-After': String(reset),
  };
}

/**
 * Writes a response: status, headers, then the body (Buffer, string, async iterable of Buffers,
 * or null), applying the request's cut/slow fault and recording status, bytes and aborts in the
 * log entry. Honours backpressure; stops when the client goes away.
 */
export async function writeResponse(ctx, status, headers, body) {
  const { res, entry, fault, req } = ctx;
  entry.status = status;
  res.writeHead(status, headers);
  if (req.method === 'HEAD' || body === null || body === undefined) {
    res.end();
    return;
  }
  if (fault && fault.kind === 'cut') res.flushHeaders();
  const source = typeof body === 'string' ? [Buffer.from(body)] : Buffer.isBuffer(body) ? [body] : body;
  const length = Number(headers['Content-Length']);
  const cut = fault && fault.kind === 'cut'
    ? (fault.after_fraction !== undefined && Number.isFinite(length) ? Math.floor(length * fault.after_fraction) : fault.after_bytes)
    : Infinity;
  const slow = fault && fault.kind === 'slow' ? fault : null;
  let sent = 0;
  try {
    for await (const chunk of source) {
      for (const piece of slow ? split(chunk, slow.chunk_bytes) : [chunk]) {
        if (res.destroyed) return;
        let part = piece;
        if (sent + part.length > cut) part = part.subarray(0, cut - sent);
        if (part.length) {
          if (slow && sent > 0) await sleep(slow.delay_ms);
          if (res.destroyed) return;
          const ok = res.write(part);
          sent += part.length;
          entry.bytes = sent;
          if (!ok) await drained(res);
        }
        if (sent >= cut) {
          // Let the bytes leave, then drop the connection mid-body.
          await new Promise((r) => setTimeout(r, 20));
          entry.cut = true;
          res.destroy();
          return;
        }
      }
    }
    if (!res.destroyed) res.end();
  } catch (e) {
    if (!res.destroyed) res.destroy(e);
  }
}

function* split(buf, size) {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

function drained(res) {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
