// The Engine through Node: every error code for its bad input (and nothing changes on a
// rejected write), hostile inputs (deep, self-referential, exponential), Buffer and file
// round-trips, concurrent Promises with an upsert in between, vector indexes, accumulators.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Engine, FlatIndex, HnswIndex, QuantizedIndex, Taxonomy, metrics, MAX_NESTING } = require('../index.js');
const { expectError } = require('./helpers.js');
const { freelancers, JOB } = require('./catalogue.js');

async function small() {
  const e = new Engine();
  await e.upsertFreelancers(freelancers(50));
  e.upsertJob(JOB);
  return e;
}

test('INVALID_INPUT names the camelCase field; a rejected write changes nothing', async () => {
  const e = await small();
  const before = await e.toBuffer();
  await expectError(() => e.upsertFreelancer({ id: 'x', hourlyRate: -3 }), 'INVALID_INPUT', 'freelancer.hourlyRate');
  await expectError(() => e.upsertFreelancer(/** @type {any} */ ({ id: 'x', skills: [{ skill: 'Go', levl: 2 }] })), 'INVALID_INPUT', 'freelancer.skills[0].levl');
  await expectError(() => e.upsertFreelancer({ id: 'x', hourlyRate: NaN }), 'INVALID_INPUT', 'freelancer.hourlyRate');
  const batch = freelancers(3, 99);
  batch[2] = { ...batch[2], hourlyRate: -1 };
  await expectError(() => e.upsertFreelancers(batch), 'INVALID_INPUT', 'freelancers[2].hourlyRate');
  await expectError(() => e.recommendFreelancers('job-1', { k: -1 }), 'INVALID_INPUT', 'options.k');
  await expectError(() => e.recommendFreelancers('job-1', /** @type {any} */ ({ minScor: 1 })), 'INVALID_INPUT', 'options.minScor');
  await expectError(() => e.recommendFreelancers(/** @type {any} */ (42)), 'INVALID_INPUT', 'jobId');
  assert.ok((await e.toBuffer()).equals(before), 'nothing changed');
  assert.equal(e.freelancerCount, 50);
});

test('hostile inputs are typed errors, never a crash', async () => {
  const e = new Engine();
  /** @type {any} */
  let deep = { id: 'd' };
  for (let i = 0; i < MAX_NESTING + 5; i += 1) deep = { attributes: deep };
  const err = await expectError(() => e.upsertFreelancer(deep), 'INVALID_INPUT');
  assert.match(String(err.field), /^freelancer(\.attributes)+$/);
  /** @type {any} */
  const self = { id: 's' };
  self.attributes = self;
  await expectError(() => e.upsertFreelancer(self), 'INVALID_INPUT', 'freelancer.attributes');
  // an object shared by several places is not a cycle
  const skills = [{ skill: 'Go', level: 3 }];
  await e.upsertFreelancers([{ id: 's1', skills }, { id: 's2', skills }]);
  assert.equal(e.freelancerCount, 2);
  e.removeFreelancer('s1');
  e.removeFreelancer('s2');
  /** @type {any} */
  let dag = ['x'];
  for (let i = 0; i < 40; i += 1) dag = [dag, dag];
  await expectError(() => e.upsertFreelancers(dag), 'INVALID_INPUT');
  /** @type {any} */
  let veryDeep = [];
  for (let i = 0; i < 200000; i += 1) veryDeep = [veryDeep];
  await expectError(() => e.upsertFreelancers(veryDeep), 'INVALID_INPUT');
  await expectError(() => e.upsertFreelancer(/** @type {any} */ ({ id: 'b', hourlyRate: 10n ** 30n })), 'INVALID_INPUT', 'freelancer.hourlyRate');
  assert.equal(e.freelancerCount, 0);
});

