// What the e2e scripts (run.mjs, charts.mjs, template.mjs, tokens.mjs; the benchmarks bench.mjs
// and ab.mjs use serveDist, CHROMIUM_ARGS and the mark signal) share: `startHarness`
// checks the command line (`CHROMIUM=... node e2e/X.mjs DIST`, exit 2 when it is off), serves
// DIST on a loopback port (content types, index.html for unknown paths except under /demo/,
// no-store), starts the local hub (hub/server.mjs) with the endpoint query string that points
// the app at it, and launches the machine's Chromium through playwright-core; it hands back page
// helpers (open a page that collects uncaught exceptions and console errors, wait for a
// condition, read a test id's text, take a screenshot into e2e/artifacts/, assert a page was
// clean), the `check(name, fn)` runner that prints `ok`/`FAIL` lines with timings, and
// `finish()`, which closes everything, prints `NAME: N passed, M failed` and exits non-zero if a
// check failed.
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startHub } from '../hub/server.mjs';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '..');
export const ARTIFACTS = path.join(HERE, 'artifacts');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.jsonl': 'application/jsonl; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/** The flags every e2e script launches Chromium with (headless, no background traffic). */
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
];

/**
 * An init script (`page.addInitScript(MARK_SIGNAL)`) that logs `bench-mark NAME` to the console
 * when the page sets a `trajex:*` Performance mark; `waitForMark(page, NAME, timeout)` waits for
 * it. The benchmarks wait this way because Playwright's waitForFunction and waitForSelector
 * evaluate its injected script (~330 KB of JS, ~12 ms) in the page while it is being measured.
 */
export const MARK_SIGNAL = () => {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.name.startsWith('trajex:')) console.debug(`bench-mark ${e.name}`);
    }
  }).observe({ type: 'mark' });
};

/** Resolves when `page` logs that it set the Performance mark `name` (see MARK_SIGNAL). */
export const waitForMark = (page, name, timeout) =>
  page.waitForEvent('console', { predicate: (m) => m.text() === `bench-mark ${name}`, timeout });

/**
 * The built site and the browser from the command line, or exit 2 with a message: `usage`
 * when given (for either problem), else `NAME: ...` lines naming the missing piece.
 */
function siteArgs(name, build, usage) {
  const dist = path.resolve(process.argv[2] || path.join(ROOT, 'dist'));
  const chromePath = process.env.CHROMIUM;
  const built = fs.existsSync(path.join(dist, 'index.html'));
  if (usage && (!chromePath || !built)) {
    console.error(usage);
    process.exit(2);
  }
  if (!built) {
    console.error(`${name}: ${dist}/index.html not found; run \`${build}\` first`);
    process.exit(2);
  }
  if (!chromePath) {
    console.error(`${name}: set CHROMIUM to the chromium binary (e.g. CHROMIUM=$(command -v chromium))`);
    process.exit(2);
  }
  return { dist, chromePath };
}

/**
 * Serves `dist` on an ephemeral loopback port. Paths that do not exist get index.html (SPA
 * fallback for client-side routes), except under /demo/, so that a missing data file is a real
 * 404. `files` maps extra paths to files outside dist; every path asked for is pushed to `log`.
 * `cacheControl` is every answer's Cache-Control (default no-store: every visit a first visit).
 */
export async function serveDist(dist, { files = {}, log, cacheControl = 'no-store' } = {}) {
  const site = http.createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    log?.push(pathname);
    const extra = Object.hasOwn(files, pathname);
    let file = extra ? files[pathname] : path.join(dist, pathname);
    if (!extra && !(file.startsWith(dist) && fs.existsSync(file) && fs.statSync(file).isFile())) {
      if (pathname.startsWith('/demo/')) {
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end('not found');
        return;
      }
      file = path.join(dist, 'index.html');
    }
    res.writeHead(200, {
      'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream',
      'Content-Length': fs.statSync(file).size,
      'Cache-Control': cacheControl,
    });
    fs.createReadStream(file).pipe(res);
  });
  const port = await new Promise((resolve) => site.listen(0, '127.0.0.1', () => resolve(site.address().port)));
  return { site, base: `http://127.0.0.1:${port}` };
}

