// End-to-end checks of exact token counts in the built site (dist/), in the machine's headless
// Chromium against the local hub (hub/server.mjs, which serves the Qwen2.5 tokenizer files under
// the default model id, see hub/models.mjs).
//
//   CHROMIUM=$(command -v chromium) node e2e/tokens.mjs dist
//   CHROMIUM=... TOKENS_BENCH=/tmp/corpus.jsonl node e2e/tokens.mjs dist   # + counting speed
//
// Checks: nothing of the tokenizer (worker script, worker wasm, tokenizer.json) is requested
// before exact counts are asked for; asking loads them; exact counts replace the estimates (the
// table's tokens column and the filter's note change, the numbers equal the counts Python
// `tokenizers` made, tests/fixtures/tokenizer/expected_counts.json); the token budget filter
// uses them; the reader shows the trajectory's and each message's exact count; a second load
// takes tokenizer.json from Cache Storage (no request to the hub). With TOKENS_BENCH, also times
// counting every row of that JSONL file in the page (Performance marks trajex:tokens-start/end)
// and prints MB/s of counted text.
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { ROOT, startHarness } from './harness.mjs';

const MODEL = 'Qwen/Qwen2.5-Coder-32B-Instruct';
const EXPECTED = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests', 'fixtures', 'tokenizer', 'expected_counts.json'), 'utf8'));
const QWEN_ROWS = EXPECTED.qwen2_5.rows.filter((r) => r.file === 'tests/fixtures/open_swe_traces/openhands_swegym.jsonl');

// Every path asked of the static server, which also serves a bench corpus at
// /bench/corpus.jsonl when TOKENS_BENCH is set.
const siteLog = [];
const harness = await startHarness({
  name: 'tokens e2e',
  usage: 'usage: CHROMIUM=$(command -v chromium) node e2e/tokens.mjs DIST (a trunk build with the tokenizer worker)',
  profile: 'trajex-tokens-',
  acceptDownloads: true,
  timeout: 60_000,
  files: process.env.TOKENS_BENCH ? { '/bench/corpus.jsonl': path.resolve(process.env.TOKENS_BENCH) } : {},
  siteLog,
});
const { base, hub, endpoints, timeout: TIMEOUT, text, waitFor, waitLoaded, download, finish } = harness;
const hubLog = async () => (await (await fetch(`${hub.url}/__control/requests`)).json()).map((e) => e.url || e.path || JSON.stringify(e));
const clearHubLog = () => fetch(`${hub.url}/__control/requests`, { method: 'DELETE' });

// The problems of the pages opened in the current check; a check fails on any of them.
const opened = [];
async function open(url) {
  const { page, problems } = await harness.open(url);
  opened.push(problems);
  return page;
}
const pageErrors = () => opened.splice(0).flatMap((p) => [
  ...p.pageErrors.map((e) => `pageerror: ${e}`),
  ...p.consoleErrors.filter((e) => !/Failed to load resource/.test(e)).map((e) => `console: ${e}`),
]);
/** A check that also fails on an uncaught exception or console error in its pages. */
const check = (name, fn) => harness.check(name, async () => {
  try {
    await fn();
  } catch (e) {
    opened.splice(0);
    throw e;
  }
  assert.deepEqual(pageErrors(), [], 'page errors');
});
const waitCounted = (page, n) => waitFor(page, (n) => (document.querySelector('[data-testid=tokenizer-status]')?.textContent || '').includes(`${n} / ${n} rows counted`), n);
const tokenCells = (page) => page.$$eval('[data-testid=table-row]', (rows) => rows
  .map((row) => ({ row: Number(row.dataset.row), cell: row.querySelector('[data-testid=cell-tokens]') }))
  .sort((a, b) => a.row - b.row)
  .map(({ row, cell }) => ({ row, tokens: Number(cell.textContent.replace(/\D/g, '')), exact: cell.dataset.exact === 'true' })));
const tokenizerAsked = (paths) => paths.filter((p) => /trajex-tokenizer|tokenizer\.json|tokenizer_config\.json/.test(p));

