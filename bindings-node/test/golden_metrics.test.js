// fixtures/golden/metrics/*.json through the Node API, with the tolerances of
// core/tests/metrics_golden.rs (1e-12 relative for closed forms, 1e-9 for p-values):
// classification.json (every case, every zero_division mode, every aggregate key, the AIF360
// pair metrics, GEI/Theil/CV, intersections), edge_cases.json, ranking.json (every key of
// every case, expected exposure, Gini), rating.json (every key, Benjamini-Hochberg).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { metrics: m } = require('../index.js');
const { load, num, close, check, checkAsync } = require('./helpers.js');

const MODES = /** @type {const} */ (['nan', 'zero', 'one', 'error']);

/** @typedef {import('../index.js').GroupConfusion} GroupConfusion */

/**
 * @param {any} c
 * @param {boolean} typed zero-copy typed arrays, or plain arrays
 */
function confusion(c, typed) {
  if (typed) {
    return m.GroupConfusion.from(Uint8Array.from(c.y_true), Uint8Array.from(c.y_pred), Uint32Array.from(c.groups), {
      sampleWeight: c.weights === null ? undefined : Float64Array.from(c.weights),
      nGroups: c.n_groups,
    });
  }
  return m.GroupConfusion.from(c.y_true, c.y_pred.map(Boolean), c.groups, {
    sampleWeight: c.weights === null ? undefined : c.weights,
    nGroups: c.n_groups,
  });
}

/** snake_case fixture key → camelCase method name. */
const camel = (/** @type {string} */ s) => s.replace(/_([a-z])/g, (_, c) => c.toUpperCase());

/**
 * @param {string} key e.g. "equalized_odds_difference_mean/to_overall"
 * @returns {[string, any]}
 */
function aggregate(key) {
  const [name, method] = key.split('/');
  for (const agg of ['worst_case', 'mean']) {
    if (name.endsWith(`_${agg}`)) return [camel(name.slice(0, -agg.length - 1)), { method, agg }];
  }
  return [camel(name), { method }];
}

/** @param {any[]} cases */
async function runClassification(cases) {
  let n = 0;
  for (const c of cases) {
    for (const typed of [false, true]) {
      const gc = /** @type {any} */ (await confusion(c, typed));
      for (const z of MODES) {
        for (const [key, want] of Object.entries(c.expected[z])) {
          const [name, o] = aggregate(key);
          check(`${c.name} ${z} ${key}`, () => gc[name]({ ...o, zeroDivision: z }), want);
          n += 1;
        }
      }
      if (typeof c.expected_pair === 'string') {
        assert.throws(() => gc.compare(c.unprivileged, c.privileged, 'nan'), (/** @type {any} */ e) => e.name === 'FairmatchError');
        continue;
      }
      for (const z of MODES) {
        const pc = /** @type {any} */ (gc.compare(c.unprivileged, c.privileged, z));
        for (const [key, want] of Object.entries(c.expected_pair[z])) {
          check(`${c.name} ${z} pair ${key}`, () => pc[camel(key)](), want);
          n += 1;
        }
      }
    }
  }
  return n;
}

test('classification matches fairlearn and AIF360', async () => {
  const cases = load('metrics', 'classification').cases;
  assert.ok(cases.length >= 20);
  assert.ok((await runClassification(cases)) > 2000);
  for (const c of cases.filter((/** @type {any} */ c) => 'attributes' in c)) {
    assert.deepEqual(Array.from(m.intersectGroups(c.attributes, c.cardinalities)), c.groups);
  }
});

test('free functions equal the confusion methods (fairlearn signature)', async () => {
  for (const c of load('metrics', 'classification').cases) {
    for (const z of MODES) {
      for (const [key, want] of Object.entries(c.expected[z])) {
        const [name, o] = aggregate(key);
        const fn = /** @type {any} */ (m)[name];
        await checkAsync(
          `${c.name} ${z} ${key}`,
          () =>
            fn(c.y_true, c.y_pred, {
              sensitiveFeatures: c.groups,
              sampleWeight: c.weights === null ? undefined : c.weights,
              nGroups: c.n_groups,
              zeroDivision: z,
              ...o,
            }),
          want,
        );
      }
    }
  }
});

