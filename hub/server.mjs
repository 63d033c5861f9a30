#!/usr/bin/env node
// A local Hugging Face Hub + dataset viewer for Trajex's data layer, its tests and offline demos.
//
//   node hub/server.mjs [--root hub/data] [--port 8787] [--host 127.0.0.1] [--max-age 120]
//
// Port 0 picks a free port; on start one line `hub: listening on http://HOST:PORT` goes to stdout.
// Importable: `const hub = await startHub({ root, port, host }); hub.url; await hub.close();`.
// Binds to loopback addresses only. Serves, from <root>/<owner>/<name>/<config>/<split>/<files>
// (see repo.mjs), the same URL shapes, JSON shapes, headers and CORS as the real services:
//
// Hub (endpoint = http://HOST:PORT):
//   GET  /api/datasets[?author=&search=]                 list
//   GET  /api/datasets/{owner}/{name}[/revision/{rev}]    repository info with siblings
//   GET  /api/datasets/{id}/tree/{rev}[/{path}][?recursive=true]
//   GET  /api/datasets/{id}/parquet[/{config}[/{split}]]  parquet URLs per config/split
//   GET  /api/datasets/{id}/parquet/{config}/{split}/{n}.parquet   the n-th parquet file
//   GET|HEAD /datasets/{owner}/{name}/resolve/{rev}/{path}  file bytes (single Range, ETag)
//   GET|HEAD /{owner}/{name}/resolve/{rev}/{path}           a model's file (models.mjs)
// Dataset viewer (viewer_endpoint = http://HOST:PORT/viewer):
//   /is-valid /splits /info /size /first-rows /rows /search /filter /parquet
// Test control (not part of Hugging Face): /__control/... (see control.mjs).
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  PARQUET_REVISION,
  RepoError,
  convertedName,
  etagOf,
  fileHashes,
  filesAtRevision,
  findFile,
  isLfs,
  listDatasets,
  loadDataset,
  parquetSplits,
  readRange,
  sha1,
} from './repo.mjs';
import { SplitError, firstRowsResponse, loadSplit } from './rows.mjs';
import { QueryError, compileOrderBy, compileWhere, matchesQuery } from './query.mjs';
import { DEFAULT_MODELS, findModelFile, parseModelPath } from './models.mjs';
import { Control, rateLimitHeaders, writeResponse } from './control.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DEFAULT_ROOT = path.join(HERE, 'data');
const ROWS_PER_PAGE = 100;

const EXPOSED_HEADERS = [
  'X-Error-Code',
  'X-Error-Message',
  'X-Revision',
  'X-Repo-Commit',
  'Content-Range',
  'Content-Length',
  'Accept-Ranges',
  'ETag',
  'Link',
  'RateLimit',
  'RateLimit-Policy',
  'Retry-After',
].join(', ');

