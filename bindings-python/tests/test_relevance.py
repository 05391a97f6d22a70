"""Issue 14 through the binding: resolution reports, resolve_label, the relax_when_short
must-have policy and below_gate counts, the skill-vector table, and the relevance settings
(specificity, focus, resolution, occupation evidence) in the engine config."""

from __future__ import annotations

import math
from typing import Any

import pytest

import fairmatch

from conftest import ROOT

OPTS: dict[str, Any] = {"k": 3, "explain": True, "now": "2026-01-01T00:00:00Z"}


def freelancer(fid: str, skills: list[str], level: float = 4.0) -> dict[str, Any]:
    return {
        "id": fid,
        "skills": [{"skill": s, "level": level} for s in skills],
        "hourly_rate": 40.0,
        "languages": ["en"],
    }


def job(jid: str, must: list[str], policy: str = "soft") -> dict[str, Any]:
    return {
        "id": jid,
        "skills": [{"skill": s, "min_level": 3} for s in must],
        "must_haves": policy,
    }


def skills_explanation(m: Any) -> dict[str, Any]:
    expl = m["explanation"]
    assert expl is not None
    sx: dict[str, Any] = expl["skills"]
    return sx


def test_upsert_reports_say_how_each_label_resolved() -> None:
    e = fairmatch.Engine()
    rep = e.upsert_freelancers_with_report(
        [freelancer("f", ["reactjs", "Advanced React skills", "Zorblax studio", "Python"])]
    )
    kinds = [(x["label"], x["resolution"]["kind"]) for x in rep["labels"]]
    assert kinds == [
        ("reactjs", "alias"),
        ("Advanced React skills", "contained"),
        ("Zorblax studio", "unknown"),
        ("Python", "exact"),
    ]
    contained = rep["labels"][1]
    assert contained["skill"] == "React" and contained["id"] == "f" and contained["index"] == 1
    assert 0 < contained["resolution"]["similarity"] < 1
    assert contained["resolution"]["matched"] is not None
    assert rep["labels"][2]["skill"] == "zorblax studio"
    assert rep["by_kind"] == {"alias": 1, "contained": 1, "exact": 1, "unknown": 1}
    jrep = e.upsert_jobs_with_report([job("j", ["React.js"])])
    assert jrep["labels"][0]["skill"] == "React"
    assert e.freelancer_count() == 1 and e.job_count() == 1
    # The bulk JSON path reports too.
    rep = e.upsert_freelancers_with_report('[{"id": "g", "skills": [{"skill": "Oracle Java"}]}]')
    assert rep["labels"][0]["skill"] == "Java"


def test_a_rejected_batch_with_report_changes_nothing() -> None:
    e = fairmatch.Engine()
    e.upsert_freelancers([freelancer("a", ["Rust"])])
    before = e.to_bytes()
    with pytest.raises(fairmatch.InvalidInputError) as err:
        e.upsert_freelancers_with_report(
            [freelancer("b", ["Brand-new tool"]), {"id": "c", "hourly_rate": -1}]
        )
    assert err.value.field.startswith("freelancers[1].")
    assert e.to_bytes() == before


def test_resolve_label_previews_without_storing() -> None:
    e = fairmatch.Engine()
    before = e.to_bytes()
    r = e.resolve_label("Structured query language SQL")
    assert r["skill"] == "SQL" and r["resolution"]["kind"] == "contained"
    assert r["id"] == "" and r["alike"] == []
    u = e.resolve_label("Zorblax studio")
    assert u["resolution"] == {"kind": "unknown", "similarity": 1.0, "matched": None}
    assert e.to_bytes() == before
    with pytest.raises(fairmatch.InvalidInputError):
        e.resolve_label(42)  # type: ignore[arg-type]


def test_the_builtin_taxonomy_knows_escos_digital_skills() -> None:
    t = fairmatch.Taxonomy.builtin()
    assert len(t) > 1700
    kdevelop = t.resolve("KDevelop")
    assert kdevelop is not None and t.label(kdevelop) == "KDevelop"
    assert t.resolve("Python (computer programming)") == t.resolve("Python")
    r = fairmatch.Engine().resolve_label("KDevelop")
    assert r["uri"] is not None and r["uri"].startswith("http://data.europa.eu/esco/skill/")


