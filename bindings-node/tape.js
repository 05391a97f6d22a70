'use strict';
/**
 * Tapes: the binary form of large results (src/tape.rs has the layout), decoded into the
 * same plain objects JSON.parse builds from the JSON, value for value and key for key: the
 * numbers are read from a Float64Array, and each struct shape (its sequence of keys) is one
 * object literal compiled once per process, whose numbers and strings are read inline (other
 * values go through `value`). Internal to the package (index.js uses it).
 */

const TAPE_MAGIC = 0x31544d46; // "FMT1", little-endian
const utf8 = new TextDecoder('utf-8');

// what `T` holds between decodes (no reference to the last tape)
const NO_NUMS = new Float64Array(0);
const NO_OPS = new Uint32Array(0);
/** @type {string[]} */
const NO_STRS = [];
/** @type {Array<() => object>} */
const NO_SHAPES = [];
/**
 * The tape being decoded: its parts and the read positions (one decode at a time).
 * @type {{ nums: Float64Array, ops: Uint32Array, strs: string[], shapes: Array<() => object>, op: number, num: number }}
 */
const T = { nums: NO_NUMS, ops: NO_OPS, strs: NO_STRS, shapes: NO_SHAPES, op: 0, num: 0 };

/** Compiled object builders by shape (keys joined with NUL). */
const builders = new Map();

/** A function building the object of `keys` from the next values of the tape. */
function builder(keys) {
  const id = keys.join('\0');
  let b = builders.get(id);
  if (b === undefined) {
    if (keys.includes('__proto__')) {
      b = () => {
        const o = {};
        for (const k of keys) Object.defineProperty(o, k, { value: nextValue(), writable: true, enumerable: true, configurable: true });
        return o;
      };
    } else {
      // keys are JSON-quoted (valid JS string literals); values are read in key order: a number
      // (tag 3), a string (4), null (0) or an object of a shape (6) inline, anything else
      // through `value(op)`
      const field = (k) =>
        `${JSON.stringify(k)}: ((w = T.ops[T.op++]) & 7) === 3 ? T.nums[T.num++] : (w & 7) === 4 ? T.strs[w >>> 3] : w === 0 ? null : (w & 7) === 6 ? T.shapes[w >>> 3]() : value(w)`;
      // eslint-disable-next-line no-new-func
      b = new Function('T', 'value', `return function build() { let w; return {${keys.map(field).join(', ')}}; };`)(T, value);
    }
    builders.set(id, b);
  }
  return b;
}

/** The next value of the tape being decoded. */
function nextValue() {
  return value(T.ops[T.op++]);
}

/** The value of op `op` (already read) and of what follows it on the tape. */
function value(op) {
  const arg = op >>> 3;
  switch (op & 7) {
    case 0:
      return null;
    case 1:
      return false;
    case 2:
      return true;
    case 3:
      return T.nums[T.num++];
    case 4:
      return T.strs[arg];
    case 5: {
      const a = new Array(arg);
      for (let i = 0; i < arg; i += 1) a[i] = nextValue();
      return a;
    }
    case 6:
      return T.shapes[arg]();
    default: {
      const o = {};
      for (let i = 0; i < arg; i += 1) {
        const k = T.strs[T.ops[T.op++] >>> 3];
        const v = nextValue();
        if (k === '__proto__') Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
        else o[k] = v;
      }
      return o;
    }
  }
}

/** The value of a tape (a Buffer from the addon). */
function untape(buf) {
  let bytes = buf;
  if (bytes.byteOffset % 8 !== 0) bytes = new Uint8Array(bytes); // a copy, 8-aligned
  const h = new Uint32Array(bytes.buffer, bytes.byteOffset, 8);
  if (h[0] !== TAPE_MAGIC) throw new Error('fairmatch: not a result tape (a native build of another version?)');
  const [, nNums, nOps, nStrs, nShapeWords, textLen] = h;
  let at = bytes.byteOffset + 32;
  const nums = new Float64Array(bytes.buffer, at, nNums);
  at += nNums * 8;
  const words = new Uint32Array(bytes.buffer, at, nOps + nStrs + nShapeWords);
  at += words.length * 4;
  const text = utf8.decode(new Uint8Array(bytes.buffer, at, textLen));
  const strs = new Array(nStrs);
  let start = 0;
  for (let i = 0; i < nStrs; i += 1) {
    const end = words[nOps + i];
    strs[i] = text.substring(start, end);
    start = end;
  }
  const shapes = [];
  for (let i = nOps + nStrs; i < words.length; ) {
    const n = words[i];
    const keys = new Array(n);
    for (let j = 0; j < n; j += 1) keys[j] = strs[words[i + 1 + j]];
    shapes.push(builder(keys));
    i += n + 1;
  }
  T.nums = nums;
  T.ops = words;
  T.strs = strs;
  T.shapes = shapes;
  T.op = 0;
  T.num = 0;
  try {
    return nextValue();
  } finally {
    // drop the references to this tape (its Buffer can be collected)
    T.nums = NO_NUMS;
    T.ops = NO_OPS;
    T.strs = NO_STRS;
    T.shapes = NO_SHAPES;
  }
}

module.exports = { untape };
