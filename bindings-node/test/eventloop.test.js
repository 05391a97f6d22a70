// The event loop keeps ticking while the engine works: a 1 ms interval timer fires at least
// every 10 ms while recommendations over 100k freelancers, a 1M-row audit (1M impression
// rows) and a 1M-row demographic parity difference run on the libuv pool, and the loop's
// utilisation (performance.eventLoopUtilization: the share of time it was not waiting for
// events) stays low. On a loaded shared machine the OS alone can hold a runnable main thread
// off the CPU for longer than 10 ms while other threads compute: the test measures that
// control (two plain busy threads, same timer, right before and after) and requires the
// engine's largest gap to stay under max(10 ms, 1.5 x the control's) in one of up to three
// attempts; on a quiet machine that is 10 ms. A blocked loop fails the utilisation check in
// every attempt whatever the load: one gap as long as the call and a utilisation near 1. And an engine moves between two worker_threads
// as toBuffer()/fromBuffer() bytes.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { Worker } = require('node:worker_threads');
const { performance } = require('node:perf_hooks');
const { Engine, metrics } = require('../index.js');
const { freelancers, JOB, GROUPS } = require('./catalogue.js');

/**
 * Runs `work` while a 1 ms interval records the gaps between its ticks.
 * @template T
 * @param {() => Promise<T>} work
 * @returns {Promise<{ result: T, maxGap: number, ticks: number, ms: number, elu: number }>}
 */
async function ticking(work) {
  let last = performance.now();
  let maxGap = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
    ticks += 1;
  }, 1);
  // start from a collected heap (npm test runs node with --expose-gc): a major collection of
  // the catalogue built just before is the main thread's own pause, not the engine's
  const gc = /** @type {any} */ (globalThis).gc;
  if (typeof gc === 'function') gc();
  await new Promise((r) => setTimeout(r, 5)); // the timer is running
  last = performance.now();
  maxGap = 0;
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  const result = await work();
  const ms = performance.now() - t0;
  maxGap = Math.max(maxGap, performance.now() - last); // the gap still open at the end
  const elu = performance.eventLoopUtilization(elu0).utilization;
  clearInterval(timer);
  return { result, maxGap, ticks, ms, elu };
}

/**
 * The largest timer gap while two threads that never touch the event loop keep both cores
 * busy for `ms`: what the OS scheduler alone costs on this machine right now.
 * @param {number} ms
 */
async function controlGap(ms) {
  const spin = `const t = Date.now(); while (Date.now() - t < ${Math.ceil(ms)}) {}`;
  const r = await ticking(
    () =>
      new Promise((resolve) => {
        let left = 2;
        for (let i = 0; i < 2; i += 1) {
          new Worker(spin, { eval: true }).once('exit', () => {
            left -= 1;
            if (left === 0) resolve(null);
          });
        }
      }),
  );
  return r.maxGap;
}

/**
 * Runs `work` under the timer up to three times. Every attempt must leave the loop mostly
 * idle (utilisation < 0.5: a call that blocked the loop would keep it busy the whole time);
 * the largest timer gap must stay under max(10 ms, 1.5 x the scheduler control measured
 * right before and after) in at least one attempt (the OS scheduler on a loaded shared
 * machine, not the engine, decides the others; every attempt is printed).
 * @template T
 * @param {string} what
 * @param {() => Promise<T>} work
 * @returns {Promise<T>}
 */
async function assertTicking(what, work) {
  /** @type {string[]} */
  const misses = [];
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    const before = await controlGap(50);
    const r = await ticking(work);
    const control = Math.max(before, await controlGap(Math.min(r.ms, 1000)));
    const bound = Math.max(10, 1.5 * control);
    console.log(
      `${what} (attempt ${attempt}): ${r.ms.toFixed(0)} ms of work, ${r.ticks} ticks, largest gap ` +
        `${r.maxGap.toFixed(2)} ms (scheduler control ${control.toFixed(2)} ms, bound ${bound.toFixed(1)} ms), ` +
        `event-loop utilisation ${r.elu.toFixed(3)}`,
    );
    assert.ok(r.ms >= 20, `${what} finished too fast (${r.ms} ms) to show anything`);
    assert.ok(r.elu < 0.5, `${what}: the event loop was busy ${(r.elu * 100).toFixed(0)}% of the time`);
    if (r.maxGap < bound) return r.result;
    misses.push(`${r.maxGap.toFixed(1)} ms (bound ${bound.toFixed(1)} ms)`);
  }
  return assert.fail(`${what}: the timer waited ${misses.join(', ')}`);
}

