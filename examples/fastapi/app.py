"""A small FastAPI service over fairmatch.

* jobs and freelancers: PUT (upsert), GET, DELETE
* recommendations both ways: GET /jobs/{id}/recommendations, GET /freelancers/{id}/recommendations
* impressions/outcomes: POST /impressions, POST /outcomes
* audit: GET /audit/{attribute}

The engine is loaded from a snapshot on startup (if the file exists) and saved on shutdown
(path: $FAIRMATCH_SNAPSHOT, default ./fairmatch.snapshot). Every engine call runs in the
thread pool (`run_in_threadpool`) and releases the GIL, so the event loop never stalls.
Responses are the engine's dicts, returned as they are. Errors map to HTTP: bad input 422,
unknown id 404.
"""

from __future__ import annotations

import os
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator, Dict, Optional

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

import fairmatch


def snapshot_path() -> Path:
    return Path(os.environ.get("FAIRMATCH_SNAPSHOT", "fairmatch.snapshot"))


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    path = snapshot_path()
    if path.exists():
        app.state.engine = await run_in_threadpool(fairmatch.Engine.load, path)
    else:
        app.state.engine = fairmatch.Engine()
    yield
    await run_in_threadpool(app.state.engine.save, path)


app = FastAPI(title="fairmatch example", lifespan=lifespan)


def engine(request: Request) -> fairmatch.Engine:
    e: fairmatch.Engine = request.app.state.engine
    return e


@app.exception_handler(fairmatch.InvalidInputError)
async def invalid_input(_: Request, exc: fairmatch.InvalidInputError) -> JSONResponse:
    return JSONResponse(status_code=422, content={"code": exc.code, "field": exc.field, "detail": str(exc)})


@app.exception_handler(fairmatch.UnknownIdError)
async def unknown_id(_: Request, exc: fairmatch.UnknownIdError) -> JSONResponse:
    return JSONResponse(status_code=404, content={"code": exc.code, "kind": exc.kind, "id": exc.id})


@app.put("/freelancers/{freelancer_id}")
async def put_freelancer(freelancer_id: str, body: Dict[str, Any], request: Request) -> Dict[str, str]:
    await run_in_threadpool(engine(request).upsert_freelancer, {**body, "id": freelancer_id})
    return {"id": freelancer_id}


@app.get("/freelancers/{freelancer_id}")
async def get_freelancer(freelancer_id: str, request: Request) -> Any:
    return await run_in_threadpool(engine(request).freelancer, freelancer_id)


@app.delete("/freelancers/{freelancer_id}")
async def delete_freelancer(freelancer_id: str, request: Request) -> Dict[str, str]:
    await run_in_threadpool(engine(request).remove_freelancer, freelancer_id)
    return {"id": freelancer_id}


@app.put("/jobs/{job_id}")
async def put_job(job_id: str, body: Dict[str, Any], request: Request) -> Dict[str, str]:
    await run_in_threadpool(engine(request).upsert_job, {**body, "id": job_id})
    return {"id": job_id}


@app.get("/jobs/{job_id}")
async def get_job(job_id: str, request: Request) -> Any:
    return await run_in_threadpool(engine(request).job, job_id)


@app.delete("/jobs/{job_id}")
async def delete_job(job_id: str, request: Request) -> Dict[str, str]:
    await run_in_threadpool(engine(request).remove_job, job_id)
    return {"id": job_id}


@app.get("/jobs/{job_id}/recommendations")
async def recommend_freelancers(job_id: str, request: Request, k: int = 10, explain: bool = False) -> Any:
    return await run_in_threadpool(engine(request).recommend_freelancers, job_id, {"k": k, "explain": explain})


@app.post("/jobs/{job_id}/recommendations")
async def recommend_freelancers_with(job_id: str, options: Dict[str, Any], request: Request) -> Any:
    """Full RecommendOptions in the body (fairness policy, filters, weights, ...)."""
    return await run_in_threadpool(engine(request).recommend_freelancers, job_id, options)


@app.get("/freelancers/{freelancer_id}/recommendations")
async def recommend_jobs(freelancer_id: str, request: Request, k: int = 10, explain: bool = False) -> Any:
    return await run_in_threadpool(engine(request).recommend_jobs, freelancer_id, {"k": k, "explain": explain})


@app.post("/impressions")
async def impressions(body: Dict[str, Any], request: Request) -> Dict[str, bool]:
    await run_in_threadpool(engine(request).record_impressions, body)
    return {"ok": True}


@app.post("/outcomes")
async def outcomes(body: Dict[str, Any], request: Request) -> Dict[str, bool]:
    await run_in_threadpool(engine(request).record_outcome, body)
    return {"ok": True}


@app.get("/audit/{attribute}")
async def audit(attribute: str, request: Request, reference_group: Optional[str] = None) -> Any:
    opts: Dict[str, Any] = {"attribute": attribute, "reference_group": reference_group}
    return await run_in_threadpool(engine(request).audit, opts)
