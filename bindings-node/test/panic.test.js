// A panic inside the addon reaches the caller as a FairmatchError with code INTERNAL — thrown
// on the JavaScript thread, a rejection from the libuv pool — and the process lives on and
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
  assert.throws(() => hook(false), { name: 'FairmatchError', code: 'INVALID_INPUT', field: 'process.env' });
  await assert.rejects(hook(true), { name: 'FairmatchError', code: 'INVALID_INPUT' });
});

test('a panic becomes an INTERNAL error, on the JS thread and on the pool; the process lives on', () => {
  const script = `
    const assert = require('node:assert/strict');
    const fm = require(${JSON.stringify(path.join(__dirname, '..', 'index.js'))});
    (async () => {
      const internal = { name: 'FairmatchError', code: 'INTERNAL', message: /internal error in fairmatch.*test panic/ };
      assert.throws(() => fm.__panicForTest(false), internal);
      await assert.rejects(fm.__panicForTest(true), internal);
      await assert.rejects(fm.__panicForTest(true), internal); // twice: the pool thread survived
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
});
