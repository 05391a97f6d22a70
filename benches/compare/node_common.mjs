// What node_overhead.mjs and node_breakdown.mjs share: the addon (its public index.js and
// the native module with the measurement exports), the test catalogue, arguments, medians,
// and a 10k-freelancer engine with the benchmark's job and options.
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const require = createRequire(import.meta.url);
export const pkg = path.join(here, '..', '..', 'bindings-node');
export const fm = require(path.join(pkg, 'index.js'));
export const native = require(process.env.FAIRMATCH_NATIVE || path.join(pkg, 'fairmatch.node'));

/** The numeric value of `--name` on the command line, or `dflt`. */
export const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

/** The recommend options of both scripts: top-20 with explanations at a fixed time. */
export const OPTIONS = { k: 20, explain: true, now: '2026-06-01T12:00:00Z' };

/** An engine over 10,000 catalogue freelancers (seed 7) and the catalogue's `job-1`. */
export async function engine10k() {
  const { freelancers, JOB } = require(path.join(pkg, 'test', 'catalogue.js'));
  const engine = new fm.Engine();
  await engine.upsertFreelancers(freelancers(10000));
  engine.upsertJob(JOB);
  return engine;
}
