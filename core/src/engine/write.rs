//! The write path: upserts (validate everything, compile everything, then apply, so a
//! rejected write changes nothing), removals and the skill-vector table.

use super::catalog::{FreelancerEntry, JobEntry};
use super::options::{LabelReport, UpsertReport};
use super::{Engine, skill_vectors};
use crate::domain::{Freelancer, Job, SkillVectorTable};
use crate::error::{EntityKind, Error, Result};
use crate::index::{HnswBuilder, HnswIndex, Metric, VectorStore};

impl Engine {
    /// Adds or replaces one freelancer. Rejects invalid input (see `Freelancer::validate`; an
    /// embedding must also match the engine's model and dimension, fixed by the first vector
    /// stored on either side); errors name `freelancer.<field>`. Nothing changes on error.
    pub fn upsert_freelancer(&self, f: Freelancer) -> Result<()> {
        self.put_freelancers(vec![f], Naming::single("freelancer"), false)
            .map(|_| ())
    }

    /// Adds or replaces freelancers, all or nothing: the first invalid one (or an id given
    /// twice) rejects the batch and nothing changes; errors name `freelancers[i].<field>`.
    pub fn upsert_freelancers(&self, batch: Vec<Freelancer>) -> Result<()> {
        self.put_freelancers(batch, Naming::batch("freelancer", "freelancers"), false)
            .map(|_| ())
    }

    /// [`Engine::upsert_freelancers`], answering how every skill label resolved (skill, kind,
    /// similarity, the known form it matched), in batch order.
    pub fn upsert_freelancers_with_report(&self, batch: Vec<Freelancer>) -> Result<UpsertReport> {
        self.put_freelancers(batch, Naming::batch("freelancer", "freelancers"), true)
    }

    /// Validates everything, compiles everything, then applies: a rejected write changes
    /// nothing, not even the label interners that reach the snapshot. The report of the
    /// labels is built only when `report` asks for it (an empty report otherwise).
    fn put_freelancers(
        &self,
        batch: Vec<Freelancer>,
        at: Naming,
        report: bool,
    ) -> Result<UpsertReport> {
        let mut seen = std::collections::HashSet::new();
        for (i, f) in batch.iter().enumerate() {
            f.validate().map_err(|e| at.name(i, e))?;
            if !seen.insert(f.id.as_str()) {
                return Err(at.name(
                    i,
                    Error::invalid(
                        "freelancer.id",
                        format!("`{}` appears twice in the batch", f.id),
                    ),
                ));
            }
        }
        let mut s = self.state.write();
        check_embeddings(
            s.vectors.as_ref(),
            "freelancer",
            batch.iter().map(|f| f.embedding.as_ref()),
        )
        .map_err(|(i, e)| at.name(i, e))?;
        let mark = s.catalog.mark();
        let mut compiled: Vec<FreelancerEntry> = Vec::with_capacity(batch.len());
        for (i, f) in batch.into_iter().enumerate() {
            let history = match &f.history {
                Some(h) => h.clone(),
                None => s
                    .catalog
                    .freelancer_doc(&f.id)
                    .ok()
                    .and_then(|d| s.catalog.freelancers[d as usize].as_ref())
                    .map(|e| e.history.clone())
                    .unwrap_or_default(),
            };
            match s.catalog.compile_freelancer(f, history) {
                Ok(e) => compiled.push(e),
                Err(e) => {
                    s.catalog.rollback(mark);
                    return Err(at.name(i, e));
                }
            }
        }
        let report = label_reports(&mut s.catalog, &compiled, report);
        // Everything is valid: storing cannot fail from here on (the vectors were prepared
        // by `check_embeddings` with the index's own rules).
        for e in compiled {
            let embedding = e.input.embedding.clone();
            let doc = s.catalog.put_freelancer(e)?;
            sync_vector(&mut s.vectors, doc, embedding.as_ref())?;
        }
        Ok(report)
    }

    /// Adds or replaces one job. Rejects invalid input (errors name `job.<field>`); nothing
    /// changes on error. A job's embedding must match the engine's model and dimension (fixed
    /// by the first vector stored on either side; a job's fixes it too).
    pub fn upsert_job(&self, j: Job) -> Result<()> {
        self.put_jobs(vec![j], Naming::single("job"), false)
            .map(|_| ())
    }

    /// Adds or replaces jobs, all or nothing; errors name `jobs[i].<field>`.
    pub fn upsert_jobs(&self, batch: Vec<Job>) -> Result<()> {
        self.put_jobs(batch, Naming::batch("job", "jobs"), false)
            .map(|_| ())
    }

