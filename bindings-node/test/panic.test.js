// A panic inside the addon reaches the caller as a FairmatchError with code INTERNAL — thrown
// on the JavaScript thread, a rejection from the libuv or the rayon pool (also from the second
// step of a staged call, settled before or after it) — and the process lives on and
// keeps answering. Uses the test-only hook `__panicForTest` (src/lib.rs), which panics only
// with FAIRMATCH_TEST_PANIC=1 (set here, in a child process of its own).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const fm = require('..');

test('without FAIRMATCH_TEST_PANIC the hook refuses and panics never', async () => {
  delete process.env.FAIRMATCH_TEST_PANIC;
  const hook = /** @type {any} */ (fm).__panicForTest;
  assert.throws(() => hook('js'), { name: 'FairmatchError', code: 'INVALID_INPUT', field: 'process.env' });
  await assert.rejects(hook('libuv'), { name: 'FairmatchError', code: 'INVALID_INPUT' });
  await assert.rejects(hook('rayon'), { name: 'FairmatchError', code: 'INVALID_INPUT' });
});

test('a panic becomes an INTERNAL error, on the JS thread and on either pool; the process lives on', () => {
  const script = `
    const assert = require('node:assert/strict');
    const fm = require(${JSON.stringify(path.join(__dirname, '..', 'index.js'))});
    (async () => {
      const internal = { name: 'FairmatchError', code: 'INTERNAL', message: /internal error in fairmatch.*test panic/ };
      assert.throws(() => fm.__panicForTest('js'), internal);
      await assert.rejects(fm.__panicForTest('libuv'), internal);
      await assert.rejects(fm.__panicForTest('libuv'), internal); // twice: the pool thread survived
      await assert.rejects(fm.__panicForTest('rayon'), internal);
      await assert.rejects(fm.__panicForTest('rayon'), internal); // and the rayon thread
      // the second step of a staged call (a recommendation's tape), settled before it ran or after
      await assert.rejects(fm.__panicForTest('rayon-finish'), internal);
      await assert.rejects(fm.__panicForTest('rayon-finish-late'), internal);
      const e = new fm.Engine();
      e.upsertJob({ id: 'j', skills: [{ skill: 'Rust' }] });
      await e.upsertFreelancers([{ id: 'f', skills: [{ skill: 'Rust' }] }]);
      const r = await e.recommendFreelancers('j', { k: 1 });
      assert.equal(r.matches[0].id, 'f');
      console.log('survived');
    })().catch((err) => { console.error(err); process.exit(1); });
  `;
  const r = spawnSync(process.execPath, ['-e', script], {
    env: { ...process.env, FAIRMATCH_TEST_PANIC: '1' },
    encoding: 'utf8',
    timeout: 60000,
  });
  assert.equal(r.signal, null, `killed by ${r.signal}: ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /survived/);
  // the default panic hook reported both panics (proof they really happened)
  assert.match(r.stderr, /test panic on the JavaScript thread/);
  assert.match(r.stderr, /test panic on the libuv pool/);
  assert.match(r.stderr, /test panic on the rayon pool/);
  assert.match(r.stderr, /test panic while finishing on the rayon pool/);
});

test('terminating a worker with Promises pending on the rayon pool leaves the process running', () => {
  // the settlement of a Promise spawned on rayon goes to the worker's environment, which may
  // be gone by then (napi-rs aborts its threadsafe function); run in a child process of its
  // own, since a use-after-free here would kill the process
  const index = JSON.stringify(path.join(__dirname, '..', 'index.js'));
  const catalogue = JSON.stringify(path.join(__dirname, 'catalogue.js'));
  const worker = `
    const { parentPort } = require('node:worker_threads');
    const fm = require(${index});
    const { freelancers, JOB } = require(${catalogue});
    (async () => {
      const e = new fm.Engine();
      await e.upsertFreelancers(freelancers(20000));
      e.upsertJob(JOB);
      const n = 1000000;
      const t = new Uint8Array(n), p = new Uint8Array(n), g = new Uint32Array(n);
      for (let i = 0; i < 30; i += 1) {
        e.recommendFreelancers('job-1', { k: 20, explain: true });
        fm.metrics.demographicParityDifference(t, p, { sensitiveFeatures: g });
      }
      parentPort.postMessage('spawned');
    })();
  `;
  const script = `
    const { Worker } = require('node:worker_threads');
    const fm = require(${index});
    (async () => {
      for (let round = 0; round < 4; round += 1) {
        const w = new Worker(${JSON.stringify(worker)}, { eval: true });
        await new Promise((res) => w.on('message', res));
        await w.terminate();
      }
      const e = new fm.Engine();
      e.upsertJob({ id: 'j', skills: [{ skill: 'Rust' }] });
      await e.upsertFreelancers([{ id: 'f', skills: [{ skill: 'Rust' }] }]);
      const r = await e.recommendFreelancers('j', { k: 1 });
      console.log('survived', r.matches[0].id);
      for (let i = 0; i < 20; i += 1) e.recommendFreelancers('j', { k: 1 }); // exit with work pending
      process.exit(0);
    })().catch((err) => { console.error(err); process.exit(1); });
  `;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 120000 });
  assert.equal(r.signal, null, `killed by ${r.signal}: ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /survived f/);
});
