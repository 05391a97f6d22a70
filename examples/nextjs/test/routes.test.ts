// The route handlers called as Next.js calls them: exported GET functions with real Request
// objects and the params Promise of the App Router.
import test from 'node:test';
import assert from 'node:assert/strict';
import type { AuditReport, Recommendations } from 'fairmatch';
import { GET as jobRecs } from '../app/api/jobs/[id]/recommendations/route';
import { GET as freelancerRecs } from '../app/api/freelancers/[id]/recommendations/route';
import { GET as audit } from '../app/api/audit/route';

const params = (id: string) => ({ params: Promise.resolve({ id }) });
const req = (path: string) => new Request(`http://127.0.0.1:3000${path}`);

test('GET /api/jobs/:id/recommendations ranks freelancers with explanations and fairness moves', async () => {
  const res = await jobRecs(req('/api/jobs/job-3/recommendations?k=8'), params('job-3'));
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  const body = (await res.json()) as Recommendations;
  assert.equal(body.matches.length, 8);
  assert.deepEqual(body.matches.map((m) => m.rank), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.ok(body.matches.every((m) => m.explanation !== null && m.factors.length > 0));
  // the same engine answers the same way (built once per process)
  const again = (await (await jobRecs(req('/api/jobs/job-3/recommendations?k=8'), params('job-3'))).json()) as Recommendations;
  assert.deepEqual(again, body);
  // without fairness nothing is moved
  const plain = (await (await jobRecs(req('/api/jobs/job-3/recommendations?k=8&fair=0'), params('job-3'))).json()) as Recommendations;
  assert.ok(plain.matches.every((m) => (m.explanation?.moves.length ?? 0) === 0));
});

test('implied skills: job-0 needs JavaScript, which React and Node.js imply', async () => {
  const body = (await (await jobRecs(req('/api/jobs/job-0/recommendations?k=5&fair=0'), params('job-0'))).json()) as Recommendations;
  const implied = body.matches.flatMap((m) => m.explanation?.skills?.implied ?? []);
  assert.ok(implied.length > 0);
  assert.ok(implied.every((s) => s.required === 'JavaScript' && s.path.at(-1) === 'JavaScript' && s.path.length >= 2));
});

test('job recommendations: unknown id is 404, bad k is 400 naming the field', async () => {
  const missing = await jobRecs(req('/api/jobs/nope/recommendations'), params('nope'));
  assert.equal(missing.status, 404);
  assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'UNKNOWN_ID');
  const bad = await jobRecs(req('/api/jobs/job-1/recommendations?k=-2'), params('job-1'));
  assert.equal(bad.status, 400);
  const err = ((await bad.json()) as { error: { code: string; field: string } }).error;
  assert.equal(err.code, 'INVALID_INPUT');
  assert.equal(err.field, 'options.k');
});

test('GET /api/freelancers/:id/recommendations ranks jobs', async () => {
  const res = await freelancerRecs(req('/api/freelancers/fl-0007/recommendations?k=5'), params('fl-0007'));
  assert.equal(res.status, 200);
  const body = (await res.json()) as Recommendations;
  assert.equal(body.matches.length, 5);
  assert.ok(body.matches.every((m) => m.id.startsWith('job-')));
  const missing = await freelancerRecs(req('/api/freelancers/nobody/recommendations'), params('nobody'));
  assert.equal(missing.status, 404);
});

test('GET /api/audit reports every region', async () => {
  const res = await audit(req('/api/audit?attribute=region'));
  assert.equal(res.status, 200);
  const body = (await res.json()) as AuditReport;
  assert.deepEqual(body.groups.map((g) => g.group).sort(), ['africa', 'americas', 'asia', 'europe']);
  assert.ok(body.groups.reduce((s, g) => s + g.impressions, 0) > 0);
  assert.ok(body.groups.reduce((s, g) => s + g.funnel.hired, 0) > 0);
});
