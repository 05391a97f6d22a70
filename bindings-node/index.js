'use strict';
/**
 * fairmatch for Node.js: the CommonJS entry point. Loads the native addon (fairmatch.node,
 * built by `npm run build`) and wraps it in the typed surface of index.d.ts:
 *
 * - objects go in as plain objects (camelCase field names), checked here against the core's
 *   budgets (MAX_NESTING levels, MAX_INPUT_NODES values, finite numbers, no cycles) and sent
 *   as JSON text; results come back as plain objects (JSON.parse);
 * - vectors and metric inputs go in as typed arrays, read in place by the addon (plain
 *   arrays are converted here first);
 * - every error is a FairmatchError with a stable `code` and, for bad input, the `field`.
 */
const path = require('node:path');

const native = require(process.env.FAIRMATCH_NATIVE || path.join(__dirname, 'fairmatch.node'));
const { untape } = require('./tape.js');

const TAG = native.errorTag();
const MAX_NESTING = native.MAX_NESTING;
const MAX_INPUT_NODES = native.MAX_INPUT_NODES;

/** The error of every fairmatch call: `code` is stable, `field` names the bad input. */
class FairmatchError extends Error {
  constructor(payload) {
    super(payload.message);
    this.name = 'FairmatchError';
    this.code = payload.code;
    for (const k of ['field', 'kind', 'id', 'expected', 'got', 'metric', 'path', 'reason', 'coreCode']) {
      if (payload[k] !== undefined) this[k] = payload[k];
    }
  }
}

function invalid(field, reason) {
  return new FairmatchError({
    code: 'INVALID_INPUT',
    coreCode: 'INVALID_INPUT',
    field,
    message: `invalid input for \`${field}\`: ${reason}`,
  });
}

/**
 * The FairmatchError of a native error: the tagged payload of a core error or of a panic
 * caught on the rayon or libuv pool; an untagged `GenericFailure` (a panic napi caught on the
 * JavaScript thread, whose message is the panic's) is INTERNAL; anything else unchanged.
 */
function convert(e) {
  if (e && typeof e.message === 'string' && e.message.startsWith(TAG)) {
    return new FairmatchError(JSON.parse(e.message.slice(TAG.length)));
  }
  if (e instanceof Error && !(e instanceof FairmatchError) && e.code === 'GenericFailure') {
    const err = new FairmatchError({ code: 'INTERNAL', message: `internal error in fairmatch (a bug; please report it): ${e.message}` });
    err.cause = e;
    return err;
  }
  return e;
}

/** Calls a native function; a throw or a rejection becomes a FairmatchError. */
function call(fn) {
  let r;
  try {
    r = fn();
  } catch (e) {
    throw convert(e);
  }
  if (r && typeof r.then === 'function') {
    return r.catch((e) => {
      throw convert(e);
    });
  }
  return r;
}

/** A Promise rejected with `err` (argument checks of async methods reject, never throw). */
function rejected(fn) {
  try {
    return fn();
  } catch (e) {
    return Promise.reject(convert(e));
  }
}

/** The rendered path of a value inside an input, from the parent links kept while encoding. */
function render(links, holder, key, root) {
  const parts = [];
  let h = holder;
  let k = key;
  for (;;) {
    if (k !== '') parts.push(Array.isArray(h) ? `[${k}]` : `.${k}`);
    const up = links.get(h);
    if (!up) break;
    h = up.holder;
    k = up.key;
  }
  return root + parts.reverse().join('');
}

/**
 * An input object as JSON text for the addon. Rejects, with INVALID_INPUT naming the key:
 * non-finite numbers, bigints out of the safe range, functions and symbols in arrays,
 * nesting deeper than MAX_NESTING, a value that contains itself (an object shared by several
 * places is fine), more than MAX_INPUT_NODES values in all. Dates become ISO
 * 8601 text, typed arrays become arrays, `undefined` members are left out (absent).
 */
