//! `metrics`: the bias metrics of `fairmatch::metrics` on typed arrays.
//!
//! Arrays are typed arrays read in place (`index.js` converts plain arrays first): labels
//! `Uint8Array` (0/1) or `Float64Array` (any other label type is converted to it by
//! `index.js`; the core rejects non-binary values by row), group codes `Uint32Array`, values
//! `Float64Array`, rankings `Uint32Array` of group codes. Enum arguments (`method`, `agg`,
//! `zeroDivision`, `alternative`, `combiner`, …) take the core's snake_case spellings and are
//! parsed by the core. Work over whole arrays runs on the rayon pool
//! (`task::spawn_lockfree`); a ranking of a few hundred entries is computed synchronously.
//! Accumulators serialise to the core's serde form (camelCase keys) and are restored with the
//! core's validation (`fromJSON`).

use fairmatch::PositionModel;
use fairmatch::metrics::{
    self as m, Agg, BinaryLabel, Combiner, ExposureAccumulator, FairnessOptions, GeiConvention,
    GroupConfusion, LabelledConfusion, Method, PrivilegedComparison, RatingStats, ZeroDivision,
};
use napi::Env;
use napi::bindgen_prelude::{Either, Float64Array, Object, Uint8Array, Uint32Array};
use napi_derive::napi;

use crate::convert::{json, parse, parse_or_default, word, word_or};
use crate::error::IntoNapi;
use crate::task::spawn_lockfree;

/// The `zeroDivision` argument (default `nan`).
fn zd(z: Option<&str>) -> fairmatch::Result<ZeroDivision> {
    ZeroDivision::parse(z.unwrap_or("nan"))
}

/// `method`, `agg`, `zeroDivision` of the fairlearn-style metrics (defaults `between_groups`,
/// `worst_case`, `nan`).
fn fopts(
    method: Option<&str>,
    agg: Option<&str>,
    zero_division: Option<&str>,
) -> fairmatch::Result<FairnessOptions> {
    Ok(FairnessOptions {
        method: word_or::<Method>(method, "method", "between_groups")?,
        agg: word_or::<Agg>(agg, "agg", "worst_case")?,
        zero_division: zd(zero_division)?,
    })
}

/// Binary labels as they cross: 0/1 bytes or float64 values.
type Labels = Either<Uint8Array, Float64Array>;

fn count<L: BinaryLabel + Sync>(
    g: &[u32],
    t: &[L],
    p: &[L],
    w: Option<&[f64]>,
    n: Option<u32>,
) -> fairmatch::Result<GroupConfusion> {
    match n {
        Some(n) => GroupConfusion::from_arrays_in(n as usize, g, t, p, w, true),
        None => GroupConfusion::from_arrays_par(g, t, p, w),
    }
}

/// Counts per-group confusion matrices (labels of one kind; `index.js` converts a mixed pair
/// to float64).
fn confusion(
    t: &Labels,
    p: &Labels,
    g: &[u32],
    w: Option<&[f64]>,
    n: Option<u32>,
) -> fairmatch::Result<GroupConfusion> {
    match (t, p) {
        (Either::A(a), Either::A(b)) => {
            let (a, b): (&[u8], &[u8]) = (a, b);
            count(g, a, b, w, n)
        }
        (Either::B(a), Either::B(b)) => {
            let (a, b): (&[f64], &[f64]) = (a, b);
            count(g, a, b, w, n)
        }
        _ => Err(fairmatch::Error::invalid(
            "yPred",
            "must have the same array type as yTrue",
        )),
    }
}

/// Per-group confusion matrices (weighted), the input of the classification metrics.
#[napi]
#[derive(Debug)]
pub struct NativeGroupConfusion {
    inner: LabelledConfusion,
}

