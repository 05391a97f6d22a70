#!/usr/bin/env node
// Where the Node time of `engine.recommendFreelancers` (top-20 with explanations, 10k
// freelancers) goes: each part timed on its own in one process (the core call, its JSON or
// tape, handing it to JavaScript, JSON.parse or the tape decoder, the rayon and libuv hops, the
// core call when the pool has idled between calls as it does between Node calls), the parts
// in alternating order, median of several rounds. Companion of node_overhead.mjs.
//
//   FAIRMATCH_PROFILE=release node bindings-node/scripts/build.js
//   nice -n 5 node benches/compare/node_breakdown.mjs [--rounds 9]
import path from 'node:path';
import os from 'node:os';
import { OPTIONS, arg, engine10k, load, median, native, pkg, require } from './node_common.mjs';

const { untape } = require(path.join(pkg, 'tape.js'));
const ROUNDS = arg('rounds', 9);
const fmt = (ns) => `${(ns / 1e3).toFixed(1)} µs`;

/** Mean ns per call of a synchronous fn over n calls. */
const timeSync = (n, fn) => {
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i += 1) fn();
  return Number(process.hrtime.bigint() - t) / n;
};
/** Mean ns per call of an async fn awaited n times in a row. */
const timeAsync = async (n, fn) => {
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i += 1) await fn();
  return Number(process.hrtime.bigint() - t) / n;
};

console.log(`node ${process.version}, ${os.cpus().length} cpus, load before: ${load()}`);

const engine = await engine10k();
const options = OPTIONS;
const optionsJson = JSON.stringify(options);
const N = 40;
const rec = native.BenchRecommendation.compute(engine.native, 'job-1', optionsJson);
const text = rec.utf8();
const buf = rec.buffer();
const tape = rec.tape();
const dec = new TextDecoder();

const parts = {
  'core call (Rust loop)': () => native.benchCoreRecommend(engine.native, 'job-1', optionsJson, N),
  'core call + camelCase JSON (Rust loop)': () => native.benchCoreRecommend(engine.native, 'job-1', optionsJson, N, true),
  'camelCase JSON alone (Rust loop)': () => rec.timeToJson(200),
  'JSON -> JS string (napi utf8)': () => timeSync(400, () => rec.utf8()),
  'JSON -> JS string (napi latin1)': () => timeSync(400, () => rec.latin1()),
  'JSON -> Buffer': () => timeSync(400, () => rec.buffer()),
  'JSON.parse(string)': () => timeSync(400, () => JSON.parse(text)),
  "JSON.parse(buffer.latin1Slice)": () => timeSync(400, () => JSON.parse(buf.latin1Slice(0, buf.length))),
  'JSON.parse(TextDecoder(buffer))': () => timeSync(400, () => JSON.parse(dec.decode(buf))),
  'objects built by napi serde (no JSON)': () => timeSync(400, () => rec.object()),
  'tape alone (Rust loop)': () => rec.timeToTape(200),
  'tape -> Buffer': () => timeSync(400, () => rec.tape()),
  'untape(buffer) (JS)': () => timeSync(400, () => untape(tape)),
  'JSON.stringify(options)': () => timeSync(2000, () => JSON.stringify(options)),
  'empty async call (rayon hop)': () => timeAsync(200, () => native.benchRayonNoop()),
  'empty async call (libuv hop)': () => timeAsync(200, () => native.benchAsyncNoop()),
  'core call, 80 µs idle before each (Rust loop)': () => native.benchCoreRecommend(engine.native, 'job-1', optionsJson, N, false, 80),
  'engine.recommendFreelancers (public, full)': () => timeAsync(N, () => engine.recommendFreelancers('job-1', options)),
};
parts['native recommendFreelancers (async, tape, not decoded)'] = () =>
  timeAsync(N, () => engine.native.recommendFreelancers('job-1', optionsJson));

const rows = Object.fromEntries(Object.keys(parts).map((k) => [k, []]));
for (const f of Object.values(parts)) await f(); // warm-up
for (let r = 0; r < ROUNDS; r += 1) {
  const names = Object.keys(parts);
  if (r % 2) names.reverse();
  for (const k of names) rows[k].push(await parts[k]());
}
console.log(`recommend (top-20, explain, 10k freelancers; JSON ${text.length} bytes, tape ${tape.length} bytes), median of ${ROUNDS} rounds:`);
for (const [k, v] of Object.entries(rows)) console.log(`  ${k.padEnd(56)} ${fmt(median(v)).padStart(10)}`);
console.log(`load after: ${load()}`);
