//! Label resolution: free text → a taxonomy skill, with how and how sure.
//!
//! A label is tried, in order (the first that answers wins; every step is a pure function of
//! the taxonomy, so the engine caches the answer per normalised label):
//!
//! 1. **exact** — the normalised or loose key of a preferred label ([`super::normalize_label`],
//!    [`super::loose_key`]); similarity 1.
//! 2. **alias** — the same keys of an alternative label; similarity `alias` (default 0.95:
//!    ESCO's alternative labels include near-synonyms and narrower phrasings, so they are not
//!    quite the skill).
//! 3. **contained** — a known label or alias found inside the label at token boundaries
//!    ("Structured query language SQL" → SQL, "Oracle Java" → Java, "advanced Python
//!    skills" → Python). The longest match wins; vendor names, proficiency and filler words,
//!    role words and numbers are ignored ([`is_ignorable`]); a run of words whose initials
//!    spell the match ("structured query language" beside "SQL") counts as explained. The
//!    similarity is `contained × coverage`, where coverage is the share of the label's other
//!    characters that the match explains; below `min_coverage`, or when another known skill
//!    is also contained in the unexplained words ("Python for data analysis"), the resolver
//!    abstains.
//! 4. **acronym** — a single word of 3–6 letters that is the acronym of exactly one skill's
//!    label or alias ("SEO"), or a phrase of ≥ 2 words whose initials are a known short
//!    label or alias ("structured query language" → SQL); similarity `acronym`.
//! 5. **fuzzy** — character-trigram Dice similarity between the label (ignorable words
//!    removed) and every known label and alias; the best skill wins when its Dice is ≥
//!    `fuzzy_threshold` and beats every other skill's by `fuzzy_margin`; similarity
//!    `fuzzy × Dice`.
//! 6. otherwise **unknown**: the engine keeps the label as an ad-hoc skill.
//!
//! The rules prefer abstaining to guessing: a wrong resolution silently credits the wrong
//! skill, an abstention only loses a match that exact spelling would also lose. Sources: the
//! techniques are standard (LinkedIn's skill extraction matches known surface forms with a
//! longest-match trie, research/marketplace.md §2.1; trigram Dice is the classic fuzzy string
//! join); thresholds were chosen on the lab's noisy labels and a hand-labelled sample
//! (core/tests/resolution.rs, benches/README.md "Relevance").
//!
//! [`AdhocLinks`] applies the same comparisons (equal cores, acronym ↔ expansion, trigram
//! Dice) between ad-hoc labels, so two spellings of one unknown tool meet.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::normalize::{loose_key, normalize_label};
use super::taxonomy::{SkillId, Taxonomy};
use crate::error::{Error, Result};

/// How free-text labels are resolved. Defaults are documented per field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ResolutionConfig {
    /// Similarity of a match through an alternative label. Default 0.95.
    pub alias: f64,
    /// Whether known labels contained in a label resolve it. Default true.
    pub contained: bool,
    /// Similarity of a contained match that explains the whole label. Default 0.9.
    pub contained_similarity: f64,
    /// Least share of the label a contained match must explain. Default 0.6.
    pub min_coverage: f64,
    /// Whether acronyms resolve to their unique expansion and back. Default true.
    pub acronyms: bool,
    /// Similarity of an acronym match. Default 0.85.
    pub acronym_similarity: f64,
    /// Least trigram Dice similarity of a fuzzy match; `None` turns fuzzy matching off.
    /// Default 0.8.
    pub fuzzy_threshold: Option<f64>,
    /// How much the best skill's Dice must beat any other skill's. Default 0.05.
    pub fuzzy_margin: f64,
    /// Scale of a fuzzy match's similarity (`fuzzy × Dice`). Default 0.9.
    pub fuzzy_similarity: f64,
    /// Whether ad-hoc labels are compared with each other (equal cores, acronyms, Dice), so
    /// spellings of one unknown skill match. Default true.
    pub adhoc_links: bool,
}

impl Default for ResolutionConfig {
    fn default() -> Self {
        Self {
            alias: 0.95,
            contained: true,
            contained_similarity: 0.9,
            min_coverage: 0.6,
            acronyms: true,
            acronym_similarity: 0.85,
            fuzzy_threshold: Some(0.8),
            fuzzy_margin: 0.05,
            fuzzy_similarity: 0.9,
            adhoc_links: true,
        }
    }
}

impl ResolutionConfig {
    /// Exact and alias keys only, aliases at similarity 1: how snapshots of format 1 resolved.
    pub fn exact_only() -> Self {
        Self {
            alias: 1.0,
            contained: false,
            acronyms: false,
            fuzzy_threshold: None,
            adhoc_links: false,
            ..Self::default()
        }
    }