    /// [`Engine::upsert_jobs`], answering how every skill label resolved.
    pub fn upsert_jobs_with_report(&self, batch: Vec<Job>) -> Result<UpsertReport> {
        self.put_jobs(batch, Naming::batch("job", "jobs"), true)
    }

    fn put_jobs(&self, batch: Vec<Job>, at: Naming, report: bool) -> Result<UpsertReport> {
        let mut seen = std::collections::HashSet::new();
        for (i, j) in batch.iter().enumerate() {
            j.validate().map_err(|e| at.name(i, e))?;
            if !seen.insert(j.id.as_str()) {
                return Err(at.name(
                    i,
                    Error::invalid("job.id", format!("`{}` appears twice in the batch", j.id)),
                ));
            }
        }
        let mut s = self.state.write();
        check_embeddings(
            s.vectors.as_ref(),
            "job",
            batch.iter().map(|j| j.embedding.as_ref()),
        )
        .map_err(|(i, e)| at.name(i, e))?;
        let mark = s.catalog.mark();
        let mut compiled: Vec<JobEntry> = Vec::with_capacity(batch.len());
        for (i, j) in batch.into_iter().enumerate() {
            match s.catalog.compile_job(j) {
                Ok(e) => compiled.push(e),
                Err(e) => {
                    s.catalog.rollback(mark);
                    return Err(at.name(i, e));
                }
            }
        }
        if s.vectors.is_none()
            && let Some(e) = compiled.iter().find_map(|c| c.input.embedding.as_ref())
        {
            // The first vector on either side fixes the engine's model and dimension.
            s.vectors = Some(new_vector_index(e)?);
        }
        let report = label_reports(&mut s.catalog, &compiled, report);
        for e in compiled {
            s.catalog.put_job(e)?;
        }
        Ok(report)
    }

    /// Sets the skill-vector table: skills whose vectors have a cosine of at least
    /// `scoring.similarity.embedding_threshold` imply each other with similarity
    /// `embedding × cos` (kind `embedding` in explanations). Replaces the previous table,
    /// which must come from the same model (`UnknownId`, kind model, otherwise: call
    /// [`Engine::clear_skill_vectors`] first to change models). Rejects an invalid table
    /// naming the entry (see `SkillVectorTable::validate`), a skill the taxonomy does not know
    /// and a skill given twice; nothing changes on error.
    pub fn set_skill_vectors(&self, table: &SkillVectorTable) -> Result<()> {
        let mut s = self.state.write();
        if let Some(old) = &s.skill_vectors {
            old.check_replacement(table)?;
        }
        let built = skill_vectors::SkillVectors::build(table, &s.catalog.taxonomy)?;
        s.skill_vectors = Some(built);
        Ok(())
    }

    /// Removes the skill-vector table (no embedding matches afterwards).
    pub fn clear_skill_vectors(&self) {
        self.state.write().skill_vectors = None;
    }

    /// The model id and number of vectors of the skill-vector table, if one is set.
    pub fn skill_vectors(&self) -> Option<(String, usize)> {
        self.state
            .read()
            .skill_vectors
            .as_ref()
            .map(|v| (v.store.model_id().to_owned(), v.store.len()))
    }

    /// How `label` would resolve under this engine's rules, without storing anything: the
    /// taxonomy skill (or, for an unknown label, the ad-hoc skill it would be), the kind of
    /// match, its similarity and the known form it matched.
    pub fn resolve_label(&self, label: &str) -> LabelReport {
        let s = self.state.read();
        let c = &s.catalog;
        let r = c.taxonomy.resolve_with(label, &c.resolution);
        c.label_report(String::new(), 0, label, &r)
    }

    /// Removes a freelancer; `UnknownId` if absent. Recorded events stay in the log.
    pub fn remove_freelancer(&self, id: &str) -> Result<()> {
        let mut s = self.state.write();
        let doc = s.catalog.freelancer_doc(id)?;
        s.catalog.remove_freelancer(id)?;
        if let Some(v) = s.vectors.as_mut() {
            v.remove(doc);
        }
        Ok(())
    }

    /// Removes a job; `UnknownId` if absent.
    pub fn remove_job(&self, id: &str) -> Result<()> {
        self.state.write().catalog.remove_job(id)
    }
}

/// How a write names the fields of its entity `i`: `freelancer.skills[0].level` for a single
/// upsert, `freelancers[3].skills[0].level` in a batch (the core's validation names the
/// singular form).
#[derive(Debug, Clone, Copy)]
struct Naming {
    single: &'static str,
    plural: Option<&'static str>,
}

