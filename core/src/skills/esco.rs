//! Importer for the official ESCO CSV download (v1.1.x, English): skills with preferred,
//! alternative and hidden labels; the skill hierarchy (`broaderRelationsSkillPillar`);
//! skill–skill relations; occupations and their essential / optional skills.
//!
//! Mapping: every row of `skills_en.csv` becomes a skill (`uri` = its conceptUri); a
//! skill→skill broader edge becomes a parent link; the first skill→SkillGroup broader edge
//! names the skill's category (the group's preferred label); `skillSkillRelations` rows become
//! related-skill edges; occupations keep their essential (must-have) and optional
//! (nice-to-have) skills. Labels shared by several ESCO skills go to the first claimant, as in
//! [`Taxonomy`]; the count is in [`EscoReport::alias_collisions`]. Columns are read by header
//! name, never by position (collection files order them differently).

use std::collections::HashMap;
use std::fs::File;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::taxonomy::{SkillId, Taxonomy, TaxonomyBuilder};
use crate::error::{Error, Result};
use crate::util::TrimSpace;

/// An ESCO occupation: a ready-made job template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EscoOccupation {
    /// Concept URI.
    pub uri: String,
    /// Preferred label.
    pub label: String,
    /// ISCO-08 unit group code.
    pub isco_group: String,
    /// Essential skills (must-haves).
    pub essential: Vec<SkillId>,
    /// Optional skills (nice-to-haves).
    pub optional: Vec<SkillId>,
}

/// Counts from an import, so a caller can see what was skipped and why.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscoReport {
    /// Skills imported.
    pub skills: usize,
    /// Alternative and hidden labels attached.
    pub aliases: usize,
    /// skill→skill parent edges.
    pub parent_edges: usize,
    /// Related-skill edges.
    pub related_edges: usize,
    /// Occupations imported.
    pub occupations: usize,
    /// Occupation→skill relations kept.
    pub occupation_skill_relations: usize,
    /// Relation rows naming a skill or occupation that is not in the files (skipped).
    pub dangling_relations: usize,
    /// Labels claimed by more than one skill (first claimant kept).
    pub alias_collisions: usize,
}

/// What an ESCO import produces.
#[derive(Debug, Clone)]
pub struct EscoImport {
    /// The skill taxonomy.
    pub taxonomy: Taxonomy,
    /// Occupations (job templates), in file order.
    pub occupations: Vec<EscoOccupation>,
    /// What was imported and skipped.
    pub report: EscoReport,
}

