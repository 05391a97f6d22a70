'use strict';
/**
 * Tapes: the binary form of large results (src/tape.rs has the layout), decoded into the
 * same plain objects JSON.parse builds from the JSON, value for value and key for key: the
 * numbers are read from a Float64Array, and each struct shape (its sequence of keys) is one
 * object literal compiled once per process. Internal to the package (index.js uses it).
 */

const TAPE_MAGIC = 0x31544d46; // "FMT1", little-endian
const utf8 = new TextDecoder('utf-8');
/** Compiled object builders by shape (keys joined with NUL). */
const builders = new Map();
let tNums;
let tOps;
let tStrs;
let tShapes;
let tNum = 0;
let tOp = 0;

/** A function building the object of `keys` from the next values of the tape. */
function builder(keys) {
  const id = keys.join('\0');
  let b = builders.get(id);
  if (b === undefined) {
    if (keys.includes('__proto__')) {
      b = (next) => {
        const o = {};
        for (const k of keys) Object.defineProperty(o, k, { value: next(), writable: true, enumerable: true, configurable: true });
        return o;
      };
    } else {
      // keys are JSON-quoted (valid JS string literals); values are read in key order
      // eslint-disable-next-line no-new-func
      b = new Function('next', `return {${keys.map((k) => `${JSON.stringify(k)}: next()`).join(', ')}};`);
    }
    builders.set(id, b);
  }
  return b;
}

/** The next value of the tape being decoded. */
function nextValue() {
  const op = tOps[tOp++];
  const arg = op >>> 3;
  switch (op & 7) {
    case 0:
      return null;
    case 1:
      return false;
    case 2:
      return true;
    case 3:
      return tNums[tNum++];
    case 4:
      return tStrs[arg];
    case 5: {
      const a = [];
      for (let i = 0; i < arg; i += 1) a.push(nextValue());
      return a;
    }
    case 6:
      return tShapes[arg](nextValue);
    default: {
      const o = {};
      for (let i = 0; i < arg; i += 1) {
        const k = tStrs[tOps[tOp++] >>> 3];
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
  tNums = nums;
  tOps = words;
  tStrs = strs;
  tShapes = shapes;
  tNum = 0;
  tOp = 0;
  try {
    return nextValue();
  } finally {
    tNums = tOps = tStrs = tShapes = undefined;
  }
}

module.exports = { untape };
