// A seeded synthetic catalogue for the engine tests (deterministic; no data files).
'use strict';

const SKILLS = ['React', 'TypeScript', 'Node.js', 'Python', 'Django', 'PostgreSQL', 'Docker', 'Kubernetes', 'Figma', 'Go', 'Rust', 'AWS'];
const GROUPS = ['a', 'b', 'c'];

/** A small linear congruential generator (reproducible across runs). @param {number} seed */
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * `n` freelancers with 3 skills each, rates and a group attribute.
 * @param {number} n
 * @param {number} [seed]
 * @returns {import('../index.js').Freelancer[]}
 */
function freelancers(n, seed = 7) {
  const r = rng(seed);
  const out = [];
  for (let i = 0; i < n; i += 1) {
    const skills = [0, 1, 2].map(() => ({ skill: SKILLS[Math.floor(r() * SKILLS.length)], level: 1 + Math.floor(r() * 5) }));
    out.push({ id: `f${i}`, skills, hourlyRate: 20 + Math.floor(r() * 80), attributes: { group: GROUPS[i % 3] } });
  }
  return out;
}

/** @type {import('../index.js').Job} */
const JOB = {
  id: 'job-1',
  skills: [
    { skill: 'React', minLevel: 3 },
    { skill: 'TypeScript', minLevel: 2, importance: 'nice' },
  ],
  budget: { kind: 'hourly', min: 30, max: 90 },
};

module.exports = { freelancers, JOB, GROUPS };
