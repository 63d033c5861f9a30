// End-to-end checks of the built site (dist/) in the machine's headless Chromium, against the
// local Hub-compatible server (hub/server.mjs) for Hugging Face data.
//
//   CHROMIUM=$(command -v chromium) node e2e/run.mjs dist
//
// Serves dist/ on an ephemeral localhost port, starts the local hub on another, drives Chromium
// through playwright-core (no browser download): opens a dataset by id, streams it, filters,
// opens a trajectory, reloads a deep link, downloads JSONL, opens local files (JSONL, Parquet, a
// pretty-printed JSON array), and renders hostile rows. Prints one line per check (with timings) and ends with `e2e: N passed, M failed`;
// exits non-zero if any check failed. Screenshots go to e2e/artifacts/; docs/screenshot.png
// (for the README) is written only when missing or when E2E_UPDATE_SCREENSHOT=1.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { writeHostileFile } from './hostile.mjs';
import { ROOT, startHarness } from './harness.mjs';

const { base, hub, endpoints, timeout: TIMEOUT, open, text, waitFor, waitLoaded, shoot, download, clean, check, finish } =
  await startHarness({ name: 'e2e', build: 'trunk build --release', profile: 'trajex-e2e-', acceptDownloads: true });

const tableRows = (page) =>
  page.$$eval('[data-testid=table-row]', (rows) => rows.map((row) => Number(row.dataset.row)).sort((a, b) => a - b));
const marks = (page) =>
  page.evaluate(() => Object.fromEntries(performance.getEntriesByType('mark')
    .filter((m) => m.name.startsWith('trajex:')).map((m) => [m.name, m.startTime])));
const FIXTURE = path.join(ROOT, 'tests', 'fixtures', 'open_swe_traces', 'openhands_swegym.jsonl');
const fixtureLines = fs.readFileSync(FIXTURE, 'utf8').split('\n').filter((l) => l.length > 0);

await check('open a dataset by id from the start page; its split streams (parquet) into the table', async () => {
  const { page, problems, started } = await open(`${base}/?${endpoints}`);
  await page.fill('[data-testid=dataset-input]', 'trajex-demo/open-swe-traces-sample');
  await page.click('[data-testid=dataset-open]');
  await waitLoaded(page);
  console.log(`     5 rows loaded ${Date.now() - started} ms after navigation`);
  assert.match(await text(page, 'row-count'), /^5 of 5 rows/);
  assert.match(await text(page, 'source'), /parquet/);
  assert.deepEqual(await tableRows(page), [0, 1, 2, 3, 4]);
  assert.match(await text(page, 'counts'), /^5 trajectories of 5 pass the filter · 0 filtered out · 100.0% resolved/);
  const m = await marks(page);
  for (const name of ['trajex:stream-start', 'trajex:first-row', 'trajex:stream-end']) {
    assert.equal(typeof m[name], 'number', `mark ${name}: ${JSON.stringify(m)}`);
  }
  console.log(`     first row +${(m['trajex:first-row'] - m['trajex:stream-start']).toFixed(1)} ms, stream end +${(m['trajex:stream-end'] - m['trajex:stream-start']).toFixed(1)} ms after stream-start`);
  assert.match(page.url(), /dataset=trajex-demo%2Fopen-swe-traces-sample&config=openhands&split=swegym/);
  const shot = await shoot(page, 'dataset');
  const docShot = path.join(ROOT, 'docs', 'screenshot.png');
  if (process.env.E2E_UPDATE_SCREENSHOT === '1' || !fs.existsSync(docShot)) fs.copyFileSync(shot, docShot);
  clean(problems);
  await page.close();
});

