// The job list (server component).
import { getEngine } from '../lib/engine';

export const dynamic = 'force-dynamic';

export default async function Home() {
  const engine = await getEngine();
  const jobs = Array.from({ length: engine.jobCount }, (_, i) => engine.job(`job-${i}`));
  return (
    <main>
      <h1>Open jobs</h1>
      <p>{engine.freelancerCount.toLocaleString('en')} freelancers in the catalogue.</p>
      <ul>
        {jobs.map((j) => (
          <li key={j.id}>
            <a href={`/jobs/${j.id}`}>{j.attributes?.title ?? j.id}</a>
          </li>
        ))}
      </ul>
    </main>
  );
}
