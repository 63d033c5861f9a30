// In-browser figures, measured with the Performance API marks the app records, beside the
// Python notebook pipeline on the same rows in the same run (the machine is shared: compare
// the ratios).
//
//   CHROMIUM=$(command -v chromium) node e2e/bench.mjs DIST [TIMES=400,1200]
//
// TRAJEX_BENCH_ONLY=parquet,deep (words matched against each measure's label, case-insensitive;
// a split's size in MB, such as 106, is in its labels) runs only those measures, and the
// notebook pipeline; for quick comparisons while working.
//
// Builds a local-hub data root (e2e/make_bench_data.py: the Open-SWE-Traces-shaped fixture
// repeated TIMES times, as a JSONL split and as a Parquet split; one dataset per comma-separated
// TIMES: by default 2,000 rows / 106 MB and 6,000 rows / 319 MB of row JSON), serves DIST (a
// release build) and the hub on loopback, then for each size and each way of reading a split
// (JSONL stream, Parquet range requests, viewer /rows) opens the dataset page and reads: time
// to first row, time to the whole split, rows/s, MB/s of row JSON, the JS heap while streaming
// (sampled every 250 ms through the DevTools protocol), the wasm memory at the end (linear
// memory only grows, so this is its peak), and the longest task the page ran while streaming
// (Long Animation Frames API: scripts of frames over 50 ms; input waits at most that long).
// Then the time from opening a deep link to `trajex:trajectory-rendered` (median of 7), and
// the Python pipeline (../shared/bench/baseline_notebook.py, or $TRAJEX_BASELINE) on each
// size's JSONL.
//
// Two sizes because the page pays a fixed cost at the start of every stream, the first pass
// over its code before the browser has optimized it (~0.1-0.2 s here), that the notebook does
// not: it weighs on the 106 MB ratio and much less on the 319 MB one, which is closer to what
// a user streaming a many-GB dataset sees.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startHub } from '../hub/server.mjs';
import { CHROMIUM_ARGS, MARK_SIGNAL, serveDist, waitForMark } from './harness.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const DIST = path.resolve(process.argv[2] || path.join(ROOT, 'dist'));
const SIZES = (process.argv[3] || '400,1200').split(',').map(Number);
const FIXTURE = path.join(ROOT, 'tests', 'fixtures', 'open_swe_traces', 'openhands_swegym.jsonl');

const dataRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'trajex-bench-'));
const made = SIZES.map((times) => JSON.parse(execFileSync('python3',
  [path.join(HERE, 'make_bench_data.py'), FIXTURE, dataRoot, String(times), `x${times}`]).toString()));
fs.symlinkSync(path.join(ROOT, 'hub', 'data', 'trajex-demo'), path.join(dataRoot, 'trajex-demo'));
const megabytes = (bytes) => (bytes / 1e6).toFixed(0);
for (const m of made) {
  console.log(`data ${m.dataset}: ${m.rows} rows; JSONL ${(m.jsonl_bytes / 1e6).toFixed(1)} MB; Parquet ${(m.parquet_bytes / 1e6).toFixed(1)} MB`);
}

// Two servers of dist/: one that forbids caching (every visit is a first visit: the wasm is
// downloaded and compiled again), and one that allows it for 10 minutes, as static hosts do
// (a repeat visit: the browser may reuse the compiled wasm).
const { site, base } = await serveDist(DIST);
const { site: cachingSite, base: cachingBase } = await serveDist(DIST, { cacheControl: 'public, max-age=600' });
const hub = await startHub({ root: dataRoot, port: 0, host: '127.0.0.1', maxAge: 0 });
const endpoints = `endpoint=${encodeURIComponent(hub.url)}&viewer_endpoint=${encodeURIComponent(`${hub.url}/viewer`)}`;

// Long animation frames of the page, with the scripts (tasks) in each, from the page's start;
// and the app's wasm memory, from the event Trunk's loader sends with the module's exports.
const LOAF_INIT = () => {
  addEventListener('TrunkApplicationStarted', (e) => { window.__trajexWasmMemory = e.detail?.wasm?.memory; });
  window.__trajexLoaf = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      window.__trajexLoaf.push({ start: e.startTime, scripts: e.scripts.map((s) => ({ start: s.startTime, duration: s.duration })) });
    }
  }).observe({ type: 'long-animation-frame', buffered: true });
};


