//! Skills: "how well do these skills cover that job?", explained as match levels with
//! taxonomy paths.
//!
//! - [`Taxonomy`]: canonical skills, aliases, a parent hierarchy and related-skill edges, with
//!   label normalisation ([`normalize_label`]); the built-in taxonomy ([`builtin`]) and an
//!   ESCO importer ([`import_esco_dir`]).
//! - [`SimilarityConfig`] / [`Expansion`]: skill-to-skill similarity (exact, implied through
//!   the hierarchy, related, same category).
//! - [`FitConfig`] / [`fit_with_needed_expansion`] / [`explain_fit`]: the skill factor
//!   (m_r, Cov_must, Fit_must, Cov_nice, eligibility gate).
//! - [`OccupationProfiles`] / [`occupation_similarity`]: which occupation a skill set most
//!   likely belongs to (ESCO occupation–skill relations), and how likely two are the same.
//!
//! This room knows nothing of rates, time zones or engines; it never sees embeddings.

mod builtin;
mod esco;
mod fit;
mod normalize;
mod occupation;
mod resolve;
mod similarity;
mod specificity;
mod taxonomy;

pub use builtin::{
    BUILTIN_CATEGORIES, EscoMerge, build_builtin, builtin, merge_esco_digital, parse_tsv,
};
pub use esco::{EscoImport, EscoOccupation, EscoReport, import_esco_dir};
pub use fit::{
    Claim, FitConfig, FitScratch, Requirement, RequirementMatch, SkillFit, explain_fit,
    explain_fit_with, fit_with_held_expansion, fit_with_needed_expansion, focus_with,
    pair_similarity, pair_similarity_with,
};
pub use normalize::{loose_key, normalize_label};
pub use occupation::{
    ESSENTIAL_WEIGHT, OCCUPATION_ALPHA, OccupationPosterior, OccupationProfiles, POSTERIOR_TOP,
    likeliest_shared, occupation_similarity,
};
pub use resolve::{
    AdhocLinks, Resolution, ResolutionConfig, ResolutionKind, acronym_of, is_ignorable, tokens,
    trigrams,
};
pub use similarity::{
    AnchorSide, Expansion, ExpansionEntry, ExtraLinks, MatchKind, NoLinks, SimilarityConfig,
};
pub use specificity::{Specificity, SpecificityConfig, idf, specificity_weight};
pub use taxonomy::{Neighbour, Relation, SkillId, SkillNode, Taxonomy, TaxonomyBuilder};