/**
 * Starts what a script needs and returns its helpers.
 *
 * - `name`: the prefix of the usage errors and of the summary line (`e2e`, `charts e2e`, ...).
 * - `build`: the build command the missing-site error suggests; `usage`: one message instead.
 * - `profile`: the prefix of the browser's temporary profile directory.
 * - `viewport`, `acceptDownloads`: for the browser context.
 * - `timeout`: the default of the waits (ms).
 * - `files`, `siteLog`: see `serveDist`.
 */
export async function startHarness({
  name,
  build = 'trunk build',
  usage,
  profile,
  viewport = { width: 1400, height: 900 },
  acceptDownloads = false,
  timeout = 30_000,
  files,
  siteLog,
}) {
  const { dist, chromePath } = siteArgs(name, build, usage);
  const { site, base } = await serveDist(dist, { files, log: siteLog });
  const hub = await startHub({ root: path.join(ROOT, 'hub', 'data'), port: 0, host: '127.0.0.1', maxAge: 0 });
  const endpoints = `endpoint=${encodeURIComponent(hub.url)}&viewer_endpoint=${encodeURIComponent(`${hub.url}/viewer`)}`;
  const ctx = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(os.tmpdir(), profile)), {
    executablePath: chromePath,
    headless: true,
    viewport,
    ...(acceptDownloads ? { acceptDownloads: true } : {}),
    args: CHROMIUM_ARGS,
  });

  /** Opens a page that records uncaught exceptions and console errors. */
  async function open(url) {
    const page = await ctx.newPage();
    const problems = { pageErrors: [], consoleErrors: [] };
    page.on('pageerror', (e) => problems.pageErrors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') problems.consoleErrors.push(m.text()); });
    const started = Date.now();
    await page.goto(url);
    return { page, problems, started };
  }
  const text = async (page, testid) => (await page.textContent(`[data-testid=${testid}]`))?.trim();
  const waitFor = (page, predicate, arg, wait = timeout) => page.waitForFunction(predicate, arg, { timeout: wait });
  const waitLoaded = (page) =>
    waitFor(page, () => document.querySelector('[data-testid=load-status]')?.textContent === 'Loaded');
  /** A screenshot of the page, or of the element `selector`, as e2e/artifacts/NAME.png. */
  const shoot = async (page, shotName, selector) => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const shot = path.join(ARTIFACTS, `${shotName}.png`);
    await (selector ? await page.$(selector) : page).screenshot({ path: shot });
    return shot;
  };
  /**
   * Clicks "Download JSONL", waits until the export status matches `done`, and returns the
   * files the page offered, as text by file name (needs `acceptDownloads`).
   */
  const download = async (page, done = /exported/) => {
    const downloads = [];
    const take = (d) => downloads.push(d);
    page.on('download', take);
    await page.click('[data-testid=download]');
    await waitFor(page, (re) => new RegExp(re).test(document.querySelector('[data-testid=export-status]')?.textContent || ''), done.source);
    await page.waitForTimeout(500);
    page.off('download', take);
    const byName = {};
    for (const d of downloads) byName[d.suggestedFilename()] = fs.readFileSync(await d.path(), 'utf8');
    return byName;
  };
  /** Asserts that a page had no uncaught exception and no console error but `allowed` ones. */
  const clean = (problems, allowed = /Failed to load resource/) => {
    assert.deepEqual(problems.pageErrors, [], 'uncaught exceptions');
    assert.deepEqual(problems.consoleErrors.filter((e) => !allowed.test(e)), [], 'console errors');
  };

  let passed = 0;
  let failed = 0;
  /** Runs one check: an `ok` or `FAIL` line with its time (and the error), counted. */
  async function check(checkName, fn) {
    const t0 = Date.now();
    try {
      await fn();
      passed += 1;
      console.log(`ok   ${checkName} (${Date.now() - t0} ms)`);
    } catch (e) {
      failed += 1;
      console.log(`FAIL ${checkName} (${Date.now() - t0} ms)\n     ${String(e?.stack || e).split('\n').join('\n     ')}`);
    }
  }
  /** Closes the browser and the servers, prints the summary line, exits 1 if a check failed. */
  async function finish() {
    await ctx.close();
    site.close();
    await hub.close();
    console.log(`${name}: ${passed} passed, ${failed} failed`);
    process.exit(failed ? 1 : 0);
  }

  return { base, hub, endpoints, ctx, timeout, open, text, waitFor, waitLoaded, shoot, download, clean, check, finish };
}