await check('filters apply, count, and are bound to the URL', async () => {
  const { page, problems } = await open(`${base}/?dataset=trajex-demo/open-swe-traces-sample&config=openhands&split=swegym_jsonl&${endpoints}`);
  await waitLoaded(page);
  assert.match(await text(page, 'source'), /JSONL/);
  await page.check('[data-testid=filter-outcome-failed]');
  await waitFor(page, () => document.querySelector('[data-testid=counts]')?.textContent.startsWith('0 trajectories of 5'));
  assert.match(page.url(), /outcome=failed/);
  await page.uncheck('[data-testid=filter-outcome-failed]');
  await page.fill('[data-testid=filter-tool-calls-min]', '18');
  await page.press('[data-testid=filter-tool-calls-min]', 'Enter');
  await waitFor(page, () => document.querySelector('[data-testid=counts]')?.textContent.startsWith('2 trajectories of 5'));
  assert.deepEqual(await tableRows(page), [1, 4]);
  assert.match(page.url(), /tool_calls=18-/);
  assert.equal(await text(page, 'filter-summary'), '≥ 18 tool calls');
  // The same filter from a link.
  await page.goto(`${base}/?dataset=trajex-demo/open-swe-traces-sample&config=openhands&split=swegym_jsonl&${endpoints}&patch_files=2-2&q=compute_importance_map`);
  await waitLoaded(page);
  await waitFor(page, () => document.querySelector('[data-testid=counts]')?.textContent.startsWith('1 trajectory of 5'));
  assert.deepEqual(await tableRows(page), [3]);
  clean(problems);
  await page.close();
});

let deepLink = '';
await check('server-side filtering asks the dataset viewer (/filter, /search) for the rows', async () => {
  const split = `dataset=trajex-demo/open-swe-traces-sample&config=openhands&split=swegym_jsonl&${endpoints}`;
  await fetch(`${hub.url}/__control/requests`, { method: 'DELETE' });
  const { page, problems } = await open(`${base}/?${split}&source=server&outcome=failed`);
  await waitLoaded(page);
  assert.match(await text(page, 'source'), /\/filter where \("resolved"=0\)/);
  assert.match(await text(page, 'counts'), /^0 trajectories of 0/);
  await page.uncheck('[data-testid=filter-outcome-failed]');
  await page.check('[data-testid=filter-outcome-resolved]');
  await waitFor(page, () => /"resolved"=1/.test(document.querySelector('[data-testid=source]')?.textContent || ''));
  await waitLoaded(page);
  assert.match(await text(page, 'counts'), /^5 trajectories of 5/);
  await page.goto(`${base}/?${split}&source=server&q=compute_importance_map`);
  await waitLoaded(page);
  assert.match(await text(page, 'source'), /\/search/);
  assert.match(await text(page, 'counts'), /^1 trajectory of 1/);
  const log = await (await fetch(`${hub.url}/__control/requests`)).json();
  const urls = log.map((r) => r.url);
  assert.ok(urls.some((u) => u.includes('/viewer/filter')), 'asked /filter');
  assert.ok(urls.some((u) => u.includes('/viewer/search')), 'asked /search');
  assert.ok(!urls.some((u) => u.includes('/resolve/')), 'did not stream the split');
  clean(problems);
  await page.close();
});

await check('open a trajectory: messages, timeline, diff; j/k steps and n/p rows follow the URL', async () => {
  const { page, problems } = await open(`${base}/?dataset=trajex-demo/open-swe-traces-sample&config=openhands&split=swegym_jsonl&${endpoints}`);
  await waitLoaded(page);
  await page.click('[data-testid=table-row][data-row="0"]');
  await page.waitForSelector('[data-testid=message]', { timeout: TIMEOUT });
  assert.match(page.url(), /row=0/);
  // The first messages come at once (about two screens), the rest as the reader scrolls or asks.
  const firstShown = await page.$$eval('[data-testid=message]', (m) => m.length);
  assert.ok(firstShown >= 12 && firstShown <= 17, `${firstShown} messages shown at first`);
  if (firstShown < 17) await page.click('[data-testid=show-more]');
  await waitFor(page, () => document.querySelectorAll('[data-testid=message]').length === 17);
  assert.ok(await page.$('[data-testid=timeline]'), 'timeline');
  assert.ok(await page.$('[data-testid=diff]'), 'diff');
  const diffText = await text(page, 'diff');
  assert.match(diffText, /monai\/inferers\/utils\.py/);
  await page.keyboard.press('j');
  await page.keyboard.press('j');
  await waitFor(page, () => /step=\d+/.test(location.search));
  await page.keyboard.press('n');
  await waitFor(page, () => /row=1/.test(location.search));
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=message]').length > 0, null, { timeout: TIMEOUT });
  await page.keyboard.press('j');
  await waitFor(page, () => /step=\d+/.test(location.search));
  deepLink = page.url();
  await shoot(page, 'trajectory');
  clean(problems);
  await page.close();
});