def test_relax_when_short_fills_flagged_and_every_response_counts_the_gate() -> None:
    e = fairmatch.Engine()
    e.upsert_freelancers(
        [
            freelancer("both", ["Rust", "Go"]),
            freelancer("rust", ["Rust"]),
            freelancer("go", ["Go"]),
            freelancer("none", ["Figma"]),
        ]
    )
    e.upsert_jobs(
        [
            job("hard", ["Rust", "Go"], "hard"),
            job("relax", ["Rust", "Go"], "relax_when_short"),
            job("empty", ["Rust", "Go"], "relax_when_empty"),
            job("soft", ["Rust", "Go"], "soft"),
        ]
    )
    hard = e.recommend_freelancers("hard", OPTS)
    assert [m["id"] for m in hard["matches"]] == ["both"]
    assert hard["below_gate"] == 3 and hard["vetoed"]["must_have_skills"] == 3
    relax = e.recommend_freelancers("relax", OPTS)
    flags = [(m["id"], m["below_gate"]) for m in relax["matches"]]
    assert flags[0] == ("both", False) and len(flags) == 3
    assert all(f[1] and f[0] != "none" for f in flags[1:])
    assert relax["below_gate"] == 3 and relax["vetoed"] == {}
    assert e.recommend_freelancers("empty", OPTS)["matches"] == relax["matches"]
    assert e.job("empty")["must_haves"] == "relax_when_short"
    soft = e.recommend_freelancers("soft", OPTS)
    assert soft["below_gate"] == 0 and not any(m["below_gate"] for m in soft["matches"])
    pair = e.score("relax", "rust", OPTS)
    assert pair["below_gate"] and pair["vetoes"] == []
    with pytest.raises(fairmatch.InvalidInputError) as err:
        e.upsert_job(job("bad", ["Rust"], "relax_sometimes"))
    assert err.value.field == "job.must_haves"


def toy_table(model: str) -> dict[str, Any]:
    return {
        "model": model,
        "vectors": [
            {"skill": "Rust", "vector": [1.0, 0.2, 0.0]},
            {"skill": "Go", "vector": [0.9, 0.3, 0.0]},
            {"skill": "Figma", "vector": [0.0, 0.1, 1.0]},
        ],
    }


def test_skill_vectors_imply_close_skills_check_the_model_and_persist() -> None:
    e = fairmatch.Engine()
    e.upsert_freelancers([freelancer("rustacean", ["Rust"]), freelancer("designer", ["Figma"])])
    e.upsert_job(job("j", ["Go"]))
    before = e.recommend_freelancers("j", OPTS)
    assert e.skill_vectors() is None
    e.set_skill_vectors(toy_table("toy-model"))
    assert e.skill_vectors() == ("toy-model", 3)
    r = e.recommend_freelancers("j", OPTS)
    assert r["matches"][0]["id"] == "rustacean"
    hit = skills_explanation(r["matches"][0])["implied"][0]
    assert hit["kind"] == "embedding" and hit["path"] == ["Rust", "Go"]
    cos = (0.9 + 0.06) / (math.sqrt(1.04) * math.sqrt(0.90))
    assert hit["similarity"] == pytest.approx(0.4 * cos, abs=1e-5)
    # part of the snapshot
    back = fairmatch.Engine.from_bytes(e.to_bytes())
    assert back.skill_vectors() == ("toy-model", 3)
    assert back.recommend_freelancers("j", OPTS) == r
    # another model is refused until cleared; nothing changes on error
    with pytest.raises(fairmatch.UnknownIdError) as unknown:
        e.set_skill_vectors(toy_table("other-model"))
    assert unknown.value.kind == "model"
    assert e.recommend_freelancers("j", OPTS) == r
    e.clear_skill_vectors()
    assert e.skill_vectors() is None
    assert e.recommend_freelancers("j", OPTS) == before
    e.set_skill_vectors(toy_table("other-model"))
    assert e.skill_vectors() == ("other-model", 3)