const ctx = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(os.tmpdir(), 'trajex-bench-chrome-')), {
  executablePath: process.env.CHROMIUM, headless: true, viewport: { width: 1400, height: 900 }, args: CHROMIUM_ARGS,
});

// The Hub answers repository listings (with LFS hashes), sizes and split infos from precomputed
// metadata; the local server computes them on the first request (hashing and parsing the 106 MB
// file takes seconds), which would be counted as the page's time to first row. Ask once first.
async function warmHub(dataset) {
  const q = `dataset=${encodeURIComponent(dataset)}`;
  for (const url of [`${hub.url}/api/datasets/${dataset}`, `${hub.url}/api/datasets/${dataset}/tree/main?recursive=true`,
    `${hub.url}/viewer/splits?${q}`, `${hub.url}/viewer/size?${q}`, `${hub.url}/viewer/info?${q}`, `${hub.url}/viewer/parquet?${q}`]) {
    await (await fetch(url)).arrayBuffer();
  }
}

const ONLY = (process.env.TRAJEX_BENCH_ONLY || '').toLowerCase().split(',').filter(Boolean);
const wanted = (label) => !ONLY.length || ONLY.some((word) => label.toLowerCase().includes(word));

async function measureSplit(label, query, jsonBytes) {
  if (!wanted(label)) return null;
  const page = await ctx.newPage();
  await page.addInitScript(LOAF_INIT);
  await page.addInitScript(MARK_SIGNAL);
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Performance.enable');
  let peakHeap = 0;
  let baseHeap = 0;
  const heap = async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    return metrics.find((m) => m.name === 'JSHeapUsedSize')?.value || 0;
  };
  const started = waitForMark(page, 'trajex:stream-start', 60_000);
  const ended = waitForMark(page, 'trajex:stream-end', 600_000);
  await page.goto(`${base}/?${query}&${endpoints}`);
  await started;
  baseHeap = await heap();
  let done = false;
  const sampler = (async () => {
    while (!done) {
      peakHeap = Math.max(peakHeap, await heap().catch(() => 0));
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  await ended;
  done = true;
  await sampler;
  // After the measure: the status line follows the end mark within a task.
  await page.waitForFunction(() => ['Loaded', 'Failed'].includes(document.querySelector('[data-testid=load-status]')?.textContent), null, { timeout: 60_000 });
  const status = await page.textContent('[data-testid=load-status]');
  const marks = await page.evaluate(() => Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name, m.startTime])));
  const counts = await page.textContent('[data-testid=counts]');
  const start = marks['trajex:stream-start'];
  const first = marks['trajex:first-row'] - start;
  const total = (marks['trajex:stream-end'] - start) / 1000;
  const rows = Number(counts.match(/of (\d+)/)?.[1] || 0);
  const wasmMemory = await page.evaluate(() => window.__trajexWasmMemory?.buffer.byteLength || 0);
  // The longest task after the first row (before it, the page is still starting up).
  const longest = await page.evaluate(([from, to]) => Math.max(0, ...window.__trajexLoaf.flatMap((f) => f.scripts)
    .filter((s) => s.start >= from && s.start <= to).map((s) => s.duration)), [marks['trajex:first-row'], marks['trajex:stream-end']]);
  const line = `${label}: ${status}, ${rows} rows; first row ${first.toFixed(0)} ms; whole split ${total.toFixed(2)} s; `
    + `${(rows / total).toFixed(0)} rows/s; ${(jsonBytes / 1e6 / total).toFixed(1)} MB/s of row JSON; `
    + `JS heap ${(baseHeap / 1e6).toFixed(1)} MB at start, peak ${(peakHeap / 1e6).toFixed(1)} MB; `
    + `wasm memory ${wasmMemory ? `${(wasmMemory / 1e6).toFixed(0)} MB` : 'unknown'}; `
    + `longest task after the first row ${longest ? `${longest.toFixed(0)} ms` : 'under 50 ms (no long frame)'}`;
  console.log(line);
  await page.close();
  return { label, rows, first, total, mbs: jsonBytes / 1e6 / total, peakHeap, wasmMemory };
}