/// Counts the rows on the rayon pool and hands the counts (labelled when `labels` is given)
/// to `then` there; the arrays are released on the JavaScript thread.
#[allow(clippy::too_many_arguments)]
fn count_on_pool<T, F>(
    env: &Env,
    t: Labels,
    p: Labels,
    g: Uint32Array,
    w: Option<Float64Array>,
    n: Option<u32>,
    mut labels: Option<Vec<String>>,
    then: F,
) -> napi::Result<Object<'_>>
where
    T: Send + 'static + napi::bindgen_prelude::ToNapiValue + napi::bindgen_prelude::TypeName,
    F: Fn(LabelledConfusion) -> fairmatch::Result<T> + Send + 'static,
{
    spawn_lockfree(env, move || {
        let counts = confusion(&t, &p, &g, w.as_deref(), n)?;
        then(match labels.take() {
            Some(l) => LabelledConfusion::new(counts, Some(l))?,
            None => LabelledConfusion::from_codes(counts),
        })
    })
}

/// Runs one of the six fairlearn-style metrics by name.
fn fairlearn(name: &str, c: &GroupConfusion, o: &FairnessOptions) -> fairmatch::Result<f64> {
    match name {
        "demographicParityDifference" => m::demographic_parity_difference(c, o),
        "demographicParityRatio" => m::demographic_parity_ratio(c, o),
        "equalOpportunityDifference" => m::equal_opportunity_difference(c, o),
        "equalOpportunityRatio" => m::equal_opportunity_ratio(c, o),
        "equalizedOddsDifference" => m::equalized_odds_difference(c, o),
        "equalizedOddsRatio" => m::equalized_odds_ratio(c, o),
        other => Err(fairmatch::Error::invalid(
            "metric",
            format!("unknown metric `{other}`"),
        )),
    }
}

