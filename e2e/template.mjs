// End-to-end checks of the chat-template preview and the `text` export, on the built site in the
// machine's headless Chromium, against the local Hub-compatible server (hub/server.mjs), which
// serves the real Qwen2.5 tokenizer files under Trajex's default model id.
//
//   CHROMIUM=$(command -v chromium) node e2e/template.mjs dist
//
// Opens a demo trajectory, opens its "Training text" panel, and checks the text against the
// jinja2 render of the same row (tests/fixtures/templates/expected_renders.jsonl, made by
// scripts/expected-template-renders.py), its highlighted assistant spans, and its token count;
// then downloads the rows passing a filter in the `text` format, and checks that a model without
// a chat template gives a message, not a blank. Prints one line per check and ends with
// `e2e-template: N passed, M failed`; exits non-zero if any check failed.
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { ROOT, startHarness } from './harness.mjs';

// The expected training text of the demo split's row 0 (the same bytes as the fixture file).
const expected = fs.readFileSync(path.join(ROOT, 'tests', 'fixtures', 'templates', 'expected_renders.jsonl'), 'utf8')
  .split('\n').filter(Boolean).map((l) => JSON.parse(l))
  .find((c) => c.template === 'qwen2_5' && c.fixture === 'open_swe_traces/openhands_swegym.jsonl' && c.row === 0);
assert.ok(expected?.text, 'expected render of row 0');
const utf8 = Buffer.from(expected.text, 'utf8');
const expectedSpans = expected.spans.map(([, start, end]) => utf8.subarray(start, end).toString('utf8'));

const { base, endpoints, timeout: TIMEOUT, open, text, waitFor, waitLoaded, shoot, download, clean, check, finish } =
  await startHarness({ name: 'e2e-template', profile: 'trajex-e2e-tpl-', acceptDownloads: true, timeout: 60_000 });
const split = `dataset=trajex-demo/open-swe-traces-sample&config=openhands&split=swegym_jsonl&${endpoints}`;

await check('training text: the Qwen2.5 template render of a demo row, spans highlighted, tokens counted', async () => {
  const { page, problems } = await open(`${base}/?${split}&row=0`);
  await page.waitForSelector('[data-testid=message]', { timeout: TIMEOUT });
  const t0 = Date.now();
  await page.click('[data-testid=training-text-toggle]');
  await page.waitForSelector('[data-testid=training-text-body]', { timeout: TIMEOUT });
  console.log(`     rendered ${Date.now() - t0} ms after the toggle (template fetched, spans found)`);
  const body = await page.textContent('[data-testid=training-text-body]');
  assert.ok(body.includes('<|im_start|>assistant'), 'template markers');
  assert.equal(body, expected.text, 'the same text as jinja2 renders');
  const marks = await page.$$eval('[data-testid=training-text-body] mark', (m) => m.map((e) => e.textContent));
  assert.deepEqual(marks, expectedSpans, 'the highlighted spans are the assistant turns');
  assert.ok(marks.length > 0 && marks.every((m) => m.endsWith('<|im_end|>\n')));
  await waitFor(page, () => /^[\d,]+ tokens · [\d,]+ in assistant spans/.test(
    document.querySelector('[data-testid=training-tokens]')?.textContent || ''));
  const tokens = await text(page, 'training-tokens');
  const [total, assistant] = tokens.match(/[\d,]+/g).slice(0, 2).map((n) => Number(n.replaceAll(',', '')));
  console.log(`     ${tokens}`);
  assert.ok(total > 1000 && assistant > 0 && assistant < total, tokens);
  if (expected.tokens) {
    assert.deepEqual([total, assistant], expected.tokens, 'the counts of Python tokenizers on the same text');
  }
  assert.equal(await page.$('[data-testid=training-spans-note]'), null, 'Qwen2.5 is prefix-stable here');
  await shoot(page, 'training-text');
  clean(problems);
  await page.close();
});

await check('download in the text format: one {"text"} line per exported row, with a manifest', async () => {
  const { page, problems } = await open(`${base}/?${split}&tool_calls=18-`);
  await waitLoaded(page);
  await page.selectOption('[data-testid=export-format]', 'text');
  const byName = await download(page);
  const jsonlName = Object.keys(byName).find((n) => n.endsWith('.text.jsonl'));
  assert.ok(jsonlName, `file names: ${Object.keys(byName)}`);
  const lines = byName[jsonlName].split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const manifest = JSON.parse(byName[jsonlName.replace(/\.jsonl$/, '.manifest.json')]);
  assert.equal(manifest.format, 'text');
  assert.match(manifest.chat_template, /^Qwen\/Qwen2\.5-Coder-32B-Instruct \(default\)$/);
  assert.equal(manifest.counts.rows_read, 5);
  assert.equal(manifest.counts.exported, 2);
  assert.equal(lines.length, manifest.counts.exported, 'one line per exported row');
  for (const line of lines) {
    assert.equal(Object.keys(line)[0], 'text');
    assert.ok(line.text.startsWith('<|im_start|>system\n'), line.text.slice(0, 40));
    assert.ok(line.text.includes('<|im_start|>assistant\n<tool_call>\n{"name": '));
  }
  clean(problems);
  await page.close();
});

await check('a model without a chat template: a clear message, not a blank', async () => {
  const { page, problems } = await open(`${base}/?${split}&row=0&tokenizer=trajex-test/tiny-bpe`);
  await page.waitForSelector('[data-testid=message]', { timeout: TIMEOUT });
  await page.click('[data-testid=training-text-toggle]');
  await page.waitForSelector('[data-testid=training-error]', { timeout: TIMEOUT });
  const message = await text(page, 'training-error');
  console.log(`     ${message}`);
  assert.match(message, /^No training text: .*tokenizer_config\.json/);
  clean(problems, /Failed to load resource|404/);
  await page.close();
});

await finish();
