//! The impression log: every shown list (slate) with, per shown item, the factor values at
//! impression time, its position, the logging policy's propensity for that position and the
//! outcomes recorded later.
//!
//! Storage is flat and columnar (one `Vec` per column, items numbered globally in push order),
//! so a fit streams through it without pointer chasing. Bytes per item with `d` factors:
//! `4·d` (f32 factors) + 2 (u16 position) + 4 (f32 propensity) + 1 (u8 outcome bits), plus per
//! slate 8 (end offset) + 16 ([`SlateMeta`]): for the default 9 factors and slates of 20 items
//! that is 43 + 24/20 ≈ 44.2 B per item (1M impressions ≈ 42 MiB). [`ImpressionLog::memory_bytes`]
//! reports the live figure, which counts spare capacity: columns grown by pushes may hold up to
//! 2× until [`ImpressionLog::shrink_to_fit`] (or [`ImpressionLog::reserve`] ahead).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, indexed};

/// The most factors a log may carry per item.
pub const MAX_LOG_FACTORS: usize = 64;

/// An outcome recorded on a shown item, stored as a bit flag (one `u8` per item): the funnel
/// view → proposal → shortlist → hire. Several may be set on one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum Outcome {
    /// The item (profile or job) was opened.
    Viewed = 1,
    /// A proposal (or invitation) was sent.
    Proposed = 2,
    /// The item was shortlisted.
    Shortlisted = 4,
    /// The pair led to a hire.
    Hired = 8,
}

/// Every outcome bit a log may hold.
pub const OUTCOME_BITS: u8 = 1 | 2 | 4 | 8;

impl Outcome {
    /// The flag bit of this outcome.
    pub fn bit(self) -> u8 {
        self as u8
    }
}

/// What is known about one shown list besides its items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlateMeta {
    /// When it was shown (unix seconds); the fit's hold-out is the latest slates by this time.
    pub at: i64,
    /// The client (job owner) it was shown to, for per-client weights; `None` if unknown.
    pub client: Option<u32>,
    /// Whether the logging policy randomised this slate (Plackett–Luce over its top m, see
    /// [`crate::learn::plackett_luce_sample`]). Only explored slates carry position variation
    /// and are used by the off-policy estimators. A slate not explored was ranked
    /// deterministically: every propensity must be 1.
    pub explored: bool,
}

/// One shown item as the logging policy saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedItem {
    /// Factor values in the log's factor order (`factor_names().len()` of them), each finite or
    /// NaN (factor not applicable to this pair; the fit counts NaN as 0).
    pub factors: Vec<f32>,
    /// 0-based position at which it was shown; unique within the slate.
    pub position: u16,
    /// P(this item at this position | logging policy), in (0, 1]; 1.0 for a deterministic
    /// logger. For Plackett–Luce exploration: [`crate::learn::plackett_luce_marginals`].
    pub propensity: f32,
}

/// The impression log (see the module documentation for the layout and bytes per item).
///
/// Serialises with serde as its columns; deserialising validates everything
/// [`ImpressionLog::push_slate`] validates (equal column lengths, slate ranges in bounds,
/// positions unique within a slate, propensities finite in (0, 1] and 1 on unexplored slates,
/// factors finite or NaN, only known outcome bits), so a crafted snapshot is an error, never a
/// later panic.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "LogColumns")]
pub struct ImpressionLog {
    factor_names: Vec<String>,
    slates: Vec<SlateMeta>,
    /// `slate_ends[s]` = one past the last item of slate `s` (strictly increasing).
    slate_ends: Vec<u64>,
    factors: Vec<f32>,
    positions: Vec<u16>,
    propensities: Vec<f32>,
    outcomes: Vec<u8>,
}

/// The serialised form (field order = the struct's; a borrowed twin serialises).
#[derive(Deserialize)]
struct LogColumns {
    factor_names: Vec<String>,
    slates: Vec<SlateMeta>,
    slate_ends: Vec<u64>,
    #[serde(with = "nan_as_null")]
    factors: Vec<f32>,
    positions: Vec<u16>,
    propensities: Vec<f32>,
    outcomes: Vec<u8>,
}

#[derive(Serialize)]
struct LogColumnsRef<'a> {
    factor_names: &'a [String],
    slates: &'a [SlateMeta],
    slate_ends: &'a [u64],
    #[serde(serialize_with = "nan_as_null::serialize")]
    factors: &'a [f32],
    positions: &'a [u16],
    propensities: &'a [f32],
    outcomes: &'a [u8],
}

impl Serialize for ImpressionLog {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        LogColumnsRef {
            factor_names: &self.factor_names,
            slates: &self.slates,
            slate_ends: &self.slate_ends,
            factors: &self.factors,
            positions: &self.positions,
            propensities: &self.propensities,
            outcomes: &self.outcomes,
        }
        .serialize(s)
    }
}