    /// Checks similarities and shares in (0, 1] (thresholds in (0, 1]), margin in [0, 1).
    pub fn validate(&self) -> Result<()> {
        for (field, v) in [
            ("resolution.alias", self.alias),
            ("resolution.contained_similarity", self.contained_similarity),
            ("resolution.min_coverage", self.min_coverage),
            ("resolution.acronym_similarity", self.acronym_similarity),
            ("resolution.fuzzy_similarity", self.fuzzy_similarity),
            (
                "resolution.fuzzy_threshold",
                self.fuzzy_threshold.unwrap_or(1.0),
            ),
        ] {
            if !(v > 0.0 && v <= 1.0) {
                return Err(Error::invalid(field, format!("must be in (0, 1], got {v}")));
            }
        }
        if !(0.0..1.0).contains(&self.fuzzy_margin) {
            return Err(Error::invalid(
                "resolution.fuzzy_margin",
                format!("must be in [0, 1), got {}", self.fuzzy_margin),
            ));
        }
        Ok(())
    }
}

/// How a label found its skill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResolutionKind {
    /// The preferred label (normalised).
    Exact,
    /// An alternative label.
    Alias,
    /// A known label or alias contained in the label.
    Contained,
    /// An acronym of the skill's label, or the expansion of its acronym.
    Acronym,
    /// Character-trigram similarity to a known label or alias.
    Fuzzy,
    /// Nothing known: an ad-hoc skill matched by its own label.
    Unknown,
}

impl ResolutionKind {
    /// The snake_case name (`exact`, `alias`, …).
    pub fn name(self) -> &'static str {
        match self {
            ResolutionKind::Exact => "exact",
            ResolutionKind::Alias => "alias",
            ResolutionKind::Contained => "contained",
            ResolutionKind::Acronym => "acronym",
            ResolutionKind::Fuzzy => "fuzzy",
            ResolutionKind::Unknown => "unknown",
        }
    }
}

/// The answer for one label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resolution {
    /// The taxonomy skill, or `None` for an unknown label (an ad-hoc skill).
    pub skill: Option<SkillId>,
    /// How it was found.
    pub kind: ResolutionKind,
    /// How sure: 1 for exact (and for an unknown label, which is exactly its own ad-hoc
    /// skill), below 1 for every other kind.
    pub similarity: f64,
    /// The known label or alias that matched, as the taxonomy spells it (not for exact or
    /// unknown).
    pub matched: Option<String>,
}

impl Resolution {
    /// The resolution of a label nothing in the taxonomy matches.
    pub fn unknown_label() -> Self {
        Self::unknown()
    }

    fn unknown() -> Self {
        Self {
            skill: None,
            kind: ResolutionKind::Unknown,
            similarity: 1.0,
            matched: None,
        }
    }
}

/// Vendor names: ignored beside a known label ("Oracle Java" → Java). A label made only of
/// one is still looked up exactly ("Oracle" may be a skill of its own).
const VENDORS: [&str; 24] = [
    "microsoft",
    "ms",
    "adobe",
    "apache",
    "oracle",
    "google",
    "amazon",
    "ibm",
    "sap",
    "apple",
    "autodesk",
    "atlassian",
    "intuit",
    "cisco",
    "vmware",
    "corel",
    "hashicorp",
    "jetbrains",
    "salesforce",
    "meta",
    "facebook",
    "mozilla",
    "nvidia",
    "redhat",
];

/// Words that qualify how well someone knows a skill without naming one.
const PROFICIENCY: [&str; 37] = [
    "advanced",
    "basic",
    "basics",
    "beginner",
    "intermediate",
    "expert",
    "experts",
    "expertise",
    "proficient",
    "proficiency",
    "fluent",
    "strong",
    "solid",
    "good",
    "excellent",
    "deep",
    "working",
    "hands",
    "experience",
    "experienced",
    "knowledge",
    "skills",
    "skill",
    "skilled",
    "certified",
    "certification",
    "familiarity",
    "familiar",
    "senior",
    "junior",
    "level",
    "years",
    "year",
    "yrs",
    "yr",
    "plus",
    "etc",
];

/// Generic words beside a named skill: the role a person has with it ("Python developer")
/// and the kind of thing it is ("Photoshop software").
const GENERIC: [&str; 16] = [
    "developer",
    "developers",
    "programmer",
    "programmers",
    "engineer",
    "engineers",
    "specialist",
    "specialists",
    "consultant",
    "consultants",
    "dev",
    "tools",
    "tool",
    "software",
    "platform",
    "general",
];

/// Function words: ignored beside a match and skipped when forming acronyms.
const STOPWORDS: [&str; 14] = [
    "a", "an", "and", "or", "of", "the", "for", "to", "in", "on", "with", "by", "at", "using",
];

/// Whether a (normalised) token qualifies rather than names a skill beside a known label: a
/// vendor, a proficiency or generic word, a function word, or a number / version ("5",
/// "v2", "2019").
pub fn is_ignorable(token: &str) -> bool {
    is_qualifier(token) || GENERIC.contains(&token)
}

