// /filter and /search of the local dataset viewer.
//
// `where` (the viewer runs it in DuckDB; this is a small interpreter of the documented subset):
//   expr    := or ; or := and (OR and)* ; and := not (AND not)* ; not := NOT not | primary
//   primary := '(' expr ')' | operand (op operand | IS [NOT] NULL | [NOT] LIKE|ILIKE operand)
//   op      := = | == | <> | != | > | >= | < | <=
//   operand := "column" ("." "field")* | 'string' ('' escapes a quote) | number | true | false | null
// Keywords are case-insensitive. Comparisons with null are false (SQL unknown). A string literal
// compared with a number column is cast to a number (as DuckDB does); lists and structs can only
// be tested with IS [NOT] NULL. `orderby` := "column" [ASC|DESC] (, ...)*; nulls sort last.
// Any syntax error, unknown column or invalid comparison -> QueryError (422 InvalidParameter).
//
// search: case-insensitive substring over every string value of the row, nested ones included
// (the real service uses a DuckDB full-text index with stemming and ranks by BM25).

export class QueryError extends Error {}

const INVALID_SYMBOLS = /;|--|\/\*|\*\//;

function tokenize(s, what) {
  if (INVALID_SYMBOLS.test(s)) throw new QueryError(`Parameter '${what}' contains invalid symbols`);
  const toks = [];
  let i = 0;
  const bad = () => new QueryError(`Parameter '${what}' is invalid`);
  while (i < s.length) {
    const c = s[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"') {
      let j = i + 1;
      let name = '';
      for (;;) {
        if (j >= s.length) throw bad();
        if (s[j] === '"') {
          if (s[j + 1] === '"') {
            name += '"';
            j += 2;
            continue;
          }
          break;
        }
        name += s[j++];
      }
      toks.push({ t: 'col', v: name });
      i = j + 1;
    } else if (c === "'") {
      let j = i + 1;
      let str = '';
      for (;;) {
        if (j >= s.length) throw bad();
        if (s[j] === "'") {
          if (s[j + 1] === "'") {
            str += "'";
            j += 2;
            continue;
          }
          break;
        }
        str += s[j++];
      }
      toks.push({ t: 'lit', v: str });
      i = j + 1;
    } else if (/^-?\.?[0-9]/.test(s.slice(i, i + 3))) {
      const m = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(s.slice(i));
      if (!m) throw bad();
      toks.push({ t: 'lit', v: Number(m[0]) });
      i += m[0].length;
    } else if (/[<>=!]/.test(c)) {
      const two = s.slice(i, i + 2);
      const op = ['<>', '>=', '<=', '!=', '=='].includes(two) ? two : c;
      if (op === '!') throw bad();
      toks.push({ t: 'op', v: op === '!=' ? '<>' : op === '==' ? '=' : op });
      i += op.length;
    } else if (c === '(' || c === ')' || c === ',' || c === '.') {
      toks.push({ t: c });
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(i));
      const w = m[0].toUpperCase();
      if (w === 'TRUE' || w === 'FALSE') toks.push({ t: 'lit', v: w === 'TRUE' });
      else if (w === 'NULL') toks.push({ t: 'lit', v: null });
      else if (['AND', 'OR', 'NOT', 'IS', 'LIKE', 'ILIKE', 'ASC', 'DESC'].includes(w)) toks.push({ t: 'kw', v: w });
      else throw bad(); // bare identifiers: column names must be double-quoted
      i += m[0].length;
    } else {
      throw bad();
    }
  }
  return toks;
}