#[napi]
impl NativeGroupConfusion {
    /// Counts `yTrue`/`yPred` per group code on the rayon pool (`labels`: the label of each
    /// code, when the caller had string labels).
    #[napi(catch_unwind)]
    #[allow(clippy::too_many_arguments)]
    pub fn count(
        env: &Env,
        y_true: Labels,
        y_pred: Labels,
        groups: Uint32Array,
        weights: Option<Float64Array>,
        n_groups: Option<u32>,
        labels: Option<Vec<String>>,
    ) -> napi::Result<Object<'_>> {
        count_on_pool(
            env,
            y_true,
            y_pred,
            groups,
            weights,
            n_groups,
            labels,
            |inner| Ok(NativeGroupConfusion { inner }),
        )
    }

    /// An accumulator without rows over `nGroups` groups.
    #[napi(catch_unwind)]
    pub fn empty(n_groups: Option<u32>) -> napi::Result<NativeGroupConfusion> {
        let c = GroupConfusion::with_groups(n_groups.unwrap_or(0) as usize).napi()?;
        Ok(NativeGroupConfusion {
            inner: LabelledConfusion::from_codes(c),
        })
    }

    /// Restores `toJSON()` output (validated by the core).
    #[napi(catch_unwind)]
    pub fn from_json(state: String) -> napi::Result<NativeGroupConfusion> {
        Ok(NativeGroupConfusion {
            inner: parse(&state, "state").napi()?,
        })
    }

    /// The serialisable state (JSON).
    #[napi(catch_unwind)]
    pub fn to_json(&self) -> napi::Result<String> {
        json(&self.inner).napi()
    }

    /// Number of groups.
    #[napi(catch_unwind)]
    pub fn n_groups(&self) -> u32 {
        self.inner.counts().n_groups() as u32
    }

    /// The label of each group code, when built from string labels.
    #[napi(catch_unwind)]
    pub fn labels(&self) -> Option<Vec<String>> {
        self.inner.labels().map(<[String]>::to_vec)
    }

    /// Per-group confusion counts (JSON).
    #[napi(catch_unwind)]
    pub fn groups(&self) -> napi::Result<String> {
        json(self.inner.counts().groups()).napi()
    }

    /// The pooled counts of every group (JSON).
    #[napi(catch_unwind)]
    pub fn overall(&self) -> napi::Result<String> {
        json(&self.inner.counts().overall()).napi()
    }

    /// Per-group values of `rate` with their status (JSON).
    #[napi(catch_unwind)]
    pub fn rates(&self, rate: String, zero_division: Option<String>) -> napi::Result<String> {
        let r = word(&rate, "rate").napi()?;
        let z = zd(zero_division.as_deref()).napi()?;
        json(&self.inner.counts().rates(r, z).napi()?).napi()
    }

    /// The full fairness report (JSON).
    #[napi(catch_unwind)]
    pub fn report(
        &self,
        method: Option<String>,
        agg: Option<String>,
        zero_division: Option<String>,
    ) -> napi::Result<String> {
        let o = fopts(method.as_deref(), agg.as_deref(), zero_division.as_deref()).napi()?;
        json(&self.inner.counts().report(&o).napi()?).napi()
    }

    /// One fairlearn-style metric by its camelCase name (`demographicParityDifference`, …).
    #[napi(catch_unwind)]
    pub fn metric(
        &self,
        name: String,
        method: Option<String>,
        agg: Option<String>,
        zero_division: Option<String>,
    ) -> napi::Result<f64> {
        let o = fopts(method.as_deref(), agg.as_deref(), zero_division.as_deref()).napi()?;
        fairlearn(&name, self.inner.counts(), &o).napi()
    }

    /// Generalized entropy index of the per-row benefits (`between`: between groups only).
    #[napi(catch_unwind)]
    pub fn generalized_entropy_index(
        &self,
        between: bool,
        alpha: Option<f64>,
        convention: Option<String>,
        zero_division: Option<String>,
    ) -> napi::Result<f64> {
        let c: GeiConvention = word_or(convention.as_deref(), "convention", "speicher").napi()?;
        let z = zd(zero_division.as_deref()).napi()?;
        let a = alpha.unwrap_or(2.0);
        let counts = self.inner.counts();
        if between {
            counts.between_group_generalized_entropy_index(a, c, z)
        } else {
            counts.generalized_entropy_index(a, c, z)
        }
        .napi()
    }

    /// `theilIndex`, `coefficientOfVariation` or `betweenGroupTheilIndex` by name.
    #[napi(catch_unwind)]
    pub fn inequality(&self, name: String, zero_division: Option<String>) -> napi::Result<f64> {
        let z = zd(zero_division.as_deref()).napi()?;
        let c = self.inner.counts();
        match name.as_str() {
            "theilIndex" => c.theil_index(z),
            "coefficientOfVariation" => c.coefficient_of_variation(z),
            "betweenGroupTheilIndex" => c.between_group_theil_index(z),
            other => Err(fairmatch::Error::invalid(
                "metric",
                format!("unknown metric `{other}`"),
            )),
        }
        .napi()
    }

    /// AIF360-style comparison of pooled unprivileged vs privileged groups.
    #[napi(catch_unwind)]
    pub fn compare(
        &self,
        unprivileged: Uint32Array,
        privileged: Uint32Array,
        zero_division: Option<String>,
    ) -> napi::Result<NativeComparison> {
        let z = zd(zero_division.as_deref()).napi()?;
        let inner = self
            .inner
            .counts()
            .compare(&unprivileged, &privileged, z)
            .napi()?;
        Ok(NativeComparison { inner })
    }

    /// Adds `other` (the core's merge rules; a rejected merge changes nothing).
    #[napi(catch_unwind)]
    pub fn merge(&mut self, other: &NativeGroupConfusion) -> napi::Result<()> {
        self.inner.merge(&other.inner).napi()
    }
}

/// Pooled unprivileged vs privileged counts and the AIF360 metrics over them.
#[napi]
#[derive(Debug)]
pub struct NativeComparison {
    inner: PrivilegedComparison,
}

