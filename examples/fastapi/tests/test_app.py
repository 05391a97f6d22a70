"""The example service end to end with FastAPI's TestClient (lifespan included)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import app as service  # noqa: E402


def freelancer(i: int) -> dict[str, Any]:
    return {
        "skills": [{"skill": "python", "level": 1 + i % 5}],
        "hourly_rate": 30.0 + i,
        "languages": ["en"],
        "attributes": {"tenure": "new" if i % 2 else "established"},
    }


JOB = {"skills": [{"skill": "python", "min_level": 2}], "budget": {"kind": "hourly", "min": 20, "max": 80}}


@pytest.fixture
def snapshot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "fm.snapshot"
    monkeypatch.setenv("FAIRMATCH_SNAPSHOT", str(path))
    return path


def test_service_end_to_end(snapshot: Path) -> None:
    with TestClient(service.app) as client:
        for i in range(12):
            assert client.put(f"/freelancers/f{i}", json=freelancer(i)).status_code == 200
        assert client.put("/jobs/j1", json=JOB).status_code == 200
        assert client.get("/freelancers/f3").json()["hourly_rate"] == 33.0
        assert client.get("/jobs/j1").json()["budget"]["kind"] == "hourly"

        recs = client.get("/jobs/j1/recommendations", params={"k": 5}).json()
        ids = [m["id"] for m in recs["matches"]]
        assert len(ids) == 5 and recs["matches"][0]["rank"] == 1
        back = client.get("/freelancers/f4/recommendations").json()
        assert back["matches"][0]["id"] == "j1"
        explained = client.post("/jobs/j1/recommendations", json={"k": 3, "explain": True}).json()
        assert explained["matches"][0]["explanation"] is not None

        imp = {"request_id": "r1", "job_id": "j1", "freelancer_ids": ids, "at": "2026-01-01T00:00:00Z"}
        assert client.post("/impressions", json=imp).status_code == 200
        out = {"freelancer_id": ids[0], "job_id": "j1", "kind": "hired", "at": "2026-01-02T00:00:00Z"}
        assert client.post("/outcomes", json=out).status_code == 200
        report = client.get("/audit/tenure").json()
        assert {g["group"] for g in report["groups"]} == {"new", "established"}

        bad = client.put("/freelancers/fx", json={"skills": [{"skill": "python", "level": 42}]})
        assert bad.status_code == 422 and bad.json()["field"] == "freelancer.skills[0].level"
        missing = client.get("/jobs/nope/recommendations")
        assert missing.status_code == 404 and missing.json()["kind"] == "job"
        assert client.delete("/freelancers/f11").status_code == 200
        assert client.get("/freelancers/f11").status_code == 404
        final = [m["id"] for m in client.get("/jobs/j1/recommendations", params={"k": 5}).json()["matches"]]
    # saved on shutdown, loaded on the next startup
    assert snapshot.exists()
    with TestClient(service.app) as client:
        again = client.get("/jobs/j1/recommendations", params={"k": 5}).json()
        assert [m["id"] for m in again["matches"]] == final
        assert client.get("/freelancers/f11").status_code == 404
