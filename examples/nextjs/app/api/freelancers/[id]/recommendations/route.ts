// GET /api/freelancers/:id/recommendations?k=10 — the best jobs for a freelancer, explained.
import { errorResponse, getEngine, optionsFrom } from '../../../../../lib/engine';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export async function GET(request: Request, context: { params: Promise<{ id: string }> }): Promise<Response> {
  const { id } = await context.params;
  try {
    const engine = await getEngine();
    const options = { ...optionsFrom(new URL(request.url)), fairness: null };
    return Response.json(await engine.recommendJobs(id, options));
  } catch (e) {
    return errorResponse(e);
  }
}