#[napi]
impl NativeComparison {
    /// An AIF360 metric by its camelCase name.
    #[napi(catch_unwind)]
    pub fn metric(&self, name: String) -> napi::Result<f64> {
        let c = &self.inner;
        match name.as_str() {
            "statisticalParityDifference" => c.statistical_parity_difference(),
            "disparateImpact" => c.disparate_impact(),
            "averageOddsDifference" => c.average_odds_difference(),
            "averageAbsOddsDifference" => c.average_abs_odds_difference(),
            "equalOpportunityDifference" => c.equal_opportunity_difference(),
            "equalizedOddsDifference" => c.equalized_odds_difference(),
            other => Err(fairmatch::Error::invalid(
                "metric",
                format!("unknown metric `{other}`"),
            )),
        }
        .napi()
    }

    /// unprivileged − privileged value of `rate`.
    #[napi(catch_unwind)]
    pub fn difference(&self, rate: String) -> napi::Result<f64> {
        self.inner.difference(word(&rate, "rate").napi()?).napi()
    }

    /// unprivileged / privileged value of `rate`.
    #[napi(catch_unwind)]
    pub fn ratio(&self, rate: String) -> napi::Result<f64> {
        self.inner.ratio(word(&rate, "rate").napi()?).napi()
    }

    /// The pooled counts (JSON).
    #[napi(catch_unwind)]
    pub fn to_json(&self) -> napi::Result<String> {
        json(&self.inner).napi()
    }
}

/// A fairlearn-style metric straight from arrays, on the rayon pool.
#[napi(catch_unwind)]
#[allow(clippy::too_many_arguments)]
pub fn fairlearn_metric(
    env: &Env,
    name: String,
    y_true: Labels,
    y_pred: Labels,
    groups: Uint32Array,
    weights: Option<Float64Array>,
    n_groups: Option<u32>,
    method: Option<String>,
    agg: Option<String>,
    zero_division: Option<String>,
) -> napi::Result<Object<'_>> {
    count_on_pool(
        env,
        y_true,
        y_pred,
        groups,
        weights,
        n_groups,
        None,
        move |c| {
            let o = fopts(method.as_deref(), agg.as_deref(), zero_division.as_deref())?;
            fairlearn(&name, c.counts(), &o)
        },
    )
}

/// String group labels → dense codes in first-seen order and the label of each code
/// (`{codes, labels}`).
#[napi(object)]
pub struct EncodedGroups {
    /// One code per row.
    pub codes: Uint32Array,
    /// The label of each code.
    pub labels: Vec<String>,
}

/// Encodes string group labels (the core's `encode_groups`).
#[napi(catch_unwind)]
pub fn encode_groups(labels: Vec<String>) -> napi::Result<EncodedGroups> {
    let (codes, labels) = m::encode_groups(&labels).napi()?;
    Ok(EncodedGroups {
        codes: Uint32Array::new(codes),
        labels,
    })
}

/// Mixed-radix intersection of several group-code columns.
#[napi(catch_unwind)]
pub fn intersect_groups(
    attributes: Vec<Uint32Array>,
    cardinalities: Uint32Array,
) -> napi::Result<Uint32Array> {
    let refs: Vec<&[u32]> = attributes.iter().map(|a| &a[..]).collect();
    Ok(Uint32Array::new(
        m::intersect_groups(&refs, &cardinalities).napi()?,
    ))
}

/// Disparate impact from selection counts.
#[napi(catch_unwind)]
pub fn disparate_impact_from_counts(
    selected_unprivileged: f64,
    total_unprivileged: f64,
    selected_privileged: f64,
    total_privileged: f64,
    zero_division: Option<String>,
) -> napi::Result<f64> {
    m::disparate_impact_from_counts(
        selected_unprivileged,
        total_unprivileged,
        selected_privileged,
        total_privileged,
        zd(zero_division.as_deref()).napi()?,
    )
    .napi()
}