@pytest.mark.parametrize(
    "table, field",
    [
        ({"model": "", "vectors": [{"skill": "Rust", "vector": [1.0]}]}, "skill_vectors.model"),
        ({"model": "m", "vectors": []}, "skill_vectors.vectors"),
        ({"model": "m", "vectors": [{"skill": "Rust", "vector": [float("nan")]}]}, "skill_vectors.vectors[0].vector"),
        ({"model": "m", "vectors": [{"skill": "Rust", "vector": [0.0, 0.0]}]}, "skill_vectors.vectors[0].vector"),
        ({"model": "m", "vectors": [{"skill": "Rust", "vectr": [1.0]}]}, "skill_vectors"),
    ],
)
def test_bad_skill_vector_tables_name_the_field(table: dict[str, Any], field: str) -> None:
    e = fairmatch.Engine()
    with pytest.raises(fairmatch.InvalidInputError) as err:
        e.set_skill_vectors(table)
    assert err.value.field.startswith(field), err.value.field
    assert e.skill_vectors() is None


def test_unknown_or_repeated_skills_in_a_table_are_rejected() -> None:
    e = fairmatch.Engine()
    for vectors in (
        [{"skill": "Zorblax studio", "vector": [1.0, 0.0]}],
        [{"skill": "Rust", "vector": [1.0, 0.0]}, {"skill": "rust", "vector": [0.0, 1.0]}],
    ):
        with pytest.raises(fairmatch.InvalidInputError):
            e.set_skill_vectors({"model": "m", "vectors": vectors})
    assert e.skill_vectors() is None


def test_relevance_settings_live_in_the_engine_config() -> None:
    cfg = fairmatch.Engine().config()
    scoring = cfg["scoring"]
    assert scoring["specificity"] == {"enabled": True, "saturation": 100.0}
    assert scoring["fit"]["focus"] == 0.3
    assert scoring["resolution"]["contained"] is True

    def market(config: Any) -> fairmatch.Engine:
        e = fairmatch.Engine(config=config)
        e.upsert_freelancers(
            [freelancer(f"py{i}", ["Python"]) for i in range(20)]
            + [freelancer("rare", ["Erlang", "Python"])]
        )
        e.upsert_job(job("j", ["Python", "Erlang"]))
        return e

    notes = market(None).recommend_freelancers("j", OPTS)["matches"][0]["explanation"]
    assert notes is not None and any("rare skill: weight" in n for n in notes["notes"])
    off = market({"scoring": {"specificity": {"enabled": False}, "fit": {"focus": 0.0}}})
    assert off.config()["scoring"]["fit"]["focus"] == 0.0
    def skill_value_and_parts(e: fairmatch.Engine) -> tuple[float, float, float]:
        m = e.recommend_freelancers("j", OPTS)["matches"][0]
        value = next(f["value"] for f in m["factors"] if f["name"] == "skills")
        sx = skills_explanation(m)
        return value, sx["coverage"], sx["focus"]

    value, coverage, focus = skill_value_and_parts(market(None))
    assert value == pytest.approx(0.7 * coverage + 0.3 * focus)
    value, coverage, _ = skill_value_and_parts(off)
    assert value == pytest.approx(coverage)
    off_notes = off.recommend_freelancers("j", OPTS)["matches"][0]["explanation"]
    assert off_notes is not None and not any("rare skill" in n for n in off_notes["notes"])
    exact_only = market({"scoring": {"resolution": {"contained": False, "acronyms": False, "fuzzy_threshold": None}}})
    assert exact_only.resolve_label("Oracle Java")["resolution"]["kind"] == "unknown"
    with pytest.raises(fairmatch.InvalidInputError) as err:
        fairmatch.Engine(config={"scoring": {"specificity": {"saturation": -1}}})
    assert "saturation" in err.value.field
    with pytest.raises(fairmatch.InvalidInputError) as err:
        fairmatch.Engine(config={"scoring": {"fit": {"focus": 1.5}}})
    assert "focus" in err.value.field


