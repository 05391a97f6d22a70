#!/usr/bin/env node
// CI step for the example: `next build` (telemetry off), `next start` on 127.0.0.1, then fetch
// the server-rendered job page and the JSON routes and check their content. Exits non-zero on
// any failure; the server is always stopped. `--no-build` reuses an existing .next build.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const next = path.join(here, 'node_modules', 'next', 'dist', 'bin', 'next');
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };

function check(ok, what) {
  if (!ok) throw new Error(`check failed: ${what}`);
  console.log(`ok: ${what}`);
}

/** A free TCP port on 127.0.0.1. */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (s.address());
      s.close(() => resolve(port));
    });
  });
}

if (!process.argv.includes('--no-build')) {
  const b = spawnSync(process.execPath, [next, 'build'], { cwd: here, env, stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 1);
}

const port = await freePort();
const server = spawn(process.execPath, [next, 'start', '--hostname', '127.0.0.1', '--port', String(port)], { cwd: here, env, stdio: ['ignore', 'pipe', 'inherit'] });
server.stdout.on('data', (d) => process.stdout.write(d));
const base = `http://127.0.0.1:${port}`;
let failed = false;
try {
  // wait for the server (up to 60 s)
  for (let i = 0; ; i += 1) {
    try {
      await fetch(`${base}/api/audit`);
      break;
    } catch {
      if (i > 240) throw new Error('next start did not answer within 60 s');
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  const api = await (await fetch(`${base}/api/jobs/job-3/recommendations?k=10`)).json();
  check(api.matches.length === 10, 'the job route returns 10 matches');
  const res = await fetch(`${base}/jobs/job-3`);
  const html = await res.text();
  check(res.status === 200, 'GET /jobs/job-3 is 200');
  check(html.includes('React') || html.includes('project'), 'the page names the job');
  for (const m of api.matches) check(html.includes(m.id), `the page lists ${m.id} (same ranking as the API)`);
  check(html.indexOf(api.matches[0].id) < html.indexOf(api.matches[9].id), 'the page keeps the ranking order');
  check((html.match(/class="factor"/g) ?? []).length >= 10 * 5, 'factor bars for every match');
  check((html.match(/class="contribution"/g) ?? []).length >= 10 * 5, "each factor's part of the score");
  const top = api.matches[0];
  const parts = top.factors.reduce((sum, f) => sum + f.contribution, 0);
  check(
    Math.abs(parts - top.score) < 1e-9 && top.factors.every((f) => html.includes(`+${f.contribution.toFixed(3)}`)),
    'the parts shown add up to the score (top match)',
  );
  check(html.includes('class="skill matched"') && html.includes('class="skill missing"'), 'matched and missing skills');
  check(html.includes('class="move"') && /det_greedy(<!-- -->)?: moved/.test(html), 'fairness moves are shown');
  const js = await (await fetch(`${base}/jobs/job-0`)).text();
  check(js.includes('class="skill implied"') && js.includes('JavaScript'), 'implied skills with their taxonomy path (job-0)');
  const nf = await fetch(`${base}/jobs/nope`);
  check(nf.status === 404, 'an unknown job is a 404 page');
  const audit = await (await fetch(`${base}/api/audit`)).json();
  check(audit.groups.length === 4, 'the audit route reports four regions');
  const fl = await fetch(`${base}/api/freelancers/fl-0007/recommendations?k=3`);
  check(fl.status === 200 && (await fl.json()).matches.length === 3, 'the freelancer route returns 3 jobs');
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  server.kill('SIGTERM');
}
process.exit(failed ? 1 : 0);
