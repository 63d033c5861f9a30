// Tests of the local Hub (hub/server.mjs) against the demo data in hub/data:
//
//   node --test hub/
//
// Starts the server on an ephemeral loopback port (plus one on a temporary root for the
// ResponseNotReady case) and checks every route's shape, ranges, rows against the files, filter
// and search, gated access, faults (429, cut, slow, client cancellation), CORS and the virtual
// large file.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHub, parseRange } from './server.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DATA = path.join(HERE, 'data');
const OST = 'trajex-demo/open-swe-traces-sample';
const FMT = 'trajex-demo/swe-agent-formats';
const OST_DIR = path.join(DATA, OST);
const JSONL = fs.readFileSync(path.join(OST_DIR, 'openhands/swegym_jsonl/0000.jsonl'));
const SNAPPY = fs.readFileSync(path.join(OST_DIR, 'openhands/swegym/0000.parquet'));
const LINES = JSONL.toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

let hub;
let U;

before(async () => {
  hub = await startHub({ root: DATA, port: 0, host: '127.0.0.1' });
  U = hub.url;
});
after(async () => {
  await hub.close();
});

async function get(p, init) {
  return fetch(U + p, init);
}
async function json(p, init) {
  const r = await get(p, init);
  return { r, body: await r.json() };
}
async function viewer(endpoint, params, init) {
  return json(`/viewer/${endpoint}?${new URLSearchParams(params)}`, init);
}
async function control(method, what, body) {
  const r = await fetch(`${U}/__control/${what}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  assert.equal(r.status, 200, `control ${method} ${what}`);
  return r.json();
}
function stripNulls(v) {
  if (Array.isArray(v)) return v.map(stripNulls);
  if (v && typeof v === 'object') {
    const o = {};
    for (const [k, x] of Object.entries(v)) if (x !== null) o[k] = stripNulls(x);
    return o;
  }
  return v;
}
function gitOid(buf) {
  return crypto.createHash('sha1').update(`blob ${buf.length}\0`).update(buf).digest('hex');
}
async function allRows(params) {
  const rows = [];
  for (let offset = 0; ; offset += 100) {
    const { r, body } = await viewer('rows', { ...params, offset, length: 100 });
    assert.equal(r.status, 200);
    rows.push(...body.rows);
    if (rows.length >= body.num_rows_total) return { rows, body };
  }
}
function stringValues(v, out = []) {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) v.forEach((x) => stringValues(x, out));
  else if (v && typeof v === 'object') Object.values(v).forEach((x) => stringValues(x, out));
  return out;
}

describe('command line', () => {
  test('prints the listening line and serves', async () => {
    const child = spawn(process.execPath, [path.join(HERE, 'server.mjs'), '--port', '0', '--root', DATA], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const line = await new Promise((resolve, reject) => {
        let buf = '';
        child.stdout.on('data', (d) => {
          buf += d;
          if (buf.includes('\n')) resolve(buf.split('\n')[0]);
        });
        child.on('exit', (code) => reject(new Error(`exited ${code}`)));
      });
      const m = /^hub: listening on (http:\/\/127\.0\.0\.1:(\d+))$/.exec(line);
      assert.ok(m, line);
      assert.ok(Number(m[2]) > 0);
      const r = await fetch(`${m[1]}/api/datasets/${OST}`);
      assert.equal(r.status, 200);
    } finally {
      child.kill('SIGTERM');
    }
  });

  test('refuses non-loopback hosts', async () => {
    await assert.rejects(startHub({ root: DATA, port: 0, host: '0.0.0.0' }), /loopback/);
  });
});

describe('Hub API', () => {
  test('dataset info', async () => {
    const { r, body } = await json(`/api/datasets/${OST}`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('access-control-allow-origin'), '*');
    for (const k of ['_id', 'id', 'sha', 'private', 'gated', 'disabled', 'downloads', 'likes', 'tags', 'cardData', 'siblings', 'lastModified']) {
      assert.ok(k in body, k);
    }
    assert.equal(body.id, OST);
    assert.match(body.sha, /^[0-9a-f]{40}$/);
    assert.equal(body.private, false);
    assert.equal(body.gated, false);
    assert.deepEqual(body.siblings.map((s) => s.rfilename), [
      'openhands/swegym/0000.parquet',
      'openhands/swegym_jsonl/0000.jsonl',
      'openhands_zstd/swegym/0000.parquet',
    ]);
    const rev = await json(`/api/datasets/${OST}/revision/main`);
    assert.deepEqual(rev.body, body);
    const bySha = await json(`/api/datasets/${OST}/revision/${body.sha}`);
    assert.equal(bySha.body.sha, body.sha);
    const parquetRev = await json(`/api/datasets/${OST}/revision/refs%2Fconvert%2Fparquet`);
    assert.deepEqual(parquetRev.body.siblings.map((s) => s.rfilename), ['openhands/swegym/0000.parquet', 'openhands_zstd/swegym/0000.parquet']);
  });

  test('missing dataset: 404 RepoNotFound', async () => {
    const { r, body } = await json('/api/datasets/trajex-demo/nope');
    assert.equal(r.status, 404);
    assert.equal(r.headers.get('x-error-code'), 'RepoNotFound');
    assert.equal(typeof body.error, 'string');
  });

  test('tree', async () => {
    const top = await json(`/api/datasets/${OST}/tree/main`);
    assert.deepEqual(top.body.map((e) => [e.type, e.path]), [
      ['directory', 'openhands'],
      ['directory', 'openhands_zstd'],
    ]);
    const sub = await json(`/api/datasets/${OST}/tree/main/openhands/swegym_jsonl`);
    assert.equal(sub.body.length, 1);
    assert.deepEqual(sub.body[0], { type: 'file', oid: gitOid(JSONL), size: JSONL.length, path: 'openhands/swegym_jsonl/0000.jsonl' });
    const rec = await json(`/api/datasets/${OST}/tree/main?recursive=true`);
    const files = rec.body.filter((e) => e.type === 'file');
    assert.equal(files.length, 3);
    assert.equal(rec.body.filter((e) => e.type === 'directory').length, 5);
    const pq = files.find((f) => f.path === 'openhands/swegym/0000.parquet');
    assert.equal(pq.size, SNAPPY.length);
    assert.equal(pq.oid, gitOid(SNAPPY));
    assert.equal(pq.lfs.oid, crypto.createHash('sha256').update(SNAPPY).digest('hex'));
    for (const e of rec.body) assert.deepEqual(Object.keys(e).slice(0, 4).sort(), ['oid', 'path', 'size', 'type']);
    const conv = await json(`/api/datasets/${OST}/tree/refs%2Fconvert%2Fparquet/openhands_zstd/swegym`);
    assert.deepEqual(conv.body.map((e) => e.path), ['openhands_zstd/swegym/0000.parquet']);
    const missing = await get(`/api/datasets/${OST}/tree/main/nope`);
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('x-error-code'), 'EntryNotFound');
  });

  test('parquet listing and shards', async () => {
    const all = await json(`/api/datasets/${OST}/parquet`);
    assert.deepEqual(all.body, {
      openhands: { swegym: [`${U}/api/datasets/${OST}/parquet/openhands/swegym/0.parquet`] },
      openhands_zstd: { swegym: [`${U}/api/datasets/${OST}/parquet/openhands_zstd/swegym/0.parquet`] },
    });
    const cfg = await json(`/api/datasets/${OST}/parquet/openhands`);
    assert.deepEqual(cfg.body, all.body.openhands);
    const split = await json(`/api/datasets/${OST}/parquet/openhands/swegym`);
    assert.deepEqual(split.body, all.body.openhands.swegym);
    const shard = await fetch(split.body[0]);
    assert.equal(shard.status, 200);
    assert.ok(Buffer.from(await shard.arrayBuffer()).equals(SNAPPY));
    const tail = await fetch(split.body[0], { headers: { Range: 'bytes=-8' } });
    assert.equal(tail.status, 206);
    assert.ok(Buffer.from(await tail.arrayBuffer()).equals(SNAPPY.subarray(-8)));
    assert.equal((await get(`/api/datasets/${OST}/parquet/openhands/swegym_jsonl`)).status, 404);
    assert.equal((await get(`/api/datasets/${OST}/parquet/openhands/swegym/1.parquet`)).status, 404);
    const fmt = await json(`/api/datasets/${FMT}/parquet`);
    assert.deepEqual(fmt.body, {});
  });
});

describe('resolve', () => {
  const file = `/datasets/${OST}/resolve/main/openhands/swegym_jsonl/0000.jsonl`;

  test('whole file, HEAD, ETag', async () => {
    const r = await get(file);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('accept-ranges'), 'bytes');
    assert.equal(r.headers.get('content-length'), String(JSONL.length));
    assert.equal(r.headers.get('etag'), `"${gitOid(JSONL)}"`);
    assert.ok(Buffer.from(await r.arrayBuffer()).equals(JSONL));
    const h = await get(file, { method: 'HEAD' });
    assert.equal(h.status, 200);
    assert.equal(h.headers.get('content-length'), String(JSONL.length));
    assert.equal((await h.arrayBuffer()).byteLength, 0);
    const again = await get(file, { headers: { 'If-None-Match': r.headers.get('etag') } });
    assert.equal(again.status, 304);
    const pq = await get(`/datasets/${OST}/resolve/main/openhands/swegym/0000.parquet`);
    assert.equal(pq.headers.get('etag'), `"${crypto.createHash('sha256').update(SNAPPY).digest('hex')}"`);
  });

  test('ranges: 206 and 416', async () => {
    const cases = [
      ['bytes=0-99', 0, 99],
      ['bytes=1000-', 1000, JSONL.length - 1],
      ['bytes=-500', JSONL.length - 500, JSONL.length - 1],
      [`bytes=${JSONL.length - 10}-${JSONL.length + 100}`, JSONL.length - 10, JSONL.length - 1],
    ];
    for (const [range, a, b] of cases) {
      const r = await get(file, { headers: { Range: range } });
      assert.equal(r.status, 206, range);
      assert.equal(r.headers.get('content-range'), `bytes ${a}-${b}/${JSONL.length}`);
      assert.equal(r.headers.get('content-length'), String(b - a + 1));
      assert.ok(Buffer.from(await r.arrayBuffer()).equals(JSONL.subarray(a, b + 1)), range);
    }
    for (const range of [`bytes=${JSONL.length}-`, 'bytes=-0']) {
      const r = await get(file, { headers: { Range: range } });
      assert.equal(r.status, 416, range);
      assert.equal(r.headers.get('content-range'), `bytes */${JSONL.length}`);
      await r.arrayBuffer();
    }
    assert.deepEqual(parseRange('bytes=0-1,4-5', 10), null);
    assert.deepEqual(parseRange('items=0-1', 10), null);
  });

  test('parquet revision, errors', async () => {
    const r = await get(`/datasets/${OST}/resolve/refs%2Fconvert%2Fparquet/openhands/swegym/0000.parquet`, { headers: { Range: 'bytes=0-3' } });
    assert.equal(r.status, 206);
    assert.equal(Buffer.from(await r.arrayBuffer()).toString(), 'PAR1');
    const byRev = await get(`/datasets/${OST}/resolve/some-branch/openhands/swegym/0000.parquet`, { method: 'HEAD' });
    assert.equal(byRev.status, 200);
    const noConv = await get(`/datasets/${OST}/resolve/refs%2Fconvert%2Fparquet/openhands/swegym_jsonl/0000.jsonl`);
    assert.equal(noConv.status, 404);
    await noConv.arrayBuffer();
    const missing = await json(`/datasets/${OST}/resolve/main/nope.jsonl`);
    assert.equal(missing.r.status, 404);
    assert.equal(missing.r.headers.get('x-error-code'), 'EntryNotFound');
    assert.equal(typeof missing.body.error, 'string');
    const noRepo = await json('/datasets/trajex-demo/nope/resolve/main/x.jsonl');
    assert.equal(noRepo.r.status, 404);
    assert.equal(noRepo.r.headers.get('x-error-code'), 'RepoNotFound');
  });
});

describe('dataset viewer', () => {
  const jsonlSplit = { dataset: OST, config: 'openhands', split: 'swegym_jsonl' };
  const parquetSplit = { dataset: OST, config: 'openhands', split: 'swegym' };
  const zstdSplit = { dataset: OST, config: 'openhands_zstd', split: 'swegym' };

  test('is-valid, splits', async () => {
    const v = await viewer('is-valid', { dataset: OST });
    assert.deepEqual(v.body, { viewer: true, preview: true, search: true, filter: true, statistics: false });
    assert.match(v.r.headers.get('cache-control'), /^max-age=\d+$/);
    assert.match(v.r.headers.get('x-revision'), /^[0-9a-f]{40}$/);
    const s = await viewer('splits', { dataset: OST });
    assert.deepEqual(s.body, {
      splits: [
        { dataset: OST, config: 'openhands', split: 'swegym' },
        { dataset: OST, config: 'openhands', split: 'swegym_jsonl' },
        { dataset: OST, config: 'openhands_zstd', split: 'swegym' },
      ],
      pending: [],
      failed: [],
    });
    const c = await viewer('splits', { dataset: FMT, config: 'swe_smith' });
    assert.deepEqual(c.body.splits, [{ dataset: FMT, config: 'swe_smith', split: 'train' }]);
    const all = await viewer('splits', { dataset: FMT });
    assert.deepEqual(all.body.splits.map((x) => x.config).sort(), ['mini_swe_agent', 'nebius_swe_agent', 'swe_play_xml', 'swe_smith', 'sweagent_traj', 'swegym_openhands']);
  });

  test('info, size, parquet', async () => {
    const i = await viewer('info', { dataset: OST, config: 'openhands' });
    assert.equal(i.body.partial, false);
    const di = i.body.dataset_info;
    assert.equal(di.config_name, 'openhands');
    assert.deepEqual(Object.keys(di.splits).sort(), ['swegym', 'swegym_jsonl']);
    assert.deepEqual(di.splits.swegym_jsonl, { name: 'swegym_jsonl', num_bytes: di.splits.swegym_jsonl.num_bytes, num_examples: 5, dataset_name: 'open-swe-traces-sample' });
    assert.equal(di.download_size, JSONL.length + SNAPPY.length);
    assert.deepEqual(di.features.resolved, { dtype: 'int64', _type: 'Value' });
    assert.deepEqual(di.features.tools, { feature: { dtype: 'string', _type: 'Value' }, _type: 'List' });
    assert.deepEqual(di.features.messages.feature.tool_calls.feature.function.arguments, { dtype: 'string', _type: 'Value' });
    assert.deepEqual(di.features.metadata.reference_patch, { dtype: 'null', _type: 'Value' });
    const whole = await viewer('info', { dataset: OST });
    assert.deepEqual(Object.keys(whole.body.dataset_info), ['openhands', 'openhands_zstd']);

    const s = await viewer('size', { dataset: OST });
    assert.equal(s.body.partial, false);
    assert.deepEqual(Object.keys(s.body.size.dataset).sort(), ['dataset', 'num_bytes_memory', 'num_bytes_original_files', 'num_bytes_parquet_files', 'num_rows']);
    assert.equal(s.body.size.dataset.num_rows, 15);
    assert.equal(s.body.size.configs.length, 2);
    const sp = s.body.size.splits.find((x) => x.split === 'swegym' && x.config === 'openhands');
    assert.deepEqual(Object.keys(sp).sort(), ['config', 'dataset', 'num_bytes_memory', 'num_bytes_parquet_files', 'num_columns', 'num_rows', 'split']);
    assert.equal(sp.num_rows, 5);
    assert.equal(sp.num_columns, 10);
    assert.equal(sp.num_bytes_parquet_files, SNAPPY.length);

    const p = await viewer('parquet', { dataset: OST });
    assert.deepEqual(p.body.parquet_files.map((f) => [f.config, f.split, f.filename]), [
      ['openhands', 'swegym', '0000.parquet'],
      ['openhands_zstd', 'swegym', '0000.parquet'],
    ]);
    const f0 = p.body.parquet_files[0];
    assert.equal(f0.url, `${U}/datasets/${OST}/resolve/refs%2Fconvert%2Fparquet/openhands/swegym/0000.parquet`);
    assert.equal(f0.size, SNAPPY.length);
    assert.ok(Buffer.from(await (await fetch(f0.url)).arrayBuffer()).equals(SNAPPY));
    const pc = await viewer('parquet', { dataset: OST, config: 'openhands_zstd' });
    assert.equal(pc.body.parquet_files.length, 1);
  });

  test("a JSONL split's rows are the file's lines", async () => {
    const { rows, body } = await allRows(jsonlSplit);
    assert.equal(body.num_rows_total, LINES.length);
    assert.equal(body.num_rows_per_page, 100);
    assert.equal(body.partial, false);
    assert.deepEqual(body.features.map((f) => f.name), Object.keys(LINES[0]));
    assert.deepEqual(body.features.map((f) => f.feature_idx), [...body.features.keys()]);
    rows.forEach((item, i) => {
      assert.equal(item.row_idx, i);
      assert.deepEqual(item.truncated_cells, []);
      // Like the real viewer, rows carry every schema field (absent ones as null).
      assert.deepEqual(stripNulls(item.row), stripNulls(LINES[i]));
    });
    // the tool message lacks tool_calls in the file; the row has it as null
    const toolMsg = rows[0].row.messages.find((m) => m.role === 'tool');
    assert.equal(toolMsg.tool_calls, null);

    for (const [config, file] of [
      ['nebius_swe_agent', 'nebius_swe_agent/train/train.jsonl'],
      ['swe_smith', 'swe_smith/train/train.jsonl'],
      ['sweagent_traj', 'sweagent_traj/train/train.jsonl'],
    ]) {
      const lines = fs.readFileSync(path.join(DATA, FMT, file), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
      const got = await allRows({ dataset: FMT, config, split: 'train' });
      assert.equal(got.body.num_rows_total, lines.length, config);
      got.rows.forEach((item, i) => assert.deepEqual(stripNulls(item.row), stripNulls(lines[i]), `${config} row ${i}`));
    }
    // mini-swe-agent's line is a JSON array: like `datasets`, one row per element
    const mini = JSON.parse(fs.readFileSync(path.join(DATA, FMT, 'mini_swe_agent/train/train.jsonl'), 'utf8'));
    const got = await allRows({ dataset: FMT, config: 'mini_swe_agent', split: 'train' });
    assert.equal(got.body.num_rows_total, mini.length);
    assert.deepEqual(got.rows.map((r) => r.row), mini.map((m) => ({ role: m.role, content: m.content })));
  });

  test("a parquet split's rows equal the JSONL split's rows", async () => {
    const j = await allRows(jsonlSplit);
    for (const split of [parquetSplit, zstdSplit]) {
      const p = await allRows(split);
      assert.equal(p.body.num_rows_total, 5);
      assert.deepEqual(p.body.features, j.body.features);
      assert.deepEqual(p.rows, j.rows);
    }
  });

  test('rows paging and parameters', async () => {
    const page = await viewer('rows', { ...jsonlSplit, offset: 3, length: 10 });
    assert.deepEqual(page.body.rows.map((r) => r.row_idx), [3, 4]);
    assert.equal(page.body.num_rows_total, 5);
    const zero = await viewer('rows', { ...jsonlSplit, length: 0 });
    assert.deepEqual(zero.body.rows, []);
    const past = await viewer('rows', { ...jsonlSplit, offset: 99 });
    assert.deepEqual(past.body.rows, []);
    for (const bad of [{ length: 101 }, { length: -1 }, { offset: -1 }, { offset: 'x' }]) {
      const r = await viewer('rows', { ...jsonlSplit, ...bad });
      assert.equal(r.r.status, 422, JSON.stringify(bad));
      assert.equal(r.r.headers.get('x-error-code'), 'InvalidParameter');
      assert.equal(typeof r.body.error, 'string');
    }
    const miss = await viewer('rows', { dataset: OST, config: 'openhands' });
    assert.equal(miss.r.status, 422);
    assert.equal(miss.r.headers.get('x-error-code'), 'MissingRequiredParameter');
    assert.equal(miss.body.error, "Parameter 'split' is required");
    const none = await viewer('splits', {});
    assert.equal(none.r.status, 422);
    assert.equal(none.r.headers.get('x-error-code'), 'MissingRequiredParameter');
    const unknown = await viewer('rows', { dataset: 'trajex-demo/nope', config: 'a', split: 'b' });
    assert.equal(unknown.r.status, 404);
    assert.equal(unknown.r.headers.get('x-error-code'), 'ResponseNotFound');
    const badSplit = await viewer('rows', { ...jsonlSplit, split: 'nope' });
    assert.equal(badSplit.r.status, 404);
    assert.equal(badSplit.r.headers.get('x-error-code'), 'ResponseNotFound');
    const badConfig = await viewer('splits', { dataset: OST, config: 'nope' });
    assert.equal(badConfig.r.status, 404);
  });

  test('first-rows: shape and 1 MB truncation', async () => {
    const small = await viewer('first-rows', jsonlSplit);
    assert.deepEqual(Object.keys(small.body), ['dataset', 'config', 'split', 'features', 'rows', 'truncated']);
    assert.equal(small.body.truncated, false);
    assert.equal(small.body.rows.length, 5);
    small.body.rows.forEach((r, i) => assert.deepEqual(stripNulls(r.row), stripNulls(LINES[i])));

    const big = { dataset: FMT, config: 'swegym_openhands', split: 'train' };
    const r = await get(`/viewer/first-rows?${new URLSearchParams(big)}`);
    const text = await r.text();
    assert.ok(Buffer.byteLength(text) <= 1_000_000, `${Buffer.byteLength(text)} bytes`);
    const body = JSON.parse(text);
    assert.equal(body.rows.length, 5);
    const cut = body.rows.filter((x) => x.truncated_cells.length);
    assert.ok(cut.length > 0);
    // the last rows are truncated first; a truncated cell is a prefix of its JSON, <= 100 bytes
    assert.deepEqual(body.rows.at(-1).truncated_cells.length > 0, true);
    const full = await viewer('rows', { ...big, offset: 0, length: 5 });
    for (const item of cut) {
      for (const name of item.truncated_cells) {
        const cell = item.row[name];
        assert.equal(typeof cell, 'string');
        assert.ok(Buffer.byteLength(cell) <= 100);
        assert.ok(JSON.stringify(full.body.rows[item.row_idx].row[name]).startsWith(cell));
      }
    }
  });

  test('search', async () => {
    const expect = (q) => LINES.map((l, i) => [i, stringValues(l).some((s) => s.toLowerCase().includes(q.toLowerCase()))]).filter(([, m]) => m).map(([i]) => i);
    for (const q of ['monai', 'MyPy', 'sliding_window_inference', 'no such text anywhere']) {
      const s = await viewer('search', { ...jsonlSplit, query: q });
      assert.equal(s.r.status, 200);
      assert.deepEqual(s.body.rows.map((r) => r.row_idx), expect(q), q);
      assert.equal(s.body.num_rows_total, expect(q).length);
      assert.deepEqual(Object.keys(s.body), ['features', 'rows', 'num_rows_total', 'num_rows_per_page', 'partial']);
    }
    assert.ok(expect('monai').includes(0) && expect('monai').includes(3));
    const paged = await viewer('search', { ...parquetSplit, query: 'python', offset: 1, length: 1 });
    assert.equal(paged.body.rows.length, 1);
    assert.equal(paged.body.rows[0].row_idx, expect('python')[1]);
    const miss = await viewer('search', jsonlSplit);
    assert.equal(miss.r.status, 422);
    assert.equal(miss.r.headers.get('x-error-code'), 'MissingRequiredParameter');
  });

  test('filter', async () => {
    const ids = async (where, orderby, split = jsonlSplit) => {
      const params = { ...split };
      if (where !== undefined) params.where = where;
      if (orderby !== undefined) params.orderby = orderby;
      const f = await viewer('filter', params);
      assert.equal(f.r.status, 200, `${where} ${orderby}: ${JSON.stringify(f.body)}`);
      assert.equal(f.body.num_rows_total, f.body.rows.length);
      return f.body.rows.map((r) => r.row_idx);
    };
    assert.deepEqual(await ids(`"repo"='python/mypy'`), [2, 4]);
    assert.deepEqual(await ids(`"repo" = 'python/mypy' OR "instance_id"='Project-MONAI__MONAI-907'`), [2, 3, 4]);
    assert.deepEqual(await ids(`NOT ("repo"='python/mypy') AND "resolved"=1`), [0, 1, 3]);
    assert.deepEqual(await ids(`"resolved">=1 and "resolved"<2 and "language"<>'go'`), [0, 1, 2, 3, 4]);
    assert.deepEqual(await ids(`"resolved"=0`), []);
    assert.deepEqual(await ids(`"resolved"='1'`), [0, 1, 2, 3, 4]);
    assert.deepEqual(await ids(`"metadata"."model_patch"."num_modified_lines" > 20`), [1, 3]);
    assert.deepEqual(await ids(`"instance_id"='it''s not there'`), []);
    assert.deepEqual(await ids(`"metadata"."reference_patch" IS NULL AND "repo" LIKE 'Project-%'`), [0, 3]);
    assert.deepEqual(await ids(`"repo"='python/mypy'`, `"instance_id" DESC`), [2, 4]);
    assert.deepEqual(await ids(undefined, `"instance_id"`), [0, 3, 1, 4, 2]);
    assert.deepEqual(await ids(undefined, `"metadata"."model_patch"."num_modified_lines" DESC`), [1, 3, 4, 2, 0]);
    assert.deepEqual(await ids(`"repo"='python/mypy'`, undefined, zstdSplit), [2, 4]);
    const page = await viewer('filter', { ...jsonlSplit, where: '"resolved"=1', offset: 2, length: 2 });
    assert.deepEqual(page.body.rows.map((r) => r.row_idx), [2, 3]);
    assert.equal(page.body.num_rows_total, 5);
    for (const bad of [`"repo"=`, `repo='x'`, `"repo"='x`, `"nope"=1`, `("repo"='x'`, `"repo"='x'; DROP TABLE data`, `"messages"='x'`, `"repo" ~ 'x'`]) {
      const f = await viewer('filter', { ...jsonlSplit, where: bad });
      assert.equal(f.r.status, 422, bad);
      assert.equal(f.r.headers.get('x-error-code'), 'InvalidParameter', bad);
      assert.equal(typeof f.body.error, 'string');
    }
    const badOrder = await viewer('filter', { ...jsonlSplit, orderby: '"repo" SIDEWAYS' });
    assert.equal(badOrder.r.status, 422);
  });
});

