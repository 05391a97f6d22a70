//! The engine's snapshot: which sections it writes and how it rebuilds itself from them.
//!
//! Format version 1 sections: `config` (EngineConfig, JSON: its position model is an
//! internally tagged enum, which bincode cannot read back), `taxonomy` (the skill nodes;
//! lookup tables are rebuilt), `catalog` (the id interners and every stored freelancer and
//! job as supplied, with effective histories), `events` (the event log), `ledger` (the
//! exposure ledger, JSON for the same reason), and, when freelancers carry embeddings,
//! `vectors` (the index's own validated byte format; the HNSW graph is rebuilt on load).
//! The others are bincode; JSON floats are written shortest-round-trip and parsed exactly
//! (serde_json `float_roundtrip`), so save → load → save is byte-identical. Everything
//! decoded is validated before use (entities, event log, ledger values and keys, vector
//! rows against the catalogue) and a ledger `null` written by an overflowing 0.1 engine reads
//! as the saturated maximum. Derived data
//! (compiled skills, interned languages/zones, reputation statistics, skill holder counts,
//! links between ad-hoc labels) is rebuilt on load by the same code that builds it on upsert,
//! so a loaded engine answers exactly as the saved one did.
//!
//! Format version 2 (issue 14) adds the relevance settings to `config` (label resolution,
//! specificity, focus, embedding similarity) and, when a skill-vector table is set, the
//! `skillvec` section (the vector store's own validated bytes, rows by taxonomy skill
//! id). A format-1 file loads with the relevance rules it was written under.
//!
//! Format version 4 adds `scoring.composition` to `config` (the `default` preset's
//! relevance-gated total); files of formats 1–3 load with the weighted mean they were
//! written under.
//!
//! Format version 5 adds, when the taxonomy has occupation profiles (an ESCO import), the
//! `occprof` section (bincode: the occupations with their essential / optional skill
//! ids; the profiles are rebuilt and every id checked against the taxonomy on load) and
//! `scoring.fit.occupation` to `config`. Older files carry no profiles and load unchanged.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::catalog::Catalog;
use super::events::EventLog;
use super::learning::LearningState;
use super::skill_vectors::SkillVectors;
use super::{EngineConfig, State};
use crate::domain::{Freelancer, Job};
use crate::error::{Error, Result};
use crate::ids::Interner;
use crate::index::{HnswIndex, VectorStore};
use crate::persist::{self, Codec, Section};
use crate::rerank::ExposureLedger;
use crate::skills::{EscoOccupation, Taxonomy};

/// The newest snapshot format this build writes and reads. Format 2 (issue 14) adds the
/// relevance settings to `config` and the optional `skillvec` section (skill vectors); a format-1
/// snapshot loads with the rules it was written under
/// ([`super::ScoringConfig::into_format_v1`]). Format 3 (issue 18) adds the learning settings
/// to `config` and the optional `learning` section (the impression log, the ids it refers to
/// and the learned model); formats 1 and 2 load with an empty log. Format 4 adds
/// `scoring.composition`; formats 1–3 load with [`crate::score::Composition::WeightedMean`].
/// Format 5 adds the optional `occprof` section (the taxonomy's occupation profiles) and
/// `scoring.fit.occupation`; files of formats 1–4 have no profiles, so they answer as written.
pub const FORMAT_VERSION: u32 = 5;

#[derive(Serialize, Deserialize)]
struct CatalogData {
    adhoc: Interner,
    freelancer_ids: Interner,
    job_ids: Interner,
    freelancers: Vec<Option<Freelancer>>,
    jobs: Vec<Option<Job>>,
}