await check('a deep link lands on the same row and step, fetching that row first', async () => {
  assert.ok(deepLink, 'the previous check made a link');
  const step = new URL(deepLink).searchParams.get('step');
  await fetch(`${hub.url}/__control/requests`, { method: 'DELETE' });
  const { page, problems } = await open(deepLink);
  await page.waitForSelector('[data-testid=message]', { timeout: TIMEOUT });
  await waitFor(page, () => performance.getEntriesByName('trajex:trajectory-rendered').length > 0);
  const rendered = await page.evaluate(() => performance.getEntriesByName('trajex:trajectory-rendered')[0].startTime);
  console.log(`     deep link to trajex:trajectory-rendered: ${rendered.toFixed(1)} ms after navigation start`);
  assert.match(page.url(), new RegExp(`row=1&step=${step}`));
  const selected = await page.$(`#msg-${step}`);
  assert.ok(selected, `message ${step} is on the page`);
  const log = await (await fetch(`${hub.url}/__control/requests`)).json();
  const urls = log.filter((r) => r.method !== 'OPTIONS').map((r) => r.url);
  assert.ok(urls.some((u) => u.includes('/viewer/rows') && u.includes('offset=1') && u.includes('length=1')), `random access: ${urls.join(' ')}`);
  assert.ok(!urls.some((u) => u.includes('/resolve/')), `no split streaming before the table is asked for: ${urls.join(' ')}`);
  clean(problems);
  await page.close();
});

await check('download JSONL: raw rows byte for byte, and SFT records, with a manifest', async () => {
  const { page, problems } = await open(`${base}/?dataset=trajex-demo/open-swe-traces-sample&config=openhands&split=swegym_jsonl&${endpoints}&tool_calls=18-`);
  await waitLoaded(page);
  const byName = await download(page);
  const jsonl = byName['trajex-demo-open-swe-traces-sample_openhands_swegym_jsonl.jsonl'];
  assert.ok(jsonl !== undefined, `file names: ${Object.keys(byName)}`);
  assert.deepEqual(jsonl.split('\n').filter(Boolean), [fixtureLines[1], fixtureLines[4]]);
  const manifest = JSON.parse(byName['trajex-demo-open-swe-traces-sample_openhands_swegym_jsonl.manifest.json']);
  assert.equal(manifest.counts.rows_read, 5);
  assert.equal(manifest.counts.exported, 2);
  assert.equal(manifest.filter_query, 'tool_calls=18-');
  await page.selectOption('[data-testid=export-format]', 'sft');
  const sftFiles = await download(page, /sft/);
  const sft = sftFiles[Object.keys(sftFiles).find((n) => n.endsWith('.sft.jsonl'))];
  const records = sft.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  assert.equal(records.length, 2);
  assert.equal(records[0].messages[0].role, 'system');
  assert.ok(records[0].messages.some((m) => m.tool_calls && typeof m.tool_calls[0].function.arguments === 'object'));
  clean(problems);
  await page.close();
});

await check('download under the faults a real Hub shows (every 5th request 429, every 2nd file body cut after half): each row once', async () => {
  const faults = async (rules) =>
    fetch(`${hub.url}/__control/faults`, { method: rules ? 'POST' : 'DELETE', body: rules ? JSON.stringify(rules) : undefined });
  await faults();
  await faults([
    { match: '/', kind: 'status', status: 429, every: 5, rate_limit: { remaining: 0, reset_seconds: 1 } },
    { match: 'resolve/', kind: 'cut', after_fraction: 0.5, every: 2 },
  ]);
  try {
    for (const [split, source] of [['swegym_jsonl', 'jsonl'], ['swegym', 'parquet']]) {
      const { page, problems } = await open(`${base}/?dataset=trajex-demo/open-swe-traces-sample&config=openhands&split=${split}&${endpoints}`);
      await waitLoaded(page);
      assert.match(await text(page, 'counts'), /^5 trajectories of 5/, split);
      const byName = await download(page);
      const stem = `trajex-demo-open-swe-traces-sample_openhands_${split}`;
      const lines = byName[`${stem}.jsonl`].split('\n').filter(Boolean);
      const manifest = JSON.parse(byName[`${stem}.manifest.json`]);
      if (source === 'jsonl') {
        assert.deepEqual(lines, fixtureLines, 'the raw export of a JSONL split is its file, byte for byte');
      } else {
        const ids = (ls) => ls.map((l) => JSON.parse(l).instance_id);
        assert.deepEqual(ids(lines), ids(fixtureLines), 'each Parquet row once, in order');
      }
      assert.equal(manifest.counts.rows_read, 5, split);
      assert.equal(manifest.counts.exported, 5, split);
      assert.equal(manifest.counts.repeated_rows_dropped, 0, split);
      assert.ok(manifest.counts.reads.retries > 0, `${split}: the manifest counts the retries: ${JSON.stringify(manifest.counts.reads)}`);
      clean(problems);
      await page.close();
    }
  } finally {
    await faults();
  }
});

