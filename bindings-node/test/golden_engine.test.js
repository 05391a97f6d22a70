// The rerank golden fixtures (fixtures/golden/rerank, same checks as
// core/tests/rerank_fixtures.rs: exact tables and rankings, 1e-9 for probabilities) and the
// frozen v1 snapshot (fixtures/snapshots/v1, as core/tests/compat.rs): loaded through Node,
// it answers exactly as answers.json records, for the default and the megilance_v1 preset.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { Engine, rerank } = require('../index.js');
const { ROOT, load } = require('./helpers.js');

test('unadjusted m-tables match scipy', () => {
  const fx = load('rerank', 'fair_mtables');
  let checked = 0;
  for (const t of fx.tables) {
    const full = t.m_1_to_400;
    assert.deepEqual(rerank.mtable(400, t.p, t.alpha), full);
    for (const k of fx.ks) {
      assert.deepEqual(rerank.mtable(k, t.p, t.alpha), full.slice(0, k));
      checked += 1;
    }
  }
  assert.ok(checked > 1000);
  for (const t of fx.ties) assert.equal(rerank.mtable(t.n, t.p, t.alpha).at(-1), t.m);
});

test('adjusted m-tables in both modes', () => {
  const fx = load('rerank', 'fair_adjusted');
  let n = 0;
  for (const row of fx.adjusted) {
    for (const mode of /** @type {const} */ (['exact', 'fsc_compat'])) {
      if (!(mode in row)) continue;
      const exp = row[mode];
      const got = rerank.adjustedMtable(row.k, row.p, row.alpha, mode);
      assert.deepEqual(got.table, exp.table);
      assert.ok(Math.abs(got.failProbability - exp.fail_probability) < 1e-9);
      assert.ok(Math.abs(got.adjustedAlpha - exp.adjusted_alpha) < 1e-12);
      n += 1;
    }
  }
  assert.ok(n >= 300);
  for (const row of fx.fail_probabilities) {
    for (const mode of /** @type {const} */ (['exact', 'fsc_compat'])) {
      assert.ok(Math.abs(rerank.failProbability(row.table, row.p, mode) - row[mode]) < 1e-9);
    }
  }
});

test('FA*IR top-k matches fairsearchcore', () => {
  const fx = load('rerank', 'fair_top_k');
  for (const c of fx.cases) {
    const items = c.items.map((/** @type {any} */ it) => ({ id: it.id, score: it.score, group: Number(it.protected) }));
    const table = rerank.adjustedMtable(c.k, c.p, c.alpha, 'fsc_compat').table;
    const got = rerank.fairTopK(items, [1], c.k, table);
    assert.deepEqual(got, c.adjusted_fsc_compat);
    assert.deepEqual(rerank.fairTopK(items, [1], c.k, rerank.mtable(c.k, c.p, c.alpha)), c.unadjusted);
    if (typeof c.is_fair === 'boolean') {
      /** @type {Map<number, boolean>} */
      const group = new Map(items.map((/** @type {any} */ it) => [it.id, it.group === 1]));
      assert.equal(rerank.isFair(got.map((i) => Boolean(group.get(i))), table), c.is_fair);
    }
    // the same through the policy config the engine uses (camelCase keys inside the policy)
    const out = rerank.apply({ type: 'fair', p: c.p, alpha: c.alpha, mode: 'fsc_compat', protectedGroups: [1] }, items, c.k);
    assert.deepEqual(out.order, got);
  }
  for (const c of fx.is_fair) {
    const t = rerank.adjustedMtable(c.k, c.p, c.alpha, 'fsc_compat').table;
    assert.equal(rerank.isFair(c.protected, t), c.is_fair);
  }
});

test('Geyik et al. re-rankers match the corrected reference', () => {
  const fx = load('rerank', 'geyik');
  for (const c of fx.cases) {
    const items = c.groups.map((/** @type {number} */ g, /** @type {number} */ r) => ({ id: r, score: 1 - r / 1000, group: g }));
    for (const name of /** @type {const} */ (['det_greedy', 'det_cons', 'det_relaxed', 'det_const_sort'])) {
      assert.deepEqual(rerank.geyikRerank(items, c.targets, c.k, name), c[name].corrected, `${name} k=${c.k}`);
    }
  }
});

/**
 * snake_case keys → camelCase, except inside data maps (`vetoed`) and the megilance_v1
 * explanation, which keeps the seed's own keys.
 * @param {any} v
 * @returns {any}
 */
function camelize(v) {
  if (Array.isArray(v)) return v.map(camelize);
  if (v === null || typeof v !== 'object') return v;
  /** @type {Record<string, any>} */
  const out = {};
  for (const [k, x] of Object.entries(v)) {
    const key = k.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
    out[key] = k === 'vetoed' || k === 'megilance' ? x : camelize(x);
  }
  return out;
}

/**
 * Whether `expected` is part of `actual` (the rule of core/tests/compat.rs): equal scalars,
 * arrays of the same length whose items are parts, objects whose every key is a part of the
 * same key. Responses may grow fields (issue 14 added `belowGate`, label resolutions and the
 * focus term to explanations); every value the old file holds must still be answered the same.
 * @param {any} expected
 * @param {any} actual
 * @param {string} at
 */
function assertPart(expected, actual, at) {
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual) && actual.length === expected.length, `${at}: expected an array of ${expected.length}`);
    expected.forEach((v, i) => assertPart(v, actual[i], `${at}[${i}]`));
  } else if (expected !== null && typeof expected === 'object') {
    assert.ok(actual !== null && typeof actual === 'object', `${at}: expected an object`);
    for (const [k, v] of Object.entries(expected)) {
      assert.ok(k in actual, `${at}.${k} missing`);
      assertPart(v, actual[k], `${at}.${k}`);
    }
  } else {
    assert.strictEqual(actual, expected, at);
  }
}

test('the frozen v1 snapshot loads and answers as recorded (default and megilance_v1)', async () => {
  const dir = path.join(ROOT, 'fixtures', 'snapshots', 'v1');
  const text = fs.readFileSync(path.join(dir, 'answers.json'), 'utf8');
  // answers.json holds two pretty-printed documents, one per preset
  const split = text.indexOf('\n}\n') + 3;
  const expected = [JSON.parse(text.slice(0, split)), JSON.parse(text.slice(split))];
  const engine = await Engine.load(path.join(dir, 'engine.fm'));
  assert.equal(engine.events().events, 3);
  const presets = /** @type {const} */ (['default', 'megilance_v1']);
  for (const [i, preset] of presets.entries()) {
    const got = await engine.recommendFreelancers('j', { k: 5, preset, now: new Date(Date.UTC(2026, 5, 1, 12)) });
    assertPart(camelize(expected[i]), got, preset);
  }
  const mg = (await engine.recommendFreelancers('j', { k: 5, preset: 'megilance_v1', now: '2026-06-01T12:00:00Z' })).matches;
  assert.deepEqual(
    mg.map((x) => [x.id, x.score, x.label]),
    expected[1].matches.map((/** @type {any} */ x) => [x.id, x.score, x.label]),
  );
  // and the same bytes round-trip
  const bytes = fs.readFileSync(path.join(dir, 'engine.fm'));
  const again = await Engine.fromBuffer(bytes);
  assert.equal(again.freelancerCount, 3);
});
