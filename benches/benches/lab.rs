//! `lab`: one criterion benchmark per stage of the lab pipeline (`fairmatch-lab`), on a
//! marketplace of 2,000 freelancers and 200 jobs generated from the ESCO ICT slice in
//! ../shared/data (O*NET levels, MiniLM vectors): loading the sources, generating, building
//! the lexical indexes, ranking one job with each ranker, the bootstrap, one simulated round
//! per policy family, and the shrinkage-penalty re-scoring. Run:
//! `cargo bench -p fairmatch-bench --bench lab` (results in benches/README.md, "The lab").

use std::time::Duration;

use criterion::{Criterion, criterion_group};
use fairmatch::EngineConfig;
use fairmatch_bench::lab::build_engine;
use fairmatch_bench::lab::eval::{estimate, resamples};
use fairmatch_bench::lab::generate::{GenConfig, generate};
use fairmatch_bench::lab::penalty::measure;
use fairmatch_bench::lab::rankers::{LexicalIndex, RankContext, RankerKind, default_rankers};
use fairmatch_bench::lab::simulate::{Policy, SimConfig, simulate};
use fairmatch_bench::lab::source::load_esco;

fn bench(c: &mut Criterion) {
    let data = fairmatch_bench::shared_data_dir();
    let mut g = c.benchmark_group("lab");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    g.bench_function("load_sources_esco_slice", |b| {
        b.iter(|| load_esco(&data, "esco-ict-slice").unwrap())
    });
    let src = load_esco(&data, "esco-ict-slice").unwrap();
    let cfg = GenConfig {
        freelancers: 2000,
        jobs: 200,
        ..GenConfig::default()
    };
    g.bench_function("generate_2000x200", |b| {
        b.iter(|| generate(&src, &cfg).unwrap())
    });
    let m = generate(&src, &cfg).unwrap();
    g.bench_function("lexical_index_2000", |b| b.iter(|| LexicalIndex::new(&m)));
    let ctx = RankContext::new(&m);
    let engine = build_engine(&m, src.taxonomy.clone(), EngineConfig::default()).unwrap();
    let pools: Vec<Vec<u32>> = (0..m.jobs.len()).map(|j| ctx.pool(j)).collect();
    for spec in default_rankers(&m) {
        let mut j = 0;
        g.bench_function(format!("rank_one_job/{}", spec.name), |b| {
            b.iter(|| {
                j = (j + 1) % m.jobs.len();
                match &spec.kind {
                    RankerKind::Engine { options, .. } => ctx
                        .rank_engine(&engine, options, j, pools[j].len(), 10)
                        .unwrap(),
                    kind => ctx.rank_offline(kind, j, &pools[j], 10),
                }
            })
        });
    }
    let values: Vec<f64> = (0..2000).map(|i| f64::from(i % 17) / 17.0).collect();
    g.bench_function("bootstrap_1000_over_2000_jobs", |b| {
        b.iter(|| estimate(&values, &resamples(values.len(), 1000, 1)))
    });
    let snapshot = engine.to_bytes().unwrap();
    for p in [Policy::None, Policy::Fair, Policy::FairCo] {
        let sc = SimConfig {
            policy: p,
            rounds: 1,
            jobs_per_round: 20,
            ..SimConfig::default()
        };
        g.bench_function(format!("simulate_round_20_jobs/{}", p.name()), |b| {
            b.iter(|| {
                let e = fairmatch::Engine::from_bytes(&snapshot).unwrap();
                simulate(&m, &e, &sc, None, &|| {}).unwrap()
            })
        });
    }
    g.bench_function("penalty_200_jobs_depth_100", |b| {
        b.iter(|| measure(&m, &engine, 10, 100, 200, 1, &|| {}).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