await check('open local files (JSONL and Parquet): read in the browser', async () => {
  const { page, problems } = await open(`${base}/`);
  await page.setInputFiles('[data-testid=file-input]', [
    FIXTURE,
    path.join(ROOT, 'tests', 'fixtures', 'open_swe_traces', 'openhands_swegym.zstd.parquet'),
  ]);
  await waitLoaded(page);
  assert.match(await text(page, 'counts'), /^10 trajectories of 10/);
  assert.match(await text(page, 'source'), /local files/);
  clean(problems);
  await page.close();
});

await check('local files as harnesses write them: a Claude Code session, an Inspect eval log, ATIF, tau-bench results', async () => {
  const real = (name) => path.join(ROOT, 'tests', 'fixtures', 'real', name);
  const { page, problems } = await open(`${base}/`);
  await page.setInputFiles('[data-testid=file-input]', [
    real('claude_codex/claude_code_minimal_showcase.jsonl'), // 11 lines: one session
    real('inspect/log_browser_tool_calls.json'), // one eval log, one sample
    real('atif_tau/harbor_rfc_example_atif_v1_4.json'), // one pretty-printed trajectory
    real('atif_tau/tau_bench_gpt4o_airline_first2.json'), // an array of two records
  ]);
  await waitLoaded(page);
  assert.match(await text(page, 'counts'), /^5 trajectories of 5/);
  assert.deepEqual(await tableRows(page), [0, 1, 2, 3, 4]);
  const expected = [
    ['claude_code', 11],
    ['inspect_eval', 10],
    ['atif', 5],
    ['tau_bench', null],
    ['tau_bench', null],
  ];
  // The first row from the table, each next one with `n` (the reader takes the table's place).
  await page.click('[data-testid=table-row][data-row="0"]');
  for (const [row, [format, messages]] of expected.entries()) {
    if (row > 0) await page.keyboard.press('n');
    await waitFor(page, (r) => new URL(location.href).searchParams.get('row') === String(r), row);
    await waitFor(page, (f) => document.querySelector('.tx-reader__format')?.textContent === f, format);
    if (messages !== null) {
      await waitFor(page, (n) => document.querySelectorAll('[data-testid=message]').length === n, messages);
    }
  }
  // What the reader decided is said on the trajectory: the session's lines were gathered.
  for (let row = 4; row > 0; row--) await page.keyboard.press('p');
  await waitFor(page, () => document.querySelector('.tx-reader__format')?.textContent === 'claude_code');
  await page.click('.tx-diagnostics__toggle');
  await waitFor(page, () => /info\[lines_gathered\]: lines 1-\d+ .*read as one claude_code trajectory/
    .test(document.querySelector('[data-testid=diagnostic-list]')?.textContent ?? ''));
  clean(problems);
  await page.close();
});

