"""Learning from outcomes through the Python binding (issue 18): logged exploration,
propensities back in record_impressions, engine.learn / engine.evaluate_offline, the learned
preset by name, InsufficientLogsError, and the log in snapshots."""

from __future__ import annotations

import datetime as dt
import math
import random
from typing import Any

import pytest

import fairmatch

T0 = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)
ZONES = ["Europe/Berlin", "America/New_York", "Asia/Tokyo", "Europe/London"]
# hidden weights of the simulated clients over the default factors
TRUTH = {"skills": 0.15, "rate": 0.35, "reputation": 0.1, "recency": 0.3, "timezone": 0.1}


def market(share: float | None) -> fairmatch.Engine:
    config: dict[str, Any] = {}
    if share is not None:
        config = {"learning": {"exploration": {"share": share, "top_m": 8, "temperature": 0.05, "seed": 3}}}
    e = fairmatch.Engine(config=config)
    rng = random.Random(5)
    skills = ["python", "sql", "javascript", "react", "django", "docker", "rust", "java"]
    fs = []
    for i in range(250):
        total = rng.randrange(0, 40)
        fs.append({
            "id": f"f{i:03}",
            "skills": [{"skill": rng.choice(skills), "level": rng.randint(1, 5)} for _ in range(rng.randint(2, 4))],
            "hourly_rate": rng.uniform(15, 140),
            "timezone": rng.choice(ZONES),
            "languages": ["en"],
            "last_active": (T0 - dt.timedelta(days=rng.randrange(0, 200))).isoformat(),
            "history": {"contracts_total": total, "contracts_completed": total * 9 // 10,
                        "ratings_count": total // 2, "ratings_sum": total // 2 * rng.uniform(3, 5)},
        })
    e.upsert_freelancers(fs)
    e.upsert_jobs([{
        "id": f"j{i:02}",
        "skills": [{"skill": skills[i % 8], "min_level": 2}, {"skill": skills[(3 * i + 1) % 8], "importance": "nice"}],
        "budget": {"kind": "hourly", "min": 20, "max": 80},
        "timezone": {"zone": "Europe/Berlin"},
        "attributes": {"client_id": f"c{i % 3}"},
    } for i in range(24)])
    return e


def simulate(e: fairmatch.Engine, rounds: int, seed: int) -> None:
    rng = random.Random(seed)
    t = 0
    for r in range(rounds):
        for j in range(24):
            t += 1
            at = T0 + dt.timedelta(seconds=t)
            rid = f"r{seed}-{r}-{j}"
            recs = e.recommend_freelancers(f"j{j:02}", {"k": 10, "now": T0.isoformat(), "request_id": rid})
            ms = recs["matches"]
            e.record_impressions({
                "request_id": rid, "job_id": f"j{j:02}", "freelancer_ids": [m["id"] for m in ms],
                "propensities": [m.get("propensity", 1.0) for m in ms], "at": at,
            })
            for pos, m in enumerate(ms):
                u = sum(TRUTH.get(f["name"], 0.0) * f["value"] for f in m["factors"])
                p = 1 / math.log2(pos + 2) / (1 + math.exp(-(-4 + 8 * u)))
                if rng.random() < p:
                    e.record_outcome({"freelancer_id": m["id"], "job_id": f"j{j:02}", "kind": "applied", "at": at})


def test_exploration_reports_propensities_and_is_reproducible() -> None:
    e = market(1.0)
    opts: dict[str, Any] = {"k": 10, "now": T0.isoformat(), "request_id": "req-1"}
    a = e.recommend_freelancers("j01", opts)
    b = e.recommend_freelancers("j01", opts)
    assert a["explored"] is True
    assert [m["id"] for m in a["matches"]] == [m["id"] for m in b["matches"]]
    props = [m["propensity"] for m in a["matches"]]
    assert all(0 < p <= 1 for p in props) and props[8:] == [1.0, 1.0]
    plain = market(None).recommend_freelancers("j01", {"k": 10, "now": T0.isoformat()})
    assert "explored" not in plain and all("propensity" not in m for m in plain["matches"])
    assert sorted(m["id"] for m in a["matches"][:8]) == sorted(m["id"] for m in plain["matches"][:8])


def test_learn_evaluate_and_rank_with_the_learned_preset() -> None:
    e = market(0.5)
    with pytest.raises(fairmatch.InsufficientLogsError):
        e.recommend_freelancers("j00", {"preset": "learned"})
    simulate(e, 80, 1)
    model = e.learn({"target": "proposed", "bootstrap_rounds": 50})
    assert model["factor_names"][0] == "skills" and abs(sum(model["weights"]) - 1) < 1e-9
    w = dict(zip(model["factor_names"], model["weights"]))
    assert w["rate"] > w["experience"] and w["recency"] > w["availability"], w
    lo, hi = model["weight_intervals"][1]
    assert lo <= w["rate"] <= hi
    ll, base = model["holdout"]["log_loss"], model["holdout"]["baseline_log_loss"]
    assert ll is not None and base is not None and ll < base
    assert e.learned_model() == model
    assert e.learned_weights() == model["weights"]
    assert e.learned_weights("no-such-client") == model["weights"]
    c0 = e.learned_weights("c0")
    assert c0 is not None and abs(sum(c0) - 1) < 1e-9
    r = e.recommend_freelancers("j00", {"preset": "learned", "k": 5, "now": T0.isoformat()})
    assert r["preset"] == "learned"
    used = {f["name"]: f["weight"] for f in r["matches"][0]["factors"]}
    assert used["rate"] > 0.2
    ev = e.evaluate_offline(
        [{"name": "default"}, {"preset": "learned"}, {"weights": {"rate": 1.0, "recency": 1.0}}],
        {"k": 5, "bootstrap_rounds": 100, "seed": 1},
    )
    assert [x["name"] for x in ev] == ["default", "learned", "default"]
    for x in ev:
        kinds = {s["estimator"] for s in x["estimates"]}
        assert {"ips", "snips", "doubly_robust"} <= kinds
        for s in x["estimates"]:
            assert s["lo"] <= s["value"] <= s["hi"]
    snips = [next(s["value"] for s in x["estimates"] if s["estimator"] == "snips") for x in ev]
    assert snips[1] > snips[0]
    with pytest.raises(fairmatch.InvalidInputError) as bad:
        e.evaluate_offline([{"preset": "megilance_v1"}])
    assert bad.value.field.startswith("candidates[0]")
    # the log and the model travel with the snapshot
    back = fairmatch.Engine.from_bytes(e.to_bytes())
    assert back.to_bytes() == e.to_bytes()
    assert back.learned_model() == model


def test_without_exploration_learning_is_refused() -> None:
    e = market(None)
    simulate(e, 10, 2)
    with pytest.raises(fairmatch.InsufficientLogsError, match="position variation"):
        e.learn()
    assert e.learned_model() is None
    assert issubclass(fairmatch.InsufficientLogsError, fairmatch.FairmatchError)


def test_bad_inputs_name_their_field() -> None:
    e = market(1.0)
    with pytest.raises(fairmatch.InvalidInputError) as bad:
        e.record_impressions({"request_id": "r", "job_id": "j00", "freelancer_ids": ["f000"],
                              "propensities": [1.5], "at": T0})
    assert bad.value.field == "impressions.propensities[0]"
    with pytest.raises(fairmatch.InvalidInputError) as bad:
        e.learn({"target": "clicked"})
    assert bad.value.field.startswith("config")
    with pytest.raises(fairmatch.InvalidInputError) as bad:
        fairmatch.Engine(config={"learning": {"exploration": {"share": 0}}})
    assert bad.value.field == "learning.exploration.share"