/// Gini coefficient of non-negative values, on the rayon pool.
#[napi(catch_unwind)]
pub fn gini(
    env: &Env,
    values: Float64Array,
    normalized: Option<bool>,
    zero_division: Option<String>,
) -> napi::Result<Object<'_>> {
    spawn_lockfree(env, move || {
        m::gini(
            &values,
            normalized.unwrap_or(false),
            zd(zero_division.as_deref())?,
        )
    })
}

/// Generalized entropy index of benefits `b` (between groups when `groups` is given), on the
/// rayon pool.
#[napi(catch_unwind)]
pub fn generalized_entropy_index(
    env: &Env,
    b: Float64Array,
    groups: Option<Uint32Array>,
    weights: Option<Float64Array>,
    alpha: Option<f64>,
    convention: Option<String>,
    zero_division: Option<String>,
) -> napi::Result<Object<'_>> {
    spawn_lockfree(env, move || {
        let c: GeiConvention = word_or(convention.as_deref(), "convention", "speicher")?;
        let z = zd(zero_division.as_deref())?;
        let a = alpha.unwrap_or(2.0);
        match &groups {
            Some(g) => {
                m::between_group_generalized_entropy_index(&b, g, weights.as_deref(), a, c, z)
            }
            None => m::generalized_entropy_index(&b, weights.as_deref(), a, c, z),
        }
    })
}

/// A two-sample rating test by name (`welch`, `mannWhitneyU`, `brunnerMunzel`) on the rayon
/// pool (JSON result).
#[napi(catch_unwind)]
pub fn two_sample_test(
    env: &Env,
    name: String,
    a: Float64Array,
    b: Float64Array,
    alternative: Option<String>,
    continuity: Option<bool>,
) -> napi::Result<Object<'_>> {
    spawn_lockfree(env, move || {
        let alt = word_or(alternative.as_deref(), "alternative", "two_sided")?;
        match name.as_str() {
            "welch" => json(&m::welch_t_test(&a, &b, alt)?),
            "mannWhitneyU" => json(&m::mann_whitney_u(&a, &b, continuity.unwrap_or(true), alt)?),
            "brunnerMunzel" => json(&m::brunner_munzel(&a, &b, alt)?),
            other => Err(fairmatch::Error::invalid(
                "test",
                format!("unknown test `{other}`"),
            )),
        }
    })
}

/// Mann–Whitney U from rating counts (JSON).
#[napi(catch_unwind)]
pub fn mann_whitney_u_counts(
    counts_a: Vec<f64>,
    counts_b: Vec<f64>,
    continuity: Option<bool>,
    alternative: Option<String>,
) -> napi::Result<String> {
    let to_u64 = |v: &[f64], field: &str| -> fairmatch::Result<Vec<u64>> {
        v.iter()
            .enumerate()
            .map(|(i, &x)| {
                if x >= 0.0 && x.fract() == 0.0 && x <= 9_007_199_254_740_991.0 {
                    Ok(x as u64)
                } else {
                    Err(fairmatch::Error::invalid(
                        fairmatch::error::indexed(field, i),
                        "must be a non-negative integer count",
                    ))
                }
            })
            .collect()
    };
    let (a, b) = (
        to_u64(&counts_a, "countsA").napi()?,
        to_u64(&counts_b, "countsB").napi()?,
    );
    let alt = word_or(alternative.as_deref(), "alternative", "two_sided").napi()?;
    json(&m::mann_whitney_u_counts(&a, &b, continuity.unwrap_or(true), alt).napi()?).napi()
}

/// Rank-biserial correlation of two samples.
#[napi(catch_unwind)]
pub fn rank_biserial(a: Float64Array, b: Float64Array) -> napi::Result<f64> {
    m::rank_biserial(&a, &b).napi()
}

/// Benjamini–Hochberg adjusted p-values.
#[napi(catch_unwind)]
pub fn benjamini_hochberg(p_values: Float64Array) -> napi::Result<Float64Array> {
    Ok(Float64Array::new(m::benjamini_hochberg(&p_values).napi()?))
}