function encode(value, field) {
  if (value === undefined) return undefined;
  let nodes = 0;
  const links = new Map();
  const wrapper = { '': value };
  links.set(wrapper, null);
  const depthOf = new Map([[wrapper, 0]]);
  try {
    return JSON.stringify(wrapper[''], function replacer(key, v) {
      nodes += 1;
      const holder = key === '' && this[''] === value && !links.has(this) ? wrapper : this;
      if (nodes > MAX_INPUT_NODES) {
        throw invalid(
          render(links, holder, key, field),
          `the input holds more than ${MAX_INPUT_NODES} values in all (an object reused inside itself expands exponentially); send a large batch in parts`,
        );
      }
      switch (typeof v) {
        case 'number':
          if (!Number.isFinite(v)) throw invalid(render(links, holder, key, field), `must be a finite number, got ${v}`);
          return v;
        case 'bigint':
          if (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
          throw invalid(render(links, holder, key, field), 'bigint out of the safe integer range');
        case 'function':
        case 'symbol':
          if (Array.isArray(holder) || holder === wrapper) {
            throw invalid(render(links, holder, key, field), `unsupported type ${typeof v}`);
          }
          return undefined;
        case 'object': {
          if (v === null) return v;
          if (ArrayBuffer.isView(v) && !(v instanceof DataView)) v = Array.from(v);
          const depth = (depthOf.get(holder) || 0) + 1;
          if (depth > MAX_NESTING) {
            throw invalid(render(links, holder, key, field), `nested deeper than ${MAX_NESTING} levels of objects and arrays`);
          }
          // a cycle is an object on its own path (the parent links are the current path:
          // JSON.stringify visits depth first); an object shared by two places is fine
          for (let h = holder; h; h = links.get(h)?.holder) {
            if (h === v) throw invalid(render(links, holder, key, field), 'contains itself (a self-referential object or array)');
          }
          links.set(v, { holder, key });
          depthOf.set(v, depth);
          return v;
        }
        default:
          return v;
      }
    });
  } catch (e) {
    if (e instanceof FairmatchError) throw e;
    if (e instanceof TypeError && /circular/i.test(e.message)) {
      throw invalid(field, 'contains itself (a self-referential object or array)');
    }
    if (e instanceof RangeError) throw invalid(field, `nested too deeply (${e.message})`);
    throw invalid(field, String(e && e.message));
  }
}

function decode(text) {
  return JSON.parse(text);
}

function str(x, field) {
  if (typeof x !== 'string') throw invalid(field, `must be a string, got ${typeName(x)}`);
  return x;
}

function optStr(x, field) {
  return x === undefined || x === null ? undefined : str(x, field);
}

function typeName(x) {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'array';
  if (ArrayBuffer.isView(x)) return x.constructor.name;
  return typeof x;
}

/** A non-negative integer that fits in u32. */
function u32(x, field) {
  if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x > 0xffffffff) {
    throw invalid(field, `must be an integer in 0..=4294967295, got ${typeName(x) === 'number' ? x : typeName(x)}`);
  }
  return x;
}

function optU32(x, field) {
  return x === undefined || x === null ? undefined : u32(x, field);
}

function num(x, field) {
  if (typeof x !== 'number' || Number.isNaN(x)) throw invalid(field, `must be a number, got ${typeName(x)}`);
  return x;
}

function optNum(x, field) {
  return x === undefined || x === null ? undefined : num(x, field);
}

function optBool(x, field) {
  if (x === undefined || x === null) return undefined;
  if (typeof x !== 'boolean') throw invalid(field, `must be a boolean, got ${typeName(x)}`);
  return x;
}

/** A typed array of class `T` from the same typed array (in place) or a plain array of numbers. */
function typed(T, x, field, check) {
  if (x instanceof T) return x;
  if (!Array.isArray(x) && !ArrayBuffer.isView(x)) {
    throw invalid(field, `must be a ${T.name} or an array of numbers, got ${typeName(x)}`);
  }
  const out = new T(x.length);
  for (let i = 0; i < x.length; i += 1) {
    let v = x[i];
    if (typeof v === 'boolean') v = v ? 1 : 0;
    if (typeof v !== 'number' || !check(v)) throw invalid(`${field}[${i}]`, `must be ${check.what}, got ${String(v)}`);
    out[i] = v;
  }
  return out;
}

const isU32 = Object.assign((v) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff, { what: 'an integer in 0..=4294967295' });
const isNum = Object.assign((v) => !Number.isNaN(v), { what: 'a number' });
const isF32 = Object.assign((v) => !Number.isNaN(v), { what: 'a number' });
const isU8 = Object.assign((v) => v === 0 || v === 1, { what: '0 or 1 (or a boolean)' });

const u32s = (x, field) => typed(Uint32Array, x, field, isU32);
const f64s = (x, field) => typed(Float64Array, x, field, isNum);
const f32s = (x, field) => typed(Float32Array, x, field, isF32);
const optU32s = (x, field) => (x === undefined || x === null ? undefined : u32s(x, field));
const optF64s = (x, field) => (x === undefined || x === null ? undefined : f64s(x, field));

/** Row-major rows × dim values from a Float32Array (in place) or an array of vectors. */
function matrix(x, field) {
  if (x instanceof Float32Array) return x;
  if (!Array.isArray(x)) throw invalid(field, `must be a Float32Array (rows × dim) or an array of vectors, got ${typeName(x)}`);
  if (x.length === 0) return new Float32Array(0);
  const dim = x[0].length;
  const out = new Float32Array(x.length * dim);
  x.forEach((row, i) => {
    if (row.length !== dim) {
      throw new FairmatchError({
        code: 'DIMENSION_MISMATCH',
        coreCode: 'DIMENSION_MISMATCH',
        field: `${field}[${i}]`,
        expected: dim,
        got: row.length,
        message: `dimension mismatch for \`${field}[${i}]\`: expected ${dim}, got ${row.length}`,
      });
    }
    out.set(f32s(row, `${field}[${i}]`), i * dim);
  });
  return out;
}

