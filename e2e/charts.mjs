// End-to-end checks of the dataset charts in the built site (dist/), in the machine's headless
// Chromium, against the local Hub-compatible server (hub/server.mjs):
//
//   CHROMIUM=$(command -v chromium) node e2e/charts.mjs dist
//
// Opens the demo dataset, opens the charts section, checks that every chart renders (SVG with
// bars, hit areas matching the counts), that hovering a bar shows its count, that clicking a
// bin or a bar adds the matching filter (URL query, counts and table follow) and a second click
// takes it back out, that charts update while a split streams but no more often than the
// session's flush cadence, that both themes draw, and that hostile labels stay text.
// Screenshots go to e2e/artifacts/charts-*.png. Ends with `charts e2e: N passed, M failed`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { writeHostileFile } from './hostile.mjs';
import { startHarness } from './harness.mjs';

const FLUSH_MS = 100; // src/ui/session.rs FLUSH_MS

const harness = await startHarness({ name: 'charts e2e', profile: 'trajex-charts-', viewport: { width: 1400, height: 1000 } });
const { base, hub, endpoints, timeout: TIMEOUT, open, text, waitFor, waitLoaded, clean, check, finish } = harness;
const DEMO = `${base}/?dataset=trajex-demo/open-swe-traces-sample&config=openhands&split=swegym_jsonl&${endpoints}`;

const tableRows = (page) => page.$$eval('[data-testid=table-row]', (rows) => rows.length);
const shoot = (page, name, selector = '[data-testid=charts]') => harness.shoot(page, `charts-${name}`, selector);
/** Opens the charts section (its state is remembered across pages) and waits for a chart. */
async function openCharts(page) {
  await page.waitForSelector('[data-testid=charts-toggle]', { timeout: TIMEOUT });
  if ((await page.getAttribute('[data-testid=charts-toggle]', 'aria-expanded')) !== 'true') {
    await page.click('[data-testid=charts-toggle]');
  }
  await page.waitForSelector('[data-testid=chart-turns]', { timeout: TIMEOUT });
}
/** The hit areas of a chart: [{index, label, count}]. */
const bars = (page, id) =>
  page.$$eval(`[data-testid=chart-${id}] [data-testid=chart-bar]`, (rects) =>
    rects.map((r) => ({ index: Number(r.dataset.index), label: r.dataset.label, count: Number(r.dataset.count), cls: r.getAttribute('class') })));
const sum = (list) => list.reduce((a, b) => a + b.count, 0);
const countsText = (page) => text(page, 'counts');

await check('the charts render for the demo split: SVG with bars, hit areas, counts that add up', async () => {
  const { page, problems } = await open(DEMO);
  await waitLoaded(page);
  assert.equal(await page.$('[data-testid=chart-turns]'), null, 'closed until asked');
  await openCharts(page);
  for (const id of ['turns', 'tool_calls', 'tokens', 'patch_lines', 'patch_files', 'tools', 'languages',
    'flags', 'resolved_by_language', 'resolved_by_source', 'extensions']) {
    const chart = `[data-testid=chart-${id}]`;
    assert.ok(await page.$(chart), `chart ${id}`);
    const drawn = await page.$$eval(`${chart} .tx-chart__svg svg rect`, (r) => r.length);
    const hits = await bars(page, id);
    assert.ok(hits.length > 0, `${id}: hit areas`);
    assert.equal(drawn, hits.length, `${id}: one drawn bar per hit area`);
  }
  // Every trajectory is in one bin of each per-trajectory histogram.
  for (const id of ['turns', 'tool_calls', 'tokens']) assert.equal(sum(await bars(page, id)), 5, id);
  assert.equal(sum(await bars(page, 'languages')), 5);
  const svgText = await page.$eval('[data-testid=chart-tools] .tx-chart__svg svg', (s) => s.textContent);
  assert.match(svgText, /execute_bash/);
  await shoot(page, 'light');
  clean(problems);
  await page.close();
});

await check('hovering a bin shows its range and count', async () => {
  const { page, problems } = await open(DEMO);
  await waitLoaded(page);
  await openCharts(page);
  const bin = (await bars(page, 'tool_calls')).find((b) => b.count > 0);
  await page.hover(`[data-testid=chart-tool_calls] [data-testid=chart-bar][data-index="${bin.index}"]`);
  await page.waitForSelector('[data-testid=chart-tool_calls] [data-testid=chart-tooltip]', { timeout: TIMEOUT });
  const tip = await page.textContent('[data-testid=chart-tool_calls] [data-testid=chart-tooltip]');
  assert.ok(tip.startsWith(`${bin.label} tool calls: ${bin.count} trajectories`), tip);
  assert.match(tip, /click to filter: tool calls/);
  // Leaving hides it.
  await page.mouse.move(5, 5);
  await waitFor(page, () => !document.querySelector('[data-testid=chart-tool_calls] [data-testid=chart-tooltip]'));
  // A category bar too.
  await page.hover('[data-testid=chart-tools] [data-testid=chart-bar][data-label="execute_bash"]');
  const toolTip = await page.textContent('[data-testid=chart-tools] [data-testid=chart-tooltip]');
  assert.match(toolTip, /^execute_bash: \d+ calls \(\d+\.\d%\)/);
  await shoot(page, 'hover', '[data-testid=chart-tools]');
  clean(problems);
  await page.close();
});