pub(crate) fn to_bytes(s: &State) -> Result<Vec<u8>> {
    let c = &s.catalog;
    let data = CatalogData {
        adhoc: c.adhoc.clone(),
        freelancer_ids: c.freelancer_ids.clone(),
        job_ids: c.job_ids.clone(),
        freelancers: c
            .freelancers
            .iter()
            .map(|e| e.as_ref().map(|e| e.input.clone()))
            .collect(),
        jobs: c
            .jobs
            .iter()
            .map(|e| e.as_ref().map(|e| e.input.clone()))
            .collect(),
    };
    let sections = [
        Section {
            name: "config".into(),
            codec: Codec::Json,
            bytes: to_json(&s.config)?,
        },
        Section {
            name: "taxonomy".into(),
            codec: Codec::Bincode,
            bytes: persist::to_bincode(&*c.taxonomy)?,
        },
        Section {
            name: "catalog".into(),
            codec: Codec::Bincode,
            bytes: persist::to_bincode(&data)?,
        },
        Section {
            name: "events".into(),
            codec: Codec::Bincode,
            bytes: persist::to_bincode(&s.events)?,
        },
        Section {
            name: "ledger".into(),
            codec: Codec::Json,
            bytes: to_json(&s.ledger)?,
        },
    ]
    .into_iter()
    .chain(s.vectors.as_ref().map(|v| Section {
        // The HNSW index's own bytes: vectors, insertion order and the graph (every link
        // checked on load; a graph saved with tombstones is rebuilt without them).
        name: "vectors".into(),
        codec: Codec::Raw,
        bytes: v.to_bytes(),
    }))
    .chain(
        // the impression log and learned model (issue 18), when there is anything to keep
        (s.learning.log.n_slates() > 0 || s.learning.model.is_some())
            .then(|| -> Result<Section> {
                Ok(Section {
                    name: "learning".into(),
                    codec: Codec::Bincode,
                    bytes: persist::to_bincode(&s.learning.to_data())?,
                })
            })
            .transpose()?,
    )
    .chain(
        // the taxonomy's occupation profiles (format 5), as the occupations they are built from
        c.taxonomy
            .occupations()
            .map(|p| -> Result<Section> {
                Ok(Section {
                    name: "occprof".into(),
                    codec: Codec::Bincode,
                    bytes: persist::to_bincode(&p.occupations())?,
                })
            })
            .transpose()?,
    )
    .chain(s.skill_vectors.as_ref().map(|v| Section {
        // The skill-vector table: the vector store's own bytes (model id, rows by skill id).
        name: "skillvec".into(),
        codec: Codec::Raw,
        bytes: v.store.to_bytes(),
    }))
    .collect::<Vec<_>>();
    persist::encode(FORMAT_VERSION, &sections)
}