/// [`is_ignorable`] without the generic words: what fuzzy matching drops from a label
/// ("software" is part of many skill names).
fn is_qualifier(token: &str) -> bool {
    VENDORS.contains(&token)
        || PROFICIENCY.contains(&token)
        || STOPWORDS.contains(&token)
        || token.chars().all(|c| c.is_ascii_digit())
        || (token.len() > 1
            && token.starts_with('v')
            && token[1..].chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// The word tokens of a normalised label: runs of letters, digits, `+` and `#` ("c++", "c#").
pub fn tokens(normalized: &str) -> Vec<&str> {
    normalized
        .split(|c: char| !(c.is_alphanumeric() || c == '+' || c == '#'))
        .filter(|t| !t.is_empty())
        .collect()
}

/// The acronym of a phrase: the first letters of its words, skipping function words and
/// words that do not start with a letter; `None` unless 2–6 words remain.
pub fn acronym_of(tokens: &[&str]) -> Option<String> {
    let words: Vec<&str> = tokens
        .iter()
        .copied()
        .filter(|t| !STOPWORDS.contains(t))
        .filter(|t| t.chars().next().is_some_and(char::is_alphabetic))
        .collect();
    if !(2..=6).contains(&words.len()) {
        return None;
    }
    Some(words.iter().filter_map(|w| w.chars().next()).collect())
}

/// Whether a single token looks like an acronym worth looking up (3–6 letters).
fn acronym_like(t: &str) -> bool {
    (3..=6).contains(&t.chars().count()) && t.chars().all(char::is_alphabetic)
}

/// Sorted, deduplicated character trigrams of `" " + text + " "`, packed into u64s.
pub fn trigrams(text: &str) -> Vec<u64> {
    let chars: Vec<char> = std::iter::once(' ')
        .chain(text.chars())
        .chain(std::iter::once(' '))
        .collect();
    let mut out: Vec<u64> = chars
        .windows(3)
        .map(|w| (u64::from(w[0]) << 42) | (u64::from(w[1]) << 21) | u64::from(w[2]))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// A known surface form: a label or an alias of a skill.
#[derive(Debug, Clone)]
struct Key {
    skill: SkillId,
    text: String,
    is_label: bool,
}

/// Trigram postings over a set of strings, with the prefix filter of a Dice threshold.
#[derive(Debug, Clone, Default)]
struct TrigramIndex {
    ids: HashMap<u64, u32>,
    postings: Vec<Vec<u32>>,
    /// Per entry: its trigram ids, sorted.
    grams: Vec<Vec<u32>>,
}

impl TrigramIndex {
    fn add(&mut self, text: &str) -> u32 {
        let entry = self.grams.len() as u32;
        let mut g: Vec<u32> = trigrams(text)
            .into_iter()
            .map(|t| {
                let next = self.ids.len() as u32;
                let id = *self.ids.entry(t).or_insert(next);
                if id as usize == self.postings.len() {
                    self.postings.push(Vec::new());
                }
                self.postings[id as usize].push(entry);
                id
            })
            .collect();
        g.sort_unstable();
        self.grams.push(g);
        entry
    }

    /// Entries with Dice ≥ `threshold` against `text`, with their Dice, ascending by entry.
    fn search(&self, text: &str, threshold: f64) -> Vec<(u32, f64)> {
        let raw = trigrams(text);
        let m = raw.len();
        let mut known: Vec<u32> = raw
            .iter()
            .filter_map(|t| self.ids.get(t).copied())
            .collect();
        if known.is_empty() || m == 0 {
            return Vec::new();
        }
        known.sort_unstable();
        // Dice ≥ τ needs |A∩B| ≥ τm/(2−τ) (since |B| ≥ |A∩B|), so a match holds at least one
        // of the m − need + 1 rarest query trigrams (prefix filtering); unknown trigrams match
        // nothing, so they come off the prefix first.
        let need = ((threshold * m as f64 / (2.0 - threshold)) - 1e-9)
            .ceil()
            .max(1.0) as usize;
        if need > known.len() {
            return Vec::new();
        }
        let mut by_rarity = known.clone();
        by_rarity.sort_by_key(|&t| (self.postings[t as usize].len(), t));
        let prefix = known.len() - need + 1;
        let mut cands: Vec<u32> = by_rarity[..prefix]
            .iter()
            .flat_map(|&t| self.postings[t as usize].iter().copied())
            .collect();
        cands.sort_unstable();
        cands.dedup();
        // Dice ≥ τ also bounds the other side's size: τm/(2−τ) ≤ |B| ≤ (2−τ)m/τ.
        let (lo, hi) = (
            threshold * m as f64 / (2.0 - threshold) - 1e-9,
            (2.0 - threshold) * m as f64 / threshold + 1e-9,
        );
        let mut out = Vec::new();
        for c in cands {
            let g = &self.grams[c as usize];
            if (g.len() as f64) < lo || (g.len() as f64) > hi {
                continue;
            }
            // |A| counts the unknown trigrams too.
            let inter = crate::util::sorted_intersection_count(&known, g);
            let d = 2.0 * inter as f64 / (m + g.len()) as f64;
            if d >= threshold {
                out.push((c, d));
            }
        }
        out
    }

    fn truncate(&mut self, n: usize) {
        self.grams.truncate(n);
        for p in &mut self.postings {
            p.retain(|&e| (e as usize) < n);
        }
    }
}

/// The lookup structures of one taxonomy for steps 3–5 (built once, lazily, per taxonomy).
#[derive(Debug, Clone, Default)]
pub(crate) struct ResolverIndex {
    keys: Vec<Key>,
    /// Token string ("oracle java") → key (preferred labels first, then first claimant).
    by_tokens: HashMap<String, u32>,
    /// Acronym → the one skill it abbreviates (`None` when several skills share it), under
    /// both acronym rules (function words skipped or kept).
    acronyms: HashMap<String, Option<(SkillId, u32)>>,
    /// Trigram index over the distinct cores ([`core_of`]); entry → key.
    fuzzy: TrigramIndex,
    fuzzy_key: Vec<u32>,
    fuzzy_core: Vec<String>,
    /// Word → the cores containing it (ascending, for short forms).
    words: HashMap<String, Vec<u32>>,
}

/// The words of a label that fuzzy matching compares: for a label being resolved, without
/// qualifiers ([`is_qualifier`]); for a known label or alias, without function words only
/// (its numbers and vendor names are part of the name: "SA 8000", "Microsoft Access").
/// All words when nothing else is left.
fn core_of<'a>(toks: &[&'a str], known: bool) -> Vec<&'a str> {
    let core: Vec<&str> = toks
        .iter()
        .copied()
        .filter(|t| {
            if known {
                !STOPWORDS.contains(t)
            } else {
                !is_qualifier(t)
            }
        })
        .collect();
    if core.is_empty() { toks.to_vec() } else { core }
}