test('recommend over 100k freelancers and a 1M-row audit leave the event loop free', async () => {
  const e = new Engine();
  for (let i = 0; i < 5; i += 1) {
    const part = freelancers(20000, 7 + i).map((f, j) => ({ ...f, id: `f${i * 20000 + j}` }));
    await e.upsertFreelancers(part);
  }
  e.upsertJob(JOB);
  assert.equal(e.freelancerCount, 100000);

  // at least 5 calls and at least 60 ms of them: one call takes ~3 ms since the retrieved
  // candidates are prefetched and scanned in parallel, and the check needs ≥ 20 ms of work
  const recs = await assertTicking('recommendations over 100k (≥ 5 calls, ≥ 60 ms)', async () => {
    const out = [];
    const t0 = performance.now();
    for (let i = 0; i < 5 || performance.now() - t0 < 60; i += 1) {
      out.push(await e.recommendFreelancers('job-1', { k: 20 }));
    }
    return out;
  });
  assert.equal(recs[0].matches.length, 20);
  assert.ok(recs[0].candidates > 10000); // the retrieval stage narrows a large catalogue

  // 1M impression rows (10,000 rankings of 100), then the audit over them
  const at = '2026-06-01T12:00:00Z';
  for (let r = 0; r < 10000; r += 1) {
    const ids = Array.from({ length: 100 }, (_, j) => `f${(r * 37 + j * 1009) % 100000}`);
    e.recordImpressions({ requestId: `r${r}`, jobId: 'job-1', freelancerIds: ids, at });
  }
  const audit = await assertTicking('audits over 1M impression rows (≥ 5 calls, ≥ 60 ms)', async () => {
    const out = [];
    const t0 = performance.now();
    for (let i = 0; i < 5 || performance.now() - t0 < 60; i += 1) out.push(await e.audit('group'));
    return out;
  });
  assert.deepEqual(audit[0].groups.map((g) => g.group).sort(), GROUPS);
  assert.equal(audit[0].groups.reduce((s, g) => s + g.impressions, 0), 1000000);

  const n = 1000000;
  const yTrue = new Uint8Array(n);
  const yPred = new Uint8Array(n);
  const groups = new Uint32Array(n);
  for (let i = 0; i < n; i += 1) {
    yTrue[i] = (i * 7) % 3 === 0 ? 1 : 0;
    yPred[i] = (i * 11) % 4 === 0 ? 1 : 0;
    groups[i] = i % 5;
  }
  // at least 10 calls and at least 60 ms of them: one call takes ~0.5 ms in a release build,
  // ~2 ms in a dev build, and the check needs ≥ 20 ms of work to show anything
  const dpd = await assertTicking('DPDs over 1M rows (≥ 10 calls, ≥ 60 ms)', async () => {
    let v = 0;
    const t0 = performance.now();
    for (let i = 0; i < 10 || performance.now() - t0 < 60; i += 1) {
      v = await metrics.demographicParityDifference(yTrue, yPred, { sensitiveFeatures: groups });
    }
    return v;
  });
  assert.ok(Number.isFinite(dpd));
});

test('the measure detects a blocked loop (negative control)', async () => {
  const r = await ticking(async () => {
    await new Promise((res) => setTimeout(res, 2));
    const t = performance.now();
    while (performance.now() - t < 60); // what a synchronous engine call would do
  });
  assert.ok(r.maxGap >= 55, `gap ${r.maxGap}`);
  assert.ok(r.elu > 0.5, `utilisation ${r.elu}`);
});

test('an engine moves between two worker_threads as bytes', async () => {
  const e = new Engine();
  await e.upsertFreelancers(freelancers(2000));
  e.upsertJob(JOB);
  const bytes = await e.toBuffer();
  const expected = await e.recommendFreelancers('job-1', { k: 10 });
  const run = () =>
    new Promise((resolve, reject) => {
      const w = new Worker(path.join(__dirname, 'worker.js'), { workerData: { bytes } });
      w.once('message', resolve);
      w.once('error', reject);
    });
  const [a, b] = await Promise.all([run(), run()]);
  for (const r of /** @type {any[]} */ ([a, b])) {
    assert.deepEqual(r.recs, expected);
    assert.equal(r.count, 2001);
    assert.ok(Buffer.from(r.after).length > bytes.length, 'the worker changed its own copy');
  }
  assert.equal(e.freelancerCount, 2000, "the workers' copies are independent");
});