test('UNKNOWN_ID, DIMENSION_MISMATCH, SNAPSHOT, IO and UNDEFINED_METRIC', async () => {
  const e = await small();
  const unknown = await expectError(() => e.recommendFreelancers('nope'), 'UNKNOWN_ID');
  assert.equal(unknown.kind, 'job');
  assert.equal(unknown.id, 'nope');
  await expectError(() => e.removeFreelancer('nope'), 'UNKNOWN_ID');
  await expectError(() => e.score('job-1', 'nope'), 'UNKNOWN_ID');

  const ix = new FlatIndex('m', 4);
  const dim = await expectError(() => ix.upsert(1, [1, 2, 3]), 'DIMENSION_MISMATCH', 'vector');
  assert.equal(dim.expected, 4);
  assert.equal(dim.got, 3);
  await expectError(() => ix.search(new Float32Array(3), 5), 'DIMENSION_MISMATCH');

  await expectError(() => Engine.fromBuffer(Buffer.from('not a snapshot at all')), 'SNAPSHOT');
  const bytes = await e.toBuffer();
  const cut = await expectError(() => Engine.fromBuffer(bytes.subarray(0, bytes.length - 7)), 'SNAPSHOT');
  assert.equal(cut.coreCode, 'CORRUPT_SNAPSHOT');
  await expectError(() => FlatIndex.fromBuffer(Buffer.alloc(16)), 'SNAPSHOT');

  const io = await expectError(() => Engine.load('/nonexistent/dir/engine.fm'), 'IO');
  assert.equal(io.path, '/nonexistent/dir/engine.fm');

  const gc = await metrics.GroupConfusion.from([1, 0], [0, 0], [0, 1]);
  await expectError(() => gc.demographicParityRatio({ zeroDivision: 'error' }), 'UNDEFINED_METRIC');
  await expectError(() => gc.demographicParityRatio({ zeroDivision: /** @type {any} */ ('never') }), 'INVALID_INPUT', 'zeroDivision');
});

test('recommend both ways with explanations, fairness moves and camelCase fields', async () => {
  const e = await small();
  const recs = await e.recommendFreelancers('job-1', {
    k: 10,
    fairness: { policy: { type: 'det_greedy', targets: [{ group: 0, proportion: 0.34 }, { group: 1, proportion: 0.33 }, { group: 2, proportion: 0.33 }] }, attribute: 'group', groups: ['a', 'b', 'c'] },
  });
  assert.equal(recs.matches.length, 10);
  assert.equal(typeof recs.belowMinScore, 'number');
  const top = recs.matches[0];
  assert.ok(top.explanation && top.explanation.skills);
  assert.ok(top.factors.some((f) => f.name === 'skills'));
  const jobs = await e.recommendJobs(top.id, { k: 3 });
  assert.equal(jobs.matches[0].id, 'job-1');
  const pair = e.score('job-1', top.id);
  assert.equal(pair.id, top.id);
  assert.ok(Array.isArray(pair.vetoes));
  const many = await e.scoreMany('job-1', recs.matches.map((m) => m.id));
  assert.deepEqual(many.map((p) => p.id), recs.matches.map((m) => m.id));
  assert.deepEqual(e.freelancer('f0').attributes, { group: 'a' });
  assert.equal(e.config().retrieval.minCatalog !== undefined, true);
  assert.equal(e.taxonomy.name, Taxonomy.builtin().name);
  assert.ok(Taxonomy.builtin().resolve('reactjs') !== null);
});

test('events, ledger and audit', async () => {
  const e = await small();
  const at = '2026-06-01T12:00:00Z';
  e.recordImpressions({ requestId: 'r1', jobId: 'job-1', freelancerIds: ['f0', 'f1', 'f2'], at });
  e.recordOutcome({ freelancerId: 'f0', jobId: 'job-1', kind: 'hired', at });
  assert.equal(e.events().events, 4); // three impression rows and one outcome
  assert.equal(typeof e.ledger(), 'object');
  const report = await e.audit('group');
  assert.equal(report.attribute, 'group');
  assert.deepEqual(report.groups.map((g) => g.group).sort(), ['a', 'b', 'c']);
  const a = report.groups.find((g) => g.group === 'a');
  assert.equal(a && a.funnel.hired, 1);
});