/// Bayesian average of `n` ratings summing to `sum`.
#[napi(catch_unwind)]
pub fn bayesian_average(
    sum: f64,
    n: u32,
    prior_mean: f64,
    prior_strength: f64,
) -> napi::Result<f64> {
    m::bayesian_average(sum, u64::from(n), prior_mean, prior_strength).napi()
}

/// Skew of `group` in the top `k` (`which`: `skew`, `min`, `max`).
#[napi(catch_unwind)]
pub fn skew(
    which: String,
    ranking: Uint32Array,
    target: Float64Array,
    k: u32,
    group: Option<u32>,
) -> napi::Result<f64> {
    let k = k as usize;
    match which.as_str() {
        "skew" => m::skew(&ranking, &target, group.unwrap_or(0), k),
        "min" => m::min_skew(&ranking, &target, k),
        "max" => m::max_skew(&ranking, &target, k),
        other => Err(fairmatch::Error::invalid(
            "which",
            format!("unknown skew `{other}`"),
        )),
    }
    .napi()
}

/// Normalised discounted KL divergence of a ranking from target proportions.
#[napi(catch_unwind)]
pub fn ndkl(ranking: Uint32Array, target: Float64Array) -> napi::Result<f64> {
    m::ndkl(&ranking, &target).napi()
}

/// Infeasible index and count (JSON).
#[napi(catch_unwind)]
pub fn infeasible(
    ranking: Uint32Array,
    target: Float64Array,
    exclude_last: Option<bool>,
) -> napi::Result<String> {
    json(&m::infeasible(&ranking, &target, exclude_last.unwrap_or(false)).napi()?).napi()
}

/// A combined value and the per-group values.
#[napi(object)]
pub struct Combined {
    /// The combined value.
    pub value: f64,
    /// One value per group.
    pub per_group: Float64Array,
}

fn combined(r: fairmatch::Result<(f64, Vec<f64>)>) -> napi::Result<Combined> {
    let (value, per) = r.napi()?;
    Ok(Combined {
        value,
        per_group: Float64Array::new(per),
    })
}

/// The optional settings of the exposure metrics (JSON object): `model`, `cutoff`,
/// `groupSizes`, `combiner`, `zeroDivision`, `p`.
#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ExposureOptions {
    #[serde(default)]
    model: PositionModel,
    cutoff: Option<usize>,
    group_sizes: Option<Vec<f64>>,
    combiner: Option<Combiner>,
    zero_division: Option<String>,
    p: Option<f64>,
}

/// An exposure metric by name (`groupExposure`, `exposurePerUtility`, `awrf`,
/// `attributeRankParity`) over one ranking of group codes.
#[napi(catch_unwind)]
pub fn exposure_metric(
    name: String,
    ranking: Uint32Array,
    n_groups: u32,
    relevance: Option<Float64Array>,
    options: Option<String>,
) -> napi::Result<Combined> {
    let o: ExposureOptions = parse_or_default(options.as_deref(), "options").napi()?;
    let z = zd(o.zero_division.as_deref()).napi()?;
    let n = n_groups as usize;
    let gs = o.group_sizes.as_deref();
    let r = match name.as_str() {
        "groupExposure" => m::group_exposure(
            &ranking,
            n,
            &o.model,
            o.cutoff,
            gs,
            o.combiner.unwrap_or(Combiner::MinMaxRatio),
            z,
        ),
        "exposurePerUtility" => {
            let rel = relevance
                .ok_or_else(|| fairmatch::Error::invalid("relevance", "is required"))
                .napi()?;
            m::exposure_per_utility(
                &ranking,
                &rel,
                n,
                &o.model,
                o.cutoff,
                gs,
                o.combiner.unwrap_or(Combiner::MinMaxRatio),
                z,
            )
        }
        "awrf" => {
            let p =
                o.p.ok_or_else(|| fairmatch::Error::invalid("options.p", "is required"))
                    .napi()?;
            m::awrf(
                &ranking,
                n,
                p,
                gs,
                o.combiner.unwrap_or(Combiner::MinMaxRatio),
                z,
            )
        }
        "attributeRankParity" => {
            m::attribute_rank_parity(&ranking, n, o.combiner.unwrap_or(Combiner::MaxMinDiff), z)
        }
        other => Err(fairmatch::Error::invalid(
            "metric",
            format!("unknown metric `{other}`"),
        )),
    };
    combined(r)
}

