//! Where a marketplace's occupations, skills and vectors come from: the ESCO CSV download
//! (+ O*NET 29.x for levels, seniority and rates where an occupation's title matches), the
//! shipped all-MiniLM-L6-v2 vectors of ESCO skills, or — when no data folder is given — the
//! built-in taxonomy with occupations made from its skill families.
//!
//! Recipe: research/marketplace.md §3.2; file formats: ../shared/data/README.md.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use fairmatch::Taxonomy;
use fairmatch::skills::SkillId;

use super::LabError;

/// One occupation: a job template and a freelancer persona.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceOccupation {
    /// ESCO concept URI (or `builtin:<label>`).
    pub uri: String,
    /// Preferred label.
    pub label: String,
    /// ISCO-08 unit group (4 digits; `B<category>` for built-in occupations).
    pub unit_group: String,
    /// Essential skills (must-have pool), taxonomy ids.
    pub essential: Vec<SkillId>,
    /// Optional skills (nice-to-have pool), taxonomy ids.
    pub optional: Vec<SkillId>,
    /// Typical required proficiency on the 1–5 scale (O*NET LV of the occupation's
    /// important skills, else from the ISCO skill level of the major group).
    pub level: f64,
    /// Preparation needed, 1–5 (O*NET Job Zone, else from the ISCO skill level).
    pub zone: u8,
    /// The matched O*NET-SOC code, if any.
    pub onet: Option<String>,
}

impl SourceOccupation {
    /// ISCO minor group (the first three digits of the unit group).
    pub fn minor_group(&self) -> &str {
        let n = self.unit_group.len().min(3);
        &self.unit_group[..n]
    }
    /// ISCO major group (first digit).
    pub fn major_group(&self) -> &str {
        &self.unit_group[..self.unit_group.len().min(1)]
    }
}

/// Unit vectors of taxonomy skills (one row per skill that has one).
#[derive(Debug, Clone)]
pub struct SkillVectors {
    /// Model id the vectors came from.
    pub model: String,
    /// Dimension.
    pub dim: usize,
    rows: Vec<f32>,
    row_of: HashMap<SkillId, usize>,
}

impl SkillVectors {
    /// The vector of a skill, if it has one.
    pub fn get(&self, s: SkillId) -> Option<&[f32]> {
        self.row_of
            .get(&s)
            .map(|&r| &self.rows[r * self.dim..(r + 1) * self.dim])
    }
    /// The vectors as an engine skill-vector table (skills by their ESCO URI, ascending by
    /// skill id).
    pub fn table(&self, t: &Taxonomy) -> fairmatch::SkillVectorTable {
        let mut ids: Vec<SkillId> = self.row_of.keys().copied().collect();
        ids.sort_unstable();
        fairmatch::SkillVectorTable {
            model: self.model.clone(),
            vectors: ids
                .into_iter()
                .filter_map(|s| {
                    let uri = t.get(s)?.uri.clone()?;
                    Some(fairmatch::SkillVector {
                        skill: uri,
                        vector: self.get(s)?.to_vec(),
                    })
                })
                .collect(),
        }
    }

    /// Number of skills with a vector.
    pub fn len(&self) -> usize {
        self.row_of.len()
    }
    /// Whether no skill has a vector.
    pub fn is_empty(&self) -> bool {
        self.row_of.is_empty()
    }
}

/// What a generator builds from.
#[derive(Debug, Clone)]
pub struct Sources {
    /// The taxonomy the engine will use (the same import the evaluator repeats).
    pub taxonomy: Arc<Taxonomy>,
    /// Occupations in file order.
    pub occupations: Vec<SourceOccupation>,
    /// Skill vectors, if shipped.
    pub vectors: Option<SkillVectors>,
    /// How to rebuild the taxonomy (`builtin`, or `esco:<dir>`), recorded in the manifest.
    pub taxonomy_source: TaxonomySource,
    /// Occupations whose title matched an O*NET title.
    pub onet_matched: usize,
}

/// Where the taxonomy comes from (recorded in a marketplace's manifest so `evaluate`,
/// `simulate` and the Python binding build the same one).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TaxonomySource {
    /// `fairmatch::builtin()` / `fairmatch.Taxonomy.builtin()`.
    Builtin,
    /// `fairmatch::import_esco_dir(dir)` / `fairmatch.Taxonomy.from_esco(dir)`.
    Esco {
        /// The ESCO CSV folder, as given on the command line.
        dir: PathBuf,
    },
}