test('AIF360 generalized entropy and Theil indexes', async () => {
  const f = load('metrics', 'classification');
  for (const c of f.cases) {
    const gc = await confusion(c, true);
    const aif = c.reference.aif360_classic;
    const pc = gc.compare(c.unprivileged, c.privileged, 'nan');
    check('eod', () => pc.equalizedOddsDifference(), aif.equalized_odds_difference);
    const g = c.expected_gei;
    for (const a of [0, 1, 2, 3]) {
      check('gei', () => gc.generalizedEntropyIndex({ alpha: a, convention: 'speicher' }), g[`generalized_entropy_index/${a}`]);
      check('bg gei', () => gc.betweenGroupGeneralizedEntropyIndex({ alpha: a }), g[`between_group_generalized_entropy_index/${a}`]);
    }
    check('gei aif', () => gc.generalizedEntropyIndex({ alpha: 0, convention: 'aif360' }), g['generalized_entropy_index_aif360/0']);
    if (c.weights === null) {
      check('theil', () => gc.theilIndex(), aif.theil_index);
      check('cv', () => gc.coefficientOfVariation(), aif.coefficient_of_variation);
      check('bg theil', () => gc.betweenGroupTheilIndex(), aif.between_all_groups_theil_index);
    }
  }
  for (const v of f.aif360_test_vectors) {
    const gc = await m.GroupConfusion.from(v.y_true, v.y_pred, v.groups);
    /** @type {Record<string, () => number>} */
    const calls = {
      generalized_entropy_index_2: () => gc.generalizedEntropyIndex({ alpha: 2 }),
      theil_index: () => gc.theilIndex(),
      between_all_groups_gei_2: () => gc.betweenGroupGeneralizedEntropyIndex({ alpha: 2 }),
      between_group_gei_2: () => gc.betweenGroupGeneralizedEntropyIndex({ alpha: 2 }),
    };
    for (const [key, fn] of Object.entries(calls)) if (key in v) check(`${v.name} ${key}`, fn, v[key]);
  }
});

test('edge cases in every zero_division mode', async () => {
  assert.ok((await runClassification(load('metrics', 'edge_cases').cases)) > 50);
});

/** @type {Record<string, import('../index.js').PositionModel>} */
const MODELS = {
  log: { type: 'log' },
  clipped_log: { type: 'clipped_log' },
  rbp: { type: 'rbp', gamma: 0.5 },
  geometric: { type: 'geometric', p: 0.5 },
};

/** @param {ArrayLike<number>} got @param {number[]} want @param {string} ctx */
function allClose(got, want, ctx) {
  assert.equal(got.length, want.length, ctx);
  for (let i = 0; i < want.length; i += 1) assert.ok(close(got[i], num(want[i]), 1e-12), `${ctx}[${i}]: ${got[i]} vs ${want[i]}`);
}