/// Factor values: raw f32 in binary formats; in human-readable ones (JSON) NaN — a factor that
/// does not apply — is written as `null` (JSON has no NaN) and read back as NaN.
mod nan_as_null {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(v: &[f32], s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.collect_seq(v.iter().map(|x| (!x.is_nan()).then_some(*x)))
        } else {
            v.serialize(s)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f32>, D::Error> {
        if d.is_human_readable() {
            let v: Vec<Option<f32>> = Vec::deserialize(d)?;
            Ok(v.into_iter().map(|x| x.unwrap_or(f32::NAN)).collect())
        } else {
            Vec::deserialize(d)
        }
    }
}

fn check_names(names: &[String]) -> Result<()> {
    if names.is_empty() || names.len() > MAX_LOG_FACTORS {
        return Err(Error::invalid(
            "factor_names",
            format!(
                "must name 1 to {MAX_LOG_FACTORS} factors, got {}",
                names.len()
            ),
        ));
    }
    for (i, n) in names.iter().enumerate() {
        if n.is_empty() {
            return Err(Error::invalid(
                indexed("factor_names", i),
                "must not be empty",
            ));
        }
        if names[..i].contains(n) {
            return Err(Error::invalid(
                indexed("factor_names", i),
                format!("`{n}` appears twice"),
            ));
        }
    }
    Ok(())
}

/// Checks one slate's columns (positions unique, propensities, factors, outcome bits); `field`
/// names the slate in errors.
fn check_slate(
    field: &str,
    meta: &SlateMeta,
    d: usize,
    factors: &[f32],
    positions: &[u16],
    propensities: &[f32],
    outcomes: &[u8],
) -> Result<()> {
    let n = positions.len();
    if n == 0 {
        return Err(Error::invalid(field, "a slate must show at least one item"));
    }
    let mut seen = std::collections::HashSet::with_capacity(n);
    for i in 0..n {
        let at = |what: &str| format!("{}.{what}", indexed(&format!("{field}.items"), i));
        if !seen.insert(positions[i]) {
            return Err(Error::invalid(
                at("position"),
                format!("position {} appears twice in the slate", positions[i]),
            ));
        }
        let p = propensities[i];
        if !(p.is_finite() && p > 0.0 && p <= 1.0) {
            return Err(Error::invalid(
                at("propensity"),
                format!("must be a probability in (0, 1], got {p}"),
            ));
        }
        if !meta.explored && p != 1.0 {
            return Err(Error::invalid(
                at("propensity"),
                format!("a slate that was not explored is deterministic: must be 1, got {p}"),
            ));
        }
        if let Some(j) = factors[i * d..(i + 1) * d]
            .iter()
            .position(|x| x.is_infinite())
        {
            return Err(Error::invalid(
                indexed(&at("factors"), j),
                "must be finite (or NaN for a factor that does not apply)",
            ));
        }
        if outcomes[i] & !OUTCOME_BITS != 0 {
            return Err(Error::invalid(
                at("outcome"),
                format!("unknown outcome bits {:#x}", outcomes[i] & !OUTCOME_BITS),
            ));
        }
    }
    Ok(())
}

impl TryFrom<LogColumns> for ImpressionLog {
    type Error = Error;

    fn try_from(c: LogColumns) -> Result<Self> {
        check_names(&c.factor_names)?;
        let d = c.factor_names.len();
        let n = c.positions.len();
        if c.propensities.len() != n || c.outcomes.len() != n {
            return Err(Error::invalid(
                "impression_log",
                format!(
                    "columns differ in length: {n} positions, {} propensities, {} outcomes",
                    c.propensities.len(),
                    c.outcomes.len()
                ),
            ));
        }
        if c.factors.len() as u128 != n as u128 * d as u128 {
            return Err(Error::invalid(
                "impression_log.factors",
                format!("expected {n} × {d} values, got {}", c.factors.len()),
            ));
        }
        if c.slate_ends.len() != c.slates.len() {
            return Err(Error::invalid(
                "impression_log.slate_ends",
                format!("{} ends for {} slates", c.slate_ends.len(), c.slates.len()),
            ));
        }
        let mut start = 0u64;
        for (s, (&end, meta)) in c.slate_ends.iter().zip(&c.slates).enumerate() {
            if end <= start || end > n as u64 {
                return Err(Error::invalid(
                    indexed("impression_log.slate_ends", s),
                    format!("slate range {start}..{end} is empty or past {n} items"),
                ));
            }
            let (a, b) = (start as usize, end as usize);
            check_slate(
                &indexed("impression_log.slates", s),
                meta,
                d,
                &c.factors[a * d..b * d],
                &c.positions[a..b],
                &c.propensities[a..b],
                &c.outcomes[a..b],
            )?;
            start = end;
        }
        if start != n as u64 {
            return Err(Error::invalid(
                "impression_log.slate_ends",
                format!("slates cover {start} of {n} items"),
            ));
        }
        Ok(ImpressionLog {
            factor_names: c.factor_names,
            slates: c.slates,
            slate_ends: c.slate_ends,
            factors: c.factors,
            positions: c.positions,
            propensities: c.propensities,
            outcomes: c.outcomes,
        })
    }
}

impl ImpressionLog {
    /// An empty log whose rows carry `factor_names` (in this order). Use
    /// [`ImpressionLog::with_factors`] to have bad names rejected; this constructor keeps the
    /// names as given and [`ImpressionLog::push_slate`] refuses every slate if they are empty,
    /// duplicated or more than [`MAX_LOG_FACTORS`].
    pub fn new(factor_names: Vec<String>) -> Self {
        ImpressionLog {
            factor_names,
            slates: Vec::new(),
            slate_ends: Vec::new(),
            factors: Vec::new(),
            positions: Vec::new(),
            propensities: Vec::new(),
            outcomes: Vec::new(),
        }
    }