await check('clicking a bin filters (URL, counts, table); clicking it again takes the filter out', async () => {
  const { page, problems } = await open(DEMO);
  await waitLoaded(page);
  await openCharts(page);
  const bins = (await bars(page, 'turns')).filter((b) => b.count > 0 && b.count < 5);
  assert.ok(bins.length > 0, 'a bin holding some of the rows');
  const bin = bins[0];
  await page.click(`[data-testid=chart-turns] [data-testid=chart-bar][data-index="${bin.index}"]`);
  const noun = bin.count === 1 ? 'trajectory' : 'trajectories';
  await waitFor(page, (prefix) => document.querySelector('[data-testid=counts]')?.textContent.startsWith(prefix), `${bin.count} ${noun} of 5`);
  const query = new URL(page.url()).searchParams;
  assert.ok(query.get('turns'), `turns in the URL: ${page.url()}`);
  assert.match(await text(page, 'filter-summary'), /turns/);
  assert.equal(await tableRows(page), bin.count);
  // The charts follow the filter: the turns chart now holds only that bin, marked active.
  await waitFor(page, (n) => {
    const rects = [...document.querySelectorAll('[data-testid=chart-turns] [data-testid=chart-bar]')];
    return rects.reduce((a, r) => a + Number(r.dataset.count), 0) === n;
  }, bin.count);
  const active = (await bars(page, 'turns')).filter((b) => /--active/.test(b.cls));
  assert.equal(active.length, 1, 'the clicked bin is marked');
  await page.click(`[data-testid=chart-turns] [data-testid=chart-bar][data-index="${active[0].index}"]`);
  await waitFor(page, () => document.querySelector('[data-testid=counts]')?.textContent.startsWith('5 trajectories of 5'));
  assert.equal(new URL(page.url()).searchParams.get('turns'), null);

  // Tokens: a range filter of its own.
  const tokenBin = (await bars(page, 'tokens')).find((b) => b.count > 0 && b.count < 5);
  if (tokenBin) {
    await page.click(`[data-testid=chart-tokens] [data-testid=chart-bar][data-index="${tokenBin.index}"]`);
    await waitFor(page, () => /tokens=/.test(location.search));
    await waitFor(page, (n) => document.querySelector('[data-testid=counts]')?.textContent.startsWith(`${n} `), tokenBin.count);
    assert.match(await text(page, 'filter-summary'), /tokens/);
    assert.equal(await page.inputValue('[data-testid=filter-tokens-min]'), new URLSearchParams(await page.evaluate(() => location.search)).get('tokens').split('-')[0]);
    await page.click('[data-testid=filter-reset]');
    await waitFor(page, () => document.querySelector('[data-testid=counts]')?.textContent.startsWith('5 trajectories of 5'));
  }
  // A tool bar: `tool=` joins the query; a language bar: `lang=`.
  await page.click('[data-testid=chart-tools] [data-testid=chart-bar][data-label="execute_bash"]');
  await waitFor(page, () => /(^|&|\?)tool=execute_bash/.test(location.search));
  await page.click('[data-testid=chart-languages] [data-testid=chart-bar][data-label="python"]');
  await waitFor(page, () => /lang=python/.test(location.search));
  assert.match(await text(page, 'filter-summary'), /python.*uses execute_bash|uses execute_bash.*python/);
  // The filter panel shows what the charts set.
  await page.click('[data-testid=filter-reset]');
  await page.click('[data-testid=chart-tool_calls] [data-testid=chart-bar][data-index="0"]');
  await waitFor(page, () => /tool_calls=/.test(location.search));
  const min = await page.inputValue('[data-testid=filter-tool-calls-min]');
  assert.match(min, /^\d+$/, 'the panel shows the range');
  // A reload keeps the filter (it is in the link).
  await page.reload();
  await waitLoaded(page);
  await openCharts(page);
  assert.match(page.url(), /tool_calls=/);
  clean(problems);
  await page.close();
});

