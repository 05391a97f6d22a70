// The seeded demo catalogue: freelancers, jobs and some history, generated deterministically
// (the same seed gives the same marketplace in every process).
import type { Freelancer, Impressions, Job, Outcome } from 'fairmatch';

const SKILLS = [
  'React', 'TypeScript', 'Next.js', 'Node.js', 'GraphQL', 'Python', 'Django', 'FastAPI', 'PostgreSQL',
  'Docker', 'Kubernetes', 'AWS', 'Figma', 'UX design', 'Copywriting', 'SEO', 'Rust', 'Go', 'Swift', 'Kotlin',
];
const FIRST = ['Ana', 'Bo', 'Chen', 'Dara', 'Eli', 'Femi', 'Gita', 'Hugo', 'Ines', 'Jun', 'Kofi', 'Lena', 'Mio', 'Nia', 'Omar', 'Pia'];
const LAST = ['Silva', 'Berg', 'Wang', 'Okafor', 'Novak', 'Haddad', 'Rossi', 'Kim', 'Costa', 'Sato', 'Mensah', 'Weber'];
/** The fairness attribute of the demo: each freelancer's region. */
export const REGIONS = ['africa', 'americas', 'asia', 'europe'] as const;
const ZONES: Record<(typeof REGIONS)[number], string> = {
  africa: 'Africa/Lagos',
  americas: 'America/Sao_Paulo',
  asia: 'Asia/Tokyo',
  europe: 'Europe/Berlin',
};

/** A small linear congruential generator (reproducible across runs and platforms). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export interface Catalogue {
  freelancers: Freelancer[];
  jobs: Job[];
  impressions: Impressions[];
  outcomes: Outcome[];
}

/** `nFreelancers` freelancers, `nJobs` jobs and a history of impressions and hires. */
export function demoCatalogue(nFreelancers = 2000, nJobs = 40, seed = 42): Catalogue {
  const r = rng(seed);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const freelancers: Freelancer[] = [];
  for (let i = 0; i < nFreelancers; i += 1) {
    // the regions are unevenly represented, as in a real marketplace
    const region = REGIONS[[0, 1, 1, 2, 2, 3, 3, 3][Math.floor(r() * 8)]];
    const skills = Array.from({ length: 2 + Math.floor(r() * 4) }, () => ({ skill: pick(SKILLS), level: 1 + Math.floor(r() * 5) }));
    freelancers.push({
      id: `fl-${String(i).padStart(4, '0')}`,
      skills,
      hourlyRate: 15 + Math.floor(r() * 110),
      timezone: ZONES[region],
      weeklyHours: 10 + Math.floor(r() * 30),
      experienceYears: Math.floor(r() * 15),
      attributes: { region, name: `${pick(FIRST)} ${pick(LAST)}` },
      history: {
        ratingsSum: 0,
        ratingsCount: 0,
        contractsCompleted: Math.floor(r() * 20),
        contractsTotal: 20,
      },
    });
  }
  const jobs: Job[] = [];
  for (let j = 0; j < nJobs; j += 1) {
    const must = Array.from({ length: 1 + Math.floor(r() * 2) }, () => ({ skill: pick(SKILLS), minLevel: 2 + Math.floor(r() * 3) }));
    const nice = Array.from({ length: 1 + Math.floor(r() * 2) }, () => ({ skill: pick(SKILLS), importance: 'nice' as const }));
    const min = 20 + Math.floor(r() * 40);
    jobs.push({
      id: `job-${j}`,
      skills: [...must, ...nice],
      budget: { kind: 'hourly', min, max: min + 20 + Math.floor(r() * 60) },
      attributes: { title: `${must.map((s) => s.skill).join(' + ')} project` },
    });
  }
  // job-0 asks for JavaScript, which nobody lists: React, Next.js and Node.js imply it
  // through the taxonomy, so its page shows implied matches with their paths
  jobs[0] = {
    ...jobs[0],
    skills: [{ skill: 'JavaScript', minLevel: 3 }, { skill: 'GraphQL', importance: 'nice' }],
    attributes: { title: 'JavaScript project' },
  };
  const at = new Date(Date.UTC(2026, 10, 1));
  const impressions: Impressions[] = [];
  const outcomes: Outcome[] = [];
  for (let k = 0; k < 400; k += 1) {
    const shown = Array.from({ length: 10 }, () => pick(freelancers).id);
    const unique = [...new Set(shown)];
    impressions.push({ requestId: `req-${k}`, jobId: pick(jobs).id, freelancerIds: unique, at });
    if (r() < 0.3) outcomes.push({ freelancerId: unique[0], kind: 'hired', at });
  }
  return { freelancers, jobs, impressions, outcomes };
}
