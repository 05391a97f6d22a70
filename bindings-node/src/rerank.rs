//! `rerank`: fairness re-ranking policies and the FA*IR m-table helpers.
//!
//! Items are `{id, score, group}` objects; policy configs are the core's tagged
//! `RerankerConfig` objects (`{type: "fair", p, alpha, protectedGroups}`,
//! `{type: "chain", steps: [...]}`), parsed by the core.

use std::collections::HashMap;

use fairmatch::DocId;
use fairmatch::rerank::{
    self as r, ExposureLedger, GeyikAlgorithm, GroupTarget, MTableMode, RerankItem, RerankLookups,
    RerankerConfig,
};
use napi::bindgen_prelude::Uint32Array;
use napi_derive::napi;

use crate::convert::{json, parse, parse_or_default, word, word_or};
use crate::error::IntoNapi;

/// The context maps of `apply` (keys: item ids as text, as a JS object has them).
#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Context {
    ledger: Option<ExposureLedger>,
    impressions: Option<HashMap<String, u64>>,
    hourly_rates: Option<HashMap<String, f64>>,
    vectors: Option<HashMap<String, Vec<f32>>>,
}

/// `{"12": x}` → `{12: x}`; a key that is not a row id is an `INVALID_INPUT` naming it.
fn by_id<T>(m: Option<HashMap<String, T>>, field: &str) -> fairmatch::Result<HashMap<DocId, T>> {
    m.unwrap_or_default()
        .into_iter()
        .map(|(k, v)| {
            k.parse::<DocId>().map(|id| (id, v)).map_err(|_| {
                fairmatch::Error::invalid(format!("{field}.{k}"), "key must be an item id 0..2^32")
            })
        })
        .collect()
}

/// Applies a policy to scored items (JSON of the core's re-ranking result).
#[napi(catch_unwind)]
pub fn rerank_apply(
    config: String,
    items: String,
    k: u32,
    context: Option<String>,
) -> napi::Result<String> {
    let cfg: RerankerConfig = parse(&config, "config").napi()?;
    let items: Vec<RerankItem> = parse(&items, "items").napi()?;
    let c: Context = parse_or_default(context.as_deref(), "context").napi()?;
    let lookups = RerankLookups {
        ledger: c.ledger,
        impressions: by_id(c.impressions, "context.impressions").napi()?,
        hourly_rates: by_id(c.hourly_rates, "context.hourlyRates").napi()?,
        vectors: by_id(c.vectors, "context.vectors").napi()?,
    };
    json(&lookups.apply(&cfg, &items, k as usize).napi()?).napi()
}

/// The unadjusted FA*IR m-table for `k` positions.
#[napi(catch_unwind)]
pub fn mtable(k: u32, p: f64, alpha: f64) -> napi::Result<Uint32Array> {
    Ok(Uint32Array::new(r::mtable(k as usize, p, alpha).napi()?))
}

/// The adjusted m-table (JSON: `table`, `failProbability`, `adjustedAlpha`, …).
#[napi(catch_unwind)]
pub fn adjusted_mtable(k: u32, p: f64, alpha: f64, mode: Option<String>) -> napi::Result<String> {
    let mode: MTableMode = word_or(mode.as_deref(), "mode", "exact").napi()?;
    let t = r::adjusted_mtable(k as usize, p, alpha, mode).napi()?;
    json(&*t).napi()
}

/// The probability that a fair ranking fails `table`.
#[napi(catch_unwind)]
pub fn fail_probability(table: Uint32Array, p: f64, mode: Option<String>) -> napi::Result<f64> {
    let mode: MTableMode = word_or(mode.as_deref(), "mode", "exact").napi()?;
    r::fail_probability(&table, p, mode).napi()
}

/// FA*IR top-k (item ids in order).
#[napi(catch_unwind)]
pub fn fair_top_k(
    items: String,
    protected: Uint32Array,
    k: u32,
    mtable: Uint32Array,
) -> napi::Result<Uint32Array> {
    let items: Vec<RerankItem> = parse(&items, "items").napi()?;
    Ok(Uint32Array::new(
        r::fair_top_k(&items, &protected, k as usize, &mtable).napi()?,
    ))
}

/// Whether a ranking's protected flags satisfy `mtable`.
#[napi(catch_unwind)]
pub fn is_fair(protected_flags: Vec<bool>, mtable: Uint32Array) -> bool {
    r::is_fair(&protected_flags, &mtable)
}

/// Geyik et al. re-ranking (`algorithm`: `det_greedy`, `det_cons`, `det_relaxed`,
/// `det_const_sort`); item ids in order.
#[napi(catch_unwind)]
pub fn geyik_rerank(
    items: String,
    targets: String,
    k: u32,
    algorithm: String,
) -> napi::Result<Uint32Array> {
    let items: Vec<RerankItem> = parse(&items, "items").napi()?;
    let targets: Vec<GroupTarget> = parse(&targets, "targets").napi()?;
    let alg: GeyikAlgorithm = word(&algorithm, "algorithm").napi()?;
    Ok(Uint32Array::new(
        r::geyik_rerank(&items, &targets, k as usize, alg).napi()?,
    ))
}
