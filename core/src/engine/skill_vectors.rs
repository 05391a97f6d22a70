//! The engine's skill-vector table: one vector per taxonomy skill (caller-supplied, one
//! model), and the embedding neighbours it implies.
//!
//! Neighbours of a skill are every other skill whose vector's cosine with it is at least
//! `SimilarityConfig::embedding_threshold`, computed on first use and remembered (a pure
//! function of the table, so the memo is invisible). The cosine of a pair is one kernel value
//! over the stored unit vectors, whose lanes depend only on the component index, so
//! `cos(a, b) == cos(b, a)` to the bit: the relation is symmetric and both directions of a
//! request see the same matches.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;

use crate::domain::SkillVectorTable;
use crate::error::{EntityKind, Error, Result};
use crate::index::{Metric, VectorStore, score_pair};
use crate::skills::{SimilarityConfig, SkillId, Taxonomy};

/// A skill's embedding neighbours: (skill, cosine), ascending by skill id.
pub(crate) type Neighbours = Arc<[(SkillId, f32)]>;

/// Skill vectors by taxonomy skill id, with the neighbour memo.
#[derive(Debug)]
pub(crate) struct SkillVectors {
    pub store: VectorStore,
    memo: Mutex<HashMap<SkillId, Neighbours>>,
}

impl SkillVectors {
    /// A table over `taxonomy`: every entry must name a taxonomy skill (external id, label or
    /// alias; `skill_vectors.vectors[i].skill` otherwise), no skill twice.
    pub fn build(table: &SkillVectorTable, taxonomy: &Taxonomy) -> Result<Self> {
        table.validate()?;
        let dim = table.vectors[0].vector.len();
        let mut store = VectorStore::new(&table.model, dim, Metric::Cosine)?;
        for (i, v) in table.vectors.iter().enumerate() {
            let field = format!("skill_vectors.vectors[{i}].skill");
            let id = taxonomy
                .by_uri(v.skill.trim())
                .or_else(|| taxonomy.resolve(&v.skill))
                .ok_or_else(|| {
                    Error::invalid(
                        &field,
                        format!("`{}` is not a skill of the taxonomy", v.skill),
                    )
                })?;
            if store.contains(id) {
                return Err(Error::invalid(
                    &field,
                    format!("a second vector for the skill `{}`", v.skill),
                ));
            }
            store.upsert(id, &v.vector).map_err(|e| match e {
                Error::InvalidInput { reason, .. } => {
                    Error::invalid(format!("skill_vectors.vectors[{i}].vector"), reason)
                }
                e => e,
            })?;
        }
        Ok(Self::from_store(store))
    }

    /// Wraps a stored table (from a snapshot).
    pub fn from_store(store: VectorStore) -> Self {
        Self {
            store,
            memo: Mutex::new(HashMap::new()),
        }
    }

    /// Checks a table replacing `self` comes from the same model (as profile embeddings must).
    pub fn check_replacement(&self, table: &SkillVectorTable) -> Result<()> {
        if table.model != self.store.model_id() {
            return Err(Error::unknown(EntityKind::Model, &table.model));
        }
        Ok(())
    }

    /// The skills whose vectors are within the threshold of `skill`'s, ascending by id, with
    /// their cosine (empty when `skill` has no vector).
    pub fn neighbours(&self, skill: SkillId, cfg: &SimilarityConfig) -> Neighbours {
        if let Some(n) = self.memo.lock().get(&skill) {
            return n.clone();
        }
        let Some(v) = self.store.get(skill) else {
            return Arc::from(Vec::new());
        };
        let t = cfg.embedding_threshold as f32;
        let found: Neighbours = self
            .store
            .ids()
            .filter(|&o| o != skill)
            .filter_map(|o| {
                let cos = score_pair(Metric::Cosine, v, self.store.get(o)?);
                (cos >= t).then_some((o, cos))
            })
            .collect();
        self.memo.lock().insert(skill, found.clone());
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::SkillVector;
    use crate::skills::builtin;

    fn table(entries: &[(&str, [f32; 3])]) -> SkillVectorTable {
        SkillVectorTable {
            model: "m".into(),
            vectors: entries
                .iter()
                .map(|(s, v)| SkillVector {
                    skill: (*s).into(),
                    vector: v.to_vec(),
                })
                .collect(),
        }
    }

    #[test]
    fn neighbours_are_symmetric_and_above_the_threshold() {
        let t = builtin();
        let sv = SkillVectors::build(
            &table(&[
                ("Rust", [1.0, 0.1, 0.0]),
                ("Go", [0.9, 0.3, 0.1]),
                ("Figma", [0.0, 0.0, 1.0]),
            ]),
            &t,
        )
        .unwrap();
        let cfg = SimilarityConfig::default();
        let (rust, go, figma) = (
            t.resolve("Rust").unwrap(),
            t.resolve("Go").unwrap(),
            t.resolve("Figma").unwrap(),
        );
        let a = sv.neighbours(rust, &cfg);
        let b = sv.neighbours(go, &cfg);
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].0, go);
        assert_eq!(b[0], (rust, a[0].1), "cos(a, b) == cos(b, a) to the bit");
        assert!(sv.neighbours(figma, &cfg).is_empty());
        assert!(sv.neighbours(12345, &cfg).is_empty());
    }

    #[test]
    fn unknown_and_repeated_skills_are_named() {
        let t = builtin();
        let e = SkillVectors::build(&table(&[("Zorblax", [1.0, 0.0, 0.0])]), &t).unwrap_err();
        assert!(e.to_string().contains("vectors[0].skill"), "{e}");
        let e = SkillVectors::build(
            &table(&[("Rust", [1.0, 0.0, 0.0]), ("rust", [0.0, 1.0, 0.0])]),
            &t,
        )
        .unwrap_err();
        assert!(e.to_string().contains("vectors[1].skill"), "{e}");
        let sv = SkillVectors::build(&table(&[("Rust", [1.0, 0.0, 0.0])]), &t).unwrap();
        let mut other = table(&[("Rust", [1.0, 0.0, 0.0])]);
        other.model = "another".into();
        assert!(matches!(
            sv.check_replacement(&other),
            Err(Error::UnknownId { .. })
        ));
    }
}