/** Waits for the reader's exact counts of row `row` and compares them with Python's. */
async function readerCounts(page, row) {
  await waitFor(page, () => document.querySelector('[data-testid=exact-tokens-value]'));
  assert.equal(Number((await text(page, 'exact-tokens-value')).replace(/\D/g, '')), QWEN_ROWS[row].count);
  await waitFor(page, () => document.querySelectorAll('[data-testid=message-tokens]').length > 0);
  // The reader puts long conversations in the page progressively: compare the messages shown.
  const shown = await page.$$eval('[data-testid=message]', (ms) => ms.map((m) => [
    Number(m.id.replace(/\D/g, '')),
    Number((m.querySelector('[data-testid=message-tokens]')?.textContent || '').replace(/\D/g, '')),
  ]));
  assert.ok(shown.length >= 10, `messages shown: ${shown.length}`);
  assert.deepEqual(shown.map(([, n]) => n), shown.map(([idx]) => QWEN_ROWS[row].message_counts[idx]), `row ${row}: per-message counts equal Python tokenizers`);
}

const split = `dataset=trajex-demo/open-swe-traces-sample&config=openhands&split=swegym_jsonl&${endpoints}`;

await check('no tokenizer download before exact counts are asked for; asking loads it; exact counts replace the estimates', async () => {
  await clearHubLog();
  siteLog.length = 0;
  const page = await open(`${base}/?${split}`);
  await waitLoaded(page);
  await page.waitForTimeout(500);
  assert.deepEqual(tokenizerAsked(siteLog), [], 'site requests before asking');
  assert.deepEqual(tokenizerAsked(await hubLog()), [], 'hub requests before asking');
  assert.match(await text(page, 'sort-tokens'), /^tokens \(est\.\)/);
  assert.match(await text(page, 'token-basis'), /tokens \(estimated\)/);
  const before = await tokenCells(page);
  assert.equal(before.length, 5);
  assert.ok(before.every((c) => !c.exact));

  assert.equal(await page.inputValue('[data-testid=tokenizer-model]'), MODEL);
  await page.click('[data-testid=exact-tokens]');
  await waitCounted(page, 5);
  assert.ok(tokenizerAsked(siteLog).some((p) => p.endsWith('trajex-tokenizer_bg.wasm')), `worker wasm fetched: ${siteLog}`);
  assert.ok((await hubLog()).some((p) => p.includes(`/${MODEL}/resolve/main/tokenizer.json`)), 'tokenizer.json fetched from the hub');
  assert.match(await text(page, 'tokenizer-status'), /files downloaded/);
  await waitFor(page, () => /exact/.test(document.querySelector('[data-testid=sort-tokens]')?.textContent || ''));
  assert.equal(await page.getAttribute('[data-testid=sort-tokens]', 'title'), `tokens (exact, ${MODEL})`);
  assert.equal(await text(page, 'token-basis'), `tokens (exact, ${MODEL})`);
  const after = await tokenCells(page);
  assert.deepEqual(after.map((c) => c.tokens), QWEN_ROWS.map((r) => r.count), 'exact counts equal Python tokenizers');
  assert.ok(after.every((c) => c.exact));
  console.log(`     estimates ${before.map((c) => c.tokens).join(', ')} -> exact ${after.map((c) => c.tokens).join(', ')}`);

  // The token budget filter follows the exact counts: a budget at the median's exact count.
  const sorted = QWEN_ROWS.map((r) => r.count).sort((a, b) => a - b);
  const budget = sorted[2];
  const passing = QWEN_ROWS.filter((r) => r.count <= budget).length;
  await page.fill('[data-testid=filter-max-tokens]', String(budget));
  await page.press('[data-testid=filter-max-tokens]', 'Enter');
  await waitFor(page, (n) => document.querySelector('[data-testid=counts]')?.textContent.startsWith(`${n} trajectories of 5`), passing);
  assert.match(page.url(), new RegExp(`max_tokens=${budget}`));

  // The download keeps the rows the page shows: a budget where the estimates would keep one
  // more row than the exact counts do.
  const tight = sorted[1];
  const keptRows = QWEN_ROWS.map((r, row) => [row, r.count]).filter(([, n]) => n <= tight).map(([row]) => row);
  assert.ok(before.map((c) => c.tokens).filter((n) => n <= tight).length > keptRows.length, 'the budget tells estimates from exact counts');
  await page.fill('[data-testid=filter-max-tokens]', String(tight));
  await page.press('[data-testid=filter-max-tokens]', 'Enter');
  await waitFor(page, (n) => document.querySelector('[data-testid=counts]')?.textContent.startsWith(`${n} trajectories of 5`), keptRows.length);
  const byName = await download(page);
  const manifestName = Object.keys(byName).find((n) => n.endsWith('.manifest.json'));
  assert.ok(manifestName, `downloads: ${Object.keys(byName)}`);
  const manifest = JSON.parse(byName[manifestName]);
  assert.equal(manifest.counts.exported, keptRows.length, `exported with exact counts: ${JSON.stringify(manifest.counts)}`);
  const exported = byName[Object.keys(byName).find((n) => n.endsWith('.jsonl'))]
    .split('\n').filter(Boolean).map((line) => JSON.parse(line).instance_id);
  const fixtureIds = fs.readFileSync(path.join(ROOT, QWEN_ROWS[0].file), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line).instance_id);
  assert.deepEqual(exported, keptRows.map((row) => fixtureIds[row]));
  await page.fill('[data-testid=filter-max-tokens]', String(budget));
  await page.press('[data-testid=filter-max-tokens]', 'Enter');
  await waitFor(page, (n) => document.querySelector('[data-testid=counts]')?.textContent.startsWith(`${n} trajectories of 5`), passing);

  // The reader: the trajectory's exact count and each message's (the tokenizer is ready).
  await page.click('[data-testid=table-row][data-row="0"]');
  await readerCounts(page, 0);
  // A deep link to a row: the reader's own button loads the tokenizer.
  await page.goto(`${base}/?${split}&row=1`);
  await page.waitForSelector('[data-testid=message]', { timeout: TIMEOUT });
  assert.equal(await page.$('[data-testid=message-tokens]'), null, 'no counts before asking');
  await page.click('[data-testid=exact-tokens-reader]');
  await readerCounts(page, 1);
  await page.close();
});

