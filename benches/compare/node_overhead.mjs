#!/usr/bin/env node
// Node-call overhead of the fairmatch addon vs the same core call in Rust, side by side in one
// process, interleaved (A B / B A alternating), several rounds, median ratio, load stated.
//
//   1. recommend: top-20 with explanations for one job over 10,000 freelancers.
//      Node = `await engine.recommendFreelancers(job, options)` (encode options, the hop to a
//      rayon thread (bindings-node/src/task.rs), core, the result as a tape
//      (bindings-node/src/tape.rs), the hop back, decoded into objects).
//      Rust = `Engine::recommend_freelancers` on the same engine
//      (the addon's `benchCoreRecommend`, a timing loop inside Rust, no napi, no JSON).
//   2. DPD: demographic parity difference over 1,000,000 rows from typed arrays.
//      Node = `await metrics.demographicParityDifference(Uint8Array, Uint8Array,
//      { sensitiveFeatures: Uint32Array })`; Rust = `GroupConfusion::from_arrays_par` +
//      `demographic_parity_difference` on the same arrays (`benchCoreDpd`).
//   3. The floors of a Promise-returning call: an empty task spawned on the rayon pool (what
//      recommend and the metrics pay) and one queued on the libuv pool (writes, indexes,
//      snapshots).
//
// Build the addon optimised first:  FAIRMATCH_PROFILE=release node bindings-node/scripts/build.js
// Run:  nice -n 5 node benches/compare/node_overhead.mjs [--rounds 15]
import os from 'node:os';
import { OPTIONS, arg, engine10k, fm, load, median, native } from './node_common.mjs';

const ROUNDS = arg('rounds', 15);
const fmt = (ns) => (ns >= 1e6 ? `${(ns / 1e6).toFixed(3)} ms` : `${(ns / 1e3).toFixed(1)} µs`);

/** Interleaved rounds of (rust, node) per-call times; returns the per-round ratios. */
async function compare(name, rust, node) {
  await node(); // warm-up both
  rust();
  const rows = [];
  for (let r = 0; r < ROUNDS; r += 1) {
    let a;
    let b;
    if (r % 2 === 0) {
      a = rust();
      b = await node();
    } else {
      b = await node();
      a = rust();
    }
    rows.push({ rust: a, node: b, ratio: b / a });
  }
  const m = {
    name,
    rustMedian: median(rows.map((x) => x.rust)),
    nodeMedian: median(rows.map((x) => x.node)),
    ratioMedian: median(rows.map((x) => x.ratio)),
    ratioMin: Math.min(...rows.map((x) => x.ratio)),
    ratioMax: Math.max(...rows.map((x) => x.ratio)),
  };
  console.log(
    `${name}: Rust ${fmt(m.rustMedian)}, Node ${fmt(m.nodeMedian)} per call; Node/Rust median ${m.ratioMedian.toFixed(3)} ` +
      `(overhead ${((m.ratioMedian - 1) * 100).toFixed(1)} %; rounds ${ROUNDS}, range ${m.ratioMin.toFixed(3)}–${m.ratioMax.toFixed(3)})`,
  );
  return m;
}

console.log(`fairmatch ${fm.version}, node ${process.version}, ${os.cpus().length} cpus, load before: ${load()}`);

// 1. recommend, top-20 with explanations, 10k freelancers
const engine = await engine10k();
const options = OPTIONS;
const optionsJson = JSON.stringify(options);
const N = 40;
const probe = await engine.recommendFreelancers('job-1', options);
if (probe.matches.length !== 20 || !probe.matches[0].explanation) throw new Error('unexpected recommend result');
const rec = await compare(
  'recommend top-20 + explanations, 10k freelancers',
  () => native.benchCoreRecommend(engine.native, 'job-1', optionsJson, N),
  async () => {
    const t = process.hrtime.bigint();
    for (let i = 0; i < N; i += 1) await engine.recommendFreelancers('job-1', options);
    return Number(process.hrtime.bigint() - t) / N;
  },
);

// 2. DPD over 1M rows from typed arrays
const n = 1_000_000;
const yTrue = new Uint8Array(n);
const yPred = new Uint8Array(n);
const groups = new Uint32Array(n);
for (let i = 0; i < n; i += 1) {
  yTrue[i] = (i * 7) % 3 === 0 ? 1 : 0;
  yPred[i] = (Math.imul(i, 2654435761) >>> 0) % 4 === 0 ? 1 : 0;
  groups[i] = (Math.imul(i, 40503) >>> 0) % 5;
}
const M = 20;
const dpd = await compare(
  'demographic parity difference, 1M rows (typed arrays)',
  () => native.benchCoreDpd(yTrue, yPred, groups, M),
  async () => {
    const t = process.hrtime.bigint();
    for (let i = 0; i < M; i += 1) await fm.metrics.demographicParityDifference(yTrue, yPred, { sensitiveFeatures: groups });
    return Number(process.hrtime.bigint() - t) / M;
  },
);

// 3. the floors: a Promise that does nothing, spawned on rayon / queued on libuv
const K = 200;
const floor = async (fn) => {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < K; i += 1) await fn();
  return Number(process.hrtime.bigint() - t0) / K;
};
const rayonHop = await floor(() => native.benchRayonNoop());
const libuvHop = await floor(() => native.benchAsyncNoop());
console.log(`empty async call: main -> rayon -> main ${fmt(rayonHop)}, main -> libuv pool -> main ${fmt(libuvHop)}`);

console.log(`load after: ${load()}`);
console.log(JSON.stringify({ recommend: rec, dpd, emptyRayonCallNs: rayonHop, emptyLibuvCallNs: libuvHop }, null, 1));
