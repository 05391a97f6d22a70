//! Criterion benches of the metrics room's hot paths on 1,000,000 rows, 4 groups
//! (single pass over arrays). The side-by-side comparison against fairlearn / AIF360 / scipy
//! is `benches/compare/metrics_compare.py`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use fairmatch::metrics::{
    Alternative, FairnessOptions, GroupConfusion, equalized_odds_difference, mann_whitney_u,
    welch_t_test,
};
use fairmatch_bench::rng;
use rand::Rng;

fn bench(c: &mut Criterion) {
    let n = 1_000_000;
    let mut r = rng(42);
    let groups: Vec<u32> = (0..n).map(|_| r.random_range(0..4)).collect();
    let y_true: Vec<u8> = (0..n).map(|_| r.random_range(0..2)).collect();
    let y_pred: Vec<u8> = (0..n).map(|_| r.random_range(0..2)).collect();
    let w: Vec<f64> = (0..n).map(|_| r.random_range(0.1..3.0)).collect();
    let stars_a: Vec<f64> = (0..n / 2).map(|_| r.random_range(1..=5) as f64).collect();
    let stars_b: Vec<f64> = (0..n / 2).map(|_| r.random_range(1..=5) as f64).collect();
    let o = FairnessOptions::default();
    let mut g = c.benchmark_group("metrics_1m");
    g.sample_size(20);
    g.bench_function("equalized_odds_difference", |b| {
        b.iter(|| {
            let c = GroupConfusion::from_arrays(&groups, &y_true, &y_pred, None).unwrap();
            black_box(equalized_odds_difference(&c, &o).unwrap())
        })
    });
    g.bench_function("equalized_odds_difference_weighted", |b| {
        b.iter(|| {
            let c = GroupConfusion::from_arrays(&groups, &y_true, &y_pred, Some(&w)).unwrap();
            black_box(equalized_odds_difference(&c, &o).unwrap())
        })
    });
    g.bench_function("equalized_odds_difference_par", |b| {
        b.iter(|| {
            let c = GroupConfusion::from_arrays_par(&groups, &y_true, &y_pred, None).unwrap();
            black_box(equalized_odds_difference(&c, &o).unwrap())
        })
    });
    g.bench_function("welch_2x500k", |b| {
        b.iter(|| black_box(welch_t_test(&stars_a, &stars_b, Alternative::TwoSided).unwrap()))
    });
    g.bench_function("mann_whitney_stars_2x500k", |b| {
        b.iter(|| {
            black_box(mann_whitney_u(&stars_a, &stars_b, true, Alternative::TwoSided).unwrap())
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