    /// Like [`ImpressionLog::new`], rejecting an empty list, an empty or repeated name and more
    /// than [`MAX_LOG_FACTORS`] names (`factor_names[i]`).
    pub fn with_factors(factor_names: Vec<String>) -> Result<Self> {
        check_names(&factor_names)?;
        Ok(Self::new(factor_names))
    }

    /// Reserves room for `slates` more slates holding `items` more items (growth by
    /// [`ImpressionLog::push_slate`] otherwise doubles the columns, up to 2× the bytes).
    pub fn reserve(&mut self, slates: usize, items: usize) {
        let d = self.factor_names.len();
        self.slates.reserve(slates);
        self.slate_ends.reserve(slates);
        self.factors.reserve(items.saturating_mul(d));
        self.positions.reserve(items);
        self.propensities.reserve(items);
        self.outcomes.reserve(items);
    }

    /// Releases spare column capacity, so [`ImpressionLog::memory_bytes`] is the documented
    /// bytes per item (a deserialised log is already tight).
    pub fn shrink_to_fit(&mut self) {
        self.slates.shrink_to_fit();
        self.slate_ends.shrink_to_fit();
        self.factors.shrink_to_fit();
        self.positions.shrink_to_fit();
        self.propensities.shrink_to_fit();
        self.outcomes.shrink_to_fit();
    }

    /// The factor list every row has, in order.
    pub fn factor_names(&self) -> &[String] {
        &self.factor_names
    }

    /// Appends one shown list; returns the global index of its first item (items are numbered
    /// in push order). All or nothing: rejects (naming `slate.items[i].…`) a slate with no
    /// items, a factor vector of the wrong length, a factor that is ±∞, a repeated position,
    /// a propensity outside (0, 1] or ≠ 1 on a slate that was not explored, and more than
    /// 65 536 items.
    pub fn push_slate(&mut self, slate: SlateMeta, items: &[LoggedItem]) -> Result<usize> {
        check_names(&self.factor_names)?;
        let d = self.factor_names.len();
        if items.len() > u16::MAX as usize + 1 {
            return Err(Error::invalid(
                "slate.items",
                format!("at most 65536 items per slate, got {}", items.len()),
            ));
        }
        for (i, it) in items.iter().enumerate() {
            if it.factors.len() != d {
                return Err(Error::DimensionMismatch {
                    field: format!("{}.factors", indexed("slate.items", i)),
                    expected: d,
                    got: it.factors.len(),
                });
            }
        }
        let factors: Vec<f32> = items
            .iter()
            .flat_map(|it| it.factors.iter().copied())
            .collect();
        let positions: Vec<u16> = items.iter().map(|it| it.position).collect();
        let propensities: Vec<f32> = items.iter().map(|it| it.propensity).collect();
        let outcomes = vec![0u8; items.len()];
        check_slate(
            "slate",
            &slate,
            d,
            &factors,
            &positions,
            &propensities,
            &outcomes,
        )?;
        let first = self.positions.len();
        self.factors.extend_from_slice(&factors);
        self.positions.extend_from_slice(&positions);
        self.propensities.extend_from_slice(&propensities);
        self.outcomes.extend_from_slice(&outcomes);
        self.slates.push(slate);
        self.slate_ends.push(self.positions.len() as u64);
        Ok(first)
    }

    /// Records `outcome` on the global item `item` (ORs its flag in; recording twice is
    /// harmless). Rejects an item index past [`ImpressionLog::n_items`] (`item`).
    pub fn set_outcome(&mut self, item: usize, outcome: Outcome) -> Result<()> {
        match self.outcomes.get_mut(item) {
            Some(o) => {
                *o |= outcome.bit();
                Ok(())
            }
            None => Err(Error::invalid(
                "item",
                format!("no item {item} in a log of {} items", self.outcomes.len()),
            )),
        }
    }