/// The acronyms a phrase is commonly written as: initials with function words skipped or
/// kept, hyphenated compounds read as one word or as several (3–6 letters each).
fn acronym_variants(normalized: &str) -> Vec<String> {
    let mut out = Vec::new();
    let joined: String = normalized.replace('-', "");
    for text in [normalized, joined.as_str()] {
        let toks = tokens(text);
        let all = (2..=6).contains(&toks.len()).then(|| {
            toks.iter()
                .filter_map(|w| w.chars().next())
                .collect::<String>()
        });
        for a in [acronym_of(&toks), all].into_iter().flatten() {
            if a.chars().count() >= 3 && !out.contains(&a) {
                out.push(a);
            }
        }
    }
    out
}

impl ResolverIndex {
    pub(crate) fn build(t: &Taxonomy) -> Self {
        let mut idx = ResolverIndex::default();
        for (i, n) in t.skills().iter().enumerate() {
            idx.keys.push(Key {
                skill: i as SkillId,
                text: n.label.clone(),
                is_label: true,
            });
        }
        for (i, n) in t.skills().iter().enumerate() {
            for a in &n.aliases {
                idx.keys.push(Key {
                    skill: i as SkillId,
                    text: a.clone(),
                    is_label: false,
                });
            }
        }
        let mut cores: HashMap<String, u32> = HashMap::new();
        for k in 0..idx.keys.len() {
            let norm = normalize_label(&idx.keys[k].text);
            let toks = tokens(&norm);
            if toks.is_empty() {
                continue;
            }
            let skill = idx.keys[k].skill;
            idx.by_tokens.entry(toks.join(" ")).or_insert(k as u32);
            let core_toks = core_of(&toks, true);
            let core = core_toks.join(" ");
            if !cores.contains_key(&core) {
                cores.insert(core.clone(), k as u32);
                let e = idx.fuzzy.add(&core);
                for w in core_toks {
                    let p = idx.words.entry(w.to_owned()).or_default();
                    if p.last() != Some(&e) {
                        p.push(e);
                    }
                }
                idx.fuzzy_key.push(k as u32);
                idx.fuzzy_core.push(core);
            }
            for a in acronym_variants(&norm) {
                match idx.acronyms.get(&a) {
                    None => {
                        idx.acronyms.insert(a, Some((skill, k as u32)));
                    }
                    Some(Some((s, _))) if *s != skill => {
                        idx.acronyms.insert(a, None);
                    }
                    _ => {}
                }
            }
        }
        idx
    }

    fn key_resolution(&self, k: u32, kind: ResolutionKind, similarity: f64) -> Resolution {
        let key = &self.keys[k as usize];
        Resolution {
            skill: Some(key.skill),
            kind,
            similarity,
            matched: Some(key.text.clone()),
        }
    }
}

