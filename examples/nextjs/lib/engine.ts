// The engine of this server process: built once (from FAIRMATCH_SNAPSHOT if set, else the
// seeded demo catalogue) and shared by every request. `fairmatch` is a native addon: it is
// imported from server code only (route handlers, server components) and declared in
// next.config.mjs `serverExternalPackages`, so Next.js loads it with Node's require instead of
// bundling it.
import { Engine, FairmatchError } from 'fairmatch';
import type { FairnessOptions, RecommendOptions } from 'fairmatch';
import { REGIONS, demoCatalogue } from './catalogue';

const holder = globalThis as typeof globalThis & { fairmatchEngine?: Promise<Engine> };

async function build(): Promise<Engine> {
  const snapshot = process.env.FAIRMATCH_SNAPSHOT;
  if (snapshot) return Engine.load(snapshot);
  const engine = new Engine();
  const c = demoCatalogue();
  await engine.upsertFreelancers(c.freelancers);
  await engine.upsertJobs(c.jobs);
  for (const i of c.impressions) engine.recordImpressions(i);
  for (const o of c.outcomes) engine.recordOutcome(o);
  return engine;
}

/** The process's engine (built on first use; a failed build is retried on the next call). */
export function getEngine(): Promise<Engine> {
  if (!holder.fairmatchEngine) {
    holder.fairmatchEngine = build().catch((e: unknown) => {
      holder.fairmatchEngine = undefined;
      throw e;
    });
  }
  return holder.fairmatchEngine;
}

/** The demo's fairness policy: DetGreedy toward equal exposure of the regions. */
export const FAIRNESS: FairnessOptions = {
  policy: {
    type: 'det_greedy',
    targets: REGIONS.map((_, group) => ({ group, proportion: 1 / REGIONS.length })),
  },
  attribute: 'region',
  groups: [...REGIONS],
};

/** Recommendation options from a request's query (`k`, `fair=0` to switch fairness off). */
export function optionsFrom(url: URL): RecommendOptions {
  const k = url.searchParams.get('k');
  return {
    k: k === null ? 10 : Number(k),
    explain: true,
    now: '2026-12-01T12:00:00Z',
    fairness: url.searchParams.get('fair') === '0' ? null : FAIRNESS,
  };
}

/** A JSON error response for a fairmatch error (400 bad input, 404 unknown id, else 500). */
export function errorResponse(e: unknown): Response {
  if (e instanceof FairmatchError) {
    const status = e.code === 'UNKNOWN_ID' ? 404 : e.code === 'INVALID_INPUT' || e.code === 'DIMENSION_MISMATCH' ? 400 : 500;
    return Response.json({ error: { code: e.code, field: e.field ?? null, message: e.message } }, { status });
  }
  return Response.json({ error: { code: 'INTERNAL', message: 'internal error' } }, { status: 500 });
}
