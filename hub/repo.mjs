// Dataset repositories on disk, as the local Hub sees them.
//
// Layout: <root>/<owner>/<name>/<config>/<split>/<files> (.jsonl, .json, .parquet; any other file
// is served by the Hub routes but ignored by the viewer), plus an optional
// <root>/<owner>/<name>/dataset.json with options (never part of the repository itself):
//
//   {
//     "gated": true,                  // every route answers 401 without `Authorization: Bearer <token>`
//     "private": true,                // same, but the Hub answers like for a missing repository
//     "pending_first_calls": 3,       // the first N viewer calls answer 500 ResponseNotReady
//     "sha": "<40 hex>",              // the repository's commit sha (default: derived from the listing)
//     "lastModified": "<ISO date>",   // default: newest file mtime
//     "repeat": {                     // a virtual file: `file` (relative to this dataset's directory)
//       "path": "default/train/train.jsonl",   // repeated `times` times, exposed at `path`;
//       "file": "../other/cfg/split/0000.jsonl",// never written to disk, ranges served by arithmetic
//       "times": 400
//     }
//   }
//
// `repeat` may also be a list of such objects. A dataset is rescanned on every request (cheap:
// a few directory reads), so tests may create datasets while the server runs; content hashes are
// cached by (path, size, mtime).
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';

export const DATA_EXTENSIONS = ['.jsonl', '.json', '.parquet'];
export const PARQUET_REVISION = 'refs/convert/parquet';
const LFS_THRESHOLD = 10 * 1024 * 1024; // the Hub stores big files (and binary ones) in LFS/Xet
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const CHUNK = 1024 * 1024;

export class RepoError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code; // 'RepoNotFound' | 'EntryNotFound'
  }
}

export function isValidName(name) {
  return typeof name === 'string' && NAME_RE.test(name) && name !== '.' && name !== '..' && !name.includes('..');
}

/** Lists every dataset id (`owner/name`) under the root. */
export function listDatasets(root) {
  const ids = [];
  for (const owner of safeReaddir(root)) {
    if (!owner.isDirectory() || !isValidName(owner.name)) continue;
    for (const name of safeReaddir(path.join(root, owner.name))) {
      if (name.isDirectory() && isValidName(name.name)) ids.push(`${owner.name}/${name.name}`);
    }
  }
  return ids.sort();
}

/**
 * Loads a dataset's listing. Throws RepoError('RepoNotFound') when it does not exist.
 * Returns { id, owner, name, dir, options, files, splits, sha, lastModified } where files are
 * sorted by path and splits is a Map config -> Map split -> files (data files only).
 */
export function loadDataset(root, owner, name) {
  if (!isValidName(owner) || !isValidName(name)) throw new RepoError('RepoNotFound', 'Repository not found');
  const dir = path.join(root, owner, name);
  let st;
  try {
    st = fs.statSync(dir);
  } catch {
    throw new RepoError('RepoNotFound', 'Repository not found');
  }
  if (!st.isDirectory()) throw new RepoError('RepoNotFound', 'Repository not found');
  const options = readOptions(dir);
  const files = [];
  walk(dir, '', files);
  for (const spec of [options.repeat].flat().filter(Boolean)) files.push(virtualFile(dir, spec));
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  const splits = new Map();
  for (const f of files) {
    const parts = f.path.split('/');
    if (parts.length < 3 || !DATA_EXTENSIONS.includes(path.extname(f.path).toLowerCase())) continue;
    const [config, split] = parts;
    if (!splits.has(config)) splits.set(config, new Map());
    const bySplit = splits.get(config);
    if (!bySplit.has(split)) bySplit.set(split, []);
    bySplit.get(split).push(f);
  }
  const sha =
    typeof options.sha === 'string' && /^[0-9a-f]{40}$/.test(options.sha)
      ? options.sha
      : sha1(JSON.stringify([`${owner}/${name}`, files.map((f) => [f.path, f.size])]));
  const newest = files.reduce((m, f) => Math.max(m, f.mtimeMs), st.mtimeMs);
  const lastModified = options.lastModified || new Date(Math.floor(newest / 1000) * 1000).toISOString();
  return { id: `${owner}/${name}`, owner, name, dir, options, files, splits, sha, lastModified };
}

/** Parquet files of a split, in order (the n-th is `NNNN.parquet` on refs/convert/parquet). */
export function parquetFiles(ds, config, split) {
  return (ds.splits.get(config)?.get(split) || []).filter((f) => f.path.toLowerCase().endsWith('.parquet'));
}

/** Every (config, split, files) of a dataset that has parquet files, in order. */
export function parquetSplits(ds) {
  const out = [];
  for (const [config, bySplit] of ds.splits) {
    for (const [split] of bySplit) {
      const files = parquetFiles(ds, config, split);
      if (files.length) out.push({ config, split, files });
    }
  }
  return out;
}

export function convertedName(n) {
  return `${String(n).padStart(4, '0')}.parquet`;
}

/**
 * The files visible at a revision: `refs/convert/parquet` shows the converted layout
 * (config/split/NNNN.parquet, parquet splits only); every other revision shows the files.
 */