/// Resolves `label` against `t` (see the module docs). `index` is the taxonomy's resolver
/// index.
pub(crate) fn resolve_label(
    t: &Taxonomy,
    index: &ResolverIndex,
    label: &str,
    cfg: &ResolutionConfig,
) -> Resolution {
    let norm = normalize_label(label);
    if norm.is_empty() {
        return Resolution::unknown();
    }
    // 1–2: exact keys, then loose keys.
    if let Some(id) = t.resolve(label) {
        let node = t.get(id).expect("resolved ids are taxonomy ids");
        let is_label =
            normalize_label(&node.label) == norm || loose_key(&node.label) == loose_key(label);
        return if is_label {
            Resolution {
                skill: Some(id),
                kind: ResolutionKind::Exact,
                similarity: 1.0,
                matched: None,
            }
        } else {
            let matched = node
                .aliases
                .iter()
                .find(|a| normalize_label(a) == norm)
                .or_else(|| {
                    node.aliases
                        .iter()
                        .find(|a| loose_key(a) == loose_key(label))
                })
                .cloned();
            Resolution {
                skill: Some(id),
                kind: ResolutionKind::Alias,
                similarity: cfg.alias,
                matched,
            }
        };
    }
    let toks = tokens(&norm);
    if toks.is_empty() {
        return Resolution::unknown();
    }
    // The same words with other punctuation ("Python, (computer programming)").
    if let Some(&k) = index.by_tokens.get(&toks.join(" ")) {
        return if index.keys[k as usize].is_label {
            Resolution {
                matched: None,
                ..index.key_resolution(k, ResolutionKind::Exact, 1.0)
            }
        } else {
            index.key_resolution(k, ResolutionKind::Alias, cfg.alias)
        };
    }
    let partial = if cfg.contained {
        match contained(index, &toks, cfg) {
            Some((r, true)) => return r,
            Some((r, false)) => Some(r),
            None => None,
        }
    } else {
        None
    };
    if cfg.acronyms
        && let Some(r) = acronym(index, &toks, cfg)
    {
        return r;
    }
    // A contained match that leaves words unexplained competes with the similar forms.
    let similar = cfg
        .fuzzy_threshold
        .and_then(|th| similar(index, &toks, th, cfg));
    match (partial, similar) {
        (Some(a), Some(b)) => {
            if a.skill == b.skill || (a.similarity - b.similarity).abs() >= cfg.fuzzy_margin {
                if a.similarity >= b.similarity { a } else { b }
            } else {
                Resolution::unknown()
            }
        }
        (Some(a), None) => a,
        (None, Some(b)) => b,
        (None, None) => Resolution::unknown(),
    }
}

/// Step 3 (module docs): the match and whether it explains the whole label.
fn contained(
    index: &ResolverIndex,
    toks: &[&str],
    cfg: &ResolutionConfig,
) -> Option<(Resolution, bool)> {
    const MAX_SPAN: usize = 10;
    let n = toks.len();
    let ignorable: Vec<bool> = toks.iter().map(|t| is_ignorable(t)).collect();
    // (start, end, key)
    let mut cands: Vec<(usize, usize, u32)> = Vec::new();
    for i in 0..n {
        for j in i + 1..=n.min(i + MAX_SPAN) {
            if (i, j) == (0, n) || ignorable[i..j].iter().all(|&x| x) {
                continue;
            }
            if let Some(&k) = index.by_tokens.get(&toks[i..j].join(" ")) {
                cands.push((i, j, k));
            }
        }
    }
    let content = |i: usize, j: usize| (i..j).filter(|&x| !ignorable[x]).count();
    let chars = |i: usize, j: usize| (i..j).map(|x| toks[x].chars().count()).sum::<usize>();
    let &(i, j, k) = cands.iter().max_by(|a, b| {
        (content(a.0, a.1), a.1 - a.0, chars(a.0, a.1))
            .cmp(&(content(b.0, b.1), b.1 - b.0, chars(b.0, b.1)))
            .then(b.0.cmp(&a.0))
    })?;
    let skill = index.keys[k as usize].skill;
    // Another skill inside the unexplained words: the label names two things.
    if cands.iter().any(|&(a, b, c)| {
        (b <= i || a >= j) && index.keys[c as usize].skill != skill && content(a, b) > 0
    }) {
        return None;
    }
    // Explained: the match, other known forms of the same skill, ignorable words, and a run
    // of words spelling the match's acronym.
    let mut explained: Vec<bool> = (0..n)
        .map(|x| {
            ignorable[x]
                || cands
                    .iter()
                    .any(|&(a, b, c)| (a..b).contains(&x) && index.keys[c as usize].skill == skill)
        })
        .collect();
    if j - i == 1 && acronym_like(toks[i]) {
        for (a, b) in [(0, i), (j, n)] {
            if b > a
                && let Some(ac) = acronym_of(&toks[a..b])
                && ac == toks[i]
            {
                for e in &mut explained[a..b] {
                    *e = true;
                }
            }
        }
    }
    let total: usize = (0..n)
        .filter(|&x| !ignorable[x])
        .map(|x| toks[x].chars().count())
        .sum();
    let covered: usize = (0..n)
        .filter(|&x| !ignorable[x] && explained[x])
        .map(|x| toks[x].chars().count())
        .sum();
    let coverage = if total == 0 {
        1.0
    } else {
        covered as f64 / total as f64
    };
    if coverage < cfg.min_coverage {
        return None;
    }
    Some((
        index.key_resolution(
            k,
            ResolutionKind::Contained,
            cfg.contained_similarity * coverage,
        ),
        covered == total,
    ))
}