impl Naming {
    fn single(single: &'static str) -> Self {
        Naming {
            single,
            plural: None,
        }
    }

    fn batch(single: &'static str, plural: &'static str) -> Self {
        Naming {
            single,
            plural: Some(plural),
        }
    }

    /// `e` with its field named for entity `i` of this write.
    fn name(&self, i: usize, e: Error) -> Error {
        let Some(plural) = self.plural else {
            return e;
        };
        e.at_item(self.single, plural, i)
    }
}

/// Checks the embeddings of a write (`side` = `freelancer` or `job`) with the vector
/// index's own rules (model id, dimension, finite, non-zero under cosine) and against the
/// engine's model and dimension: those of the index, or, before there is one, of the first
/// embedding of the write. Returns the entity number with the first error.
fn check_embeddings<'a>(
    vectors: Option<&HnswIndex>,
    side: &str,
    embeddings: impl Iterator<Item = Option<&'a crate::Embedding>>,
) -> std::result::Result<(), (usize, Error)> {
    let mut first: Option<(String, usize)> =
        vectors.map(|v| (v.store().model_id().to_owned(), v.store().dim()));
    for (i, e) in embeddings.enumerate() {
        let Some(e) = e else { continue };
        let field = format!("{side}.embedding");
        let vector_field = format!("{field}.vector");
        let check = || -> Result<()> {
            crate::index::check_collection(
                &e.model,
                e.vector.len(),
                &format!("{field}.model"),
                &vector_field,
            )?;
            if let Some((model, dim)) = &first {
                if &e.model != model {
                    return Err(Error::unknown(EntityKind::Model, &e.model));
                }
                if e.vector.len() != *dim {
                    return Err(Error::DimensionMismatch {
                        field: vector_field.clone(),
                        expected: *dim,
                        got: e.vector.len(),
                    });
                }
            }
            crate::index::prepare(&vector_field, Metric::Cosine, e.vector.len(), &e.vector)
                .map(|_| ())
        };
        check().map_err(|err| (i, err))?;
        if first.is_none() {
            first = Some((e.model.clone(), e.vector.len()));
        }
    }
    Ok(())
}

/// An empty index of freelancer embeddings for `e`'s model and dimension.
pub(super) fn new_vector_index(e: &crate::Embedding) -> Result<HnswIndex> {
    let store = VectorStore::new(&e.model, e.vector.len(), Metric::Cosine)?;
    HnswBuilder::new().parallel_build(false).build(store)
}

/// Stores (or drops) freelancer `doc`'s embedding in the vector index, creating the index on
/// the first embedding.
fn sync_vector(
    vectors: &mut Option<HnswIndex>,
    doc: u32,
    e: Option<&crate::Embedding>,
) -> Result<()> {
    match (vectors.as_mut(), e) {
        (Some(v), Some(e)) => v.upsert(doc, &e.vector),
        (Some(v), None) => {
            v.remove(doc);
            Ok(())
        }
        (None, Some(e)) => {
            let mut idx = new_vector_index(e)?;
            idx.upsert(doc, &e.vector)?;
            *vectors = Some(idx);
            Ok(())
        }
        (None, None) => Ok(()),
    }
}

/// A compiled entry whose skill labels an upsert reports on.
trait Labelled {
    /// The entry's external id.
    fn id(&self) -> &str;
    /// Its skill labels as written, in input order.
    fn labels(&self) -> Vec<&str>;
}

impl Labelled for FreelancerEntry {
    fn id(&self) -> &str {
        &self.input.id
    }
    fn labels(&self) -> Vec<&str> {
        self.input.skills.iter().map(|c| c.skill.as_str()).collect()
    }
}

impl Labelled for JobEntry {
    fn id(&self) -> &str {
        &self.input.id
    }
    fn labels(&self) -> Vec<&str> {
        self.input.skills.iter().map(|c| c.skill.as_str()).collect()
    }
}

/// How the compiled entries' skill labels resolved, in batch order, when `wanted` (the
/// `*_with_report` upserts); an empty report otherwise, so a plain upsert does not pay for it.
fn label_reports<E: Labelled>(
    catalog: &mut super::catalog::Catalog,
    compiled: &[E],
    wanted: bool,
) -> UpsertReport {
    let mut report = UpsertReport::default();
    if wanted {
        for e in compiled {
            report.add(catalog.label_reports(e.id(), &e.labels()));
        }
    }
    report
}