test('ranking metrics match FairRankTune / reference values', async () => {
  const f = load('metrics', 'ranking');
  let n = 0;
  for (const c of f.cases) {
    const r = c.ranking;
    const k = c.n_groups;
    const rel = c.relevance;
    for (const [key, want] of Object.entries(c.expected)) {
      const parts = key.split('/');
      const ctx = `${c.name} ${key}`;
      const tgt = parts.length > 1 ? c.targets[parts[1]] || [] : [];
      const w = /** @type {any} */ (want);
      switch (parts[0]) {
        case 'ndkl':
          check(ctx, () => m.ndkl(r, tgt), w);
          break;
        case 'skew':
          w.forEach((/** @type {unknown} */ x, /** @type {number} */ g) => check(ctx, () => m.skew(r, tgt, g, Number(parts[2])), x));
          break;
        case 'min_skew':
          check(ctx, () => m.minSkew(r, tgt, Number(parts[2])), w);
          break;
        case 'max_skew':
          check(ctx, () => m.maxSkew(r, tgt, Number(parts[2])), w);
          break;
        case 'infeasible': {
          const inf = m.infeasible(r, tgt, parts[2] === 'exclude_last');
          assert.deepEqual([inf.index, inf.count], w, ctx);
          break;
        }
        case 'frt_ndkl_quirk': {
          const got = m.ndkl(r, c.targets.list);
          assert.ok(close(got, num(w), 1e-4) || Math.abs(got - num(w)) < 1e-6, ctx);
          break;
        }
        case 'group_exposure':
          allClose(m.groupExposure(r, k, { model: MODELS[parts[1]], combiner: 'l2' }).perGroup, w, ctx);
          break;
        case 'exposure_share':
          allClose(m.attentionShares(r, k, { model: MODELS[parts[1]] }), w, ctx);
          break;
        case 'exp':
          check(ctx, () => m.groupExposure(r, k, { combiner: /** @type {any} */ (parts[1]) }).value, w);
          break;
        case 'expu':
          check(ctx, () => m.exposurePerUtility(r, rel, k, { combiner: /** @type {any} */ (parts[1]) }).value, w);
          break;
        case 'awrf':
          check(ctx, () => m.awrf(r, k, 0.5, { combiner: /** @type {any} */ (parts[1]) }).value, w);
          break;
        case 'arp':
          check(ctx, () => m.attributeRankParity(r, k, { combiner: /** @type {any} */ (parts[1]) }).value, w);
          break;
        case 'arp_per_group':
          allClose(m.attributeRankParity(r, k, { combiner: 'l2' }).perGroup, w, ctx);
          break;
        case 'ys': {
          const prot = r.map((/** @type {number} */ g) => g === 1);
          check(ctx, () => m.yangStoyanovich(prot, /** @type {any} */ (parts[1]), { step: 10, discount: 'code', normalize: parts[2] === 'normalized' }), w);
          break;
        }
        default:
          assert.fail(`unchecked key ${parts[0]}`);
      }
      n += 1;
    }
  }
  assert.ok(n > 300, String(n));
  for (const c of f.expected_exposure) {
    for (const [groups, want] of [[undefined, c.expected], [c.item_groups, c.expected_groups]]) {
      const e = m.expectedExposure(c.rankings, c.relevance, { model: MODELS.rbp, itemGroups: groups });
      assert.ok(close(e.eeL, num(want.ee_l), 1e-12));
      assert.ok(close(e.eeD, num(want.ee_d), 1e-12));
      assert.ok(close(e.eeR, num(want.ee_r), 1e-12));
    }
  }
  for (const c of f.gini) {
    await checkAsync('gini', () => m.gini(Float64Array.from(c.values)), c.gini);
    await checkAsync('gini n', () => m.gini(c.values, { normalized: true }), c.gini_normalized);
  }
});

test('rating tests match scipy', async () => {
  const f = load('metrics', 'rating');
  for (const c of f.cases) {
    const a = Float64Array.from(c.a);
    const b = c.b;
    for (const [key, want] of Object.entries(c.expected)) {
      const parts = key.split('/');
      const ctx = `${c.name} ${key}`;
      const alternative = /** @type {import('../index.js').Alternative} */ (parts.length > 1 ? parts[1].replace('-', '_') : 'two_sided');
      const w = /** @type {any} */ (want);
      if (parts[0] === 'welch') {
        const t = await m.welchTTest(a, b, { alternative });
        assert.ok(close(t.statistic, num(w.statistic), 1e-12), ctx);
        assert.ok(close(t.df, num(w.df), 1e-12), ctx);
        assert.ok(close(t.pValue, num(w.p_value), 1e-9), ctx);
      } else if (parts[0] === 'mwu') {
        const u = await m.mannWhitneyU(a, b, { continuity: parts[2] === 'cc', alternative });
        assert.equal(u.u1, num(w.u1), ctx);
        assert.ok(close(u.pValue, num(w.p_value), 1e-9), ctx);
      } else if (parts[0] === 'brunner_munzel') {
        const t = await m.brunnerMunzel(a, b, { alternative });
        assert.ok(close(t.statistic, num(w.statistic), 1e-12), ctx);
        assert.ok(close(t.pValue, num(w.p_value), 1e-9), ctx);
      } else if (parts[0] === 'rank_biserial') {
        assert.ok(close(m.rankBiserial(a, b), num(w), 1e-12), ctx);
      } else if (parts[0] === 'bayesian_average') {
        const pm = num(w.prior_mean);
        const cc = num(w.C);
        const sum = (/** @type {ArrayLike<number>} */ x) => Array.from(x).reduce((s, v) => s + v, 0);
        assert.ok(close(m.bayesianAverage(sum(a), a.length, pm, cc), num(w.a), 1e-12));
        assert.ok(close(m.bayesianAverage(sum(b), b.length, pm, cc), num(w.b), 1e-12));
      } else {
        assert.fail(`unchecked ${key}`);
      }
    }
  }
  for (const c of f.benjamini_hochberg) {
    const got = m.benjaminiHochberg(c.p);
    c.adjusted.forEach((/** @type {number} */ x, /** @type {number} */ i) => assert.ok(close(got[i], x, 1e-12)));
  }
});