/// Step 4 (module docs).
fn acronym(index: &ResolverIndex, toks: &[&str], cfg: &ResolutionConfig) -> Option<Resolution> {
    let content: Vec<&str> = toks.iter().copied().filter(|t| !is_ignorable(t)).collect();
    if let [one] = content[..]
        && acronym_like(one)
        && let Some(Some((_, k))) = index.acronyms.get(one)
    {
        return Some(index.key_resolution(*k, ResolutionKind::Acronym, cfg.acronym_similarity));
    }
    None
}

/// Step 5 (module docs): trigram Dice against every known form's core, and forms whose core
/// contains the label's core as a run of words (a short form: "spreadsheets software" of
/// "use spreadsheets software"), which count when they all name one skill.
fn similar(
    index: &ResolverIndex,
    toks: &[&str],
    threshold: f64,
    cfg: &ResolutionConfig,
) -> Option<Resolution> {
    let core = core_of(toks, false);
    let text = core.join(" ");
    // Searching `margin` below the threshold finds every runner-up that could break the
    // margin rule.
    let hits = index
        .fuzzy
        .search(&text, (threshold - cfg.fuzzy_margin).max(0.05));
    // best Dice per skill; ties by the lower key index (deterministic)
    let mut best: Vec<(SkillId, f64, u32)> = Vec::new();
    for (e, d) in hits {
        let k = index.fuzzy_key[e as usize];
        let s = index.keys[k as usize].skill;
        match best.iter_mut().find(|b| b.0 == s) {
            Some(b) if d > b.1 || (d == b.1 && k < b.2) => *b = (s, d, k),
            Some(_) => {}
            None => best.push((s, d, k)),
        }
    }
    best.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.2.cmp(&b.2)));
    let fuzzy = best
        .first()
        .filter(|top| {
            top.1 >= threshold
                && best
                    .get(1)
                    .is_none_or(|second| top.1 - second.1 >= cfg.fuzzy_margin)
        })
        .map(|top| {
            index.key_resolution(top.2, ResolutionKind::Fuzzy, cfg.fuzzy_similarity * top.1)
        });
    // Short forms: known cores holding the label's core as a run of words.
    let rarest = core
        .iter()
        .map(|w| index.words.get(*w).map_or(&[][..], Vec::as_slice))
        .min_by_key(|p| p.len())
        .unwrap_or(&[]);
    let core_chars = text.chars().count();
    let mut short: Option<(SkillId, f64, u32)> = None;
    let mut several = false;
    for &e in rarest {
        let other = &index.fuzzy_core[e as usize];
        let other_toks: Vec<&str> = other.split(' ').collect();
        if core.len() < other_toks.len()
            && other_toks.windows(core.len()).any(|w| w == core.as_slice())
        {
            let k = index.fuzzy_key[e as usize];
            let s = index.keys[k as usize].skill;
            let ratio = core_chars as f64 / other.chars().count() as f64;
            match short {
                Some((s0, _, _)) if s0 != s => several = true,
                Some((_, r0, k0)) if ratio < r0 || (ratio == r0 && k > k0) => {}
                _ => short = Some((s, ratio, k)),
            }
        }
    }
    if several {
        // a short form of several skills' names ("nursing care"): ambiguous
        return None;
    }
    let short = short.filter(|top| top.1 >= cfg.min_coverage).map(|top| {
        index.key_resolution(
            top.2,
            ResolutionKind::Contained,
            cfg.contained_similarity * top.1,
        )
    });
    match (fuzzy, short) {
        (Some(f), Some(s)) if f.skill != s.skill => None,
        (Some(f), Some(s)) => Some(if s.similarity > f.similarity { s } else { f }),
        (f, s) => f.or(s),
    }
}

/// Links between ad-hoc skills whose labels look alike (module docs), kept in the order the
/// labels were interned; symmetric, so the set of links never depends on that order.
#[derive(Debug, Clone, Default)]
pub struct AdhocLinks {
    cores: Vec<String>,
    by_core: HashMap<String, Vec<u32>>,
    acronyms: HashMap<String, Vec<u32>>,
    fuzzy: TrigramIndex,
    links: Vec<Vec<(u32, f32)>>,
}

impl AdhocLinks {
    /// No labels.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of labels added.
    pub fn len(&self) -> usize {
        self.cores.len()
    }

    /// Whether no label was added.
    pub fn is_empty(&self) -> bool {
        self.cores.is_empty()
    }

