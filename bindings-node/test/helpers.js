// Shared helpers: the golden fixtures under fixtures/golden and the Rust tests' tolerances.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const assert = require('node:assert/strict');

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * One golden fixture file, e.g. load('metrics', 'classification').
 * @param {string} kind
 * @param {string} name
 * @returns {any}
 */
function load(kind, name) {
  return JSON.parse(fs.readFileSync(path.join(ROOT, 'fixtures', 'golden', kind, `${name}.json`), 'utf8'));
}

/**
 * A fixture number: "nan"/"inf"/"-inf" strings; null (an object output's NaN) is NaN.
 * @param {unknown} v
 * @returns {number}
 */
function num(v) {
  if (v === null || v === undefined) return NaN;
  if (typeof v === 'string') return /** @type {Record<string, number>} */ ({ nan: NaN, inf: Infinity, '-inf': -Infinity })[v];
  return Number(v);
}

/**
 * Same rule as core/tests/metrics_golden.rs `close`.
 * @param {unknown} a
 * @param {number} b
 * @param {number} tol
 */
function close(a, b, tol) {
  const x = num(a);
  return (Number.isNaN(x) && Number.isNaN(b)) || x === b || Math.abs(x - b) <= tol * Math.abs(b) || Math.abs(x - b) <= tol * 1e-3;
}

/**
 * Calls fn(); the fixture's "error" means an UNDEFINED_METRIC error.
 * @param {string} ctx
 * @param {() => number} fn
 * @param {unknown} want
 * @param {number} [tol]
 */
function check(ctx, fn, want, tol = 1e-12) {
  if (want === 'error') {
    assert.throws(fn, (/** @type {any} */ e) => e.code === 'UNDEFINED_METRIC', ctx);
    return;
  }
  const got = fn();
  assert.ok(close(got, num(want), tol), `${ctx}: got ${got}, want ${want}`);
}

/**
 * The async form of check.
 * @param {string} ctx
 * @param {() => Promise<number>} fn
 * @param {unknown} want
 * @param {number} [tol]
 */
async function checkAsync(ctx, fn, want, tol = 1e-12) {
  if (want === 'error') {
    await assert.rejects(fn, (/** @type {any} */ e) => e.code === 'UNDEFINED_METRIC', ctx);
    return;
  }
  const got = await fn();
  assert.ok(close(got, num(want), tol), `${ctx}: got ${got}, want ${want}`);
}

/**
 * Asserts that `fn` throws (or rejects with) a FairmatchError with `code` (and `field`).
 * @param {() => unknown} fn
 * @param {string} code
 * @param {string} [field]
 */
async function expectError(fn, code, field) {
  /** @type {any} */
  let err;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err, `expected ${code}, nothing was thrown`);
  assert.equal(err.name, 'FairmatchError', String(err && err.stack));
  assert.equal(err.code, code, err.message);
  if (field !== undefined) assert.equal(err.field, field, err.message);
  return err;
}

module.exports = { ROOT, load, num, close, check, checkAsync, expectError };
