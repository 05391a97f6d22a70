// The binary result form ("tape", src/tape.rs) against the JSON it replaces: for each kind of
// recommendation, the public call (tape, decoded by index.js) answers exactly what JSON.parse
// makes of the same result written as camelCase JSON — the same values, the same keys in the
// same order, null where JSON has null — including non-ASCII text, and whether the Promise was
// settled before the tape was written or after.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');

const { Engine } = require('..');
const native = require(process.env.FAIRMATCH_NATIVE || path.join(__dirname, '..', 'fairmatch.node'));
const { freelancers, JOB } = require('./catalogue.js');

const NOW = '2026-06-01T12:00:00Z';
/** @type {import('../index.js').FairnessOptions} */
const FAIR = {
  policy: { type: 'det_greedy', targets: [{ group: 0, proportion: 0.34 }, { group: 1, proportion: 0.33 }, { group: 2, proportion: 0.33 }] },
  attribute: 'group',
  groups: ['a', 'b', 'c'],
};

/**
 * The public answer and JSON.parse of the same result's JSON, compared key order and all.
 * @param {Engine} e
 * @param {string} id
 * @param {import('../index.js').RecommendOptions} options
 * @param {boolean} [jobs] recommend jobs for freelancer `id`
 */
async function same(e, id, options, jobs = false) {
  const got = jobs ? await e.recommendJobs(id, options) : await e.recommendFreelancers(id, options);
  const json = JSON.parse(native.BenchRecommendation.compute(/** @type {any} */ (e).native, id, JSON.stringify(options), jobs).utf8());
  assert.deepStrictEqual(got, json);
  assert.equal(JSON.stringify(got), JSON.stringify(json));
  return got;
}

test('recommendations decode from the tape exactly as from JSON', async () => {
  const e = new Engine();
  const cat = freelancers(400);
  // non-ASCII labels and ids (the tape's string ends are UTF-16 offsets)
  cat[0] = { ...cat[0], id: 'f-é😀', skills: [{ skill: 'React', level: 5 }, { skill: 'Dévelopement 🚀', level: 3 }] };
  await e.upsertFreelancers(cat);
  e.upsertJob(JOB);
  e.upsertJob({ ...JOB, id: 'job-ü', skills: [...(JOB.skills ?? []), { skill: 'Dévelopement 🚀', minLevel: 1, importance: 'nice' }] });

  const r = await same(e, 'job-ü', { k: 20, explain: true, now: NOW });
  assert.ok(r.matches.some((/** @type {{ id: string }} */ m) => m.id === 'f-é😀'));
  await same(e, 'job-1', { k: 20, explain: false, now: NOW });
  const fair = await same(e, 'job-1', { k: 10, explain: true, fairness: FAIR, now: NOW });
  assert.equal(fair.matches.length, 10);
  await same(e, 'job-1', { k: 5, preset: 'megilance_v1', explain: true, now: NOW });
  await same(e, 'job-1', { k: 1, minScore: 0.99, now: NOW }); // few or no matches
  await same(e, 'f-é😀', { k: 2, explain: true, now: NOW }, true);
  // up to 64 matches the Promise is settled before the tape is written, beyond after it
  // (src/engine.rs, EARLY_SETTLE_MAX_MATCHES): both ways answer the same
  for (const [k, early] of [[64, 1], [65, 0], [150, 0]]) {
    const before = native.testEarlySettlements();
    const big = await same(e, 'job-1', { k, explain: true, now: NOW });
    assert.equal(big.matches.length, k);
    assert.equal(native.testEarlySettlements() - before, early, `k = ${k}`);
  }
});