    /// Adds ad-hoc label number `self.len()` (its normalised key) and links it to every
    /// earlier label it matches: equal cores (the words left after [`is_ignorable`] ones)
    /// at `contained_similarity`; an acronym and its expansion at `acronym_similarity`;
    /// cores with trigram Dice ≥ `fuzzy_threshold` at `fuzzy_similarity × Dice`.
    pub fn add(&mut self, normalized: &str, cfg: &ResolutionConfig) {
        let id = self.cores.len() as u32;
        let toks = tokens(normalized);
        let core_toks: Vec<&str> = toks.iter().copied().filter(|t| !is_ignorable(t)).collect();
        let core = if core_toks.is_empty() {
            toks.join(" ")
        } else {
            core_toks.join(" ")
        };
        let mut found: Vec<(u32, f32)> = Vec::new();
        let mut link = |other: u32, sim: f64| {
            if other != id {
                match found.iter_mut().find(|f| f.0 == other) {
                    Some(f) => f.1 = f.1.max(sim as f32),
                    None => found.push((other, sim as f32)),
                }
            }
        };
        if cfg.adhoc_links && !core.is_empty() {
            for &o in self.by_core.get(&core).map_or(&[][..], Vec::as_slice) {
                link(o, cfg.contained_similarity);
            }
            if cfg.acronyms {
                if let [one] = core_toks[..]
                    && acronym_like(one)
                {
                    for &o in self.acronyms.get(one).map_or(&[][..], Vec::as_slice) {
                        link(o, cfg.acronym_similarity);
                    }
                }
                if let Some(ac) = acronym_of(&core_toks)
                    && ac.len() >= 3
                {
                    for &o in self.by_core.get(&ac).map_or(&[][..], Vec::as_slice) {
                        link(o, cfg.acronym_similarity);
                    }
                }
            }
            if let Some(th) = cfg.fuzzy_threshold {
                for (o, d) in self.fuzzy.search(&core, th) {
                    link(o, cfg.fuzzy_similarity * d);
                }
            }
        }
        self.by_core.entry(core.clone()).or_default().push(id);
        if let Some(ac) = acronym_of(&core_toks)
            && ac.len() >= 3
        {
            self.acronyms.entry(ac).or_default().push(id);
        }
        self.fuzzy.add(&core);
        self.cores.push(core);
        found.sort_by_key(|f| f.0);
        for &(o, s) in &found {
            self.links[o as usize].push((id, s));
        }
        self.links.push(found);
    }

    /// The labels linked to ad-hoc label `id`, with similarities.
    pub fn links(&self, id: u32) -> &[(u32, f32)] {
        self.links.get(id as usize).map_or(&[], Vec::as_slice)
    }