await check('a local pretty-printed JSON array is read a piece at a time, a broken element listed', async () => {
  // `json.dump(rows, f, indent=2)` of the fixture rows, repeated past the page's 1 MB pieces,
  // with one broken element in the middle.
  const rows = fs.readFileSync(FIXTURE, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
  const elements = [];
  while (elements.join(',\n').length < 3_000_000) elements.push(...rows.map((r) => JSON.stringify(r, null, 2)));
  const broken = Math.floor(elements.length / 2);
  elements.splice(broken, 0, '{"instance_id": oops}');
  const head = `[\n${elements.slice(0, broken).join(',\n')},\n`;
  const brokenLine = head.split('\n').length;
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'trajex-array-')), 'rows.json');
  fs.writeFileSync(file, `[\n${elements.join(',\n')}\n]\n`);
  const { page, problems } = await open(`${base}/`);
  await page.setInputFiles('[data-testid=file-input]', file);
  await waitLoaded(page);
  const n = elements.length - 1;
  assert.match(await text(page, 'counts'), new RegExp(`^${n} trajectories of ${n}`));
  const errors = await text(page, 'error-list');
  assert.match(errors, /1 row could not be read/);
  assert.match(errors, new RegExp(`rows\\.json: line ${brokenLine} \\(byte ${Buffer.byteLength(head)}\\): not JSON`));
  // The raw download is JSONL: one compact line per pretty-printed element.
  const byName = await download(page);
  const jsonlName = Object.keys(byName).find((n) => n.endsWith('.jsonl'));
  assert.ok(jsonlName, `downloads: ${Object.keys(byName)}`);
  const lines = byName[jsonlName].split('\n').filter(Boolean);
  assert.equal(lines.length, n);
  assert.deepEqual(JSON.parse(lines[0]), rows[0]);
  assert.equal(lines[0], JSON.stringify(rows[0]));
  clean(problems);
  await page.close();
});

await check('the bundled demo file opens with ?file=', async () => {
  const { page, problems } = await open(`${base}/?file=demo/nebius_swe_agent_trajectories.jsonl`);
  await waitLoaded(page);
  assert.match(await text(page, 'counts'), /^5 trajectories of 5/);
  clean(problems);
  await page.close();
});

await check('?file= URLs of other shapes: a session over lines is one trajectory, a pretty-printed document is read whole', async () => {
  for (const [file, format] of [
    ['demo/claude_code_minimal_showcase.jsonl', 'claude_code'],
    ['demo/harbor_rfc_example_atif_v1_4.json', 'atif'],
  ]) {
    const { page, problems } = await open(`${base}/?file=${file}`);
    await waitLoaded(page);
    assert.match(await text(page, 'counts'), /^1 trajectory of 1 /, file);
    assert.equal(await page.$('[data-testid=error-list]'), null, `${file}: no row errors`);
    await page.click('[data-testid=table-row][data-row="0"]');
    await waitFor(page, (f) => document.querySelector('.tx-reader__format')?.textContent === f, format);
    clean(problems);
    await page.close();
  }
});

await check('a missing file and a javascript: URL give errors a user can act on', async () => {
  const { page } = await open(`${base}/?file=demo/missing.jsonl`);
  await waitFor(page, () => document.querySelector('[data-testid=load-status]')?.textContent === 'Failed');
  assert.match(await text(page, 'load-error'), /not found.*demo\/missing\.jsonl/);
  await page.goto(`${base}/?file=${encodeURIComponent('javascript:alert(1)')}`);
  await waitFor(page, () => !!document.querySelector('[data-testid=page-error]'));
  assert.match(await text(page, 'page-error'), /only relative or http\(s\) URLs/);
  await page.goto(`${base}/?dataset=trajex-demo/gated&${endpoints}`);
  await waitFor(page, () => !!document.querySelector('[data-testid=page-error]'));
  assert.match(await text(page, 'page-error'), /token/);
  await page.close();
});