    /// Number of slates (shown lists).
    pub fn n_slates(&self) -> usize {
        self.slates.len()
    }

    /// Number of shown items over all slates.
    pub fn n_items(&self) -> usize {
        self.positions.len()
    }

    /// Heap bytes held (capacities of every column) plus the struct itself.
    pub fn memory_bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + self
                .factor_names
                .iter()
                .map(|n| n.capacity())
                .sum::<usize>()
            + self.factor_names.capacity() * std::mem::size_of::<String>()
            + self.slates.capacity() * std::mem::size_of::<SlateMeta>()
            + self.slate_ends.capacity() * 8
            + self.factors.capacity() * 4
            + self.positions.capacity() * 2
            + self.propensities.capacity() * 4
            + self.outcomes.capacity()
    }

    /// The outcome bits of global item `item` (`None` past the end).
    pub fn outcome_bits(&self, item: usize) -> Option<u8> {
        self.outcomes.get(item).copied()
    }

    /// Slate `s` (`None` past the end).
    pub fn slate(&self, s: usize) -> Option<SlateView<'_>> {
        let meta = self.slates.get(s)?;
        let start = if s == 0 {
            0
        } else {
            self.slate_ends[s - 1] as usize
        };
        let end = self.slate_ends[s] as usize;
        let d = self.factor_names.len();
        Some(SlateView {
            index: s,
            first_item: start,
            meta,
            n_factors: d,
            factors: &self.factors[start * d..end * d],
            positions: &self.positions[start..end],
            propensities: &self.propensities[start..end],
            outcomes: &self.outcomes[start..end],
        })
    }

    /// Every slate in push order.
    pub fn slates(&self) -> impl ExactSizeIterator<Item = SlateView<'_>> + '_ {
        (0..self.slates.len()).map(move |s| self.slate(s).expect("in range"))
    }
}

/// A read-only view of one logged slate: its metadata and, per item (in push order), the factor
/// values, logged position, propensity and outcome bits.
#[derive(Debug, Clone, Copy)]
pub struct SlateView<'a> {
    index: usize,
    first_item: usize,
    meta: &'a SlateMeta,
    n_factors: usize,
    factors: &'a [f32],
    positions: &'a [u16],
    propensities: &'a [f32],
    outcomes: &'a [u8],
}

impl<'a> SlateView<'a> {
    /// The slate's index in the log (push order).
    pub fn index(&self) -> usize {
        self.index
    }
    /// Global index of the slate's first item.
    pub fn first_item(&self) -> usize {
        self.first_item
    }
    /// The slate's metadata.
    pub fn meta(&self) -> &'a SlateMeta {
        self.meta
    }
    /// Number of items shown.
    pub fn len(&self) -> usize {
        self.positions.len()
    }
    /// Always false (a logged slate has at least one item).
    pub fn is_empty(&self) -> bool {
        self.positions.is_empty()
    }
    /// Factor values of item `i` (log factor order; NaN = not applicable). Like the other
    /// per-item accessors, panics if `i ≥ len()`, as slice indexing does.
    pub fn factors(&self, i: usize) -> &'a [f32] {
        &self.factors[i * self.n_factors..(i + 1) * self.n_factors]
    }
    /// Logged 0-based position of item `i`.
    pub fn position(&self, i: usize) -> u16 {
        self.positions[i]
    }
    /// Logged propensity of item `i` at its position.
    pub fn propensity(&self, i: usize) -> f32 {
        self.propensities[i]
    }
    /// Outcome bits of item `i` ([`Outcome`] flags).
    pub fn outcome(&self, i: usize) -> u8 {
        self.outcomes[i]
    }
    /// All positions, in item order.
    pub fn positions(&self) -> &'a [u16] {
        self.positions
    }
    /// All propensities, in item order.
    pub fn propensities(&self) -> &'a [f32] {
        self.propensities
    }
    /// All outcome bits, in item order.
    pub fn outcomes(&self) -> &'a [u8] {
        self.outcomes
    }
    /// The explored depth m of a Plackett–Luce logger: 1 + the deepest position holding an item
    /// whose propensity is < 1 (0 when every propensity is 1). Under PL over the top m every
    /// item shown at a position < m may be placed at any position < m; an item with
    /// propensity 1 only at its own position.
    pub fn explored_depth(&self) -> usize {
        self.positions
            .iter()
            .zip(self.propensities)
            .filter(|(_, p)| **p < 1.0)
            .map(|(&k, _)| k as usize + 1)
            .max()
            .unwrap_or(0)
    }
}
