// Rows of a split as the dataset viewer sees them: loading (JSONL, JSON, Parquet), features in the
// viewer's style, rows normalized to those features, and the /first-rows truncation.
//
// Like the viewer (which reads the Parquet conversion made by `datasets`), every row carries every
// column and every struct field of the split's schema (missing ones are null), in schema order.
// JSON(L) schemas are inferred from the rows the way pyarrow does (first-appearance field order,
// int + float -> float64, null merges with anything); Parquet schemas are read from the file.
// A JSONL file whose lines are not all objects is read, like `datasets` falls back to, as one JSON
// document: an array of objects gives one row per element (mini-swe-agent's trajectory files).
// Parquet is decoded with hyparquet (+ hyparquet-compressors), loaded only when needed.
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readWhole } from './repo.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));

export class SplitError extends Error {
  constructor(message) {
    super(message);
    this.code = 'DatasetGenerationError';
  }
}

// ---------------------------------------------------------------------------------------------
// Loading

const splitCache = new Map();

/**
 * The data of a split: { features (viewer dict), featureList, numRows, row(i), numBytesMemory,
 * numBytesOriginal }. Virtual repeated files reuse their base rows (row i -> base row i % n).
 * Cached by the files' identities.
 */
export async function loadSplit(files) {
  const key = JSON.stringify(files.map((f) => [f.abs || f.virtual.abs, f.size, f.mtimeMs]));
  if (splitCache.has(key)) return splitCache.get(key);
  const promise = buildSplit(files);
  splitCache.set(key, promise);
  promise.catch(() => splitCache.delete(key));
  return promise;
}

async function buildSplit(files) {
  const parquet = files.filter((f) => f.path.toLowerCase().endsWith('.parquet'));
  const segments = []; // { rows, times }
  let type = NULL_T;
  if (parquet.length) {
    for (const f of parquet) {
      if (f.virtual) throw new SplitError(`virtual parquet files are not supported: ${f.path}`);
      const { rows, rowType } = await readParquet(f.abs);
      type = mergeTypes(type, rowType);
      segments.push({ rows, times: 1 });
    }
  } else {
    for (const f of files) {
      const buf = await readWhole(f.virtual ? f.virtual.abs : f.abs);
      const rows = parseJsonRows(buf.toString('utf8'), f.path);
      for (const r of rows) type = mergeTypes(type, inferType(r));
      segments.push({ rows, times: f.virtual ? f.virtual.times : 1 });
    }
  }
  if (type.k === 'null') type = { k: 'struct', fields: new Map() };
  if (type.k !== 'struct') throw new SplitError('rows are not objects');
  for (const s of segments) s.rows = s.rows.map((r) => normalize(r, type));
  const features = toFeature(type);
  const featureList = Object.entries(features).map(([name, t], feature_idx) => ({ feature_idx, name, type: t }));
  let numRows = 0;
  let numBytesMemory = 0;
  for (const s of segments) {
    s.start = numRows;
    numRows += s.rows.length * s.times;
    numBytesMemory += s.rows.reduce((n, r) => n + Buffer.byteLength(toJson(r)), 0) * s.times;
  }
  const row = (i) => {
    for (const s of segments) {
      const len = s.rows.length * s.times;
      if (i < s.start + len) return s.rows[(i - s.start) % s.rows.length];
    }
    return undefined;
  };
  const numBytesOriginal = files.reduce((n, f) => n + f.size, 0);
  const numBytesParquet = parquet.reduce((n, f) => n + f.size, 0);
  return { features, featureList, numRows, row, numBytesMemory, numBytesOriginal, numBytesParquet, numColumns: featureList.length };
}

/** Rows of a JSONL or JSON text (objects), with the `datasets` fallback for non-object lines. */
export function parseJsonRows(text, name = '') {
  const isJsonl = !name.toLowerCase().endsWith('.json');
  if (isJsonl) {
    const rows = [];
    let ok = true;
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      let v;
      try {
        v = JSON.parse(line);
      } catch {
        ok = false;
        break;
      }
      if (!isPlainObject(v)) {
        ok = false;
        break;
      }
      rows.push(v);
    }
    if (ok) return rows;
  }
  let doc;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    if (!isJsonl) return parseJsonRows(text, `${name}l`);
    throw new SplitError(`${name}: not JSON Lines nor a JSON document (${e.message})`);
  }
  const rows = Array.isArray(doc) ? doc : [doc];
  if (!rows.every(isPlainObject)) throw new SplitError(`${name}: rows must be JSON objects`);
  return rows;
}