test('Buffer and file round-trips are byte-identical', async () => {
  const e = await small();
  e.recordOutcome({ freelancerId: 'f1', kind: 'viewed', at: new Date(Date.UTC(2026, 0, 1)) });
  const bytes = await e.toBuffer();
  const back = await Engine.fromBuffer(bytes);
  assert.ok((await back.toBuffer()).equals(bytes));
  const u8 = new Uint8Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  assert.ok((await (await Engine.fromBuffer(u8)).toBuffer()).equals(bytes));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fairmatch-node-'));
  const file = path.join(dir, 'engine.fm');
  await e.save(file);
  assert.ok(fs.readFileSync(file).equals(bytes));
  const loaded = await Engine.load(file);
  assert.ok((await loaded.toBuffer()).equals(bytes));
  assert.deepEqual(await loaded.recommendFreelancers('job-1', { k: 5 }), await e.recommendFreelancers('job-1', { k: 5 }));
  fs.rmSync(dir, { recursive: true });
});

test('concurrent Promises with an upsert in between', async () => {
  const e = new Engine();
  await e.upsertFreelancers(freelancers(5000));
  e.upsertJob(JOB);
  const star = { id: 'a-star', skills: [{ skill: 'React', level: 5 }, { skill: 'TypeScript', level: 5 }], hourlyRate: 60 };
  const first = Array.from({ length: 8 }, () => e.recommendFreelancers('job-1', { k: 20 }));
  e.upsertFreelancer(star); // between the two waves, while the first is in flight
  const second = Array.from({ length: 8 }, () => e.recommendFreelancers('job-1', { k: 20 }));
  const a = await Promise.all(first);
  const b = await Promise.all(second);
  for (const r of a) {
    // each first-wave answer saw the catalogue either before or after the upsert, whole
    assert.ok(r.candidates === 5000 || r.candidates === 5001);
    assert.equal(r.matches.length, 20);
  }
  for (const r of b) {
    assert.equal(r.candidates, 5001);
    assert.ok(r.matches.some((m) => m.id === 'a-star'));
    assert.deepEqual(r, b[0]);
  }
});

test('a query that would wait for a write moves from rayon to the libuv pool and sees the write whole', async () => {
  const native = require(process.env.FAIRMATCH_NATIVE || path.join(__dirname, '..', 'fairmatch.node'));
  const e = new Engine();
  await e.upsertFreelancers(freelancers(500));
  e.upsertJob(JOB);
  const core = /** @type {any} */ (e).native;
  const fallbacks = native.testLibuvFallbacks();
  // a reader holds the lock (libuv) ...
  const hold = native.testHoldRead(core, 1500);
  await new Promise((r) => setTimeout(r, 100));
  assert.ok(native.testReadable(core), 'a reader alone leaves the lock readable');
  // ... a write queues behind it and waits (from then on, new readers wait too) ...
  const write = e.upsertFreelancers(freelancers(3, 777).map((f, i) => ({ ...f, id: `late-${i}` })));
  const t0 = Date.now();
  while (native.testReadable(core)) {
    assert.ok(Date.now() - t0 < 1200, 'the write never waited for the lock');
    await new Promise((r) => setTimeout(r, 2));
  }
  // ... so a recommendation spawned on rayon must not block there: it moves to libuv, waits
  // behind the write, and answers after it
  const both = await Promise.all([e.recommendFreelancers('job-1', { k: 5 }), e.recommendJobs('f1', { k: 1 })]);
  await Promise.all([hold, write]);
  assert.equal(both[0].candidates, 503);
  assert.equal(both[0].matches.length, 5);
  assert.equal(both[1].matches.length, 1);
  assert.equal(native.testLibuvFallbacks() - fallbacks, 2, 'both queries took the libuv path');
  // with the lock free again, they run on rayon (no new fallback) and answer the same
  assert.deepEqual(await e.recommendFreelancers('job-1', { k: 5 }), both[0]);
  assert.equal(native.testLibuvFallbacks() - fallbacks, 2);
});