    /// Forgets labels `n..` (a rejected write's).
    pub fn truncate(&mut self, n: usize) {
        if n >= self.cores.len() {
            return;
        }
        self.cores.truncate(n);
        self.links.truncate(n);
        for l in &mut self.links {
            l.retain(|&(o, _)| (o as usize) < n);
        }
        for v in self.by_core.values_mut() {
            v.retain(|&o| (o as usize) < n);
        }
        self.by_core.retain(|_, v| !v.is_empty());
        for v in self.acronyms.values_mut() {
            v.retain(|&o| (o as usize) < n);
        }
        self.acronyms.retain(|_, v| !v.is_empty());
        self.fuzzy.truncate(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::skills::taxonomy::TaxonomyBuilder;

    /// Dice coefficient of two sorted, deduplicated lists (the brute-force reference).
    fn dice<T: Ord>(a: &[T], b: &[T]) -> f64 {
        2.0 * crate::util::sorted_intersection_count(a, b) as f64 / (a.len() + b.len()) as f64
    }

    fn tax() -> Taxonomy {
        let mut b = TaxonomyBuilder::new("t");
        b.add_skill("SQL", None, &["structured query language"])
            .unwrap();
        b.add_skill("Java", None, &[]).unwrap();
        b.add_skill("Python", None, &["python programming"])
            .unwrap();
        b.add_skill("data analysis", None, &[]).unwrap();
        b.add_skill("search engine optimisation", None, &[])
            .unwrap();
        b.add_skill("use spreadsheets software", None, &[]).unwrap();
        b.add_skill("Microsoft Access", None, &["Access"]).unwrap();
        b.add_skill("Oracle", None, &[]).unwrap();
        b.build().unwrap()
    }

    fn res(t: &Taxonomy, label: &str) -> Resolution {
        let idx = ResolverIndex::build(t);
        resolve_label(t, &idx, label, &ResolutionConfig::default())
    }

    fn name(t: &Taxonomy, r: &Resolution) -> String {
        r.skill
            .map_or("-".into(), |s| t.get(s).unwrap().label.clone())
    }

    #[test]
    fn each_kind_with_its_similarity() {
        let t = tax();
        let r = res(&t, "sql");
        assert_eq!(
            (r.kind, r.similarity, name(&t, &r)),
            (ResolutionKind::Exact, 1.0, "SQL".into())
        );
        let r = res(&t, "Structured Query Language");
        assert_eq!((r.kind, r.similarity), (ResolutionKind::Alias, 0.95));
        assert_eq!(r.matched.as_deref(), Some("structured query language"));
        // contained: the match plus the run of words spelling its acronym
        let r = res(&t, "Structured query language SQL");
        assert_eq!(name(&t, &r), "SQL");
        let r = res(&t, "Oracle Java");
        assert_eq!(
            (r.kind, name(&t, &r)),
            (ResolutionKind::Contained, "Java".into())
        );
        assert!(
            (r.similarity - 0.9).abs() < 1e-12,
            "vendor words are explained"
        );
        let r = res(&t, "advanced Python skills (5 yrs)");
        assert_eq!(
            (r.kind, name(&t, &r)),
            (ResolutionKind::Contained, "Python".into())
        );
        // two skills in one label: abstain
        assert_eq!(res(&t, "Python for data analysis").skill, None);
        // acronym of a unique expansion, and expansion of a known acronym
        let r = res(&t, "SEO");
        assert_eq!(
            (r.kind, name(&t, &r)),
            (ResolutionKind::Acronym, "search engine optimisation".into())
        );
        // fuzzy: a short form and a spelling variant
        let r = res(&t, "spreadsheets software");
        assert_eq!(
            (r.kind, name(&t, &r)),
            (ResolutionKind::Fuzzy, "use spreadsheets software".into())
        );
        assert!(r.similarity < 0.9);
        let r = res(&t, "search engine optimization");
        assert_eq!(name(&t, &r), "search engine optimisation");
        // vendor alone is looked up as it is
        assert_eq!(name(&t, &res(&t, "Oracle")), "Oracle");
        assert_eq!(name(&t, &res(&t, "MS Access")), "Microsoft Access");
        assert_eq!(res(&t, "Kubernetes").kind, ResolutionKind::Unknown);
        assert_eq!(res(&t, "   ").kind, ResolutionKind::Unknown);
    }

    #[test]
    fn exact_only_keeps_the_old_rules() {
        let t = tax();
        let idx = ResolverIndex::build(&t);
        let cfg = ResolutionConfig::exact_only();
        assert_eq!(resolve_label(&t, &idx, "Oracle Java", &cfg).skill, None);
        let r = resolve_label(&t, &idx, "structured query language", &cfg);
        assert_eq!((r.kind, r.similarity), (ResolutionKind::Alias, 1.0));
    }

    #[test]
    fn trigram_search_finds_exactly_the_pairs_above_the_threshold() {
        let words = [
            "kubernetes",
            "kubernetes admin",
            "terraform",
            "terra form",
            "kafka",
        ];
        let mut idx = TrigramIndex::default();
        for w in words {
            idx.add(w);
        }
        for q in [
            "kubernetes",
            "kubernets",
            "terraform cloud",
            "kafka streams",
        ] {
            for th in [0.5, 0.7, 0.9] {
                let got: Vec<u32> = idx.search(q, th).into_iter().map(|x| x.0).collect();
                let want: Vec<u32> = (0..words.len() as u32)
                    .filter(|&i| dice(&trigrams(q), &trigrams(words[i as usize])) >= th)
                    .collect();
                assert_eq!(got, want, "{q} at {th}");
            }
        }
    }

    #[test]
    fn adhoc_links_are_symmetric_and_order_free() {
        let cfg = ResolutionConfig::default();
        let labels = [
            "acme widget studio",
            "Acme Widget Studio skills",
            "AWS2",
            "acme widgets studio",
            "zorblax",
        ];
        let build = |order: &[usize]| {
            let mut l = AdhocLinks::new();
            for &i in order {
                l.add(&normalize_label(labels[i]), &cfg);
            }
            // pairs as (label, label, sim), sorted
            let mut pairs = Vec::new();
            for (pos, &i) in order.iter().enumerate() {
                for &(o, s) in l.links(pos as u32) {
                    pairs.push((labels[i], labels[order[o as usize]], s));
                }
            }
            pairs.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
            pairs
        };
        let a = build(&[0, 1, 2, 3, 4]);
        let b = build(&[4, 3, 2, 1, 0]);
        assert_eq!(a, b);
        assert!(
            a.iter()
                .any(|p| p.0 == "acme widget studio" && p.1 == "Acme Widget Studio skills")
        );
        assert!(!a.iter().any(|p| p.0 == "zorblax" || p.1 == "zorblax"));
        let mut l = AdhocLinks::new();
        for x in labels {
            l.add(&normalize_label(x), &cfg);
        }
        l.truncate(1);
        assert!(l.links(0).is_empty());
        l.add(&normalize_label(labels[1]), &cfg);
        assert_eq!(l.links(0).len(), 1);
    }
}