let hyparquetPromise;
/** hyparquet and its compressors: from a normal import, else from e2e/node_modules. */
export function hyparquet() {
  if (!hyparquetPromise) {
    hyparquetPromise = (async () => {
      const load = async (name) => {
        try {
          return await import(name);
        } catch {
          const req = createRequire(path.join(HERE, '..', 'e2e', 'package.json'));
          return import(pathToFileURL(req.resolve(name)).href);
        }
      };
      const [hp, hc] = await Promise.all([load('hyparquet'), load('hyparquet-compressors')]);
      return { ...hp, compressors: hc.compressors };
    })();
    hyparquetPromise.catch(() => (hyparquetPromise = undefined));
  }
  return hyparquetPromise;
}

async function readParquet(abs) {
  const hp = await hyparquet();
  const buf = await readWhole(abs);
  const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  let metadata;
  try {
    metadata = hp.parquetMetadata(file);
  } catch (e) {
    throw new SplitError(`${path.basename(abs)}: ${e.message}`);
  }
  const rowType = schemaType(hp.parquetSchema(metadata));
  const rows = (await hp.parquetReadObjects({ file, metadata, compressors: hp.compressors })).map(plainValue);
  return { rows, rowType };
}

/** hyparquet values -> JSON values (BigInt -> number, dates -> ISO strings, bytes -> base64). */
function plainValue(v) {
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (Array.isArray(v)) return v.map(plainValue);
  if (v && typeof v === 'object') {
    const o = {};
    for (const [k, x] of Object.entries(v)) o[k] = plainValue(x);
    return o;
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// Types: { k: 'null' } | { k: 'value', dtype } | { k: 'list', item } | { k: 'struct', fields: Map }
// | { k: 'mixed' } (values of incompatible types: shown as JSON strings)

const NULL_T = { k: 'null' };

export function inferType(v) {
  if (v === null || v === undefined) return NULL_T;
  if (typeof v === 'string') return { k: 'value', dtype: 'string' };
  if (typeof v === 'boolean') return { k: 'value', dtype: 'bool' };
  if (typeof v === 'number') return { k: 'value', dtype: Number.isInteger(v) ? 'int64' : 'float64' };
  if (Array.isArray(v)) return { k: 'list', item: v.reduce((t, x) => mergeTypes(t, inferType(x)), NULL_T) };
  const fields = new Map();
  for (const [name, x] of Object.entries(v)) fields.set(name, inferType(x));
  return { k: 'struct', fields };
}

export function mergeTypes(a, b) {
  if (a.k === 'null') return b;
  if (b.k === 'null') return a;
  if (a.k === 'mixed' || b.k === 'mixed') return { k: 'mixed' };
  if (a.k === 'value' && b.k === 'value') {
    if (a.dtype === b.dtype) return a;
    const nums = ['int8', 'int16', 'int32', 'int64', 'float32', 'float64'];
    if (nums.includes(a.dtype) && nums.includes(b.dtype)) {
      return { k: 'value', dtype: a.dtype.startsWith('float') || b.dtype.startsWith('float') ? 'float64' : 'int64' };
    }
    return { k: 'mixed' };
  }
  if (a.k === 'list' && b.k === 'list') return { k: 'list', item: mergeTypes(a.item, b.item) };
  if (a.k === 'struct' && b.k === 'struct') {
    const fields = new Map(a.fields);
    for (const [name, t] of b.fields) fields.set(name, fields.has(name) ? mergeTypes(fields.get(name), t) : t);
    return { k: 'struct', fields };
  }
  return { k: 'mixed' };
}

/** A hyparquet schema tree -> type. */
function schemaType(node) {
  const e = node.element;
  const ct = e.converted_type;
  const lt = e.logical_type?.type;
  if (node.children.length) {
    if (ct === 'LIST' || lt === 'LIST') {
      const rep = node.children[0];
      const item = rep.children.length === 1 ? rep.children[0] : rep;
      return { k: 'list', item: schemaType(item) };
    }
    if (ct === 'MAP' || ct === 'MAP_KEY_VALUE' || lt === 'MAP') return { k: 'mixed' };
    const fields = new Map();
    for (const c of node.children) {
      const t = schemaType(c);
      fields.set(c.element.name, c.element.repetition_type === 'REPEATED' ? { k: 'list', item: t } : t);
    }
    return { k: 'struct', fields };
  }
  const value = (dtype) => ({ k: 'value', dtype });
  if (lt === 'NULL' || lt === 'UNKNOWN') return NULL_T;
  if (lt === 'STRING' || ct === 'UTF8' || ct === 'ENUM' || ct === 'JSON' || lt === 'JSON') return value('string');
  if (lt === 'TIMESTAMP' || ct === 'TIMESTAMP_MILLIS' || ct === 'TIMESTAMP_MICROS') {
    const unit = e.logical_type?.unit || (ct === 'TIMESTAMP_MILLIS' ? 'MILLIS' : 'MICROS');
    return value(`timestamp[${{ MILLIS: 'ms', MICROS: 'us', NANOS: 'ns' }[unit] || 'us'}]`);
  }
  if (lt === 'DATE' || ct === 'DATE') return value('date32');
  if (lt === 'DECIMAL' || ct === 'DECIMAL') return value('float64');
  const ints = { INT_8: 'int8', INT_16: 'int16', INT_32: 'int32', INT_64: 'int64', UINT_8: 'uint8', UINT_16: 'uint16', UINT_32: 'uint32', UINT_64: 'uint64' };
  if (ints[ct]) return value(ints[ct]);
  if (lt === 'INTEGER') return value(`${e.logical_type.isSigned === false ? 'u' : ''}int${e.logical_type.bitWidth}`);
  switch (e.type) {
    case 'BOOLEAN':
      return value('bool');
    case 'INT32':
      return value('int32');
    case 'INT64':
      return value('int64');
    case 'INT96':
      return value('timestamp[ns]');
    case 'FLOAT':
      return value('float32');
    case 'DOUBLE':
      return value('float64');
    default:
      return value('binary');
  }
}

/** type -> the viewer's feature JSON (datasets 4 style: Value, List, dict for structs). */
export function toFeature(t) {
  switch (t.k) {
    case 'null':
      return { dtype: 'null', _type: 'Value' };
    case 'value':
      return { dtype: t.dtype, _type: 'Value' };
    case 'list':
      return { feature: toFeature(t.item), _type: 'List' };
    case 'struct': {
      const o = {};
      for (const [name, f] of t.fields) o[name] = toFeature(f);
      return o;
    }
    default:
      return { dtype: 'string', _type: 'Value' };
  }
}

/** A value shaped to its type: every struct field present (null when missing), schema order. */
export function normalize(v, t) {
  if (v === null || v === undefined) return null;
  switch (t.k) {
    case 'struct': {
      if (!isPlainObject(v)) return v;
      const o = {};
      for (const [name, ft] of t.fields) o[name] = normalize(v[name], ft);
      return o;
    }
    case 'list':
      return Array.isArray(v) ? v.map((x) => normalize(x, t.item)) : v;
    case 'mixed':
      return typeof v === 'string' ? v : JSON.stringify(v);
    default:
      return v;
  }
}

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Compact JSON like orjson (which the viewer uses). */
export function toJson(v) {
  return JSON.stringify(v);
}

// ---------------------------------------------------------------------------------------------
// /first-rows: the viewer's algorithm (libcommon truncate_rows.py), with its defaults.

export const FIRST_ROWS = { maxBytes: 1_000_000, maxNumber: 100, minNumber: 10, minCellBytes: 100 };

export function firstRowsResponse(dataset, config, split, data, limits = FIRST_ROWS) {
  const response = { dataset, config, split, features: data.featureList, rows: [], truncated: false };
  const surrounding = Buffer.byteLength(toJson(response));
  const rowsMaxBytes = limits.maxBytes - surrounding;
  const n = Math.min(data.numRows, limits.maxNumber);
  const rows = [];
  for (let i = 0; i < n; i++) rows.push(data.row(i));
  const { items, truncated } = truncatedRowItems(rows, limits.minCellBytes, rowsMaxBytes, limits.minNumber);
  response.rows = items;
  response.truncated = data.numRows > n || truncated;
  return response;
}

function truncatedRowItems(rows, minCellBytes, rowsMaxBytes, minNumber) {
  const items = [];
  let bytes = 2;
  for (let i = 0; i < Math.min(minNumber, rows.length); i++) {
    const item = { row_idx: i, row: { ...rows[i] }, truncated_cells: [] };
    bytes += jsonSize(item) + 1;
    items.push(item);
  }
  if (bytes >= rowsMaxBytes) {
    for (let j = items.length - 1; j >= 0 && bytes >= rowsMaxBytes; j--) {
      const before = jsonSize(items[j]);
      truncateRowItem(items[j], minCellBytes);
      bytes += jsonSize(items[j]) - before;
    }
    return { items, truncated: items.length < rows.length };
  }
  for (let i = items.length; i < rows.length; i++) {
    const item = { row_idx: i, row: rows[i], truncated_cells: [] };
    bytes += jsonSize(item) + 1;
    if (bytes >= rowsMaxBytes) break;
    items.push(item);
  }
  return { items, truncated: items.length < rows.length };
}

function truncateRowItem(item, minCellBytes) {
  for (const [name, cell] of Object.entries(item.row)) {
    const bytes = Buffer.from(toJson(cell), 'utf8');
    if (bytes.length <= minCellBytes) continue;
    let i = minCellBytes;
    while (i > 0 && (bytes[i] & 0xc0) === 0x80) i--; // cut before a UTF-8 continuation byte
    item.row[name] = bytes.subarray(0, i).toString('utf8');
    if (!item.truncated_cells.includes(name)) item.truncated_cells.push(name);
  }
}

function jsonSize(v) {
  return Buffer.byteLength(toJson(v));
}