// ------------------------------------------------------------------------------------------
// Taxonomy and Engine

/** An immutable skills taxonomy: the built-in one, or imported from ESCO CSV files. */
class Taxonomy {
  constructor(nativeTaxonomy) {
    if (!(nativeTaxonomy instanceof native.NativeTaxonomy)) {
      throw invalid('taxonomy', 'use Taxonomy.builtin() or Taxonomy.fromEsco(dir)');
    }
    this.native = nativeTaxonomy;
  }
  static builtin() {
    return new Taxonomy(native.NativeTaxonomy.builtin());
  }
  static fromEsco(dir) {
    return rejected(() => call(() => native.NativeTaxonomy.fromEsco(str(dir, 'dir'))).then((t) => new Taxonomy(t)));
  }
  resolve(label) {
    const id = call(() => this.native.resolve(str(label, 'label')));
    return id === undefined ? null : id;
  }
  label(id) {
    const l = call(() => this.native.label(u32(id, 'id')));
    return l === undefined ? null : l;
  }
  get name() {
    return this.native.name();
  }
  get occupations() {
    return this.native.occupations();
  }
  get size() {
    return this.native.size();
  }
}

/** The matching engine. Safe to use from many concurrent Promises. */
class Engine {
  constructor(options = {}) {
    const { taxonomy, config } = options || {};
    if (taxonomy !== undefined && !(taxonomy instanceof Taxonomy)) throw invalid('taxonomy', 'must be a Taxonomy');
    this.native = call(() => new native.NativeEngine(taxonomy ? taxonomy.native : undefined, encode(config, 'config')));
  }
  static #wrap(n) {
    const e = Object.create(Engine.prototype);
    e.native = n;
    return e;
  }
  upsertFreelancer(freelancer) {
    call(() => this.native.upsertFreelancer(encode(freelancer, 'freelancer')));
  }
  upsertFreelancers(freelancers) {
    return rejected(() => call(() => this.native.upsertFreelancers(encode(freelancers, 'freelancers'))));
  }
  upsertJob(job) {
    call(() => this.native.upsertJob(encode(job, 'job')));
  }
  upsertJobs(jobs) {
    return rejected(() => call(() => this.native.upsertJobs(encode(jobs, 'jobs'))));
  }
  removeFreelancer(id) {
    call(() => this.native.removeFreelancer(str(id, 'id')));
  }
  removeJob(id) {
    call(() => this.native.removeJob(str(id, 'id')));
  }
  freelancer(id) {
    return decode(call(() => this.native.freelancer(str(id, 'id'))));
  }
  job(id) {
    return decode(call(() => this.native.job(str(id, 'id'))));
  }
  get freelancerCount() {
    return this.native.freelancerCount();
  }
  get jobCount() {
    return this.native.jobCount();
  }
  recommendFreelancers(jobId, options) {
    return rejected(() =>
      call(() => this.native.recommendFreelancers(str(jobId, 'jobId'), encode(options, 'options'))).then(untape),
    );
  }
  recommendJobs(freelancerId, options) {
    return rejected(() =>
      call(() => this.native.recommendJobs(str(freelancerId, 'freelancerId'), encode(options, 'options'))).then(untape),
    );
  }
  score(jobId, freelancerId, options) {
    return decode(
      call(() => this.native.score(str(jobId, 'jobId'), str(freelancerId, 'freelancerId'), encode(options, 'options'))),
    );
  }
  scoreMany(jobId, freelancerIds, options) {
    return rejected(() => {
      if (!Array.isArray(freelancerIds)) throw invalid('freelancerIds', 'must be an array of ids');
      freelancerIds.forEach((f, i) => str(f, `freelancerIds[${i}]`));
      return call(() => this.native.scoreMany(str(jobId, 'jobId'), freelancerIds, encode(options, 'options'))).then(decode);
    });
  }
  recordImpressions(impressions) {
    call(() => this.native.recordImpressions(encode(impressions, 'impressions')));
  }
  recordOutcome(outcome) {
    call(() => this.native.recordOutcome(encode(outcome, 'outcome')));
  }
  audit(options) {
    return rejected(() => {
      const o = typeof options === 'string' ? { attribute: options } : options;
      return call(() => this.native.audit(encode(o, 'options'))).then(decode);
    });
  }
  learn(config) {
    return rejected(() =>
      call(() => this.native.learn(config == null ? null : encode(config, 'config'))).then(decode),
    );
  }
  learnedModel() {
    return decode(call(() => this.native.learnedModel()));
  }
  learnedWeights(client) {
    return call(() => this.native.learnedWeights(client == null ? null : client));
  }
  evaluateOffline(candidates, options) {
    return rejected(() =>
      call(() =>
        this.native.evaluateOffline(
          encode(candidates, 'candidates'),
          options == null ? null : encode(options, 'options'),
        ),
      ).then(decode),
    );
  }
  events() {
    return decode(call(() => this.native.events()));
  }
  ledger() {
    return decode(call(() => this.native.ledger()));
  }
  config() {
    return decode(call(() => this.native.config()));
  }
  get taxonomy() {
    return new Taxonomy(this.native.taxonomy());
  }
  toBuffer() {
    return call(() => this.native.toBuffer());
  }
  static fromBuffer(data) {
    return rejected(() => {
      if (!(data instanceof Uint8Array)) throw invalid('data', `must be a Buffer or Uint8Array, got ${typeName(data)}`);
      const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      return call(() => native.NativeEngine.fromBuffer(buf)).then((n) => Engine.#wrap(n));
    });
  }
  save(file) {
    return rejected(() => call(() => this.native.save(str(file, 'path'))));
  }
  static load(file) {
    return rejected(() => call(() => native.NativeEngine.load(str(file, 'path'))).then((n) => Engine.#wrap(n)));
  }
}

// ------------------------------------------------------------------------------------------
// Vector indexes

function indexClass(Native, name) {
  class Index {
    constructor(nativeIndex) {
      this.native = nativeIndex;
    }
    get modelId() {
      return this.native.modelId();
    }
    get dim() {
      return this.native.dim();
    }
    get metric() {
      return this.native.metric();
    }
    get size() {
      return this.native.size();
    }
    has(id) {
      return typeof id === 'number' && isU32(id) && this.native.has(id);
    }
    memoryBytes() {
      return this.native.memoryBytes();
    }
    upsert(id, vector) {
      call(() => this.native.upsert(u32(id, 'id'), f32s(vector, 'vector')));
    }
    upsertMany(ids, vectors) {
      return rejected(() => call(() => this.native.upsertMany(u32s(ids, 'ids'), matrix(vectors, 'vectors'))));
    }
    remove(id) {
      return call(() => this.native.remove(u32(id, 'id')));
    }
    search(query, k, options = {}) {
      return rejected(() => {
        const o = options || {};
        return call(() =>
          this.native.search(
            f32s(query, 'query'),
            u32(k, 'k'),
            optU32(o.ef, 'options.ef'),
            optU32s(o.allow, 'options.allow'),
            optStr(o.modelId, 'options.modelId'),
          ),
        ).then(decode);
      });
    }
    searchBatch(queries, k, options = {}) {
      return rejected(() => {
        const o = options || {};
        return call(() =>
          this.native.searchBatch(
            matrix(queries, 'queries'),
            u32(k, 'k'),
            optU32(o.ef, 'options.ef'),
            optU32s(o.allow, 'options.allow'),
            optStr(o.modelId, 'options.modelId'),
          ),
        ).then(decode);
      });
    }
    toBuffer() {
      return call(() => this.native.toBuffer());
    }
  }
  Object.defineProperty(Index, 'name', { value: name });
  Index.fromBuffer = function fromBuffer(data) {
    return rejected(() => {
      if (!(data instanceof Uint8Array)) throw invalid('data', `must be a Buffer or Uint8Array, got ${typeName(data)}`);
      const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      return call(() => Native.fromBuffer(buf)).then((n) => new this(n));
    });
  };
  return Index;
}

class FlatIndex extends indexClass(native.NativeFlatIndex, 'FlatIndex') {
  constructor(modelId, dim, metric) {
    if (modelId instanceof native.NativeFlatIndex) {
      super(modelId);
      return;
    }
    super(call(() => new native.NativeFlatIndex(str(modelId, 'modelId'), u32(dim, 'dim'), optStr(metric, 'metric'))));
  }
}

class HnswIndex extends indexClass(native.NativeHnswIndex, 'HnswIndex') {
  constructor(modelId, dim, metric, config) {
    if (modelId instanceof native.NativeHnswIndex) {
      super(modelId);
      return;
    }
    super(
      call(
        () =>
          new native.NativeHnswIndex(str(modelId, 'modelId'), u32(dim, 'dim'), optStr(metric, 'metric'), encode(config, 'config')),
      ),
    );
  }
  static defaultConfig() {
    return decode(call(() => native.NativeHnswIndex.defaultConfig()));
  }
  config() {
    return decode(call(() => this.native.config()));
  }
  tombstoneShare() {
    return this.native.tombstoneShare();
  }
  setEfSearch(ef) {
    call(() => this.native.setEfSearch(u32(ef, 'efSearch')));
  }
  setExactFallbackShare(share) {
    call(() => this.native.setExactFallbackShare(num(share, 'share')));
  }
  setInt8FilterShare(share) {
    return rejected(() => call(() => this.native.setInt8FilterShare(num(share, 'share'))));
  }
  rebuild() {
    return call(() => this.native.rebuild());
  }
}

class QuantizedIndex extends indexClass(native.NativeQuantizedIndex, 'QuantizedIndex') {
  constructor(modelId, dim, metric, options = {}) {
    if (modelId instanceof native.NativeQuantizedIndex) {
      super(modelId);
      return;
    }
    const o = options || {};
    super(
      call(
        () =>
          new native.NativeQuantizedIndex(
            str(modelId, 'modelId'),
            u32(dim, 'dim'),
            optStr(metric, 'metric'),
            optU32(o.rerankCandidates, 'options.rerankCandidates'),
          ),
      ),
    );
  }
  get rerankCandidates() {
    return this.native.rerankCandidates();
  }
  scales() {
    return this.native.scales();
  }
  scanBytes() {
    return this.native.scanBytes();
  }
}

// ------------------------------------------------------------------------------------------
// rerank

function items(x) {
  if (!Array.isArray(x)) throw invalid('items', `must be an array of {id, score, group}, got ${typeName(x)}`);
  return encode(x, 'items');
}

const rerank = {
  apply(config, scored, k, context) {
    return decode(call(() => native.rerankApply(encode(config, 'config'), items(scored), u32(k, 'k'), encode(context, 'context'))));
  },
  mtable(k, p, alpha) {
    return Array.from(call(() => native.mtable(u32(k, 'k'), num(p, 'p'), num(alpha, 'alpha'))));
  },
  adjustedMtable(k, p, alpha, mode) {
    return decode(call(() => native.adjustedMtable(u32(k, 'k'), num(p, 'p'), num(alpha, 'alpha'), optStr(mode, 'mode'))));
  },
  failProbability(table, p, mode) {
    return call(() => native.failProbability(u32s(table, 'table'), num(p, 'p'), optStr(mode, 'mode')));
  },
  fairTopK(scored, protectedGroups, k, mtable) {
    return Array.from(call(() => native.fairTopK(items(scored), u32s(protectedGroups, 'protected'), u32(k, 'k'), u32s(mtable, 'mtable'))));
  },
  isFair(protectedFlags, mtable) {
    if (!Array.isArray(protectedFlags)) throw invalid('protectedFlags', 'must be an array of booleans');
    protectedFlags.forEach((b, i) => optBool(b, `protectedFlags[${i}]`));
    return call(() => native.isFair(protectedFlags.map(Boolean), u32s(mtable, 'mtable')));
  },
  geyikRerank(scored, targets, k, algorithm) {
    return Array.from(call(() => native.geyikRerank(items(scored), encode(targets, 'targets'), u32(k, 'k'), str(algorithm, 'algorithm'))));
  },
};

// ------------------------------------------------------------------------------------------
// metrics

/** Binary labels as the addon takes them: Uint8Array pairs in place, anything else float64. */
function labelPair(t, p) {
  if (t instanceof Uint8Array && p instanceof Uint8Array) return [t, p];
  const asF64 = (x, field) => (x instanceof Float64Array ? x : f64s(x, field));
  return [asF64(t, 'yTrue'), asF64(p, 'yPred')];
}

/** Group codes and labels: a Uint32Array in place, an array of codes, or string labels. */
function groupCodes(g, field) {
  if (Array.isArray(g) && g.length > 0 && typeof g[0] === 'string') {
    g.forEach((x, i) => str(x, `${field}[${i}]`));
    const enc = call(() => native.encodeGroups(g));
    return [enc.codes, enc.labels];
  }
  return [u32s(g, field), undefined];
}

const COMPARISON = [
  'statisticalParityDifference',
  'disparateImpact',
  'averageOddsDifference',
  'averageAbsOddsDifference',
  'equalOpportunityDifference',
  'equalizedOddsDifference',
];

/** Pooled unprivileged vs privileged counts (AIF360 metrics). */
class PrivilegedComparison {
  constructor(n) {
    this.native = n;
  }
  difference(rate) {
    return call(() => this.native.difference(str(rate, 'rate')));
  }
  ratio(rate) {
    return call(() => this.native.ratio(str(rate, 'rate')));
  }
  toJSON() {
    return decode(call(() => this.native.toJson()));
  }
}
for (const name of COMPARISON) {
  PrivilegedComparison.prototype[name] = function metric() {
    return call(() => this.native.metric(name));
  };
}

const FAIRLEARN = [
  'demographicParityDifference',
  'demographicParityRatio',
  'equalOpportunityDifference',
  'equalOpportunityRatio',
  'equalizedOddsDifference',
  'equalizedOddsRatio',
];

/** Per-group confusion matrices: the input of the classification metrics; mergeable. */
class GroupConfusion {
  constructor(n) {
    if (!(n instanceof native.NativeGroupConfusion)) {
      throw invalid('GroupConfusion', 'use GroupConfusion.from(...), .empty(n) or .fromJSON(state)');
    }
    this.native = n;
  }
  /** Counts off the event loop (on the rayon pool). */
  static from(yTrue, yPred, sensitiveFeatures, options = {}) {
    return rejected(() => {
      const o = options || {};
      const [t, p] = labelPair(yTrue, yPred);
      const [codes, labels] = groupCodes(sensitiveFeatures, 'sensitiveFeatures');
      return call(() =>
        native.NativeGroupConfusion.count(t, p, codes, optF64s(o.sampleWeight, 'sampleWeight'), optU32(o.nGroups, 'nGroups'), labels),
      ).then((n) => new GroupConfusion(n));
    });
  }
  static empty(nGroups = 0) {
    return new GroupConfusion(call(() => native.NativeGroupConfusion.empty(u32(nGroups, 'nGroups'))));
  }
  static fromJSON(state) {
    return new GroupConfusion(call(() => native.NativeGroupConfusion.fromJson(encode(state, 'state'))));
  }
  toJSON() {
    return decode(call(() => this.native.toJson()));
  }
  get nGroups() {
    return this.native.nGroups();
  }
  get labels() {
    const l = this.native.labels();
    return l === undefined ? null : l;
  }
  groups() {
    return decode(call(() => this.native.groups()));
  }
  overall() {
    return decode(call(() => this.native.overall()));
  }
  rates(rate, zeroDivision) {
    return decode(call(() => this.native.rates(str(rate, 'rate'), optStr(zeroDivision, 'zeroDivision'))));
  }
  report(options = {}) {
    const o = options || {};
    return decode(
      call(() => this.native.report(optStr(o.method, 'method'), optStr(o.agg, 'agg'), optStr(o.zeroDivision, 'zeroDivision'))),
    );
  }
  compare(unprivileged, privileged, zeroDivision) {
    return new PrivilegedComparison(
      call(() => this.native.compare(u32s(unprivileged, 'unprivileged'), u32s(privileged, 'privileged'), optStr(zeroDivision, 'zeroDivision'))),
    );
  }
  generalizedEntropyIndex(options = {}) {
    const o = options || {};
    return call(() =>
      this.native.generalizedEntropyIndex(false, optNum(o.alpha, 'alpha'), optStr(o.convention, 'convention'), optStr(o.zeroDivision, 'zeroDivision')),
    );
  }
  betweenGroupGeneralizedEntropyIndex(options = {}) {
    const o = options || {};
    return call(() =>
      this.native.generalizedEntropyIndex(true, optNum(o.alpha, 'alpha'), optStr(o.convention, 'convention'), optStr(o.zeroDivision, 'zeroDivision')),
    );
  }
  theilIndex(zeroDivision) {
    return call(() => this.native.inequality('theilIndex', optStr(zeroDivision, 'zeroDivision')));
  }
  coefficientOfVariation(zeroDivision) {
    return call(() => this.native.inequality('coefficientOfVariation', optStr(zeroDivision, 'zeroDivision')));
  }
  betweenGroupTheilIndex(zeroDivision) {
    return call(() => this.native.inequality('betweenGroupTheilIndex', optStr(zeroDivision, 'zeroDivision')));
  }
  merge(other) {
    if (!(other instanceof GroupConfusion)) throw invalid('other', 'must be a GroupConfusion');
    call(() => this.native.merge(other.native));
  }
}
for (const name of FAIRLEARN) {
  GroupConfusion.prototype[name] = function metric(options = {}) {
    const o = options || {};
    return call(() => this.native.metric(name, optStr(o.method, 'method'), optStr(o.agg, 'agg'), optStr(o.zeroDivision, 'zeroDivision')));
  };
}

/** Exposure per group accumulated over many rankings; mergeable and serialisable. */
class ExposureAccumulator {
  constructor(nGroups, options = {}) {
    if (nGroups instanceof native.NativeExposureAccumulator) {
      this.native = nGroups;
      return;
    }
    const o = options || {};
    this.native = call(() => new native.NativeExposureAccumulator(u32(nGroups, 'nGroups'), encode(o.model, 'model'), optU32(o.cutoff, 'cutoff')));
  }
  addRanking(ranking, relevance) {
    call(() => this.native.addRanking(u32s(ranking, 'ranking'), optF64s(relevance, 'relevance')));
  }
  merge(other) {
    if (!(other instanceof ExposureAccumulator)) throw invalid('other', 'must be an ExposureAccumulator');
    call(() => this.native.merge(other.native));
  }
  get totalExposure() {
    return this.native.totalExposure();
  }
  get rankings() {
    return this.native.rankings();
  }
  exposureShare(zeroDivision) {
    return call(() => this.native.exposureShare(optStr(zeroDivision, 'zeroDivision')));
  }
  groupExposure(groupSizes) {
    return call(() => this.native.groupExposure(optF64s(groupSizes, 'groupSizes')));
  }
  exposurePerUtility(groupSizes) {
    return call(() => this.native.exposurePerUtility(optF64s(groupSizes, 'groupSizes')));
  }
  toJSON() {
    return decode(call(() => this.native.toJson()));
  }
  static fromJSON(state) {
    return new ExposureAccumulator(call(() => native.NativeExposureAccumulator.fromJson(encode(state, 'state'))));
  }
}

/** Streaming mean and variance of ratings (Welford); mergeable and serialisable. */
class RatingStats {
  constructor(n) {
    this.native = n instanceof native.NativeRatingStats ? n : new native.NativeRatingStats();
  }
  static of(values) {
    return new RatingStats(call(() => native.NativeRatingStats.of(f64s(values, 'values'))));
  }
  add(x) {
    call(() => this.native.add(num(x, 'x')));
  }
  merge(other) {
    if (!(other instanceof RatingStats)) throw invalid('other', 'must be a RatingStats');
    this.native.merge(other.native);
  }
  get n() {
    return this.toJSON().n;
  }
  get mean() {
    return this.toJSON().mean;
  }
  get variance() {
    return this.native.variance();
  }
  toJSON() {
    return decode(call(() => this.native.toJson()));
  }
  static fromJSON(state) {
    return new RatingStats(call(() => native.NativeRatingStats.fromJson(encode(state, 'state'))));
  }
}

function fairlearnFn(name) {
  return function metric(yTrue, yPred, options) {
    return rejected(() => {
      if (!options || options.sensitiveFeatures === undefined) throw invalid('sensitiveFeatures', 'is required');
      const [t, p] = labelPair(yTrue, yPred);
      const [codes] = groupCodes(options.sensitiveFeatures, 'sensitiveFeatures');
      return call(() =>
        native.fairlearnMetric(
          name,
          t,
          p,
          codes,
          optF64s(options.sampleWeight, 'sampleWeight'),
          optU32(options.nGroups, 'nGroups'),
          optStr(options.method, 'method'),
          optStr(options.agg, 'agg'),
          optStr(options.zeroDivision, 'zeroDivision'),
        ),
      );
    });
  };
}

function twoSample(name) {
  return (a, b, options = {}) =>
    rejected(() => {
      const o = options || {};
      return call(() =>
        native.twoSampleTest(name, f64s(a, 'a'), f64s(b, 'b'), optStr(o.alternative, 'alternative'), optBool(o.continuity, 'continuity')),
      ).then(decode);
    });
}

function exposureFn(name) {
  return (ranking, nGroups, options = {}, relevance) => {
    const r = call(() =>
      native.exposureMetric(name, u32s(ranking, 'ranking'), u32(nGroups, 'nGroups'), optF64s(relevance, 'relevance'), encode(options || {}, 'options')),
    );
    return { value: r.value, perGroup: r.perGroup };
  };
}

const metrics = {
  GroupConfusion,
  PrivilegedComparison,
  ExposureAccumulator,
  RatingStats,
  encodeGroups(labels) {
    if (!Array.isArray(labels)) throw invalid('labels', 'must be an array of strings');
    labels.forEach((x, i) => str(x, `labels[${i}]`));
    return call(() => native.encodeGroups(labels));
  },
  intersectGroups(attributes, cardinalities) {
    if (!Array.isArray(attributes)) throw invalid('attributes', 'must be an array of code arrays');
    return call(() => native.intersectGroups(attributes.map((a, i) => u32s(a, `attributes[${i}]`)), u32s(cardinalities, 'cardinalities')));
  },
  disparateImpactFromCounts(su, tu, sp, tp, zeroDivision) {
    return call(() =>
      native.disparateImpactFromCounts(num(su, 'selectedUnprivileged'), num(tu, 'totalUnprivileged'), num(sp, 'selectedPrivileged'), num(tp, 'totalPrivileged'), optStr(zeroDivision, 'zeroDivision')),
    );
  },
  gini(values, options = {}) {
    return rejected(() => {
      const o = options || {};
      return call(() => native.gini(f64s(values, 'values'), optBool(o.normalized, 'normalized'), optStr(o.zeroDivision, 'zeroDivision')));
    });
  },
  generalizedEntropyIndex(b, options = {}) {
    return rejected(() => {
      const o = options || {};
      return call(() =>
        native.generalizedEntropyIndex(f64s(b, 'b'), undefined, optF64s(o.weights, 'weights'), optNum(o.alpha, 'alpha'), optStr(o.convention, 'convention'), optStr(o.zeroDivision, 'zeroDivision')),
      );
    });
  },
  betweenGroupGeneralizedEntropyIndex(b, groups, options = {}) {
    return rejected(() => {
      const o = options || {};
      return call(() =>
        native.generalizedEntropyIndex(f64s(b, 'b'), u32s(groups, 'groups'), optF64s(o.weights, 'weights'), optNum(o.alpha, 'alpha'), optStr(o.convention, 'convention'), optStr(o.zeroDivision, 'zeroDivision')),
      );
    });
  },
  welchTTest: twoSample('welch'),
  mannWhitneyU: twoSample('mannWhitneyU'),
  brunnerMunzel: twoSample('brunnerMunzel'),
  mannWhitneyUCounts(countsA, countsB, options = {}) {
    const o = options || {};
    return decode(
      call(() =>
        native.mannWhitneyUCounts(Array.from(f64s(countsA, 'countsA')), Array.from(f64s(countsB, 'countsB')), optBool(o.continuity, 'continuity'), optStr(o.alternative, 'alternative')),
      ),
    );
  },
  rankBiserial(a, b) {
    return call(() => native.rankBiserial(f64s(a, 'a'), f64s(b, 'b')));
  },
  benjaminiHochberg(pValues) {
    return call(() => native.benjaminiHochberg(f64s(pValues, 'pValues')));
  },
  bayesianAverage(sum, n, priorMean, priorStrength) {
    return call(() => native.bayesianAverage(num(sum, 'sum'), u32(n, 'n'), num(priorMean, 'priorMean'), num(priorStrength, 'priorStrength')));
  },
  skew(ranking, target, group, k) {
    return call(() => native.skew('skew', u32s(ranking, 'ranking'), f64s(target, 'target'), u32(k, 'k'), u32(group, 'group')));
  },
  minSkew(ranking, target, k) {
    return call(() => native.skew('min', u32s(ranking, 'ranking'), f64s(target, 'target'), u32(k, 'k'), undefined));
  },
  maxSkew(ranking, target, k) {
    return call(() => native.skew('max', u32s(ranking, 'ranking'), f64s(target, 'target'), u32(k, 'k'), undefined));
  },
  ndkl(ranking, target) {
    return call(() => native.ndkl(u32s(ranking, 'ranking'), f64s(target, 'target')));
  },
  infeasible(ranking, target, excludeLast) {
    return decode(call(() => native.infeasible(u32s(ranking, 'ranking'), f64s(target, 'target'), optBool(excludeLast, 'excludeLast'))));
  },
  groupExposure: exposureFn('groupExposure'),
  exposurePerUtility(ranking, relevance, nGroups, options = {}) {
    return exposureFn('exposurePerUtility')(ranking, nGroups, options, f64s(relevance, 'relevance'));
  },
  awrf(ranking, nGroups, p, options = {}) {
    return exposureFn('awrf')(ranking, nGroups, { ...(options || {}), p: num(p, 'p') });
  },
  attributeRankParity: exposureFn('attributeRankParity'),
  attentionShares(ranking, nGroups, options = {}) {
    const o = options || {};
    return call(() => native.attentionShares(u32s(ranking, 'ranking'), u32(nGroups, 'nGroups'), encode(o.model, 'model'), optU32(o.cutoff, 'cutoff')));
  },
  yangStoyanovich(protectedFlags, measure, options = {}) {
    const o = options || {};
    const flags = typed(Uint8Array, protectedFlags, 'protected', isU8);
    return call(() =>
      native.yangStoyanovich(flags, str(measure, 'measure'), optU32(o.step, 'step'), optStr(o.discount, 'discount'), optBool(o.normalize, 'normalize'), optStr(o.zeroDivision, 'zeroDivision')),
    );
  },
  expectedExposure(rankings, relevance, options = {}) {
    const o = options || {};
    if (!Array.isArray(rankings)) throw invalid('rankings', 'must be an array of rankings');
    return decode(
      call(() =>
        native.expectedExposure(rankings.map((r, i) => u32s(r, `rankings[${i}]`)), f64s(relevance, 'relevance'), encode(o.model, 'model'), optU32s(o.itemGroups, 'itemGroups')),
      ),
    );
  },
};
for (const name of FAIRLEARN) metrics[name] = fairlearnFn(name);

const version = native.version();

module.exports = {
  Engine,
  Taxonomy,
  FlatIndex,
  HnswIndex,
  QuantizedIndex,
  FairmatchError,
  rerank,
  metrics,
  MAX_NESTING,
  MAX_INPUT_NODES,
  version,
};

// Test-only, not part of the API (not in index.d.ts, not enumerable, not an ESM export —
// defined through an alias, which Node's export scan does not follow): see `__panicForTest`
// in src/lib.rs; inert unless FAIRMATCH_TEST_PANIC=1.
const surface = module.exports;
Object.defineProperty(surface, '__panicForTest', {
  // on: 'js' (throws), 'libuv' or 'rayon' (rejects)
  value: (on) => (on === 'js' ? call(() => native.__panicForTest(on)) : rejected(() => call(() => native.__panicForTest(str(on, 'on'))))),
  enumerable: false,
});