await check('charts follow the stream, redrawn no more often than the flush cadence', async () => {
  const LARGE = `${base}/?dataset=trajex-demo/large&config=default&split=train&source=jsonl&${endpoints}`;
  await fetch(`${hub.url}/__control/faults`, { method: 'POST', body: JSON.stringify([{ match: '/resolve/', kind: 'slow', chunk_bytes: 64 * 1024, delay_ms: 40 }]) });
  const { page, problems } = await open(LARGE);
  try {
    await openCharts(page);
    // Count redraws of the turns chart's SVG while rows arrive.
    await page.evaluate(() => {
      window.__redraws = 0;
      const target = document.querySelector('[data-testid=chart-turns]');
      new MutationObserver((records) => {
        if (records.some((r) => r.target.classList?.contains('tx-chart__svg'))) window.__redraws += 1;
      }).observe(target, { childList: true, subtree: true });
      window.__watchStart = performance.now();
    });
    const totals = [];
    for (let i = 0; i < 6; i += 1) {
      await page.waitForTimeout(500);
      totals.push(sum(await bars(page, 'turns')));
    }
    const { redraws, elapsed } = await page.evaluate(() => ({ redraws: window.__redraws, elapsed: performance.now() - window.__watchStart }));
    await page.click('[data-testid=stop]');
    console.log(`     turns total over time: ${totals.join(', ')}; ${redraws} redraws in ${elapsed.toFixed(0)} ms`);
    assert.ok(totals[totals.length - 1] > totals[0], `the charts grew: ${totals}`);
    assert.ok(redraws >= 2, 'redrawn while rows arrive');
    assert.ok(redraws <= elapsed / FLUSH_MS + 2, `${redraws} redraws in ${elapsed.toFixed(0)} ms`);
    // After stopping, the charts count what is loaded and passes the filter.
    await waitFor(page, () => document.querySelector('[data-testid=load-status]')?.textContent === 'Stopped');
    await page.waitForTimeout(300);
    const n = Number((await countsText(page)).match(/^([\d,]+) traj/)[1].replace(/,/g, ''));
    assert.equal(sum(await bars(page, 'turns')), n);
  } finally {
    await fetch(`${hub.url}/__control/faults`, { method: 'DELETE' });
  }
  clean(problems);
  await page.close();
});

await check('both themes draw readable charts', async () => {
  const { page, problems } = await open(DEMO);
  await waitLoaded(page);
  await openCharts(page);
  const fills = () => page.$$eval('[data-testid=chart-turns] .tx-chart__svg svg rect', (r) => [...new Set(r.map((x) => x.getAttribute('fill').toUpperCase()))]);
  const before = await fills();
  const wasDark = await page.evaluate(() => document.documentElement.dataset.theme === 'dark');
  await page.click('[data-testid=theme-toggle]');
  await waitFor(page, (dark) => (document.documentElement.dataset.theme === 'dark') !== dark, wasDark);
  await waitFor(page, (old) => {
    const fill = document.querySelector('[data-testid=chart-turns] .tx-chart__svg svg rect')?.getAttribute('fill').toUpperCase();
    return fill && fill !== old;
  }, before[0]);
  const after = await fills();
  const isDark = !wasDark;
  assert.deepEqual(isDark ? after : before, ['#7AA2F7'], 'dark bars');
  assert.deepEqual(isDark ? before : after, ['#2457C5'], 'light bars');
  await shoot(page, isDark ? 'dark' : 'light-again');
  await page.click('[data-testid=theme-toggle]');
  clean(problems);
  await page.close();
});

await check('hostile names in charts stay text: no script runs, no element injected', async () => {
  const file = writeHostileFile(fs.mkdtempSync(path.join(os.tmpdir(), 'trajex-charts-hostile-')));
  const { page, problems } = await open(`${base}/`);
  await page.evaluate(() => { window.__pwned = 0; });
  await page.setInputFiles('[data-testid=file-input]', file);
  await waitLoaded(page);
  await openCharts(page);
  await page.waitForSelector('[data-testid=chart-tools] [data-testid=chart-bar]', { timeout: TIMEOUT });
  const labels = (await bars(page, 'tools')).map((b) => b.label);
  assert.ok(labels.some((l) => l.startsWith('<img src=x')), `the hostile tool name is a label: ${labels}`);
  for (const bar of await page.$$('[data-testid=chart-tools] [data-testid=chart-bar]')) await bar.hover();
  assert.equal(await page.evaluate(() => window.__pwned), 0, 'no script from a row ran');
  assert.equal(await page.$$eval('[data-testid=charts] :is(img, script, iframe, object, embed, b, foreignObject)', (e) => e.length), 0, 'no injected elements');
  const handlers = await page.$$eval('[data-testid=charts] *', (els) => els.flatMap((el) => [...el.attributes].map((a) => a.name)).filter((n) => n.startsWith('on')));
  assert.deepEqual(handlers, [], 'no event handler attributes');
  assert.deepEqual(problems.pageErrors, [], 'uncaught exceptions');
  await page.close();
});

await finish();