describe('access', () => {
  const G = 'trajex-demo/gated';
  test('gated: 401 without a token on every route', async () => {
    for (const p of [`/api/datasets/${G}`, `/api/datasets/${G}/tree/main`, `/datasets/${G}/resolve/main/default/train/train.jsonl`]) {
      const r = await get(p);
      assert.equal(r.status, 401, p);
      assert.equal(r.headers.get('x-error-code'), 'GatedRepo');
      assert.equal(typeof (await r.json()).error, 'string');
      const ok = await get(p, { headers: { Authorization: 'Bearer hf_test' } });
      assert.equal(ok.status, 200, p);
      await ok.arrayBuffer();
      const empty = await get(p, { headers: { Authorization: 'Bearer ' } });
      assert.equal(empty.status, 401, p);
      await empty.arrayBuffer();
    }
    const v = await viewer('rows', { dataset: G, config: 'default', split: 'train', length: 1 });
    assert.equal(v.r.status, 401);
    assert.equal(v.r.headers.get('x-error-code'), 'ExternalUnauthenticatedError');
    assert.match(v.body.error, /not accessible without authentication/);
    const ok = await viewer('rows', { dataset: G, config: 'default', split: 'train', length: 1 }, { headers: { Authorization: 'Bearer hf_test' } });
    assert.equal(ok.r.status, 200);
    assert.equal(ok.body.rows.length, 1);
    const info = await json(`/api/datasets/${G}`, { headers: { Authorization: 'Bearer hf_test' } });
    assert.equal(info.body.gated, 'auto');
  });

  test('ResponseNotReady for the first calls (pending_first_calls)', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-test-'));
    const dir = path.join(root, 'someone', 'slow-cache');
    fs.mkdirSync(path.join(dir, 'default', 'train'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'default', 'train', 'data.jsonl'), '{"a": 1}\n{"a": 2, "b": "x"}\n');
    fs.writeFileSync(path.join(dir, 'dataset.json'), JSON.stringify({ pending_first_calls: 2 }));
    const other = await startHub({ root, port: 0 });
    try {
      const params = new URLSearchParams({ dataset: 'someone/slow-cache', config: 'default', split: 'train' });
      for (let i = 0; i < 2; i++) {
        const r = await fetch(`${other.url}/viewer/rows?${params}`);
        assert.equal(r.status, 500);
        assert.equal(r.headers.get('x-error-code'), 'ResponseNotReady');
        assert.match((await r.json()).error, /not ready yet/);
      }
      const r = await fetch(`${other.url}/viewer/rows?${params}`);
      assert.equal(r.status, 200);
      const body = await r.json();
      assert.deepEqual(body.rows.map((x) => x.row), [{ a: 1, b: null }, { a: 2, b: 'x' }]);
      assert.deepEqual(body.features.map((f) => [f.name, f.type.dtype]), [['a', 'int64'], ['b', 'string']]);
      // the Hub routes are not affected
      assert.equal((await fetch(`${other.url}/api/datasets/someone/slow-cache`)).status, 200);
    } finally {
      await other.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('faults and the request log', () => {
  before(async () => {
    await control('POST', 'reset');
  });

  test('429 with rate-limit headers, for `times` requests', async () => {
    await control('POST', 'faults', [{ match: '/api/datasets/trajex-demo/swe-agent-formats', kind: 'status', status: 429, times: 2, rate_limit: { remaining: 0, reset_seconds: 1 } }]);
    for (let i = 0; i < 2; i++) {
      const r = await get(`/api/datasets/${FMT}`);
      assert.equal(r.status, 429);
      assert.equal(r.headers.get('ratelimit'), '"api";r=0;t=1');
      assert.equal(r.headers.get('ratelimit-policy'), '"fixed window";"api";q=500;w=300');
      assert.equal(r.headers.get('retry-after'), '1');
      assert.equal(typeof (await r.json()).error, 'string');
    }
    assert.equal((await get(`/api/datasets/${FMT}`)).status, 200);
    await control('DELETE', 'faults');
  });

  test('5xx with an error code (ResponseNotReady), then success', async () => {
    await control('POST', 'faults', { match: '/viewer/rows', kind: 'status', status: 500, times: 1, error_code: 'ResponseNotReady' });
    const first = await viewer('rows', { dataset: OST, config: 'openhands', split: 'swegym', length: 1 });
    assert.equal(first.r.status, 500);
    assert.equal(first.r.headers.get('x-error-code'), 'ResponseNotReady');
    const second = await viewer('rows', { dataset: OST, config: 'openhands', split: 'swegym', length: 1 });
    assert.equal(second.r.status, 200);
    await control('POST', 'faults', { match: 'swe_smith', kind: 'status', status: 503, times: 1 });
    assert.equal((await get(`/datasets/${FMT}/resolve/main/swe_smith/train/train.jsonl`, { method: 'HEAD' })).status, 503);
    const rules = await control('GET', 'faults');
    assert.deepEqual(rules.map((r) => r.remaining), [0, 0]);
    await control('DELETE', 'faults');
  });

  test('cut: headers and n bytes, then the connection drops', async () => {
    await control('DELETE', 'requests');
    await control('POST', 'faults', { match: 'swegym_jsonl/0000.jsonl', kind: 'cut', after_bytes: 1000, times: 1 });
    const r = await get(`/datasets/${OST}/resolve/main/openhands/swegym_jsonl/0000.jsonl`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-length'), String(JSONL.length));
    const reader = r.body.getReader();
    let got = 0;
    await assert.rejects(
      (async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          got += value.length;
        }
      })(),
    );
    assert.equal(got, 1000);
    const log = await control('GET', 'requests');
    const e = log.find((x) => x.url.endsWith('swegym_jsonl/0000.jsonl'));
    assert.equal(e.fault, 'cut');
    assert.equal(e.cut, true);
    assert.equal(e.bytes, 1000);
    // times: 1 -> the next download is whole
    const again = await get(`/datasets/${OST}/resolve/main/openhands/swegym_jsonl/0000.jsonl`);
    assert.ok(Buffer.from(await again.arrayBuffer()).equals(JSONL));
    await control('DELETE', 'faults');
  });

  test('every/skip schedules, a cut after a fraction of the body, and a new version (etag + If-Range)', async () => {
    const file = `/datasets/${OST}/resolve/main/openhands/swegym_jsonl/0000.jsonl`;
    await control('DELETE', 'requests');
    await control('POST', 'faults', [
      { match: 'swegym_jsonl/0000.jsonl', kind: 'status', status: 429, every: 3 },
      { match: 'swegym_jsonl/0000.jsonl', kind: 'cut', after_fraction: 0.5, every: 2 },
    ]);
    // Requests 1..6: the status rule sees all six and takes the 3rd and 6th; the cut rule sees
    // only the four the status rule left (1, 2, 4, 5) and takes its 2nd and 4th (2 and 5).
    const kinds = [];
    for (let i = 0; i < 6; i++) {
      const r = await get(file);
      if (r.status === 429) {
        assert.equal(r.headers.get('retry-after'), '1');
        await r.arrayBuffer();
        kinds.push('429');
        continue;
      }
      const body = await r.arrayBuffer().then((b) => Buffer.from(b), () => null);
      kinds.push(body ? (body.equals(JSONL) ? 'whole' : 'short') : 'cut');
    }
    assert.deepEqual(kinds, ['whole', 'cut', '429', 'whole', 'cut', '429']);
    const log = await control('GET', 'requests');
    const cuts = log.filter((x) => x.cut);
    assert.ok(cuts.every((x) => x.bytes === Math.floor(JSONL.length / 2)), JSON.stringify(cuts));
    await control('DELETE', 'faults');

    const first = await get(file, { headers: { Range: 'bytes=0-99' } });
    const etag = first.headers.get('etag');
    await first.arrayBuffer();
    await control('POST', 'faults', { match: 'swegym_jsonl/0000.jsonl', kind: 'etag', etag: '"v2"', skip: 1 });
    // The first request after the rule still sees the old version; If-Range holds.
    const same = await get(file, { headers: { Range: 'bytes=100-199', 'If-Range': etag } });
    assert.equal(same.status, 206);
    assert.equal(same.headers.get('etag'), etag);
    await same.arrayBuffer();
    // Then the file is a new version: the old validator fails, the whole file comes with 200.
    const changed = await get(file, { headers: { Range: 'bytes=100-199', 'If-Range': etag } });
    assert.equal(changed.status, 200);
    assert.equal(changed.headers.get('etag'), '"v2"');
    assert.ok(Buffer.from(await changed.arrayBuffer()).equals(JSONL));
    const current = await get(file, { headers: { Range: 'bytes=100-199', 'If-Range': '"v2"' } });
    assert.equal(current.status, 206);
    await current.arrayBuffer();
    await control('DELETE', 'faults');
  });

  test('slow: chunks with delays; a client abort is logged', async () => {
    await control('POST', 'faults', { match: 'swegym_jsonl/0000.jsonl', kind: 'slow', chunk_bytes: 65536, delay_ms: 60, times: 1 });
    const t0 = Date.now();
    const r = await get(`/datasets/${OST}/resolve/main/openhands/swegym_jsonl/0000.jsonl`);
    assert.ok(Buffer.from(await r.arrayBuffer()).equals(JSONL));
    assert.ok(Date.now() - t0 >= 4 * 60 - 20, `${Date.now() - t0} ms`);

    await control('DELETE', 'requests');
    await control('POST', 'faults', { match: 'trajex-demo/large/resolve', kind: 'slow', chunk_bytes: 4096, delay_ms: 20 });
    const ac = new AbortController();
    const big = await get('/datasets/trajex-demo/large/resolve/main/default/train/train.jsonl', { signal: ac.signal });
    const reader = big.body.getReader();
    await reader.read();
    ac.abort();
    let entry;
    for (let i = 0; i < 100; i++) {
      entry = (await control('GET', 'requests')).find((x) => x.url.includes('trajex-demo/large'));
      if (entry && entry.done) break;
      await new Promise((res) => setTimeout(res, 20));
    }
    assert.equal(entry.done, true);
    assert.equal(entry.aborted, true);
    assert.equal(entry.fault, 'slow');
    assert.ok(entry.bytes > 0 && entry.bytes < 1_000_000, String(entry.bytes));
    await control('DELETE', 'faults');
  });

  test('the request log records method, url, range, status and bytes', async () => {
    await control('DELETE', 'requests');
    const r = await get(`/datasets/${OST}/resolve/main/openhands/swegym/0000.parquet`, { headers: { Range: 'bytes=0-9' } });
    await r.arrayBuffer();
    // The server marks an entry done when the response closes, which may come just after the
    // client has the whole body: look again for a while.
    let log = await control('GET', 'requests');
    for (let i = 0; i < 50 && !(log[0] && log[0].done); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      log = await control('GET', 'requests');
    }
    assert.equal(log.length, 1);
    assert.deepEqual(
      { method: log[0].method, url: log[0].url, range: log[0].range, status: log[0].status, bytes: log[0].bytes, aborted: log[0].aborted, done: log[0].done },
      { method: 'GET', url: `/datasets/${OST}/resolve/main/openhands/swegym/0000.parquet`, range: 'bytes=0-9', status: 206, bytes: 10, aborted: false, done: true },
    );
    const bad = await fetch(`${U}/__control/faults`, { method: 'POST', body: '[{"match": "x", "kind": "explode"}]' });
    assert.equal(bad.status, 400);
  });
});

describe('CORS', () => {
  test('preflight and exposed headers', async () => {
    const pre = await get(`/datasets/${OST}/resolve/main/openhands/swegym/0000.parquet`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://127.0.0.1:8080', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization,range' },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), '*');
    assert.equal(pre.headers.get('access-control-allow-methods'), 'GET, HEAD, OPTIONS');
    const allow = pre.headers.get('access-control-allow-headers').toLowerCase();
    for (const h of ['*', 'authorization', 'range']) assert.ok(allow.split(/,\s*/).includes(h), h);
    const r = await get(`/viewer/splits?dataset=${OST}`, { headers: { Origin: 'http://127.0.0.1:8080' } });
    assert.equal(r.headers.get('access-control-allow-origin'), '*');
    const exposed = r.headers.get('access-control-expose-headers').split(/,\s*/);
    for (const h of ['X-Error-Code', 'X-Revision', 'Content-Range', 'Content-Length', 'Accept-Ranges', 'ETag', 'RateLimit', 'RateLimit-Policy', 'Retry-After']) {
      assert.ok(exposed.includes(h), h);
    }
    const err = await get('/viewer/rows?dataset=x');
    assert.equal(err.headers.get('access-control-allow-origin'), '*');
    const c = await fetch(`${U}/__control/faults`, { method: 'OPTIONS', headers: { Origin: 'http://x', 'Access-Control-Request-Method': 'POST' } });
    assert.equal(c.status, 204);
    assert.equal(c.headers.get('access-control-allow-origin'), '*');
    assert.match(c.headers.get('access-control-allow-methods'), /POST/);
    assert.match(c.headers.get('access-control-allow-methods'), /DELETE/);
    assert.equal((await fetch(`${U}/__control/requests`)).headers.get('access-control-allow-origin'), '*');
  });
});

describe('virtual large split', () => {
  const L = 'trajex-demo/large';
  const file = `/datasets/${L}/resolve/main/default/train/train.jsonl`;
  const size = JSONL.length * 400;

  test('size, listing and ranges computed from the repeated base file', async () => {
    const h = await get(file, { method: 'HEAD' });
    assert.equal(h.status, 200);
    assert.equal(h.headers.get('content-length'), String(size));
    assert.ok(size > 100_000_000);
    const info = await json(`/api/datasets/${L}`);
    assert.deepEqual(info.body.siblings, [{ rfilename: 'default/train/train.jsonl' }]);
    const tree = await json(`/api/datasets/${L}/tree/main/default/train`);
    assert.equal(tree.body[0].size, size);
    const expected = (a, b) => {
      const out = Buffer.alloc(b - a + 1);
      for (let i = a; i <= b; i++) out[i - a] = JSONL[i % JSONL.length];
      return out;
    };
    const mid = Math.floor(size / 2) - 777;
    for (const [a, b] of [
      [mid, mid + 199_999],
      [JSONL.length * 123 - 50, JSONL.length * 123 + 49], // across a repetition boundary
      [size - 300, size - 1],
    ]) {
      const r = await get(file, { headers: { Range: `bytes=${a}-${b}` } });
      assert.equal(r.status, 206);
      assert.equal(r.headers.get('content-range'), `bytes ${a}-${b}/${size}`);
      assert.ok(Buffer.from(await r.arrayBuffer()).equals(expected(a, b)), `${a}-${b}`);
    }
    const tail = await get(file, { headers: { Range: 'bytes=-10' } });
    assert.ok(Buffer.from(await tail.arrayBuffer()).equals(JSONL.subarray(-10)));
    const past = await get(file, { headers: { Range: `bytes=${size}-` } });
    assert.equal(past.status, 416);
    await past.arrayBuffer();
  });

  test('rows: row i is base row i % n', async () => {
    const split = { dataset: L, config: 'default', split: 'train' };
    const page = await viewer('rows', { ...split, offset: 1234, length: 7 });
    assert.equal(page.body.num_rows_total, 400 * LINES.length);
    page.body.rows.forEach((item, k) => {
      assert.equal(item.row_idx, 1234 + k);
      assert.deepEqual(stripNulls(item.row), stripNulls(LINES[(1234 + k) % LINES.length]));
    });
    const s = await viewer('size', { dataset: L });
    assert.equal(s.body.size.dataset.num_rows, 2000);
    assert.equal(s.body.size.dataset.num_bytes_original_files, size);
    const f = await viewer('filter', { ...split, where: `"repo"='python/mypy'`, length: 3 });
    assert.equal(f.body.num_rows_total, 800);
    assert.deepEqual(f.body.rows.map((r) => r.row_idx), [2, 4, 7]);
    const q = await viewer('search', { ...split, query: 'pandas-dev__pandas-51401', offset: 399, length: 5 });
    assert.equal(q.body.num_rows_total, 400);
    assert.deepEqual(q.body.rows.map((r) => r.row_idx), [1996]);
  });
});