impl TaxonomySource {
    /// Builds the taxonomy this source names; a clear error naming the folder when the data
    /// is missing.
    pub fn load(&self) -> Result<Arc<Taxonomy>, LabError> {
        match self {
            TaxonomySource::Builtin => Ok(fairmatch::builtin()),
            TaxonomySource::Esco { dir } => {
                require_dir(dir, "ESCO CSV folder")?;
                Ok(Arc::new(fairmatch::import_esco_dir(dir)?.taxonomy))
            }
        }
    }
}

/// Errors unless `dir` is a folder, naming it and the shared-data README.
pub fn require_dir(dir: &Path, what: &str) -> Result<(), LabError> {
    if dir.is_dir() {
        Ok(())
    } else {
        Err(LabError::MissingData(format!(
            "{what} not found at {} (the lab reads ../shared/data: ESCO, O*NET and embeddings; \
             see ../shared/data/README.md, or pass --data)",
            dir.display()
        )))
    }
}

/// Loads ESCO (folder `data/<esco>`), O*NET (`data/onet`, optional) and the MiniLM skill
/// vectors (`data/embeddings`, optional).
pub fn load_esco(data: &Path, esco: &str) -> Result<Sources, LabError> {
    let dir = data.join(esco);
    require_dir(&dir, "ESCO CSV folder")?;
    let imp = fairmatch::import_esco_dir(&dir)?;
    let taxonomy = Arc::new(imp.taxonomy);
    let titles = read_occupation_titles(&dir.join("occupations_en.csv"))?;
    let onet = Onet::load(&data.join("onet"))?;
    let mut onet_matched = 0;
    let occupations = imp
        .occupations
        .into_iter()
        .map(|o| {
            let code = onet.as_ref().and_then(|on| {
                titles
                    .get(&o.uri)
                    .into_iter()
                    .flatten()
                    .find_map(|t| on.code_of(t))
            });
            let major = o.isco_group.chars().next().and_then(|c| c.to_digit(10));
            let (mut level, mut zone) = isco_defaults(major.unwrap_or(9));
            if let (Some(on), Some(c)) = (&onet, &code) {
                onet_matched += 1;
                if let Some(lv) = on.level.get(c) {
                    // LV 0–7 → 1–5 (LV 2 ≈ level 1.9, LV 4 ≈ 3.3, LV 6 ≈ 4.4)
                    level = (1.0 + 4.0 * lv / 7.0).clamp(1.0, 5.0);
                }
                if let Some(z) = on.zone.get(c) {
                    zone = *z;
                }
            }
            SourceOccupation {
                uri: o.uri,
                label: o.label,
                unit_group: o.isco_group,
                essential: o.essential,
                optional: o.optional,
                level,
                zone,
                onet: code,
            }
        })
        .collect();
    let vectors = read_skill_vectors(&data.join("embeddings"), &taxonomy)?;
    Ok(Sources {
        taxonomy,
        occupations,
        vectors,
        taxonomy_source: TaxonomySource::Esco { dir },
        onet_matched,
    })
}

/// Typical level and job zone by ISCO major group (ISCO-08 skill levels 1–4: managers and
/// professionals 4, technicians 3, clerks to operators 2, elementary 1).
fn isco_defaults(major: u32) -> (f64, u8) {
    match major {
        1 | 2 => (3.6, 4),
        3 => (3.1, 3),
        4..=8 => (2.5, 2),
        _ => (2.0, 1),
    }
}

/// The built-in taxonomy with one occupation per skill family (a skill with ≥ 3 descendants
/// within two hops; `synth::families`): the first half of the family essential, the rest
/// optional; the unit group is the family root's category. No vectors.
pub fn builtin_sources() -> Sources {
    let t = fairmatch::builtin();
    let mut occupations = Vec::new();
    for fam in crate::synth::families(&t) {
        let ids: Vec<SkillId> = fam.iter().filter_map(|l| t.resolve(l)).collect();
        let Some(&root) = ids.first() else { continue };
        let cat = t.category_index(root).unwrap_or(0);
        let half = ids.len().div_ceil(2).max(3).min(ids.len());
        occupations.push(SourceOccupation {
            uri: format!("builtin:{}", fam[0]),
            label: format!("{} specialist", fam[0]),
            unit_group: format!("B{cat:03}"),
            essential: ids[..half].to_vec(),
            optional: ids[half..].to_vec(),
            level: 3.2,
            zone: 3,
            onet: None,
        });
    }
    Sources {
        taxonomy: t,
        occupations,
        vectors: None,
        taxonomy_source: TaxonomySource::Builtin,
        onet_matched: 0,
    }
}

