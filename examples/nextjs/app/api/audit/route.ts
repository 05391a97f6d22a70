// GET /api/audit?attribute=region — exposure, hiring funnel and rating gaps per group.
import { errorResponse, getEngine } from '../../../lib/engine';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export async function GET(request: Request): Promise<Response> {
  const attribute = new URL(request.url).searchParams.get('attribute') ?? 'region';
  try {
    const engine = await getEngine();
    return Response.json(await engine.audit({ attribute, zeroDivision: 'nan' }));
  } catch (e) {
    return errorResponse(e);
  }
}