def test_composition_relevance_gated_by_default_weighted_mean_on_request() -> None:
    """The default preset totals relevance-gated: the terms count in proportion to
    relevance R (explanations state it; contributions add up to the score), so a cheap
    freelancer who does not do the job's work stays below the specialist; with
    `scoring.composition = "weighted_mean"` the score is the plain weighted mean."""
    people = [
        {**freelancer("specialist", ["Rust", "Tokio"], 5.0), "hourly_rate": 400.0},
        {**freelancer("generalist", ["Excel"], 5.0), "hourly_rate": 20.0},
    ]
    the_job = {
        "id": "j",
        "skills": [{"skill": "Rust", "min_level": 4}, {"skill": "Tokio", "min_level": 4}],
        "budget": {"kind": "hourly", "min": 15.0, "max": 30.0},
    }

    def matches(config: dict[str, Any] | None) -> dict[str, Any]:
        e = fairmatch.Engine(config=config)
        e.upsert_freelancers(people)
        e.upsert_jobs([the_job])
        return {m["id"]: m for m in e.recommend_freelancers("j", OPTS)["matches"]}

    gated = matches(None)
    mean = matches({"scoring": {"composition": "weighted_mean"}})
    assert gated["specialist"]["rank"] == 1
    for m in gated.values():
        assert math.isclose(sum(f["contribution"] for f in m["factors"]), m["score"], abs_tol=1e-9)
        assert any(n.startswith("relevance ") for n in m["explanation"]["notes"])
    for m in mean.values():
        plain = sum(f["value"] * f["weight"] for f in m["factors"])
        assert math.isclose(plain, m["score"], abs_tol=1e-9)
        assert not any(n.startswith("relevance ") for n in m["explanation"]["notes"])
    # the generalist's terms are good and its relevance low: the gate takes most of them away
    assert gated["generalist"]["score"] < 0.5 * mean["generalist"]["score"]
    with pytest.raises(fairmatch.InvalidInputError) as err:
        fairmatch.Engine(config={"scoring": {"composition": "multiplied"}})
    assert "config" in err.value.field


def test_esco_taxonomy_brings_occupation_evidence_into_the_skill_factor() -> None:
    slice_dir = ROOT.parent / "shared" / "data" / "esco-ict-slice"
    assert (slice_dir / "occupationSkillRelations.csv").is_file(), (
        f"ESCO data missing at {slice_dir}: this test needs ../shared/data beside the repository"
    )
    t = fairmatch.Taxonomy.from_esco(slice_dir)
    assert t.occupations > 0 and fairmatch.Taxonomy.builtin().occupations == 0
    assert f"occupations={t.occupations}" in repr(t)
    e = fairmatch.Engine(t)
    e.upsert_job({"id": "j", "skills": [{"skill": "Python"}, {"skill": "SQL"}]})
    e.upsert_freelancer(freelancer("f", ["Python", "SQL", "Java"]))
    m = e.recommend_freelancers("j", OPTS)["matches"][0]
    occ = skills_explanation(m)["occupation"]
    assert occ is not None and 0.0 <= occ["similarity"] <= 1.0
    assert occ["weight"] == 0.5 and occ["likeliest"], occ
    expl = m["explanation"]
    assert expl is not None
    assert any(n.startswith("occupation ") for n in expl["notes"]), expl["notes"]
    assert e.config()["scoring"]["fit"]["occupation"] == 0.5
    # the snapshot keeps the profiles; weight 0 turns the evidence off
    back = fairmatch.Engine.from_bytes(e.to_bytes())
    assert back.to_bytes() == e.to_bytes()
    assert back.taxonomy.occupations == t.occupations
    off = fairmatch.Engine(t, config={"scoring": {"fit": {"occupation": 0.0}}})
    off.upsert_job({"id": "j", "skills": [{"skill": "Python"}, {"skill": "SQL"}]})
    off.upsert_freelancer(freelancer("f", ["Python", "SQL", "Java"]))
    m = off.recommend_freelancers("j", OPTS)["matches"][0]
    assert skills_explanation(m)["occupation"] is None
    with pytest.raises(fairmatch.InvalidInputError) as err:
        fairmatch.Engine(t, config={"scoring": {"fit": {"occupation": -0.1}}})
    assert "occupation" in err.value.field
