//! Criterion benchmarks of the re-ranking room (regression tracking; the side-by-side
//! comparison with the reference libraries is `benches/compare/rerank.py`).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use fairmatch::PositionModel;
use fairmatch::rerank::{
    ExplorationConfig, ExposureLedger, FairCoConfig, FairCoUnit, GeyikAlgorithm, GroupTarget,
    MTableMode, RerankContext, RerankItem, RerankerConfig, adjusted_mtable,
    adjusted_mtable_uncached, apply, fair_top_k, fairco, geyik_rerank,
};
use fairmatch_bench::rng;
use rand::Rng;

fn items(n: u32, groups: u32) -> Vec<RerankItem> {
    let mut r = rng(42);
    (0..n)
        .map(|i| RerankItem::new(i, r.random_range(0.0..1.0), r.random_range(0..groups)))
        .collect()
}

fn bench(c: &mut Criterion) {
    c.bench_function("adjusted_mtable k=100 p=0.5 a=0.1 exact", |b| {
        b.iter(|| adjusted_mtable_uncached(black_box(100), 0.5, 0.1, MTableMode::Exact).unwrap())
    });
    let it = items(1000, 2);
    let table = adjusted_mtable(100, 0.5, 0.1, MTableMode::Exact).unwrap();
    c.bench_function("fair_top_k 1000->100", |b| {
        b.iter(|| fair_top_k(black_box(&it), &[1], 100, &table.table).unwrap())
    });
    let it3 = items(1000, 3);
    let targets = [
        GroupTarget {
            group: 0,
            proportion: 0.2,
        },
        GroupTarget {
            group: 1,
            proportion: 0.3,
        },
        GroupTarget {
            group: 2,
            proportion: 0.5,
        },
    ];
    c.bench_function("det_const_sort 1000->100 3 groups", |b| {
        b.iter(|| {
            geyik_rerank(black_box(&it3), &targets, 100, GeyikAlgorithm::DetConstSort).unwrap()
        })
    });
    let mut ledger = ExposureLedger::new(PositionModel::Log, Some(20), Some(3600.0)).unwrap();
    let shown: Vec<u32> = (0..20).collect();
    ledger.record(&shown, 0.0).unwrap();
    let merits: Vec<(u32, f64)> = it.iter().map(|i| (i.id, i.score)).collect();
    ledger.record_merit(&merits, 0.0).unwrap();
    let cfg = FairCoConfig {
        lambda: 0.01,
        unit: FairCoUnit::Individual,
    };
    c.bench_function("fairco individual 1000", |b| {
        b.iter(|| fairco(black_box(&it), &ledger, &cfg).unwrap())
    });
    let chain = RerankerConfig::Chain {
        steps: vec![
            RerankerConfig::Exploration(ExplorationConfig {
                max_boost: 0.05,
                min_impressions: 20,
                max_promotion: Some(5),
                seed: 1,
            }),
            RerankerConfig::Fair(fairmatch::rerank::FairConfig {
                p: 0.5,
                alpha: 0.1,
                mode: MTableMode::Exact,
                protected_groups: vec![1],
            }),
        ],
    };
    let imps = |id: u32| u64::from(id % 50);
    let ctx = RerankContext {
        impressions: Some(&imps),
        ..Default::default()
    };
    c.bench_function("apply exploration+fair 1000->100", |b| {
        b.iter(|| apply(&chain, black_box(&it), 100, &ctx).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