const CONTENT_TYPES = {
  '.parquet': 'application/octet-stream',
  '.json': 'application/json; charset=utf-8',
  '.jsonl': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

class HttpError extends Error {
  constructor(status, code, message, headers = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

/** Starts the server; resolves to { url, port, host, control, close() }. */
export async function startHub({ root = DEFAULT_ROOT, port = 8787, host = '127.0.0.1', maxAge = 120, models = DEFAULT_MODELS } = {}) {
  if (!isLoopback(host)) throw new Error(`hub: refusing to bind to ${host}: loopback addresses only`);
  const state = { root: path.resolve(root), control: new Control(), pending: new Map(), maxAge, models };
  const server = http.createServer((req, res) => {
    handle(state, req, res).catch((e) => {
      if (!res.headersSent) {
        res.writeHead(500, { ...corsHeaders(), 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ error: String(e && e.message) }));
      } else {
        res.destroy();
      }
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const addr = server.address();
  const url = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
  return {
    url,
    port: addr.port,
    host: addr.address,
    control: state.control,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function isLoopback(host) {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function corsHeaders() {
  return { 'Access-Control-Allow-Origin': '*', 'Access-Control-Expose-Headers': EXPOSED_HEADERS };
}

// ---------------------------------------------------------------------------------------------
// Dispatch

async function handle(state, req, res) {
  const url = new URL(req.url, 'http://local');
  const raw = url.pathname.split('/').slice(1);
  if (raw[raw.length - 1] === '' && raw.length > 1) raw.pop();
  const isControl = raw[0] === '__control';

  if (req.method === 'OPTIONS') {
    const entry = isControl ? null : state.control.begin(req);
    if (entry) trackClose(entry, res);
    const h = {
      ...corsHeaders(),
      'Access-Control-Allow-Methods': isControl ? 'GET, HEAD, POST, DELETE, OPTIONS' : 'GET, HEAD, OPTIONS',
      'Access-Control-Allow-Headers': '*, Authorization, Range, Content-Type',
      'Access-Control-Max-Age': '600',
      'Content-Length': '0',
    };
    if (entry) entry.status = 204;
    res.writeHead(204, h);
    res.end();
    return;
  }
  if (isControl) return handleControl(state, req, res, raw);

  const entry = state.control.begin(req);
  trackClose(entry, res);
  const ctx = { req, res, entry, fault: null, url, state };
  const { fault: rule, etag: newVersion } = state.control.take(req.method, url.pathname + url.search);
  ctx.etag = newVersion ? newVersion.etag : null;
  if (rule) {
    entry.fault = rule.kind;
    if (rule.kind === 'status') return sendFault(ctx, rule);
    ctx.fault = rule;
  }
  try {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, null, 'Method not allowed');
    const segs = raw.map(decodeSegment);
    if (segs[0] === 'viewer') return await handleViewer(ctx, segs[1] || '');
    if (segs[0] === 'api' && segs[1] === 'datasets') return await handleApi(ctx, raw.slice(2));
    if (segs[0] === 'datasets' && segs[3] === 'resolve') return await handleResolve(ctx, raw);
    if (parseModelPath(segs)) return await handleModelResolve(ctx, parseModelPath(segs));
    if (url.pathname === '/') {
      return sendJson(ctx, 200, { hub: 'trajex local hub', datasets: listDatasets(state.root) });
    }
    throw new HttpError(404, null, 'Not Found');
  } catch (e) {
    if (e instanceof HttpError) return sendError(ctx, e.status, e.code, e.message, e.headers);
    if (e instanceof RepoError) return sendError(ctx, 404, e.code, e.message);
    throw e;
  }
}

function decodeSegment(s) {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new HttpError(400, null, 'Bad request');
  }
}

function trackClose(entry, res) {
  res.on('close', () => {
    entry.done = true;
    if (!res.writableFinished && !entry.cut) entry.aborted = true;
  });
}

function sendJson(ctx, status, obj, headers = {}) {
  const body = Buffer.from(JSON.stringify(obj));
  return writeResponse(ctx, status, {
    ...corsHeaders(),
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(body.length),
    ...headers,
  }, body);
}

function sendError(ctx, status, code, message, headers = {}) {
  const h = { ...headers };
  if (code) h['X-Error-Code'] = code;
  if (message && /^[\x20-\x7e]*$/.test(message)) h['X-Error-Message'] = message;
  return sendJson(ctx, status, { error: message }, h);
}

function sendFault(ctx, rule) {
  const headers = { 'Cache-Control': 'no-store' };
  let message = rule.message;
  if (rule.status === 429) {
    Object.assign(headers, rateLimitHeaders(rule, ctx.url.pathname));
    message ??= 'You have exceeded our rate limit of requests per 5 minutes. Please retry later.';
  }
  if (rule.error_code === 'ResponseNotReady') {
    message ??= 'The server is busier than usual and the response is not ready yet. Please retry later.';
  }
  message ??= { 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' }[rule.status] || 'Error';
  return sendError(ctx, rule.status, rule.error_code || null, message, headers);
}

// ---------------------------------------------------------------------------------------------
// Control API

async function handleControl(state, req, res, raw) {
  const what = raw[1] || '';
  const send = (status, obj) => {
    const body = JSON.stringify(obj);
    res.writeHead(status, {
      ...corsHeaders(),
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(body)),
      'Cache-Control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  const c = state.control;
  try {
    if (what === 'faults' && req.method === 'POST') return send(200, c.addRules(JSON.parse(await readBody(req))));
    if (what === 'faults' && (req.method === 'GET' || req.method === 'HEAD')) return send(200, c.rules);
    if (what === 'faults' && req.method === 'DELETE') {
      c.clearRules();
      return send(200, []);
    }
    if (what === 'requests' && (req.method === 'GET' || req.method === 'HEAD')) return send(200, c.log);
    if (what === 'requests' && req.method === 'DELETE') {
      c.log = [];
      return send(200, []);
    }
    if (what === 'reset' && req.method === 'POST') {
      c.clearRules();
      c.log = [];
      state.pending.clear();
      return send(200, { ok: true });
    }
    return send(404, { error: 'unknown control endpoint' });
  } catch (e) {
    return send(400, { error: e.message });
  }
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

// ---------------------------------------------------------------------------------------------
// Hub API

function hasToken(req) {
  const m = /^Bearer\s+(\S+)/i.exec(req.headers.authorization || '');
  return Boolean(m);
}

/** Loads a dataset for a Hub route, enforcing gated/private access. */
function hubDataset(ctx, owner, name) {
  const ds = loadDataset(ctx.state.root, owner, name);
  if ((ds.options.gated || ds.options.private) && !hasToken(ctx.req)) {
    if (ds.options.private) throw new HttpError(401, 'RepoNotFound', 'Repository not found');
    throw new HttpError(
      401,
      'GatedRepo',
      `Access to dataset ${ds.id} is restricted. You must have access to it and be authenticated to access it. Please log in.`,
    );
  }
  return ds;
}

function baseUrl(ctx) {
  const host = ctx.req.headers.host;
  return host && /^[A-Za-z0-9.\-:[\]]+$/.test(host) ? `http://${host}` : `http://${ctx.req.socket.localAddress}:${ctx.req.socket.localPort}`;
}

function encodePath(p) {
  return p.split('/').map(encodeURIComponent).join('/');
}

async function handleApi(ctx, raw) {
  const segs = raw.map(decodeSegment);
  if (segs.length === 0) return apiList(ctx);
  if (segs.length < 2) throw new HttpError(404, 'RepoNotFound', 'Repository not found');
  const [owner, name, kind] = segs;
  const ds = hubDataset(ctx, owner, name);
  if (segs.length === 2) return apiInfo(ctx, ds, 'main');
  if (kind === 'parquet') return apiParquet(ctx, ds, segs.slice(3));
  if (kind !== 'revision' && kind !== 'tree') throw new HttpError(404, null, 'Not Found');
  const { rev, rest } = revisionAndRest(raw.slice(3));
  if (kind === 'revision' && rest.length === 0) return apiInfo(ctx, ds, rev);
  if (kind === 'tree') return apiTree(ctx, ds, rev, rest.join('/'));
  throw new HttpError(404, null, 'Not Found');
}

/** The revision segment (`refs%2Fconvert%2Fparquet` or, leniently, `refs/convert/parquet`). */
function revisionAndRest(raw) {
  if (raw[0] === 'refs' && raw[1] === 'convert' && raw[2] === 'parquet') {
    return { rev: PARQUET_REVISION, rest: raw.slice(3).map(decodeSegment) };
  }
  if (raw.length === 0) throw new HttpError(404, null, 'Not Found');
  return { rev: decodeSegment(raw[0]), rest: raw.slice(1).map(decodeSegment) };
}

function apiList(ctx) {
  const author = ctx.url.searchParams.get('author');
  const search = (ctx.url.searchParams.get('search') || '').toLowerCase();
  const out = [];
  for (const id of listDatasets(ctx.state.root)) {
    if (author && !id.startsWith(`${author}/`)) continue;
    if (search && !id.toLowerCase().includes(search)) continue;
    let ds;
    try {
      ds = loadDataset(ctx.state.root, ...id.split('/'));
    } catch {
      continue;
    }
    if (ds.options.private && !hasToken(ctx.req)) continue;
    out.push(summary(ds));
  }
  return sendJson(ctx, 200, out);
}

function summary(ds) {
  return {
    _id: ds.sha.slice(0, 24),
    id: ds.id,
    author: ds.owner,
    sha: ds.sha,
    lastModified: ds.lastModified,
    private: Boolean(ds.options.private),
    gated: ds.options.gated ? 'auto' : false,
    disabled: false,
    downloads: 0,
    likes: 0,
    tags: [],
    createdAt: ds.lastModified,
  };
}

function revisionSha(ds, rev) {
  return rev === PARQUET_REVISION ? sha1(`${ds.sha}:${PARQUET_REVISION}`) : ds.sha;
}

async function apiInfo(ctx, ds, rev) {
  const files = filesAtRevision(ds, rev);
  const configs = [...ds.splits].map(([config, bySplit]) => ({
    config_name: config,
    data_files: [...bySplit].map(([split, fs]) => ({ split, path: dataFilesGlob(config, split, fs) })),
  }));
  const info = {
    ...summary(ds),
    sha: revisionSha(ds, rev),
    cardData: { configs },
    siblings: files.map((f) => ({ rfilename: f.path })),
    usedStorage: ds.files.reduce((n, f) => n + f.size, 0),
  };
  return sendJson(ctx, 200, info);
}

function dataFilesGlob(config, split, files) {
  const exts = [...new Set(files.map((f) => path.extname(f.path)))];
  return exts.length === 1 ? `${config}/${split}/*${exts[0]}` : `${config}/${split}/*`;
}

async function apiTree(ctx, ds, rev, dirPath) {
  const recursive = ['true', '1'].includes(ctx.url.searchParams.get('recursive') || '');
  const files = filesAtRevision(ds, rev);
  const prefix = dirPath ? `${dirPath}/` : '';
  if (dirPath && !files.some((f) => f.path.startsWith(prefix))) {
    throw new HttpError(404, 'EntryNotFound', `Entry not found: ${dirPath}`);
  }
  const dirs = new Set();
  const entries = [];
  for (const f of files) {
    if (!f.path.startsWith(prefix)) continue;
    const rel = f.path.slice(prefix.length).split('/');
    for (let i = 1; i < rel.length; i++) {
      if (!recursive && i > 1) break;
      const d = prefix + rel.slice(0, i).join('/');
      if (!dirs.has(d)) {
        dirs.add(d);
        entries.push({ type: 'directory', oid: sha1(`tree:${revisionSha(ds, rev)}:${d}`), size: 0, path: d });
      }
    }
    if (!recursive && rel.length > 1) continue;
    const h = await fileHashes(f);
    const entry = { type: 'file', oid: h.oid, size: f.size, path: f.path };
    if (isLfs(f)) entry.lfs = { oid: h.sha256, size: f.size, pointerSize: 134 };
    entries.push(entry);
  }
  return sendJson(ctx, 200, entries);
}

async function apiParquet(ctx, ds, rest) {
  const base = `${baseUrl(ctx)}/api/datasets/${encodePath(ds.id)}/parquet`;
  const urls = (config, split, files) => files.map((_, n) => `${base}/${encodeURIComponent(config)}/${encodeURIComponent(split)}/${n}.parquet`);
  const all = parquetSplits(ds);
  if (rest.length === 0) {
    const out = {};
    for (const { config, split, files } of all) (out[config] ??= {})[split] = urls(config, split, files);
    return sendJson(ctx, 200, out);
  }
  const [config, split, file] = rest;
  const inConfig = all.filter((s) => s.config === config);
  if (!inConfig.length) throw new HttpError(404, null, `Config '${config}' not found or has no parquet files`);
  if (rest.length === 1) {
    const out = {};
    for (const s of inConfig) out[s.split] = urls(s.config, s.split, s.files);
    return sendJson(ctx, 200, out);
  }
  const s = inConfig.find((x) => x.split === split);
  if (!s) throw new HttpError(404, null, `Split '${split}' not found or has no parquet files`);
  if (rest.length === 2) return sendJson(ctx, 200, urls(config, split, s.files));
  const m = rest.length === 3 ? /^(\d+)\.parquet$/.exec(file) : null;
  const f = m && s.files[Number(m[1])];
  if (!f) throw new HttpError(404, 'EntryNotFound', 'Entry not found');
  return sendFile(ctx, ds, { ...f, path: `${config}/${split}/${convertedName(Number(m[1]))}` });
}

// ---------------------------------------------------------------------------------------------
// Files

async function handleResolve(ctx, raw) {
  const owner = decodeSegment(raw[1]);
  const name = decodeSegment(raw[2]);
  const ds = hubDataset(ctx, owner, name);
  const { rev, rest } = revisionAndRest(raw.slice(4));
  if (!rest.length) throw new HttpError(404, 'EntryNotFound', 'Entry not found');
  const f = findFile(ds, rev, rest.join('/'));
  return sendFile(ctx, ds, f, revisionSha(ds, rev));
}

/** A model repo's file (models.mjs): 404 `RepositoryNotFound` or `EntryNotFound` as the Hub says. */
async function handleModelResolve(ctx, { id, file }) {
  if (!ctx.state.models[id]) throw new HttpError(404, 'RepositoryNotFound', 'Repository not found');
  const f = findModelFile(ctx.state.models, id, file);
  if (!f) throw new HttpError(404, 'EntryNotFound', 'Entry not found');
  const sha = sha1(`model:${id}`);
  return sendFile(ctx, { sha }, f, sha);
}

/** Serves a file with ETag, Accept-Ranges and a single-range 206/416, like the Hub. */
async function sendFile(ctx, ds, f, commit = ds.sha) {
  const size = f.size;
  // An etag rule serves the file as a new version (same bytes, another ETag).
  const etag = ctx.etag || (await etagOf(f));
  const base = {
    ...corsHeaders(),
    'Content-Type': CONTENT_TYPES[path.extname(f.path).toLowerCase()] || 'application/octet-stream',
    'Accept-Ranges': 'bytes',
    ETag: etag,
    'X-Repo-Commit': commit,
    'Content-Disposition': `inline; filename*=UTF-8''${encodeURIComponent(path.basename(f.path))}; filename="${path.basename(f.path).replace(/"/g, '')}";`,
  };
  const inm = ctx.req.headers['if-none-match'];
  if (inm && inm.split(',').map((s) => s.trim().replace(/^W\//, '')).includes(etag)) {
    return writeResponse(ctx, 304, base, null);
  }
  // If-Range (RFC 9110 13.1.5): a range is served only while the validator still matches.
  const ifRange = ctx.req.headers['if-range'];
  const range = ifRange && ifRange.trim() !== etag ? null : parseRange(ctx.req.headers.range, size);
  if (range === 'unsatisfiable') {
    return writeResponse(ctx, 416, { ...base, 'Content-Range': `bytes */${size}`, 'Content-Length': '0' }, null);
  }
  if (range) {
    const [a, b] = range;
    return writeResponse(
      ctx,
      206,
      { ...base, 'Content-Range': `bytes ${a}-${b}/${size}`, 'Content-Length': String(b - a + 1) },
      readRange(f, a, b),
    );
  }
  return writeResponse(ctx, 200, { ...base, 'Content-Length': String(size) }, size ? readRange(f, 0, size - 1) : null);
}

/** A single `bytes=` range -> [first, last] clamped; 'unsatisfiable'; or null (serve it all). */
export function parseRange(header, size) {
  if (!header) return null;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m || (m[1] === '' && m[2] === '')) return null; // multiple or malformed ranges: ignored
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0 || size === 0) return 'unsatisfiable';
    return [Math.max(0, size - n), size - 1];
  }
  const a = Number(m[1]);
  const b = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < a) return null;
  if (a >= size) return 'unsatisfiable';
  return [a, b];
}

// ---------------------------------------------------------------------------------------------
// Dataset viewer

const VIEWER_ROUTES = {
  'is-valid': { params: ['dataset'], run: viewerIsValid },
  splits: { params: ['dataset'], run: viewerSplits },
  info: { params: ['dataset'], run: viewerInfo },
  size: { params: ['dataset'], run: viewerSize },
  parquet: { params: ['dataset'], run: viewerParquet },
  'first-rows': { params: ['dataset', 'config', 'split'], run: viewerFirstRows },
  rows: { params: ['dataset', 'config', 'split'], paging: true, run: viewerRows },
  search: { params: ['dataset', 'config', 'split', 'query'], paging: true, run: viewerSearch },
  filter: { params: ['dataset', 'config', 'split'], paging: true, run: viewerFilter },
};

async function handleViewer(ctx, endpoint) {
  const route = VIEWER_ROUTES[endpoint];
  if (!route) throw new HttpError(404, null, 'Not Found');
  const q = ctx.url.searchParams;
  const p = {};
  let revision;
  try {
    for (const name of route.params) {
      const v = q.get(name);
      if (!v || !v.trim()) throw new HttpError(422, 'MissingRequiredParameter', `Parameter '${name}' is required`);
      p[name] = v;
    }
    for (const name of ['config', 'split', 'where', 'orderby']) if (!(name in p) && q.get(name)) p[name] = q.get(name);
    if (route.paging) {
      p.offset = intParam(q, 'offset', 0);
      p.length = intParam(q, 'length', ROWS_PER_PAGE);
      if (p.length > ROWS_PER_PAGE) throw new HttpError(422, 'InvalidParameter', `Parameter 'length' must not be greater than ${ROWS_PER_PAGE}`);
    }
    const [owner, name, ...more] = p.dataset.split('/');
    let ds;
    try {
      if (more.length || !name) throw new RepoError('RepoNotFound', 'not found');
      ds = loadDataset(ctx.state.root, owner, name);
    } catch (e) {
      if (!(e instanceof RepoError)) throw e;
      throw new HttpError(404, 'ResponseNotFound', 'Not found.');
    }
    if ((ds.options.gated || ds.options.private) && !hasToken(ctx.req)) {
      throw new HttpError(
        401,
        'ExternalUnauthenticatedError',
        'The dataset does not exist, or is not accessible without authentication (private or gated). Please check the spelling of the dataset name or retry with authentication.',
      );
    }
    revision = ds.sha;
    const pendingCalls = Number(ds.options.pending_first_calls) || 0;
    const calls = ctx.state.pending.get(ds.id) || 0;
    if (calls < pendingCalls) {
      ctx.state.pending.set(ds.id, calls + 1);
      if (endpoint === 'is-valid') {
        return viewerOk(ctx, { viewer: false, preview: false, search: false, filter: false, statistics: false }, revision);
      }
      throw new HttpError(500, 'ResponseNotReady', 'The server is busier than usual and the response is not ready yet. Please retry later.');
    }
    if (p.config && !ds.splits.has(p.config)) throw new HttpError(404, 'ResponseNotFound', 'Not found.');
    if (p.split && !ds.splits.get(p.config).has(p.split)) throw new HttpError(404, 'ResponseNotFound', 'Not found.');
    const body = await route.run(ctx, ds, p);
    return viewerOk(ctx, body, revision);
  } catch (e) {
    let err = e;
    if (e instanceof QueryError) err = new HttpError(422, 'InvalidParameter', e.message);
    else if (e instanceof SplitError) err = new HttpError(500, e.code, e.message);
    if (!(err instanceof HttpError)) throw e;
    const headers = { 'Cache-Control': 'no-store' };
    if (revision) headers['X-Revision'] = revision;
    return sendError(ctx, err.status, err.code, err.message, headers);
  }
}

function viewerOk(ctx, body, revision) {
  const age = ctx.state.maxAge;
  return sendJson(ctx, 200, body, { 'Cache-Control': age > 0 ? `max-age=${age}` : 'no-store', 'X-Revision': revision });
}

function intParam(q, name, dflt) {
  const raw = q.get(name);
  if (raw === null || raw === '') return dflt;
  if (!/^-?\d+$/.test(raw.trim())) throw new HttpError(422, 'InvalidParameter', `Parameter '${name}' must be integer`);
  const n = Number(raw);
  if (n < 0) throw new HttpError(422, 'InvalidParameter', `Parameter '${name}' must be positive`);
  return n;
}

function splitList(ds, config) {
  const out = [];
  for (const [c, bySplit] of ds.splits) {
    if (config && c !== config) continue;
    for (const [s] of bySplit) out.push({ dataset: ds.id, config: c, split: s });
  }
  return out;
}

function splitData(ds, config, split) {
  return loadSplit(ds.splits.get(config).get(split));
}

async function viewerIsValid(ctx, ds) {
  const ok = ds.splits.size > 0;
  return { viewer: ok, preview: ok, search: ok, filter: ok, statistics: false };
}

async function viewerSplits(ctx, ds, p) {
  return { splits: splitList(ds, p.config), pending: [], failed: [] };
}

async function configInfo(ds, config) {
  const splits = {};
  let features = {};
  let download = 0;
  let size = 0;
  for (const [split, files] of ds.splits.get(config)) {
    const d = await loadSplit(files);
    features = d.features;
    splits[split] = { name: split, num_bytes: d.numBytesMemory, num_examples: d.numRows, dataset_name: ds.name };
    download += d.numBytesOriginal;
    size += d.numBytesMemory;
  }
  const isParquet = [...ds.splits.get(config).values()].flat().every((f) => f.path.endsWith('.parquet'));
  return {
    description: '',
    citation: '',
    homepage: '',
    license: '',
    features,
    builder_name: isParquet ? 'parquet' : 'json',
    dataset_name: ds.name,
    config_name: config,
    version: { version_str: '0.0.0', major: 0, minor: 0, patch: 0 },
    splits,
    download_size: download,
    dataset_size: size,
  };
}

async function viewerInfo(ctx, ds, p) {
  if (p.config) return { dataset_info: await configInfo(ds, p.config), partial: false };
  const info = {};
  for (const config of ds.splits.keys()) info[config] = await configInfo(ds, config);
  return { dataset_info: info, pending: [], failed: [], partial: false };
}

async function viewerSize(ctx, ds, p) {
  const configs = [];
  const splits = [];
  for (const [config, bySplit] of ds.splits) {
    if (p.config && config !== p.config) continue;
    const c = { dataset: ds.id, config, num_bytes_original_files: 0, num_bytes_parquet_files: 0, num_bytes_memory: 0, num_rows: 0, num_columns: 0 };
    for (const [split, files] of bySplit) {
      const d = await loadSplit(files);
      splits.push({ dataset: ds.id, config, split, num_bytes_parquet_files: d.numBytesParquet, num_bytes_memory: d.numBytesMemory, num_rows: d.numRows, num_columns: d.numColumns });
      c.num_bytes_original_files += d.numBytesOriginal;
      c.num_bytes_parquet_files += d.numBytesParquet;
      c.num_bytes_memory += d.numBytesMemory;
      c.num_rows += d.numRows;
      c.num_columns = Math.max(c.num_columns, d.numColumns);
    }
    configs.push(c);
  }
  const sum = (k) => configs.reduce((n, c) => n + c[k], 0);
  if (p.config) return { size: { config: configs[0], splits }, partial: false };
  return {
    size: {
      dataset: {
        dataset: ds.id,
        num_bytes_original_files: sum('num_bytes_original_files'),
        num_bytes_parquet_files: sum('num_bytes_parquet_files'),
        num_bytes_memory: sum('num_bytes_memory'),
        num_rows: sum('num_rows'),
      },
      configs,
      splits,
    },
    pending: [],
    failed: [],
    partial: false,
  };
}

async function viewerParquet(ctx, ds, p) {
  const files = [];
  for (const { config, split, files: fs } of parquetSplits(ds)) {
    if (p.config && config !== p.config) continue;
    fs.forEach((f, n) => {
      const filename = convertedName(n);
      files.push({
        dataset: ds.id,
        config,
        split,
        url: `${baseUrl(ctx)}/datasets/${encodePath(ds.id)}/resolve/${encodeURIComponent(PARQUET_REVISION)}/${encodeURIComponent(config)}/${encodeURIComponent(split)}/${filename}`,
        filename,
        size: f.size,
      });
    });
  }
  return { parquet_files: files, pending: [], failed: [], partial: false };
}

async function viewerFirstRows(ctx, ds, p) {
  return firstRowsResponse(ds.id, p.config, p.split, await splitData(ds, p.config, p.split));
}

function page(d, indices, total, offset, length) {
  const rows = [];
  for (let k = offset; k < Math.min(offset + length, total); k++) {
    const i = indices ? indices[k] : k;
    rows.push({ row_idx: i, row: d.row(i), truncated_cells: [] });
  }
  return { features: d.featureList, rows, num_rows_total: total, num_rows_per_page: ROWS_PER_PAGE, partial: false };
}

async function viewerRows(ctx, ds, p) {
  const d = await splitData(ds, p.config, p.split);
  return page(d, null, d.numRows, p.offset, p.length);
}

async function viewerSearch(ctx, ds, p) {
  const d = await splitData(ds, p.config, p.split);
  const hits = [];
  for (let i = 0; i < d.numRows; i++) if (matchesQuery(d.row(i), p.query)) hits.push(i);
  return page(d, hits, hits.length, p.offset, p.length);
}

async function viewerFilter(ctx, ds, p) {
  const d = await splitData(ds, p.config, p.split);
  const pred = p.where ? compileWhere(p.where, d.features) : () => true;
  const order = p.orderby ? compileOrderBy(p.orderby, d.features) : null;
  const hits = [];
  for (let i = 0; i < d.numRows; i++) if (pred(d.row(i))) hits.push(i);
  if (order) hits.sort((a, b) => order(d.row(a), d.row(b)) || a - b);
  return page(d, hits, hits.length, p.offset, p.length);
}

// ---------------------------------------------------------------------------------------------
// Command line

function parseArgs(argv) {
  const o = { root: DEFAULT_ROOT, port: 8787, host: '127.0.0.1', maxAge: 120 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.includes('=') ? a.split(/=(.*)/s) : [a, undefined];
    const val = () => (inline !== undefined ? inline : argv[++i]);
    if (flag === '--root') o.root = val();
    else if (flag === '--port') o.port = Number(val());
    else if (flag === '--host') o.host = val();
    else if (flag === '--max-age') o.maxAge = Number(val());
    else if (flag === '-h' || flag === '--help') {
      console.log('usage: node hub/server.mjs [--root hub/data] [--port 8787] [--host 127.0.0.1] [--max-age 120]');
      process.exit(0);
    } else {
      console.error(`hub: unknown argument ${a}`);
      process.exit(2);
    }
  }
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) {
    console.error('hub: --port must be 0..65535');
    process.exit(2);
  }
  return o;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const opts = parseArgs(process.argv.slice(2));
  startHub(opts).then(
    (hub) => {
      console.log(`hub: listening on ${hub.url}`);
      const stop = () => hub.close().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    },
    (e) => {
      console.error(`hub: ${e.message}`);
      process.exit(1);
    },
  );
}
