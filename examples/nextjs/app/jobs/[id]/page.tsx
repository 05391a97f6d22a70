// One job with its ranked freelancers (server-rendered): factor bars, matched / implied /
// missing skills and the moves of the fairness policy.
import { notFound } from 'next/navigation';
import { FairmatchError } from 'fairmatch';
import type { Match, Recommendations } from 'fairmatch';
import { FAIRNESS, getEngine } from '../../../lib/engine';

export const dynamic = 'force-dynamic';

const bar = (value: number, color: string) => (
  <span style={{ display: 'inline-block', width: 160, height: 10, background: '#ececf4', borderRadius: 3, verticalAlign: 'middle' }}>
    <span style={{ display: 'block', width: `${Math.round(Math.max(0, Math.min(1, value)) * 100)}%`, height: '100%', background: color, borderRadius: 3 }} />
  </span>
);

function Skills({ m }: { m: Match }) {
  const s = m.explanation?.skills;
  if (!s) return null;
  return (
    <p style={{ margin: '0.4rem 0', fontSize: 14 }}>
      {s.matched.map((x) => (
        <span key={`m-${x.required}`} className="skill matched" style={{ background: '#dff5e3', padding: '1px 6px', marginRight: 4, borderRadius: 4 }}>
          ✓ {x.required}
        </span>
      ))}
      {s.implied.map((x) => (
        <span key={`i-${x.required}`} className="skill implied" style={{ background: '#fff4d6', padding: '1px 6px', marginRight: 4, borderRadius: 4 }}>
          ≈ {x.required} (via {x.path.join(' → ')})
        </span>
      ))}
      {s.missing.map((x) => (
        <span key={`x-${x.required}`} className="skill missing" style={{ background: '#fde2e2', padding: '1px 6px', marginRight: 4, borderRadius: 4 }}>
          ✗ {x.required}
          {x.must ? ' (must)' : ''}
        </span>
      ))}
    </p>
  );
}

export default async function JobPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const engine = await getEngine();
  let recs: Recommendations;
  try {
    recs = await engine.recommendFreelancers(id, { k: 10, explain: true, now: '2026-12-01T12:00:00Z', fairness: FAIRNESS });
  } catch (e) {
    if (e instanceof FairmatchError && e.code === 'UNKNOWN_ID') notFound();
    throw e;
  }
  const job = engine.job(id);
  return (
    <main>
      <h1>{job.attributes?.title ?? job.id}</h1>
      <p>
        Needs {job.skills?.map((s) => `${s.skill}${s.importance === 'nice' ? ' (nice to have)' : ''}`).join(', ')} · budget{' '}
        {job.budget?.min}–{job.budget?.max} /h · {recs.candidates.toLocaleString('en')} candidates, {recs.scored.toLocaleString('en')} scored
        {Object.keys(recs.vetoed).length > 0 ? ` · vetoed: ${Object.entries(recs.vetoed).map(([k, n]) => `${k} ${n}`).join(', ')}` : ''}
      </p>
      <p style={{ fontSize: 14, color: '#555' }}>Fairness policy: DetGreedy toward equal exposure of the four regions.</p>
      <p style={{ fontSize: 13, color: '#555' }}>
        Each bar is a factor&apos;s value, shown as value × weight and its part of the score; the parts add up to the
        score (under the default preset every factor after skills counts in proportion to the skill relevance).
      </p>
      <ol>
        {recs.matches.map((m) => {
          const f = engine.freelancer(m.id);
          return (
            <li key={m.id} className="match" style={{ marginBottom: '1.2rem' }}>
              <strong>{f.attributes?.name ?? m.id}</strong> <code>{m.id}</code> · {f.attributes?.region} · {f.hourlyRate} /h · score{' '}
              <strong>{m.score.toFixed(3)}</strong>
              {m.explanation?.moves.map((mv, i) => (
                <span key={i} className="move" style={{ marginLeft: 8, fontSize: 13, background: '#e6e6ff', padding: '1px 6px', borderRadius: 4 }}>
                  {mv.policy}: moved {mv.from} → {mv.to}
                </span>
              ))}
              <table style={{ fontSize: 13, marginTop: 4 }}>
                <tbody>
                  {m.factors.map((x) => (
                    <tr key={x.name} className="factor">
                      <td style={{ width: 110 }}>{x.name}</td>
                      <td>{bar(x.value, '#5b5bf0')}</td>
                      <td style={{ paddingLeft: 8 }}>
                        {x.value.toFixed(2)} × {x.weight.toFixed(2)}
                      </td>
                      <td className="contribution" style={{ paddingLeft: 12, color: '#555' }}>
                        {`+${x.contribution.toFixed(3)}`}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <Skills m={m} />
            </li>
          );
        })}
      </ol>
    </main>
  );
}