/// The skill-vector table of marketplace `m` (the shipped MiniLM vectors of its ESCO
/// taxonomy `t`, read from the `embeddings/` folder beside the ESCO folder), or `None` when
/// the marketplace has no embeddings or comes from the built-in taxonomy.
pub fn skill_vector_table(
    m: &super::market::Marketplace,
    t: &Taxonomy,
) -> Result<Option<fairmatch::SkillVectorTable>, LabError> {
    let TaxonomySource::Esco { dir } = &m.manifest.taxonomy else {
        return Ok(None);
    };
    if m.manifest.embedding_model.is_none() {
        return Ok(None);
    }
    let data = dir.parent().unwrap_or(Path::new("."));
    Ok(read_skill_vectors(&data.join("embeddings"), t)?.map(|v| v.table(t)))
}

/// ESCO occupation URI → preferred and alternative labels (lower-cased), for the O*NET
/// title crosswalk.
fn read_occupation_titles(path: &Path) -> Result<HashMap<String, Vec<String>>, LabError> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(|e| LabError::Data(format!("{}: {e}", path.display())))?;
    let headers = rdr
        .headers()
        .map_err(|e| LabError::Data(format!("{}: {e}", path.display())))?
        .clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| LabError::Data(format!("{}: no column `{name}`", path.display())))
    };
    let (uri, pref, alt) = (
        col("conceptUri")?,
        col("preferredLabel")?,
        col("altLabels")?,
    );
    let mut out = HashMap::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| LabError::Data(format!("{}: {e}", path.display())))?;
        let mut labels = vec![rec.get(pref).unwrap_or("").trim().to_lowercase()];
        labels.extend(
            rec.get(alt)
                .unwrap_or("")
                .lines()
                .map(|l| l.trim().to_lowercase())
                .filter(|l| !l.is_empty()),
        );
        out.insert(rec.get(uri).unwrap_or("").to_owned(), labels);
    }
    Ok(out)
}

/// The O*NET tables the generator uses: title → SOC code, Job Zone, and the mean LV (level)
/// of each occupation's skills with importance IM ≥ 3.
struct Onet {
    title: HashMap<String, String>,
    zone: HashMap<String, u8>,
    level: HashMap<String, f64>,
}

impl Onet {
    fn load(dir: &Path) -> Result<Option<Onet>, LabError> {
        if !dir.is_dir() {
            return Ok(None);
        }
        // Title → code: official titles first, then alternate titles; the smallest code wins
        // a shared title (deterministic).
        let mut title: BTreeMap<String, String> = BTreeMap::new();
        for (file, col) in [("Occupation Data.txt", 1), ("Alternate Titles.txt", 1)] {
            for row in read_tsv(&dir.join(file))? {
                let (Some(code), Some(t)) = (row.first(), row.get(col)) else {
                    continue;
                };
                let key = t.trim().to_lowercase();
                match title.get(&key) {
                    Some(c) if c <= code => {}
                    _ => {
                        title.insert(key, code.clone());
                    }
                }
            }
        }
        let mut zone = HashMap::new();
        for row in read_tsv(&dir.join("Job Zones.txt"))? {
            if let (Some(c), Some(z)) = (row.first(), row.get(1).and_then(|z| z.parse().ok())) {
                zone.insert(c.clone(), z);
            }
        }
        // Skills.txt: IM and LV rows per (code, element); keep LV where IM ≥ 3.
        let mut im: HashMap<(String, String), f64> = HashMap::new();
        let mut lv: Vec<(String, String, f64)> = Vec::new();
        for row in read_tsv(&dir.join("Skills.txt"))? {
            if row.len() < 5 {
                continue;
            }
            let Ok(v) = row[4].parse::<f64>() else {
                continue;
            };
            match row[3].as_str() {
                "IM" => {
                    im.insert((row[0].clone(), row[1].clone()), v);
                }
                "LV" => lv.push((row[0].clone(), row[1].clone(), v)),
                _ => {}
            }
        }
        let mut sums: BTreeMap<String, (f64, u32)> = BTreeMap::new();
        for (code, el, v) in lv {
            if im.get(&(code.clone(), el)).copied().unwrap_or(0.0) >= 3.0 {
                let e = sums.entry(code).or_default();
                e.0 += v;
                e.1 += 1;
            }
        }
        let level = sums
            .into_iter()
            .map(|(c, (s, n))| (c, s / n as f64))
            .collect();
        Ok(Some(Onet {
            title: title.into_iter().collect(),
            zone,
            level,
        }))
    }

