// GET /api/jobs/:id/recommendations?k=10&fair=0 — the best freelancers for a job, explained.
import { errorResponse, getEngine, optionsFrom } from '../../../../../lib/engine';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export async function GET(request: Request, context: { params: Promise<{ id: string }> }): Promise<Response> {
  const { id } = await context.params;
  try {
    const engine = await getEngine();
    return Response.json(await engine.recommendFreelancers(id, optionsFrom(new URL(request.url))));
  } catch (e) {
    return errorResponse(e);
  }
}
