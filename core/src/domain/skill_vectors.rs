//! A caller-supplied table of skill vectors (issue 14): one embedding per taxonomy skill, from
//! one model, so skills whose vectors are close imply each other.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One skill's vector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkillVector {
    /// The skill: a taxonomy skill's external id (an ESCO concept URI), label or alias.
    pub skill: String,
    /// Its embedding (finite, not all zero; the table's dimension).
    pub vector: Vec<f32>,
}

/// Skill vectors from one model (e.g. all-MiniLM-L6-v2 embeddings of each skill's label and
/// description). The engine stores them (and their model id) in its snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkillVectorTable {
    /// The model the vectors come from (checked like profile embeddings' model ids).
    pub model: String,
    /// One entry per skill.
    pub vectors: Vec<SkillVector>,
}

impl SkillVectorTable {
    /// Rejects an empty model id or table, vectors of different lengths, empty or non-finite
    /// vectors and all-zero vectors (cosine needs a direction), naming the first bad one.
    pub fn validate(&self) -> Result<()> {
        if self.model.trim().is_empty() {
            return Err(Error::invalid("skill_vectors.model", "must not be empty"));
        }
        let Some(first) = self.vectors.first() else {
            return Err(Error::invalid("skill_vectors.vectors", "must not be empty"));
        };
        let dim = first.vector.len();
        for (i, v) in self.vectors.iter().enumerate() {
            let field = |f: &str| format!("skill_vectors.vectors[{i}].{f}");
            if v.skill.trim().is_empty() {
                return Err(Error::invalid(field("skill"), "must not be empty"));
            }
            if v.vector.is_empty() || v.vector.len() != dim {
                return Err(Error::DimensionMismatch {
                    field: field("vector"),
                    expected: dim,
                    got: v.vector.len(),
                });
            }
            if let Some(j) = v.vector.iter().position(|x| !x.is_finite()) {
                return Err(Error::invalid(
                    field("vector"),
                    format!("component {j} is not finite"),
                ));
            }
            if v.vector.iter().all(|x| *x == 0.0) {
                return Err(Error::invalid(
                    field("vector"),
                    "a zero vector has no direction (cosine)",
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_what_cosine_cannot_use() {
        let ok = SkillVectorTable {
            model: "m".into(),
            vectors: vec![SkillVector {
                skill: "Rust".into(),
                vector: vec![1.0, 0.0],
            }],
        };
        ok.validate().unwrap();
        let bad = |f: &dyn Fn(&mut SkillVectorTable)| {
            let mut t = ok.clone();
            f(&mut t);
            t.validate().unwrap_err().to_string()
        };
        assert!(bad(&|t| t.model = " ".into()).contains("skill_vectors.model"));
        assert!(bad(&|t| t.vectors.clear()).contains("skill_vectors.vectors"));
        assert!(bad(&|t| t.vectors[0].vector = vec![0.0, 0.0]).contains("zero"));
        assert!(bad(&|t| t.vectors[0].vector = vec![f32::NAN, 1.0]).contains("finite"));
        assert!(
            bad(&|t| t.vectors.push(SkillVector {
                skill: "Go".into(),
                vector: vec![1.0]
            }))
            .contains("vectors[1].vector")
        );
    }
}