pub(crate) fn from_bytes(bytes: &[u8]) -> Result<State> {
    let (version, sections) = persist::decode(bytes, FORMAT_VERSION)?;
    let find = |name: &str, codec: Codec| {
        sections
            .iter()
            .find(|s| s.name == name && s.codec == codec)
            .ok_or_else(|| Error::corrupt(format!("missing section `{name}`")))
    };
    let mut config: EngineConfig = from_json(&find("config", Codec::Json)?.bytes, "config")?;
    if version == 1 {
        // Format 1 had no relevance settings: it resolved and scored under these rules.
        config.scoring = config.scoring.into_format_v1();
    } else if version < 4 {
        // Formats 2 and 3 totalled the `default` preset as the plain weighted mean.
        config.scoring.composition = crate::score::Composition::WeightedMean;
    }
    config
        .validate()
        .map_err(|e| Error::corrupt(format!("config: {e}")))?;
    let mut taxonomy: Taxonomy =
        persist::from_bincode(&find("taxonomy", Codec::Bincode)?.bytes, "taxonomy")?;
    if let Some(sec) = sections
        .iter()
        .find(|s| s.name == "occprof" && s.codec == Codec::Bincode)
    {
        let occupations: Vec<EscoOccupation> = persist::from_bincode(&sec.bytes, "occprof")?;
        if occupations.is_empty() {
            return Err(Error::corrupt("occprof: an empty section"));
        }
        taxonomy = taxonomy
            .with_occupations(occupations)
            .map_err(|e| Error::corrupt(format!("occprof: {e}")))?;
    }
    let mut data: CatalogData =
        persist::from_bincode(&find("catalog", Codec::Bincode)?.bytes, "catalog")?;
    let events: EventLog = persist::from_bincode(&find("events", Codec::Bincode)?.bytes, "events")?;
    let ledger: ExposureLedger = from_json(&find("ledger", Codec::Json)?.bytes, "ledger")?;
    ledger
        .validate()
        .map_err(|e| Error::corrupt(format!("ledger: {e}")))?;
    if let Some(k) = ledger.keys().last() {
        let ids = data.freelancer_ids.len();
        if *k as usize >= ids {
            return Err(Error::corrupt(format!(
                "ledger: key {k} is not a freelancer id (there are {ids})"
            )));
        }
    }
    let vectors = match sections
        .iter()
        .find(|s| s.name == "vectors" && s.codec == Codec::Raw)
    {
        Some(sec) => Some(HnswIndex::from_bytes(&sec.bytes)?),
        None => None,
    };

    for i in [&mut data.adhoc, &mut data.freelancer_ids, &mut data.job_ids] {
        i.rebuild_index()?;
    }
    if data.freelancers.len() > data.freelancer_ids.len() || data.jobs.len() > data.job_ids.len() {
        return Err(Error::corrupt("catalog: more entities than ids"));
    }
    events
        .validate(data.freelancer_ids.len())
        .map_err(|e| Error::corrupt(format!("events: {e}")))?;
    let mut cat = Catalog::new(Arc::new(taxonomy), config.scoring.resolution.clone());
    cat.adhoc = data.adhoc;
    cat.rebuild_adhoc_links();
    cat.freelancer_ids = data.freelancer_ids;
    cat.job_ids = data.job_ids;
    cat.ensure_slots(data.freelancers.len(), data.jobs.len());
    for (doc, f) in data.freelancers.into_iter().enumerate() {
        let Some(f) = f else { continue };
        let bad = |e: Error| Error::corrupt(format!("catalog: freelancer {doc}: {e}"));
        f.validate().map_err(bad)?;
        if cat.freelancer_ids.get(&f.id) != Some(doc as u32) {
            return Err(Error::corrupt(format!(
                "catalog: freelancer {doc} has a mismatched id"
            )));
        }
        let history = f.history.clone().unwrap_or_default();
        let entry = cat.compile_freelancer(f, history).map_err(bad)?;
        cat.put_freelancer(entry).map_err(bad)?;
    }
    for (doc, j) in data.jobs.into_iter().enumerate() {
        let Some(j) = j else { continue };
        let bad = |e: Error| Error::corrupt(format!("catalog: job {doc}: {e}"));
        j.validate().map_err(bad)?;
        if cat.job_ids.get(&j.id) != Some(doc as u32) {
            return Err(Error::corrupt(format!(
                "catalog: job {doc} has a mismatched id"
            )));
        }
        let entry = cat.compile_job(j).map_err(bad)?;
        cat.put_job(entry).map_err(bad)?;
    }
    let vectors = match vectors {
        // Older snapshots may hold job embeddings without a vector index: the first of them
        // (in id order) fixes the engine's model and dimension, as on upsert.
        None => cat
            .jobs
            .iter()
            .flatten()
            .find_map(|j| j.input.embedding.as_ref())
            .map(super::write::new_vector_index)
            .transpose()
            .map_err(|e| Error::corrupt(format!("catalog: job embedding: {e}")))?,
        v => v,
    };
    if let Some(v) = &vectors {
        for id in v.store().ids() {
            if !cat
                .rows
                .get(id as usize)
                .is_some_and(|r| r.live && r.has_embedding)
            {
                return Err(Error::corrupt(format!(
                    "vectors: row {id} is not a freelancer with an embedding"
                )));
            }
        }
    }
    let skill_vectors = match sections
        .iter()
        .find(|s| s.name == "skillvec" && s.codec == Codec::Raw)
    {
        Some(sec) => {
            let store = VectorStore::from_bytes(&sec.bytes)?;
            if store.metric() != crate::index::Metric::Cosine {
                return Err(Error::corrupt("skill_vectors: not a cosine table"));
            }
            if let Some(id) = store.ids().find(|&id| id as usize >= cat.taxonomy.len()) {
                return Err(Error::corrupt(format!(
                    "skill_vectors: row {id} is not a taxonomy skill"
                )));
            }
            Some(SkillVectors::from_store(store))
        }
        None => None,
    };
    let learning = match sections
        .iter()
        .find(|s| s.name == "learning" && s.codec == Codec::Bincode)
    {
        Some(sec) => LearningState::from_data(
            persist::from_bincode(&sec.bytes, "learning")?,
            cat.freelancer_ids.len(),
            cat.job_ids.len(),
        )?,
        None => LearningState::default(),
    };
    Ok(State {
        config,
        catalog: cat,
        events,
        ledger,
        vectors,
        skill_vectors,
        learning,
    })
}

fn to_json<T: Serialize>(v: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(v).map_err(|e| Error::invalid("snapshot", format!("cannot encode: {e}")))
}

fn from_json<T: serde::de::DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T> {
    serde_json::from_slice(bytes)
        .map_err(|e| Error::corrupt(format!("section `{what}` does not decode: {e}")))
}