test('vector indexes: typed arrays in place, allow-lists, batch, round-trips', async () => {
  const dim = 8;
  const n = 300;
  const data = new Float32Array(n * dim);
  for (let i = 0; i < data.length; i += 1) data[i] = Math.sin(i * 0.37) + (i % dim) * 0.01;
  const ids = Uint32Array.from({ length: n }, (_, i) => i);
  for (const ix of [new FlatIndex('m', dim), new HnswIndex('m', dim, 'cosine', { m: 8 }), new QuantizedIndex('m', dim)]) {
    await ix.upsertMany(ids, data);
    assert.equal(ix.size, n);
    const q = data.subarray(5 * dim, 6 * dim);
    const hits = await ix.search(q, 3);
    assert.equal(hits[0].id, 5);
    const allowed = await ix.search(q, 2, { allow: [7, 9, 11] });
    assert.ok(allowed.every((h) => [7, 9, 11].includes(h.id)));
    const batch = await ix.searchBatch(data.subarray(0, 2 * dim), 1);
    assert.deepEqual(batch.map((h) => h[0].id), [0, 1]);
    const bytes = await ix.toBuffer();
    const Cls = /** @type {any} */ (ix.constructor);
    const back = await Cls.fromBuffer(bytes);
    assert.ok((await back.toBuffer()).equals(bytes));
    assert.equal(ix.remove(5), true);
    assert.equal(ix.has(5), false);
    await expectError(() => ix.upsertMany([1, 2], new Float32Array(dim * 3)), 'INVALID_INPUT', 'vectors');
    const model = await expectError(() => ix.search(q, 3, { modelId: 'other' }), 'UNKNOWN_ID');
    assert.equal(model.kind, 'model');
  }
  await expectError(() => new HnswIndex('m', dim, 'cosine', /** @type {any} */ ({ mm: 3 })), 'INVALID_INPUT', 'config.mm');
  assert.equal(HnswIndex.defaultConfig().efSearch > 0, true);
});

test('accumulators serialise (JSON) and merge like the core', async () => {
  const a = await metrics.GroupConfusion.from([1, 0, 1], [1, 1, 0], ['x', 'y', 'x']);
  const b = await metrics.GroupConfusion.from([0, 1], [0, 1], ['y', 'z']);
  const state = JSON.parse(JSON.stringify(a));
  const a2 = metrics.GroupConfusion.fromJSON(state);
  assert.deepEqual(a2.toJSON(), a.toJSON());
  a2.merge(b);
  assert.deepEqual(a2.labels, ['x', 'y', 'z']);
  assert.equal(a2.overall().rows, 5);
  await expectError(() => metrics.GroupConfusion.fromJSON({ groups: [{ tp: -1, fp: 0, tn: 0, fn: 0, rows: 1 }], labels: null }), 'INVALID_INPUT');
  const codes = await metrics.GroupConfusion.from([1], [1], [0], { nGroups: 1 });
  await expectError(() => codes.merge(a), 'INVALID_INPUT', 'other');

  const ex = new metrics.ExposureAccumulator(2);
  ex.addRanking([0, 1, 1, 0]);
  const ex2 = metrics.ExposureAccumulator.fromJSON(JSON.parse(JSON.stringify(ex)));
  ex2.merge(ex);
  assert.equal(ex2.rankings, 2);
  const rs = metrics.RatingStats.of([4, 5, 3]);
  const rs2 = metrics.RatingStats.fromJSON(rs.toJSON());
  rs2.merge(rs);
  assert.equal(rs2.n, 6);
  assert.ok(Math.abs(rs2.mean - 4) < 1e-12);
});