await check('hostile rows render as text: no script runs, the page stays responsive', async () => {
  const file = writeHostileFile(fs.mkdtempSync(path.join(os.tmpdir(), 'trajex-hostile-')));
  const { page, problems } = await open(`${base}/`);
  await page.evaluate(() => { window.__pwned = 0; });
  await page.setInputFiles('[data-testid=file-input]', file);
  await waitLoaded(page);
  const counts = await text(page, 'counts');
  console.log(`     ${counts}; ${await text(page, 'row-count')}`);
  assert.ok(await page.$('[data-testid=error-list]'), 'broken lines are listed');
  for (const row of await tableRows(page)) {
    const t = Date.now();
    await page.click(`[data-testid=table-row][data-row="${row}"]`);
    await page.waitForSelector('[data-testid=message]', { timeout: TIMEOUT });
    console.log(`     row ${row} opened in ${Date.now() - t} ms`);
    await page.click('[data-testid=back-to-table]');
    await page.waitForSelector('[data-testid=table-row]', { timeout: TIMEOUT });
  }
  const t0 = Date.now();
  await page.evaluate(() => 1);
  assert.ok(Date.now() - t0 < 1000, 'the page answers');
  assert.equal(await page.evaluate(() => window.__pwned), 0, 'no script from a row ran');
  assert.equal(await page.$$eval('img, iframe, object, embed', (e) => e.length), 0, 'no remote resource elements');
  assert.equal(await page.$$eval('a[href^="javascript:"]', (e) => e.length), 0, 'no javascript: links');
  assert.deepEqual(problems.pageErrors, [], 'uncaught exceptions');
  await page.close();
});

await check('several runs per instance: filter mixed outcomes, open a comparison, click a flag\'s evidence', async () => {
  const { page, problems } = await open(`${base}/?dataset=trajex-demo/runs-per-instance&config=default&split=train&${endpoints}`);
  await waitLoaded(page);
  assert.match(await text(page, 'row-count'), /^7 of 7 rows/);
  // The flags chart counts the loop of row 4; its bar sets flag=loops.
  await page.click('[data-testid=charts-toggle]');
  await page.waitForSelector('[data-testid=chart-flags] [data-testid=chart-bar]', { timeout: TIMEOUT });
  const bars = await page.$$eval('[data-testid=chart-flags] [data-testid=chart-bar]', (r) => r.map((b) => [b.dataset.label, b.dataset.count]));
  assert.ok(bars.some(([label, count]) => label === 'loops' && count === '1'), JSON.stringify(bars));
  await page.click('[data-testid=charts-toggle]');
  // Instances that some runs resolve and others fail: MONAI-6034 (rows 0, 5), mypy-11567 (4, 6).
  await page.selectOption('[data-testid=filter-mixed_outcome]', 'yes');
  await waitFor(page, () => document.querySelector('[data-testid=counts]')?.textContent.startsWith('4 trajectories of 7'));
  assert.deepEqual(await tableRows(page), [0, 4, 5, 6]);
  assert.match(page.url(), /mixed_outcome=yes/);
  await page.click('[data-testid=table-row][data-row="4"]');
  await page.waitForSelector('[data-testid=other-runs] [data-testid=other-run]', { timeout: TIMEOUT });
  const runs = await page.$$eval('[data-testid=other-run]', (r) => r.map((x) => [x.dataset.row, x.dataset.outcome]));
  assert.deepEqual(runs, [['4', 'resolved'], ['6', 'failed']]);
  assert.match(await text(page, 'other-runs-counts'), /2 runs loaded: 1 resolved, 1 failed, 0 unknown \(mixed outcome\)/);
  await page.click('[data-testid=other-run-compare]');
  await page.waitForSelector('[data-testid=compare-view]', { timeout: TIMEOUT });
  assert.match(page.url(), /row=4&compare=6/);
  assert.equal(await page.getAttribute('[data-testid=compare-divergence]', 'data-turn'), '7');
  assert.equal(await page.$$eval('[data-testid=compare-fact][data-differs=true]', (r) => r.some((f) => f.dataset.label === 'Outcome')), true);
  assert.deepEqual(await page.$$eval('[data-testid=compare-file][data-path="mypy/server/astdiff.py"] [data-testid=compare-hunk]', (h) => h.map((x) => x.dataset.sides)), ['A,B', 'A']);
  await shoot(page, 'compare');
  // Back to run A; the loop flag's first evidence step selects its message.
  await page.click('[data-testid=compare-open-a]');
  await page.waitForSelector('[data-testid=flags] [data-testid=flag][data-kind=loops]', { timeout: TIMEOUT });
  await page.click('[data-testid=flag-step][data-step="12"]');
  await page.waitForSelector('#msg-12', { timeout: TIMEOUT });
  await waitFor(page, () => /step=12/.test(location.search));
  assert.doesNotMatch(page.url(), /compare=/);
  clean(problems);
  await page.close();
});

await finish();
