// Learning from outcomes through Node (issue 18): logged exploration with propensities,
// propensities back in recordImpressions, learn / learnedModel / learnedWeights /
// evaluateOffline, the learned preset by name, INSUFFICIENT_LOGS, the log in snapshots.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { Engine } = require('../index.js');
const { expectError } = require('./helpers.js');

const T0 = Date.UTC(2026, 2, 1);
const SKILLS = ['python', 'sql', 'javascript', 'react', 'django', 'docker', 'rust', 'java'];
const ZONES = ['Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'Europe/London'];
/** @type {Record<string, number>} the simulated clients' hidden weights */
const TRUTH = { skills: 0.15, rate: 0.35, reputation: 0.1, recency: 0.3, timezone: 0.1 };

/** @param {number} seed */
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** @param {number | null} share */
async function market(share) {
  /** @type {import('../index.js').EngineConfig} */
  const config = share === null ? {} : { learning: { exploration: { share, topM: 8, temperature: 0.05, seed: 3 } } };
  const e = new Engine({ config });
  const r = rng(5);
  /** @type {import('../index.js').Freelancer[]} */
  const fs = [];
  for (let i = 0; i < 200; i += 1) {
    const total = Math.floor(r() * 40);
    fs.push({
      id: `f${String(i).padStart(3, '0')}`,
      skills: [0, 1, 2].map(() => ({ skill: SKILLS[Math.floor(r() * 8)], level: 1 + Math.floor(r() * 5) })),
      hourlyRate: 15 + r() * 125,
      timezone: ZONES[Math.floor(r() * 4)],
      languages: ['en'],
      lastActive: new Date(T0 - Math.floor(r() * 200) * 86400000).toISOString(),
      history: { contractsTotal: total, contractsCompleted: Math.floor((total * 9) / 10), ratingsCount: Math.floor(total / 2), ratingsSum: Math.floor(total / 2) * (3 + 2 * r()) },
    });
  }
  await e.upsertFreelancers(fs);
  /** @type {import('../index.js').Job[]} */
  const jobs = [];
  for (let i = 0; i < 20; i += 1) {
    jobs.push({
      id: `j${String(i).padStart(2, '0')}`,
      skills: [{ skill: SKILLS[i % 8], minLevel: 2 }, { skill: SKILLS[(3 * i + 1) % 8], importance: 'nice' }],
      budget: { kind: 'hourly', min: 20, max: 80 },
      timezone: { zone: 'Europe/Berlin' },
      attributes: { client_id: `c${i % 3}` },
    });
  }
  await e.upsertJobs(jobs);
  return e;
}

/** @param {import('../index.js').Engine} e @param {number} rounds @param {number} seed */
async function simulate(e, rounds, seed) {
  const r = rng(seed);
  let t = 0;
  for (let round = 0; round < rounds; round += 1) {
    for (let j = 0; j < 20; j += 1) {
      t += 1;
      const jobId = `j${String(j).padStart(2, '0')}`;
      const requestId = `r${seed}-${round}-${j}`;
      const at = new Date(T0 + t * 1000).toISOString();
      const recs = await e.recommendFreelancers(jobId, { k: 10, now: new Date(T0).toISOString(), requestId });
      e.recordImpressions({
        requestId, jobId, at,
        freelancerIds: recs.matches.map((m) => m.id),
        propensities: recs.matches.map((m) => m.propensity ?? 1),
      });
      recs.matches.forEach((m, pos) => {
        const u = m.factors.reduce((s, f) => s + (TRUTH[f.name] ?? 0) * f.value, 0);
        const p = (1 / Math.log2(pos + 2)) / (1 + Math.exp(-(-4 + 8 * u)));
        if (r() < p) e.recordOutcome({ freelancerId: m.id, jobId, kind: 'applied', at });
      });
    }
  }
}

test('exploration reorders the top with exact propensities, reproducibly', async () => {
  const e = await market(1);
  const opts = { k: 10, now: new Date(T0).toISOString(), requestId: 'req-1' };
  const a = await e.recommendFreelancers('j01', opts);
  const b = await e.recommendFreelancers('j01', opts);
  assert.equal(a.explored, true);
  assert.deepEqual(a.matches.map((m) => m.id), b.matches.map((m) => m.id));
  const props = a.matches.map((m) => m.propensity);
  assert.ok(props.every((p) => p !== undefined && p > 0 && p <= 1));
  assert.deepEqual(props.slice(8), [1, 1]);
  const plain = await (await market(null)).recommendFreelancers('j01', { k: 10, now: new Date(T0).toISOString() });
  assert.equal(plain.explored, undefined);
  assert.ok(plain.matches.every((m) => m.propensity === undefined));
});

test('learn, evaluate offline and rank with the learned preset', async () => {
  const e = await market(0.5);
  await expectError(() => e.recommendFreelancers('j00', { preset: 'learned' }), 'INSUFFICIENT_LOGS');
  await simulate(e, 80, 1);
  const model = await e.learn({ target: 'proposed', bootstrapRounds: 30 });
  assert.ok(Math.abs(model.weights.reduce((s, w) => s + w, 0) - 1) < 1e-9);
  const w = Object.fromEntries(model.factorNames.map((n, i) => [n, model.weights[i]]));
  assert.ok(w.rate > w.experience && w.recency > w.availability, JSON.stringify(w));
  assert.equal(model.weightIntervals.length, 9);
  const { logLoss, baselineLogLoss } = model.holdout;
  assert.ok(logLoss !== null && baselineLogLoss !== null && logLoss < baselineLogLoss);
  assert.deepEqual(e.learnedModel(), model);
  assert.deepEqual(e.learnedWeights(), model.weights);
  const r = await e.recommendFreelancers('j00', { preset: 'learned', k: 5, now: new Date(T0).toISOString() });
  assert.equal(r.preset, 'learned');
  const ev = await e.evaluateOffline([{ name: 'default' }, { preset: 'learned' }], { k: 5, bootstrapRounds: 50, seed: 1 });
  assert.deepEqual(ev.map((x) => x.name), ['default', 'learned']);
  for (const x of ev) {
    assert.deepEqual(new Set(x.estimates.map((s) => s.estimator)), new Set(['ips', 'snips', 'doubly_robust']));
    for (const s of x.estimates) assert.ok(s.lo <= s.value && s.value <= s.hi);
  }
  await expectError(() => e.evaluateOffline([{ preset: /** @type {any} */ ('megilance_v1') }]), 'INVALID_INPUT', 'candidates[0].preset');
  const back = await Engine.fromBuffer(await e.toBuffer());
  assert.deepEqual(back.learnedModel(), model);
  assert.ok((await back.toBuffer()).equals(await e.toBuffer()));
});

test('without exploration learning is refused with INSUFFICIENT_LOGS', async () => {
  const e = await market(null);
  await simulate(e, 8, 2);
  const err = await expectError(() => e.learn(), 'INSUFFICIENT_LOGS');
  assert.match(err.message, /position variation/);
  assert.equal(e.learnedModel(), null);
  assert.equal(e.learnedWeights('c0'), null);
  await expectError(
    () => e.recordImpressions({ requestId: 'r', jobId: 'j00', freelancerIds: ['f000'], propensities: [1.5], at: new Date(T0).toISOString() }),
    'INVALID_INPUT', 'impressions.propensities[0]',
  );
});