test('scoring.composition: relevance-gated by default, the plain weighted mean on request', async () => {
  /** @param {import('../index').EngineConfig | undefined} config */
  const run = async (config) => {
    const e = new Engine(config ? { config } : {});
    await e.upsertFreelancers(freelancers(50));
    e.upsertJob(JOB);
    return { e, recs: await e.recommendFreelancers('job-1', { k: 10, explain: true }) };
  };
  const gated = await run(undefined);
  const mean = await run({ scoring: { composition: 'weighted_mean', fit: { focus: 0.3 } } });
  assert.equal(gated.e.config().scoring?.composition, 'relevance_gated');
  assert.equal(mean.e.config().scoring?.composition, 'weighted_mean');
  for (const m of gated.recs.matches) {
    const sum = m.factors.reduce((s, f) => s + f.contribution, 0);
    assert.ok(Math.abs(sum - m.score) < 1e-9, `${m.id}: contributions ${sum} vs score ${m.score}`);
    assert.ok(m.explanation?.notes.some((n) => n.startsWith('relevance ')));
  }
  for (const m of mean.recs.matches) {
    const plain = m.factors.reduce((s, f) => s + f.value * f.weight, 0);
    assert.ok(Math.abs(plain - m.score) < 1e-9, `${m.id}: weighted mean ${plain} vs score ${m.score}`);
  }
  // a snapshot keeps the engine's composition
  const again = await Engine.fromBuffer(await mean.e.toBuffer());
  assert.equal(again.config().scoring?.composition, 'weighted_mean');
  await expectError(
    () => new Engine({ config: { scoring: /** @type {any} */ ({ composition: 'multiplied' }) } }),
    'INVALID_INPUT',
  );
});

test('an ESCO taxonomy brings occupation evidence into the skill factor', async () => {
  const dir = path.join(__dirname, '..', '..', '..', 'shared', 'data', 'esco-ict-slice');
  assert.ok(
    fs.existsSync(path.join(dir, 'occupationSkillRelations.csv')),
    `ESCO data missing at ${dir}: this test needs ../shared/data beside the repository`,
  );
  const t = await Taxonomy.fromEsco(dir);
  assert.ok(t.occupations > 0);
  assert.equal(Taxonomy.builtin().occupations, 0);
  /** @param {import('../index').EngineConfig} [config] */
  const run = async (config) => {
    const e = new Engine({ taxonomy: t, ...(config ? { config } : {}) });
    e.upsertJob({ id: 'j', skills: [{ skill: 'Python' }, { skill: 'SQL' }] });
    e.upsertFreelancer({ id: 'f', skills: [{ skill: 'Python' }, { skill: 'SQL' }, { skill: 'Java' }] });
    const recs = await e.recommendFreelancers('j', { k: 3, explain: true });
    return { e, m: recs.matches[0] };
  };
  const { e, m } = await run();
  const occ = m.explanation?.skills?.occupation;
  assert.ok(occ, 'occupation evidence');
  assert.ok(occ.similarity >= 0 && occ.similarity <= 1);
  assert.equal(occ.weight, 0.5);
  assert.ok(occ.likeliest && occ.jobProbability > 0 && occ.freelancerProbability > 0);
  assert.ok(m.explanation?.notes.some((n) => n.startsWith('occupation ')));
  assert.equal(e.config().scoring?.fit?.occupation, 0.5);
  const bytes = await e.toBuffer();
  const back = await Engine.fromBuffer(bytes);
  assert.deepEqual(await back.toBuffer(), bytes);
  assert.equal(back.taxonomy.occupations, t.occupations);
  const off = await run({ scoring: { fit: { occupation: 0 } } });
  assert.equal(off.m.explanation?.skills?.occupation, null);
  await expectError(
    () => new Engine({ taxonomy: t, config: { scoring: { fit: { occupation: 2 } } } }),
    'INVALID_INPUT',
    'fit.occupation',
  );
});