/// Attention share of each group under a position model (`model`: JSON, default log).
#[napi(catch_unwind)]
pub fn attention_shares(
    ranking: Uint32Array,
    n_groups: u32,
    model: Option<String>,
    cutoff: Option<u32>,
) -> napi::Result<Float64Array> {
    let model: PositionModel = parse_or_default(model.as_deref(), "model").napi()?;
    let v = m::attention_shares(
        &ranking,
        n_groups as usize,
        &model,
        cutoff.map(|c| c as usize),
    )
    .napi()?;
    Ok(Float64Array::new(v))
}

/// Yang & Stoyanovich rND / rKL / rRD.
#[napi(catch_unwind)]
pub fn yang_stoyanovich(
    protected: Uint8Array,
    measure: String,
    step: Option<u32>,
    discount: Option<String>,
    normalize: Option<bool>,
    zero_division: Option<String>,
) -> napi::Result<f64> {
    let prot: Vec<bool> = protected.iter().map(|&b| b != 0).collect();
    let ms = word(&measure, "measure").napi()?;
    let d = word_or(discount.as_deref(), "discount", "code").napi()?;
    m::yang_stoyanovich(
        &prot,
        ms,
        step.map_or(10, |s| s as usize),
        d,
        normalize.unwrap_or(true),
        zd(zero_division.as_deref()).napi()?,
    )
    .napi()
}

/// Expected exposure of stochastic rankings (JSON).
#[napi(catch_unwind)]
pub fn expected_exposure(
    rankings: Vec<Uint32Array>,
    relevance: Float64Array,
    model: Option<String>,
    item_groups: Option<Uint32Array>,
) -> napi::Result<String> {
    let model: PositionModel = parse_or_default(model.as_deref(), "model").napi()?;
    let refs: Vec<&[u32]> = rankings.iter().map(|r| &r[..]).collect();
    json(&m::expected_exposure(&refs, &relevance, &model, item_groups.as_deref()).napi()?).napi()
}

/// Exposure per group accumulated over many rankings (mergeable, serialisable).
#[napi]
#[derive(Debug)]
pub struct NativeExposureAccumulator {
    inner: ExposureAccumulator,
}

#[napi]
impl NativeExposureAccumulator {
    /// An empty accumulator (`model`: JSON of a position model, default log).
    #[napi(constructor, catch_unwind)]
    pub fn new(n_groups: u32, model: Option<String>, cutoff: Option<u32>) -> napi::Result<Self> {
        let model: PositionModel = parse_or_default(model.as_deref(), "model").napi()?;
        let inner = ExposureAccumulator::new(n_groups as usize, model, cutoff.map(|c| c as usize))
            .napi()?;
        Ok(Self { inner })
    }

    /// Adds one ranking of group codes (with relevance for exposure per utility).
    #[napi(catch_unwind)]
    pub fn add_ranking(
        &mut self,
        ranking: Uint32Array,
        relevance: Option<Float64Array>,
    ) -> napi::Result<()> {
        self.inner
            .add_ranking(&ranking, relevance.as_deref())
            .napi()
    }

    /// Adds `other` (same groups, model and cutoff; nothing changes on error).
    #[napi(catch_unwind)]
    pub fn merge(&mut self, other: &NativeExposureAccumulator) -> napi::Result<()> {
        self.inner.merge(&other.inner).napi()
    }