for (const m of made) await warmHub(m.dataset);
await warmHub('trajex-demo/open-swe-traces-sample');

await measureSplit('demo JSONL (5 rows)', 'dataset=trajex-demo/open-swe-traces-sample&config=openhands&split=swegym_jsonl', 265624);
await measureSplit('demo Parquet (5 rows)', 'dataset=trajex-demo/open-swe-traces-sample&config=openhands&split=swegym', 265624);
await measureSplit('demo viewer rows (5 rows)', 'dataset=trajex-demo/open-swe-traces-sample&config=openhands&split=swegym_jsonl&source=rows', 265624);
for (const m of made) {
  const q = `dataset=${m.dataset}&split=train`;
  const size = `${megabytes(m.jsonl_bytes)} MB, ${m.rows} rows`;
  m.results = [
    await measureSplit(`JSONL stream (${size})`, `${q}&config=jsonl&source=jsonl`, m.jsonl_bytes),
    await measureSplit(`Parquet range requests (${size})`, `${q}&config=parquet&source=parquet`, m.jsonl_bytes),
    await measureSplit(`viewer /rows pages (${size})`, `${q}&config=jsonl&source=rows`, m.jsonl_bytes),
  ].filter(Boolean);
}

// Deep link to a row: time to the rendered trajectory, median of 7, on a first visit (nothing
// cached) and on repeat visits (after one visit to the caching server).
const deepLink = 'dataset=trajex-demo/open-swe-traces-sample&config=openhands&split=swegym_jsonl&row=4&step=20';
async function deepLinkTimes(origin) {
  const times = [];
  for (let i = 0; i < 7; i += 1) {
    const page = await ctx.newPage();
    await page.addInitScript(MARK_SIGNAL);
    const rendered = waitForMark(page, 'trajex:trajectory-rendered', 60_000);
    await page.goto(`${origin}/?${deepLink}&${endpoints}`);
    await rendered;
    times.push(await page.evaluate(() => performance.getEntriesByName('trajex:trajectory-rendered')[0].startTime));
    await page.close();
  }
  times.sort((a, b) => a - b);
  return `median ${times[3].toFixed(0)} ms after navigation start (min ${times[0].toFixed(0)}, max ${times[6].toFixed(0)})`;
}
if (wanted('deep link')) {
  console.log(`deep link -> trajex:trajectory-rendered, first visit: ${await deepLinkTimes(base)}`);
  const warm = await ctx.newPage();
  await warm.goto(`${cachingBase}/?${deepLink}&${endpoints}`);
  await warm.waitForFunction(() => performance.getEntriesByName('trajex:trajectory-rendered').length > 0, null, { timeout: 60_000 });
  await new Promise((r) => setTimeout(r, 2000)); // let the compiled code reach the cache
  await warm.close();
  console.log(`deep link -> trajex:trajectory-rendered, repeat visit: ${await deepLinkTimes(cachingBase)}`);
}

await ctx.close();
site.close();
cachingSite.close();
await hub.close();

const baseline = process.env.TRAJEX_BASELINE || path.join(ROOT, '..', 'shared', 'bench', 'baseline_notebook.py');
if (fs.existsSync(baseline)) {
  for (const m of made.filter((m) => m.results.length)) {
    try {
      const out = execFileSync('python3', [baseline, m.jsonl, 'none', path.join(dataRoot, 'notebook_out.jsonl')]).toString().trim().split('\n').pop();
      const mbs = Number(out.match(/MB_per_s=([\d.]+)/)[1]);
      console.log(`python notebook pipeline on the same JSONL (${megabytes(m.jsonl_bytes)} MB): ${out}`);
      for (const r of m.results) {
        console.log(`  ${r.label}: ${(r.mbs / mbs).toFixed(1)}x the notebook pipeline`);
      }
    } catch (e) {
      console.log(`python notebook pipeline: failed (${String(e).split('\n')[0]}); pip install datasets pandas`);
      break;
    }
  }
} else {
  console.log(`python notebook pipeline: skipped (${baseline} not found)`);
}
fs.rmSync(dataRoot, { recursive: true, force: true });