await check('a second load takes the tokenizer files from Cache Storage', async () => {
  await clearHubLog();
  const page = await open(`${base}/?${split}`);
  await waitLoaded(page);
  await page.click('[data-testid=exact-tokens]');
  await waitCounted(page, 5);
  assert.match(await text(page, 'tokenizer-status'), /files from the browser cache/);
  assert.deepEqual(tokenizerAsked(await hubLog()), [], 'no request to the hub for the tokenizer files');
  assert.deepEqual((await tokenCells(page)).map((c) => c.tokens), QWEN_ROWS.map((r) => r.count));
  await page.close();
});

await check('a model id without a tokenizer gives a message, not a blank', async () => {
  const page = await open(`${base}/?${split}`);
  await waitLoaded(page);
  await page.fill('[data-testid=tokenizer-model]', 'nobody/no-such-model');
  await page.click('[data-testid=exact-tokens]');
  await waitFor(page, () => /could not be downloaded/.test(document.querySelector('[data-testid=tokenizer-status]')?.textContent || ''));
  assert.match(page.url(), /tokenizer=nobody%2Fno-such-model/);
  await page.close();
});

if (process.env.TOKENS_BENCH) {
  await check(`counting every row of ${process.env.TOKENS_BENCH} in the page`, async () => {
    const bytes = fs.statSync(process.env.TOKENS_BENCH).size;
    const page = await open(`${base}/?file=${encodeURIComponent('/bench/corpus.jsonl')}&${endpoints}`);
    await waitFor(page, () => document.querySelector('[data-testid=load-status]')?.textContent === 'Loaded', undefined, 600_000);
    const rows = Number((await text(page, 'row-count')).replace(/,/g, '').match(/\d+/)[0]);
    // Load the tokenizer first, so the timing is counting only.
    const t0 = Date.now();
    await page.click('[data-testid=exact-tokens]');
    await waitFor(page, (n) => (document.querySelector('[data-testid=tokenizer-status]')?.textContent || '').replace(/,/g, '').includes(`${n} / ${n} rows counted`), rows, 600_000);
    const wall = Date.now() - t0;
    await waitFor(page, () => performance.getEntriesByName('trajex:tokens-end').length > 0, undefined, 600_000);
    const m = await page.evaluate(() => Object.fromEntries(performance.getEntriesByType('mark').filter((x) => x.name.startsWith('trajex:tokens')).map((x) => [x.name, x.startTime])));
    const status = await text(page, 'tokenizer-status');
    const ms = m['trajex:tokens-end'] - m['trajex:tokens-ready'];
    const all = m['trajex:tokens-end'] - m['trajex:tokens-start'];
    console.log(`     ${rows} rows, ${(bytes / 1e6).toFixed(1)} MB of JSONL: counted in ${(ms / 1000).toFixed(2)} s once the tokenizer was ready = ${(bytes / 1e6 / (ms / 1000)).toFixed(2)} MB/s of JSONL; ${(all / 1000).toFixed(2)} s from the click with the tokenizer load (${(bytes / 1e6 / (all / 1000)).toFixed(2)} MB/s; ${(wall / 1000).toFixed(2)} s wall); status: ${status}`);
    await page.close();
  });
}

await finish();
