// A/B of site builds on one stream: the time from `trajex:stream-start` to `trajex:stream-end`
// (Performance API marks), page loads of each build alternated in one browser, so that the
// shared machine's drift falls on both builds alike.
//
//   CHROMIUM=$(command -v chromium) node e2e/ab.mjs DIST_A DIST_B [DIST_C...]
//
// Environment: AB_ROUNDS (page loads per build after one warm-up load each, default 12),
// AB_QUERY (the page's query without endpoints; default the 106 MB bench split read as parquet
// with range requests), AB_TIMES (how many times e2e/make_bench_data.py repeats the fixture,
// default 400, as e2e/bench.mjs), AB_LATENCY (ms added to every request's round trip by
// Chromium's network emulation, for a link like a real one to the Hub: the first row then
// waits on round trips, not on the CPU; default 0, none).
//
// Prints, per build: the trimmed mean (middle half) and median of the whole-split time, its
// minimum, every load's time, and the median time to the first row. A change smaller than the
// spread between loads (often ±5% here) needs more rounds before it is believed. Every build
// is served with `Cache-Control: no-store` (first visits), and the harness waits for the end
// mark through a console message (no Playwright script runs in the page while it streams).
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
const DISTS = process.argv.slice(2).map((d) => path.resolve(d));
if (DISTS.length < 1) {
  console.error('usage: node e2e/ab.mjs DIST_A [DIST_B ...]');
  process.exit(2);
}
const ROUNDS = Number(process.env.AB_ROUNDS || 12);
const LATENCY = Number(process.env.AB_LATENCY || 0);
const QUERY = process.env.AB_QUERY || 'dataset=trajex-bench/large&config=parquet&split=train&source=parquet';
const FIXTURE = path.join(ROOT, 'tests', 'fixtures', 'open_swe_traces', 'openhands_swegym.jsonl');

const dataRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'trajex-ab-'));
execFileSync('python3', [path.join(HERE, 'make_bench_data.py'), FIXTURE, dataRoot, process.env.AB_TIMES || '400']);
fs.symlinkSync(path.join(ROOT, 'hub', 'data', 'trajex-demo'), path.join(dataRoot, 'trajex-demo'));
const hub = await startHub({ root: dataRoot, port: 0, host: '127.0.0.1', maxAge: 0 });
// The local server computes listings, sizes and split infos on first request (the Hub has them
// precomputed): ask once before measuring.
const dataset = QUERY.match(/dataset=([^&]+)/)?.[1] || 'trajex-bench/large';
for (const u of [`api/datasets/${dataset}`, `api/datasets/${dataset}/tree/main?recursive=true`, `viewer/splits?dataset=${dataset}`,
  `viewer/size?dataset=${dataset}`, `viewer/info?dataset=${dataset}`, `viewer/parquet?dataset=${dataset}`]) {
  await (await fetch(`${hub.url}/${u}`)).arrayBuffer();
}
const endpoints = `endpoint=${encodeURIComponent(hub.url)}&viewer_endpoint=${encodeURIComponent(`${hub.url}/viewer`)}`;

const sites = [];
for (const dist of DISTS) sites.push(await serveDist(dist));

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'trajex-ab-chrome-'));
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM, headless: true, viewport: { width: 1400, height: 900 },
  args: CHROMIUM_ARGS,
});


/** One page load of build `i`: [ms to the first row, ms to the end], from the stream's start. */
async function load(i) {
  const page = await ctx.newPage();
  await page.addInitScript(MARK_SIGNAL);
  const ended = waitForMark(page, 'trajex:stream-end', 600_000);
  if (LATENCY) {
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: LATENCY, downloadThroughput: -1, uploadThroughput: -1 });
  }
  await page.goto(`${sites[i].base}/?${QUERY}&${endpoints}`);
  await ended;
  const m = await page.evaluate(() => Object.fromEntries(performance.getEntriesByType('mark').map((e) => [e.name, e.startTime])));
  await page.close();
  const start = m['trajex:stream-start'];
  return [m['trajex:first-row'] - start, m['trajex:stream-end'] - start];
}

const firsts = DISTS.map(() => []);
const ends = DISTS.map(() => []);
for (let i = 0; i < DISTS.length; i += 1) await load(i); // warm-up: the OS file cache, the hub
for (let round = 0; round < ROUNDS; round += 1) {
  const order = DISTS.map((_, i) => i);
  if (round % 2) order.reverse();
  for (const i of order) {
    const [first, end] = await load(i);
    firsts[i].push(first);
    ends[i].push(end);
  }
}
await ctx.close();
for (const { site } of sites) site.close();
await hub.close();
fs.rmSync(dataRoot, { recursive: true, force: true });
fs.rmSync(profile, { recursive: true, force: true });

const sorted = (a) => [...a].sort((x, y) => x - y);
const median = (a) => sorted(a)[Math.floor(a.length / 2)];
const trimmed = (a) => {
  const s = sorted(a);
  const k = Math.floor(s.length / 4);
  const mid = s.slice(k, s.length - k);
  return mid.reduce((x, y) => x + y, 0) / mid.length;
};
console.log(`${QUERY}: ${ROUNDS} loads per build, alternated${LATENCY ? `, ${LATENCY} ms added per request` : ''}`);
DISTS.forEach((dist, i) => {
  console.log(`${dist}: whole split trimmed mean ${trimmed(ends[i]).toFixed(0)} ms, median ${median(ends[i]).toFixed(0)}, `
    + `min ${Math.min(...ends[i]).toFixed(0)}; first row median ${median(firsts[i]).toFixed(0)} ms | ${ends[i].map((x) => x.toFixed(0)).join(' ')}`);
});