/// Reads the ESCO CSV files from `dir` (file names as in the official download:
/// `skills_en.csv`, `skillGroups_en.csv`, `broaderRelationsSkillPillar.csv`,
/// `skillSkillRelations.csv`, `occupations_en.csv`, `occupationSkillRelations.csv`).
///
/// Rejects a missing file (naming it) and a file without the expected columns.
/// The taxonomy returned carries the occupations' profiles
/// ([`Taxonomy::with_occupations`]), so an engine built on it mixes occupation evidence into
/// the skill factor.
/// `occupations_en.csv` and `occupationSkillRelations.csv` are optional: without them the
/// import has no occupations.
pub fn import_esco_dir(dir: impl AsRef<Path>) -> Result<EscoImport> {
    let dir = dir.as_ref();
    let mut report = EscoReport::default();
    let mut b = TaxonomyBuilder::new("esco");

    // Skills: preferred labels first (all of them), so no alias shadows a preferred label.
    let skills = read_rows(
        &dir.join("skills_en.csv"),
        &["conceptUri", "preferredLabel", "altLabels", "hiddenLabels"],
    )?;
    let mut by_uri: HashMap<String, SkillId> = HashMap::with_capacity(skills.len());
    for row in &skills {
        let (uri, label) = (&row[0], &row[1]);
        let id = match b.add_skill(label, None, &[]) {
            Ok(id) => id,
            // ESCO has a few skills sharing a preferred label: keep the second one reachable by
            // its URI and make the label an alias (first claimant keeps the key).
            Err(_) => {
                let unique = format!("{label} ({})", uri.rsplit('/').next().unwrap_or(uri));
                let id = b.add_skill(&unique, None, &[])?;
                b.add_alias(id, label)?;
                report.alias_collisions += 1;
                id
            }
        };
        b.set_uri(id, uri)?;
        by_uri.insert(uri.clone(), id);
        report.skills += 1;
    }
    for row in &skills {
        let id = by_uri[&row[0]];
        for alias in row[2].lines().chain(row[3].lines()) {
            if !alias.trim_space().is_empty() {
                b.add_alias(id, alias)?;
                report.aliases += 1;
            }
        }
    }

    let groups = read_rows(
        &dir.join("skillGroups_en.csv"),
        &["conceptUri", "preferredLabel"],
    )?;
    let group_label: HashMap<String, String> = groups
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();

    for row in read_rows(
        &dir.join("broaderRelationsSkillPillar.csv"),
        &["conceptUri", "broaderUri"],
    )? {
        let Some(&child) = by_uri.get(&row[0]) else {
            continue;
        };
        if let Some(&parent) = by_uri.get(&row[1]) {
            if child != parent {
                b.add_parent(child, parent)?;
                report.parent_edges += 1;
            }
        } else if let Some(g) = group_label.get(&row[1]) {
            b.set_category_if_unset(child, g)?;
        } else {
            report.dangling_relations += 1;
        }
    }
    for row in read_rows(
        &dir.join("skillSkillRelations.csv"),
        &["originalSkillUri", "relatedSkillUri"],
    )? {
        match (by_uri.get(&row[0]), by_uri.get(&row[1])) {
            (Some(&a), Some(&c)) => {
                b.add_related(a, c)?;
                report.related_edges += 1;
            }
            _ => report.dangling_relations += 1,
        }
    }
    let taxonomy = b.build()?;
    report.alias_collisions += taxonomy.alias_collisions();

    let mut occupations = Vec::new();
    let occ_path = dir.join("occupations_en.csv");
    if occ_path.exists() {
        let mut index: HashMap<String, usize> = HashMap::new();
        for row in read_rows(&occ_path, &["conceptUri", "preferredLabel", "iscoGroup"])? {
            index.insert(row[0].clone(), occupations.len());
            occupations.push(EscoOccupation {
                uri: row[0].clone(),
                label: row[1].clone(),
                isco_group: row[2].clone(),
                essential: Vec::new(),
                optional: Vec::new(),
            });
        }
        let rel_path = dir.join("occupationSkillRelations.csv");
        if rel_path.exists() {
            for row in read_rows(&rel_path, &["occupationUri", "relationType", "skillUri"])? {
                match (index.get(&row[0]), taxonomy.by_uri(&row[2])) {
                    (Some(&o), Some(s)) => {
                        let occ = &mut occupations[o];
                        if row[1] == "essential" {
                            occ.essential.push(s);
                        } else {
                            occ.optional.push(s);
                        }
                        report.occupation_skill_relations += 1;
                    }
                    _ => report.dangling_relations += 1,
                }
            }
        }
        report.occupations = occupations.len();
    }
    // the taxonomy carries the occupation profiles (the engine's occupation evidence)
    let taxonomy = taxonomy.with_occupations(occupations.clone())?;
    Ok(EscoImport {
        taxonomy,
        occupations,
        report,
    })
}

/// Reads the named columns of a CSV file (flexible row lengths, RFC-4180 quoting).
fn read_rows(path: &Path, columns: &[&str]) -> Result<Vec<Vec<String>>> {
    let name = path.display().to_string();
    let file = File::open(path).map_err(|source| Error::Io {
        path: name.clone(),
        source,
    })?;
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(file);
    let headers = rdr
        .headers()
        .map_err(|e| Error::invalid(&name, format!("unreadable header: {e}")))?
        .clone();
    let idx: Vec<usize> = columns
        .iter()
        .map(|c| {
            headers
                .iter()
                .position(|h| h == *c)
                .ok_or_else(|| Error::invalid(&name, format!("missing column `{c}`")))
        })
        .collect::<Result<_>>()?;
    let mut out = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec =
            rec.map_err(|e| Error::invalid(format!("{name}:record {}", i + 1), e.to_string()))?;
        out.push(
            idx.iter()
                .map(|&j| rec.get(j).unwrap_or("").to_owned())
                .collect(),
        );
    }
    Ok(out)
}
