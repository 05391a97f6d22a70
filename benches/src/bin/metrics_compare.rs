//! Times fairmatch's metrics on the arrays written by `benches/compare/metrics_compare.py`
//! (raw little-endian files in the directory given as the first argument) and prints one JSON
//! object of median seconds per operation. The Python script interleaves runs of this binary
//! with the reference libraries and prints the comparison table.
//!
//! Usage: `metrics_compare DIR [REPS]` (single-threaded unless `RAYON_NUM_THREADS` says
//! otherwise; `*_par` entries use the rayon pool).

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use fairmatch::metrics::{
    Alternative, FairnessOptions, GroupConfusion, ZeroDivision, demographic_parity_difference,
    equalized_odds_difference, mann_whitney_u, welch_t_test,
};

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn f64s(b: &[u8]) -> Vec<f64> {
    b.chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

fn u32s(b: &[u8]) -> Vec<u32> {
    b.chunks_exact(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

fn median<F: FnMut() -> f64>(reps: usize, mut f: F) -> f64 {
    let mut v: Vec<f64> = Vec::with_capacity(reps);
    for _ in 0..reps {
        let t = Instant::now();
        black_box(f());
        v.push(t.elapsed().as_secs_f64());
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = Path::new(args.get(1).expect("usage: metrics_compare DIR [REPS]"));
    let reps: usize = args.get(2).map_or(21, |s| s.parse().unwrap());
    let groups = u32s(&read(dir, "groups.u32"));
    let y_true = read(dir, "y_true.u8");
    let y_pred = read(dir, "y_pred.u8");
    let w = f64s(&read(dir, "weights.f64"));
    let stars_a = f64s(&read(dir, "stars_a.f64"));
    let stars_b = f64s(&read(dir, "stars_b.f64"));
    let cont_a = f64s(&read(dir, "cont_a.f64"));
    let cont_b = f64s(&read(dir, "cont_b.f64"));
    let o = FairnessOptions::default();
    let seq = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let mut out = serde_json::Map::new();
    let mut put = |k: &str, v: f64| {
        out.insert(k.to_string(), serde_json::json!(v));
    };
    for (tag, wt) in [("", None), ("_weighted", Some(w.as_slice()))] {
        put(
            &format!("dpd{tag}"),
            median(reps, || {
                let c = GroupConfusion::from_arrays(&groups, &y_true, &y_pred, wt).unwrap();
                demographic_parity_difference(&c, &o).unwrap()
            }),
        );
        put(
            &format!("eod{tag}"),
            median(reps, || {
                let c = GroupConfusion::from_arrays(&groups, &y_true, &y_pred, wt).unwrap();
                equalized_odds_difference(&c, &o).unwrap()
            }),
        );
        put(
            &format!("aif_spd{tag}"),
            median(reps, || {
                let c = GroupConfusion::from_arrays(&groups, &y_true, &y_pred, wt).unwrap();
                c.compare(&[0], &[1, 2, 3], ZeroDivision::Nan)
                    .unwrap()
                    .statistical_parity_difference()
                    .unwrap()
            }),
        );
        // same call on the rayon pool (all cores) and on a one-thread pool for the speed-up
        put(
            &format!("eod_par{tag}"),
            median(reps, || {
                let c = GroupConfusion::from_arrays_par(&groups, &y_true, &y_pred, wt).unwrap();
                equalized_odds_difference(&c, &o).unwrap()
            }),
        );
        put(
            &format!("eod_par1{tag}"),
            seq.install(|| {
                median(reps, || {
                    let c = GroupConfusion::from_arrays_par(&groups, &y_true, &y_pred, wt).unwrap();
                    equalized_odds_difference(&c, &o).unwrap()
                })
            }),
        );
    }
    put(
        "welch",
        median(reps, || {
            welch_t_test(&stars_a, &stars_b, Alternative::TwoSided)
                .unwrap()
                .p_value
        }),
    );
    put(
        "mwu_stars",
        median(reps, || {
            mann_whitney_u(&stars_a, &stars_b, true, Alternative::TwoSided)
                .unwrap()
                .p_value
        }),
    );
    put(
        "mwu_continuous",
        median(reps.min(11), || {
            mann_whitney_u(&cont_a, &cont_b, true, Alternative::TwoSided)
                .unwrap()
                .p_value
        }),
    );
    // sanity values so the script can check both sides computed the same thing
    let c = GroupConfusion::from_arrays(&groups, &y_true, &y_pred, None).unwrap();
    put("value_dpd", demographic_parity_difference(&c, &o).unwrap());
    put("value_eod", equalized_odds_difference(&c, &o).unwrap());
    put(
        "value_welch_p",
        welch_t_test(&stars_a, &stars_b, Alternative::TwoSided)
            .unwrap()
            .p_value,
    );
    put(
        "value_mwu_p",
        mann_whitney_u(&stars_a, &stars_b, true, Alternative::TwoSided)
            .unwrap()
            .p_value,
    );
    put(
        "value_mwu_cont_p",
        mann_whitney_u(&cont_a, &cont_b, true, Alternative::TwoSided)
            .unwrap()
            .p_value,
    );
    println!("{}", serde_json::Value::Object(out));
}