class Parser {
  constructor(toks, what) {
    this.toks = toks;
    this.i = 0;
    this.what = what;
  }
  bad() {
    return new QueryError(`Parameter '${this.what}' is invalid`);
  }
  peek() {
    return this.toks[this.i];
  }
  isKw(v) {
    const t = this.peek();
    return t && t.t === 'kw' && t.v === v;
  }
  take(type, v) {
    const t = this.peek();
    if (!t || t.t !== type || (v !== undefined && t.v !== v)) throw this.bad();
    this.i++;
    return t;
  }
  expr() {
    let left = this.and();
    while (this.isKw('OR')) {
      this.i++;
      left = { op: 'OR', a: left, b: this.and() };
    }
    return left;
  }
  and() {
    let left = this.not();
    while (this.isKw('AND')) {
      this.i++;
      left = { op: 'AND', a: left, b: this.not() };
    }
    return left;
  }
  not() {
    if (this.isKw('NOT')) {
      this.i++;
      return { op: 'NOT', a: this.not() };
    }
    return this.primary();
  }
  primary() {
    const t = this.peek();
    if (!t) throw this.bad();
    if (t.t === '(') {
      this.i++;
      const e = this.expr();
      this.take(')');
      return e;
    }
    const a = this.operand();
    if (this.isKw('IS')) {
      this.i++;
      const neg = this.isKw('NOT');
      if (neg) this.i++;
      const n = this.take('lit');
      if (n.v !== null) throw this.bad();
      return { op: neg ? 'NOTNULL' : 'ISNULL', a };
    }
    let negLike = false;
    if (this.isKw('NOT')) {
      this.i++;
      negLike = true;
      if (!this.isKw('LIKE') && !this.isKw('ILIKE')) throw this.bad();
    }
    if (this.isKw('LIKE') || this.isKw('ILIKE')) {
      const ci = this.peek().v === 'ILIKE';
      this.i++;
      const like = { op: 'LIKE', ci, a, b: this.operand() };
      return negLike ? { op: 'NOT', a: like } : like;
    }
    const op = this.take('op').v;
    return { op: 'CMP', cmp: op, a, b: this.operand() };
  }
  operand() {
    const t = this.peek();
    if (!t) throw this.bad();
    if (t.t === 'lit') {
      this.i++;
      return { lit: t.v };
    }
    if (t.t === 'col') {
      this.i++;
      const p = [t.v];
      while (this.peek()?.t === '.') {
        this.i++;
        const f = this.peek();
        if (f && f.t === 'col') p.push(f.v);
        else throw this.bad();
        this.i++;
      }
      return { col: p };
    }
    throw this.bad();
  }
}

/** Parses `where` into a predicate row -> boolean; checks columns against the features. */
export function compileWhere(where, features) {
  const p = new Parser(tokenize(where, 'where'), 'where');
  const ast = p.expr();
  if (p.i !== p.toks.length) throw p.bad();
  checkColumns(ast, features, 'where');
  return (row) => evaluate(ast, row) === true;
}

/** Parses `orderby` into a comparator over rows (stable sort expected by the caller). */
export function compileOrderBy(orderby, features) {
  const p = new Parser(tokenize(orderby, 'orderby'), 'orderby');
  const keys = [];
  for (;;) {
    const { col } = p.operand();
    if (!col) throw p.bad();
    let desc = false;
    if (p.isKw('ASC') || p.isKw('DESC')) desc = p.take('kw').v === 'DESC';
    keys.push({ col, desc });
    if (p.peek()?.t === ',') {
      p.i++;
      continue;
    }
    break;
  }
  if (p.i !== p.toks.length) throw p.bad();
  for (const k of keys) checkColumns({ col: k.col }, features, 'orderby');
  return (r1, r2) => {
    for (const { col, desc } of keys) {
      const a = get(r1, col);
      const b = get(r2, col);
      if (a === null && b === null) continue;
      if (a === null) return 1; // nulls last
      if (b === null) return -1;
      const c = compareValues(a, b);
      if (c) return desc ? -c : c;
    }
    return 0;
  };
}

function checkColumns(node, features, what) {
  if (!node || typeof node !== 'object') return;
  if (node.col) {
    let f = features;
    for (const name of node.col) {
      if (!f || typeof f !== 'object' || f._type || !(name in f)) {
        throw new QueryError(`Parameter '${what}' is invalid: no column "${node.col.join('"."')}"`);
      }
      f = f[name];
    }
    return;
  }
  for (const k of ['a', 'b']) checkColumns(node[k], features, what);
}

