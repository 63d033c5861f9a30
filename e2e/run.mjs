// End-to-end checks of the built site (dist/) in the machine's headless Chromium.
//
//   CHROMIUM=$(command -v chromium) node e2e/run.mjs dist
//
// Serves dist/ on an ephemeral localhost port (static files, SPA fallback to index.html),
// drives Chromium through playwright-core (no browser download), prints one line per check and
// ends with `e2e: N passed, M failed`; exits non-zero if any check failed.
// Artifacts: e2e/artifacts/home.png. docs/screenshot.png (for the README) is written only when
// missing or when E2E_UPDATE_SCREENSHOT=1, so CI runs do not touch tracked files.
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const DIST = path.resolve(process.argv[2] || path.join(ROOT, 'dist'));
const ARTIFACTS = path.join(HERE, 'artifacts');
const TIMEOUT = 30_000;

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

if (!fs.existsSync(path.join(DIST, 'index.html'))) {
  console.error(`e2e: ${DIST}/index.html not found; run \`trunk build --release\` first`);
  process.exit(2);
}
const chromePath = process.env.CHROMIUM;
if (!chromePath) {
  console.error('e2e: set CHROMIUM to the chromium binary (e.g. CHROMIUM=$(command -v chromium))');
  process.exit(2);
}

// Static server. Paths that do not exist get index.html (SPA fallback for client-side routes),
// except under /demo/, so that a missing data file is a real 404.
const site = http.createServer((req, res) => {
  const pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  let file = path.join(DIST, pathname);
  const exists = file.startsWith(DIST) && fs.existsSync(file) && fs.statSync(file).isFile();
  if (!exists) {
    if (pathname.startsWith('/demo/')) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found');
      return;
    }
    file = path.join(DIST, 'index.html');
  }
  res.writeHead(200, {
    'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream',
    'Content-Length': fs.statSync(file).size,
    'Cache-Control': 'no-store',
  });
  fs.createReadStream(file).pipe(res);
});
const port = await new Promise((resolve) => site.listen(0, '127.0.0.1', () => resolve(site.address().port)));
const base = `http://127.0.0.1:${port}`;

const ctx = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(os.tmpdir(), 'trajex-e2e-')), {
  executablePath: chromePath,
  headless: true,
  viewport: { width: 1280, height: 720 },
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
  ],
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

const text = (page, testid) => page.textContent(`[data-testid=${testid}]`);
const waitForText = (page, testid, expected) =>
  page.waitForFunction(
    ([id, want]) => document.querySelector(`[data-testid=${id}]`)?.textContent === want,
    [testid, expected],
    { timeout: TIMEOUT },
  );
const bodyRows = (page) =>
  page.$$eval('[data-testid=trajectory-table] tbody tr', (rows) =>
    rows.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent.trim())));

let passed = 0;
let failed = 0;
async function check(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    passed += 1;
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failed += 1;
    console.log(`FAIL ${name} (${Date.now() - t0} ms)\n     ${String(e?.stack || e).split('\n').join('\n     ')}`);
  }
}

await check('demo file streams into a 5-row table of openai_tool_calls', async () => {
  const { page, problems, started } = await open(`${base}/`);
  await page.waitForSelector('h1.tx-header__title', { timeout: TIMEOUT });
  assert.equal(await page.textContent('h1'), 'Trajex');
  await waitForText(page, 'row-count', '5 rows');
  await waitForText(page, 'load-status', 'Loaded');
  console.log(`     5 rows shown ${Date.now() - started} ms after navigation`);
  const rows = await bodyRows(page);
  assert.equal(rows.length, 5);
  assert.ok(rows.some((cells) => cells[1] === 'openai_tool_calls'), JSON.stringify(rows));
  assert.ok(rows.every((cells) => Number(cells[7]) > 0), `every row has tool calls: ${JSON.stringify(rows)}`);
  assert.equal(await text(page, 'error-count'), '0 errors');
  assert.equal(await page.$('[data-testid=error-list]'), null);

  const marks = await page.evaluate(() =>
    Object.fromEntries(performance.getEntriesByType('mark')
      .filter((m) => m.name.startsWith('trajex:'))
      .map((m) => [m.name, m.startTime])));
  for (const name of ['trajex:stream-start', 'trajex:first-row', 'trajex:stream-end']) {
    assert.equal(typeof marks[name], 'number', `performance mark ${name}: ${JSON.stringify(marks)}`);
  }
  const start = marks['trajex:stream-start'];
  const fmt = (name) => `${marks[name].toFixed(1)} ms (+${(marks[name] - start).toFixed(1)} ms after stream-start)`;
  console.log(`     performance marks: trajex:first-row ${fmt('trajex:first-row')}, trajex:stream-end ${fmt('trajex:stream-end')}`);
  assert.ok(marks['trajex:first-row'] <= marks['trajex:stream-end']);

  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const shot = path.join(ARTIFACTS, 'home.png');
  await page.screenshot({ path: shot });
  const docShot = path.join(ROOT, 'docs', 'screenshot.png');
  if (process.env.E2E_UPDATE_SCREENSHOT === '1' || !fs.existsSync(docShot)) {
    fs.mkdirSync(path.dirname(docShot), { recursive: true });
    fs.copyFileSync(shot, docShot);
  }
  assert.deepEqual(problems.pageErrors, [], 'uncaught exceptions');
  assert.deepEqual(problems.consoleErrors, [], 'console errors');
  await page.close();
});

await check('?file= opens another demo file (nebius, swe_agent_text)', async () => {
  const { page, problems } = await open(`${base}/?file=demo/nebius_swe_agent_trajectories.jsonl`);
  await waitForText(page, 'row-count', '5 rows');
  await waitForText(page, 'load-status', 'Loaded');
  const rows = await bodyRows(page);
  assert.equal(rows.length, 5);
  assert.ok(rows.every((cells) => cells[1] === 'swe_agent_text'), JSON.stringify(rows));
  assert.deepEqual(problems.pageErrors, [], 'uncaught exceptions');
  await page.close();
});

await check('a missing file shows an HTTP error ending with its URL', async () => {
  const { page, problems } = await open(`${base}/?file=demo/missing.jsonl`);
  await waitForText(page, 'load-status', 'Failed');
  const message = await text(page, 'load-error');
  assert.match(message, /^HTTP 404.*: demo\/missing\.jsonl$/);
  assert.deepEqual(problems.pageErrors, [], 'uncaught exceptions');
  await page.close();
});

await check('a non-http file= URL is refused without fetching', async () => {
  const { page, problems } = await open(`${base}/?file=${encodeURIComponent('javascript:alert(1)')}`);
  await waitForText(page, 'load-status', 'Failed');
  assert.equal(await text(page, 'load-error'), 'only relative or http(s) URLs can be opened: javascript:alert(1)');
  assert.equal(await text(page, 'row-count'), '0 rows');
  assert.deepEqual(problems.pageErrors, [], 'uncaught exceptions');
  await page.close();
});

await ctx.close();
site.close();
console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