export function filesAtRevision(ds, rev) {
  if (rev !== PARQUET_REVISION) return ds.files;
  const out = [];
  for (const { config, split, files } of parquetSplits(ds)) {
    files.forEach((f, n) => out.push({ ...f, path: `${config}/${split}/${convertedName(n)}` }));
  }
  return out;
}

export function findFile(ds, rev, filePath) {
  const f = filesAtRevision(ds, rev).find((x) => x.path === filePath);
  if (!f) throw new RepoError('EntryNotFound', 'Entry not found');
  return f;
}

export function isLfs(f) {
  return f.path.toLowerCase().endsWith('.parquet') || f.size >= LFS_THRESHOLD;
}

/** { oid (git blob sha1), sha256 } of a file, cached by (abs path, size, mtime). */
const hashCache = new Map();
export async function fileHashes(f) {
  const key = f.virtual ? `virtual:${f.virtual.abs}:${f.virtual.times}:${f.mtimeMs}` : `${f.abs}:${f.size}:${f.mtimeMs}`;
  if (hashCache.has(key)) return hashCache.get(key);
  let result;
  if (f.virtual) {
    // Hashing ~100 MB per start would be slow for nothing: derive stable ids from the base file.
    const base = await fileHashes({ abs: f.virtual.abs, size: f.virtual.baseSize, mtimeMs: f.mtimeMs });
    result = {
      oid: sha1(`repeat:${base.oid}:${f.virtual.times}`),
      sha256: crypto.createHash('sha256').update(`repeat:${base.sha256}:${f.virtual.times}`).digest('hex'),
    };
  } else {
    const git = crypto.createHash('sha1').update(`blob ${f.size}\0`);
    const s256 = crypto.createHash('sha256');
    for await (const chunk of fs.createReadStream(f.abs)) {
      git.update(chunk);
      s256.update(chunk);
    }
    result = { oid: git.digest('hex'), sha256: s256.digest('hex') };
  }
  hashCache.set(key, result);
  return result;
}

/** The ETag the Hub sends: the git blob id for regular files, the sha256 for LFS files. */
export async function etagOf(f) {
  const h = await fileHashes(f);
  return `"${isLfs(f) ? h.sha256 : h.oid}"`;
}

/** Streams bytes [start, end] (inclusive) of a file, real or virtual, as Buffers. */
export async function* readRange(f, start, end) {
  if (end < start) return;
  if (!f.virtual) {
    for await (const chunk of fs.createReadStream(f.abs, { start, end, highWaterMark: CHUNK })) yield chunk;
    return;
  }
  const base = await readWhole(f.virtual.abs);
  const n = base.length;
  let pos = start;
  while (pos <= end) {
    const off = pos % n;
    const take = Math.min(n - off, end - pos + 1, CHUNK);
    yield base.subarray(off, off + take);
    pos += take;
  }
}

/** The whole content of a real file (cached; only used for small base files and parsing). */
const wholeCache = new Map();
export async function readWhole(abs) {
  const st = await fsp.stat(abs);
  const key = `${abs}:${st.size}:${st.mtimeMs}`;
  if (!wholeCache.has(key)) wholeCache.set(key, await fsp.readFile(abs));
  return wholeCache.get(key);
}

export function sha1(s) {
  return crypto.createHash('sha1').update(s).digest('hex');
}

function readOptions(dir) {
  const p = path.join(dir, 'dataset.json');
  if (!fs.existsSync(p)) return {};
  try {
    const o = JSON.parse(fs.readFileSync(p, 'utf8'));
    return o && typeof o === 'object' && !Array.isArray(o) ? o : {};
  } catch (e) {
    throw new Error(`${p}: ${e.message}`);
  }
}

function walk(dir, rel, out) {
  for (const ent of safeReaddir(path.join(dir, rel))) {
    if (ent.name.startsWith('.')) continue;
    const r = rel ? `${rel}/${ent.name}` : ent.name;
    if (ent.isDirectory()) walk(dir, r, out);
    else if (ent.isFile() && r !== 'dataset.json') {
      const st = fs.statSync(path.join(dir, r));
      out.push({ path: r, abs: path.join(dir, r), size: st.size, mtimeMs: st.mtimeMs });
    }
  }
}

function virtualFile(dir, spec) {
  const rel = spec.path || 'default/train/train.jsonl';
  const times = Number(spec.times);
  if (!spec.file || !Number.isInteger(times) || times < 1) throw new Error(`${dir}/dataset.json: repeat needs file and times >= 1`);
  if (rel.split('/').some((p) => !isValidName(p))) throw new Error(`${dir}/dataset.json: bad repeat path ${rel}`);
  const abs = path.resolve(dir, spec.file);
  const st = fs.statSync(abs);
  if (st.size === 0) throw new Error(`${dir}/dataset.json: repeat file ${spec.file} is empty`);
  return {
    path: rel,
    size: st.size * times,
    mtimeMs: st.mtimeMs,
    virtual: { abs, baseSize: st.size, times },
  };
}

function safeReaddir(p) {
  try {
    return fs.readdirSync(p, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
  } catch {
    return [];
  }
}