function get(row, col) {
  let v = row;
  for (const name of col) {
    if (v === null || typeof v !== 'object') return null;
    v = v[name] ?? null;
  }
  return v;
}

function value(node, row) {
  return node.col ? get(row, node.col) : node.lit;
}

function evaluate(node, row) {
  switch (node.op) {
    case 'OR': {
      const a = evaluate(node.a, row);
      const b = evaluate(node.b, row);
      return a === true || b === true ? true : a === null || b === null ? null : false;
    }
    case 'AND': {
      const a = evaluate(node.a, row);
      const b = evaluate(node.b, row);
      return a === false || b === false ? false : a === null || b === null ? null : true;
    }
    case 'NOT': {
      const a = evaluate(node.a, row);
      return a === null ? null : !a;
    }
    case 'ISNULL':
      return value(node.a, row) === null;
    case 'NOTNULL':
      return value(node.a, row) !== null;
    case 'LIKE': {
      const a = value(node.a, row);
      const b = value(node.b, row);
      if (a === null || b === null) return null;
      if (typeof a !== 'string' || typeof b !== 'string') throw new QueryError("Parameter 'where' is invalid: LIKE needs strings");
      return likeRegex(b, node.ci).test(a);
    }
    case 'CMP': {
      let a = value(node.a, row);
      let b = value(node.b, row);
      if (a === null || b === null) return null;
      if (typeof a === 'object' || typeof b === 'object') throw new QueryError("Parameter 'where' is invalid: cannot compare lists or structs");
      [a, b] = coerce(a, b);
      const c = compareValues(a, b);
      switch (node.cmp) {
        case '=':
          return c === 0;
        case '<>':
          return c !== 0;
        case '<':
          return c < 0;
        case '<=':
          return c <= 0;
        case '>':
          return c > 0;
        case '>=':
          return c >= 0;
      }
    }
  }
  throw new QueryError("Parameter 'where' is invalid");
}

function coerce(a, b) {
  const num = (x) => {
    if (typeof x === 'number') return x;
    if (typeof x === 'boolean') return x ? 1 : 0;
    const n = Number(x);
    if (typeof x === 'string' && x.trim() !== '' && !Number.isNaN(n)) return n;
    throw new QueryError(`Parameter 'where' is invalid: could not convert '${x}' to a number`);
  };
  if (typeof a === typeof b) return [a, b];
  if (typeof a === 'number' || typeof b === 'number') return [num(a), num(b)];
  if (typeof a === 'boolean' || typeof b === 'boolean') {
    const bool = (x) => {
      if (typeof x === 'boolean') return x;
      const s = String(x).toLowerCase();
      if (['true', 't', '1'].includes(s)) return true;
      if (['false', 'f', '0'].includes(s)) return false;
      throw new QueryError(`Parameter 'where' is invalid: could not convert '${x}' to a boolean`);
    };
    return [bool(a), bool(b)];
  }
  return [String(a), String(b)];
}

function compareValues(a, b) {
  if (typeof a === 'object' || typeof b === 'object') {
    a = JSON.stringify(a);
    b = JSON.stringify(b);
  }
  if (typeof a === 'boolean') a = a ? 1 : 0;
  if (typeof b === 'boolean') b = b ? 1 : 0;
  return a < b ? -1 : a > b ? 1 : 0;
}

function likeRegex(pattern, ci) {
  let re = '';
  for (const ch of pattern) re += ch === '%' ? '.*' : ch === '_' ? '.' : ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${re}$`, ci ? 'is' : 's');
}

/** Case-insensitive substring search over every string value, nested included. */
export function matchesQuery(row, query) {
  const q = query.toLowerCase();
  const visit = (v) => {
    if (typeof v === 'string') return v.toLowerCase().includes(q);
    if (Array.isArray(v)) return v.some(visit);
    if (v && typeof v === 'object') return Object.values(v).some(visit);
    return false;
  };
  return visit(row);
}