    fn code_of(&self, title: &str) -> Option<String> {
        self.title.get(title).cloned()
    }
}

/// O*NET text files: tab separated, no quoting, one header line.
fn read_tsv(path: &Path) -> Result<Vec<Vec<String>>, LabError> {
    let mut bytes = Vec::new();
    File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .map_err(|e| LabError::Data(format!("{}: {e}", path.display())))?;
    // O*NET ships ASCII with a few Latin-1 bytes; read them as Latin-1.
    let text: String = bytes.iter().map(|&b| b as char).collect();
    Ok(text
        .lines()
        .skip(1)
        .map(|l| {
            l.trim_end_matches('\r')
                .split('\t')
                .map(str::to_owned)
                .collect()
        })
        .collect())
}

/// Reads `esco_skills_minilm384.npy` + `esco_skills_ids.txt`, keeping the rows of skills the
/// taxonomy knows (by URI). `None` when the folder is absent.
fn read_skill_vectors(dir: &Path, t: &Taxonomy) -> Result<Option<SkillVectors>, LabError> {
    let (npy, ids) = (
        dir.join("esco_skills_minilm384.npy"),
        dir.join("esco_skills_ids.txt"),
    );
    if !npy.is_file() || !ids.is_file() {
        return Ok(None);
    }
    let (dim, all) = read_npy_f32(&npy)?;
    let ids = std::fs::read_to_string(&ids)
        .map_err(|e| LabError::Data(format!("{}: {e}", ids.display())))?;
    let uris: Vec<&str> = ids.lines().collect();
    if uris.len() * dim != all.len() {
        return Err(LabError::Data(format!(
            "{}: {} rows of vectors but {} ids",
            npy.display(),
            all.len() / dim.max(1),
            uris.len()
        )));
    }
    let mut rows = Vec::new();
    let mut row_of = HashMap::new();
    for (i, uri) in uris.iter().enumerate() {
        if let Some(s) = t.by_uri(uri.trim())
            && !row_of.contains_key(&s)
        {
            row_of.insert(s, row_of.len());
            rows.extend_from_slice(&all[i * dim..(i + 1) * dim]);
        }
    }
    Ok(Some(SkillVectors {
        model: "all-MiniLM-L6-v2".into(),
        dim,
        rows,
        row_of,
    }))
}

/// A 2-D little-endian float32 `.npy` file (format 1.0/2.0, C order) → (columns, data).
pub fn read_npy_f32(path: &Path) -> Result<(usize, Vec<f32>), LabError> {
    let bad = |why: &str| LabError::Data(format!("{}: {why}", path.display()));
    let bytes = std::fs::read(path).map_err(|e| bad(&e.to_string()))?;
    if bytes.len() < 12 || &bytes[..6] != b"\x93NUMPY" {
        return Err(bad("not an .npy file"));
    }
    let (hlen, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        v => return Err(bad(&format!("unsupported .npy version {v}"))),
    };
    let header = std::str::from_utf8(bytes.get(start..start + hlen).ok_or_else(|| bad("short"))?)
        .map_err(|_| bad("header is not text"))?;
    if !header.contains("'descr': '<f4'") || header.contains("'fortran_order': True") {
        return Err(bad("expected little-endian float32 in C order"));
    }
    let shape = header
        .split("'shape': (")
        .nth(1)
        .and_then(|s| s.split(')').next())
        .ok_or_else(|| bad("no shape"))?;
    let dims: Vec<usize> = shape
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse().map_err(|_| bad("bad shape")))
        .collect::<Result<_, _>>()?;
    let [n, d] = dims[..] else {
        return Err(bad("expected a 2-D array"));
    };
    let body = &bytes[start + hlen..];
    if body.len() != n * d * 4 {
        return Err(bad(&format!(
            "{} data bytes for shape ({n}, {d})",
            body.len()
        )));
    }
    let data = body
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    Ok((d, data))
}