    /// Total exposure per group.
    #[napi(catch_unwind)]
    pub fn total_exposure(&self) -> Float64Array {
        Float64Array::new(self.inner.total_exposure().to_vec())
    }

    /// Rankings added.
    #[napi(catch_unwind)]
    pub fn rankings(&self) -> f64 {
        self.inner.rankings() as f64
    }

    /// Share of exposure per group.
    #[napi(catch_unwind)]
    pub fn exposure_share(&self, zero_division: Option<String>) -> napi::Result<Float64Array> {
        let z = zd(zero_division.as_deref()).napi()?;
        Ok(Float64Array::new(self.inner.exposure_share(z).napi()?))
    }

    /// Mean exposure per group member (`groupSizes`: default items seen).
    #[napi(catch_unwind)]
    pub fn group_exposure(&self, group_sizes: Option<Float64Array>) -> napi::Result<Float64Array> {
        Ok(Float64Array::new(
            self.inner.group_exposure(group_sizes.as_deref()).napi()?,
        ))
    }

    /// Exposure per unit of relevance per group.
    #[napi(catch_unwind)]
    pub fn exposure_per_utility(
        &self,
        group_sizes: Option<Float64Array>,
    ) -> napi::Result<Float64Array> {
        Ok(Float64Array::new(
            self.inner
                .exposure_per_utility(group_sizes.as_deref())
                .napi()?,
        ))
    }

    /// The serialisable state (JSON).
    #[napi(catch_unwind)]
    pub fn to_json(&self) -> napi::Result<String> {
        json(&self.inner).napi()
    }

    /// Restores `toJSON()` output (validated by the core).
    #[napi(catch_unwind)]
    pub fn from_json(state: String) -> napi::Result<NativeExposureAccumulator> {
        Ok(Self {
            inner: parse(&state, "state").napi()?,
        })
    }
}

/// Streaming mean and variance of ratings (Welford; mergeable, serialisable).
#[napi]
#[derive(Debug)]
pub struct NativeRatingStats {
    inner: RatingStats,
}

#[napi]
impl NativeRatingStats {
    /// No ratings yet.
    #[napi(constructor, catch_unwind)]
    pub fn new() -> Self {
        Self {
            inner: RatingStats::default(),
        }
    }

    /// The statistics of `values`.
    #[napi(catch_unwind)]
    pub fn of(values: Float64Array) -> napi::Result<NativeRatingStats> {
        Ok(Self {
            inner: RatingStats::of(&values).napi()?,
        })
    }

    /// Adds one rating.
    #[napi(catch_unwind)]
    pub fn add(&mut self, x: f64) -> napi::Result<()> {
        self.inner.add(x).napi()
    }

    /// Adds `other`.
    #[napi(catch_unwind)]
    pub fn merge(&mut self, other: &NativeRatingStats) {
        self.inner.merge(&other.inner);
    }

    /// The serialisable state (JSON: `n`, `mean`, `m2`).
    #[napi(catch_unwind)]
    pub fn to_json(&self) -> napi::Result<String> {
        json(&self.inner).napi()
    }

    /// Sample variance.
    #[napi(catch_unwind)]
    pub fn variance(&self) -> f64 {
        self.inner.variance()
    }

    /// Restores `toJSON()` output (validated by the core).
    #[napi(catch_unwind)]
    pub fn from_json(state: String) -> napi::Result<NativeRatingStats> {
        Ok(Self {
            inner: parse(&state, "state").napi()?,
        })
    }

    /// Welch's t-test between two accumulators (JSON).
    #[napi(catch_unwind)]
    pub fn welch(
        &self,
        other: &NativeRatingStats,
        alternative: Option<String>,
    ) -> napi::Result<String> {
        let alt = word_or(alternative.as_deref(), "alternative", "two_sided").napi()?;
        json(&m::welch_from_stats(&self.inner, &other.inner, alt).napi()?).napi()
    }
}

impl Default for NativeRatingStats {
    fn default() -> Self {
        Self::new()
    }
}
