// The ES module entry point exports the same objects as the CommonJS one.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fm, { Engine, FairmatchError, metrics } from '../index.mjs';

const require = createRequire(import.meta.url);

test('ESM and CommonJS entry points agree', async () => {
  const cjs = require('../index.js');
  assert.equal(Engine, cjs.Engine);
  assert.equal(fm.metrics, metrics);
  const e = new Engine();
  e.upsertJob({ id: 'j', skills: [{ skill: 'Rust' }] });
  await assert.rejects(e.recommendFreelancers('nope'), (/** @type {unknown} */ err) => err instanceof FairmatchError);
  // every CommonJS export is a named ES export (and the test-only hook is neither)
  const ns = await import('../index.mjs');
  assert.deepEqual(Object.keys(ns).filter((k) => k !== 'default').sort(), Object.keys(cjs).sort());
  assert.ok(!('__panicForTest' in ns));
});
