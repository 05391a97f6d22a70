//! Property tests: merged partial accumulators equal the one-pass result for random splits
//! (counts exactly; weighted sums within 1e-12 relative), and accumulators survive serde.

use fairmatch::PositionModel;
use fairmatch::metrics::*;
use proptest::prelude::*;

fn rel_close(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= 1e-12 * a.abs().max(b.abs())
}

fn rows(max_groups: u32) -> impl Strategy<Value = Vec<(u32, bool, bool, f64)>> {
    prop::collection::vec(
        (0..max_groups, any::<bool>(), any::<bool>(), 0.0f64..10.0),
        1..400,
    )
}

fn split_points(n: usize) -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(0..=n, 0..6).prop_map(|mut v| {
        v.sort_unstable();
        v
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn group_confusion_merge_equals_one_pass(
        (data, cuts) in rows(6).prop_flat_map(|d| { let n = d.len(); (Just(d), split_points(n)) }),
        weighted in any::<bool>(),
    ) {
        let g: Vec<u32> = data.iter().map(|r| r.0).collect();
        let t: Vec<bool> = data.iter().map(|r| r.1).collect();
        let p: Vec<bool> = data.iter().map(|r| r.2).collect();
        let w: Vec<f64> = data.iter().map(|r| r.3).collect();
        let w = weighted.then_some(w.as_slice());
        let k = 6;
        let mut one = GroupConfusion::new(k);
        one.extend(&g, &t, &p, w).unwrap();
        // partial accumulators over the random split, merged in order, via serde (as workers would)
        let mut bounds = vec![0];
        bounds.extend(cuts.iter().copied());
        bounds.push(g.len());
        let mut merged = GroupConfusion::new(k);
        for win in bounds.windows(2) {
            let (lo, hi) = (win[0], win[1]);
            let mut part = GroupConfusion::new(k);
            part.extend(&g[lo..hi], &t[lo..hi], &p[lo..hi], w.map(|w| &w[lo..hi])).unwrap();
            let json = serde_json::to_string(&part).unwrap();
            let back: GroupConfusion = serde_json::from_str(&json).unwrap();
            merged.merge(&back).unwrap();
        }
        for (a, b) in one.groups().iter().zip(merged.groups()) {
            prop_assert_eq!(a.rows, b.rows);
            if weighted {
                prop_assert!(rel_close(a.tp, b.tp) && rel_close(a.fp, b.fp));
                prop_assert!(rel_close(a.tn, b.tn) && rel_close(a.fn_, b.fn_));
            } else {
                prop_assert_eq!(a, b);
            }
        }
        // metrics agree too
        let o = FairnessOptions::default();
        let x = demographic_parity_difference(&one, &o).unwrap();
        let y = demographic_parity_difference(&merged, &o).unwrap();
        prop_assert!((x.is_nan() && y.is_nan()) || (x - y).abs() <= 1e-12);
        let x = equalized_odds_difference(&one, &o).unwrap();
        let y = equalized_odds_difference(&merged, &o).unwrap();
        prop_assert!((x.is_nan() && y.is_nan()) || (x - y).abs() <= 1e-12);
        // the rayon variant equals the sequential one
        let par = GroupConfusion::from_arrays_par(&g, &t, &p, w).unwrap();
        for (a, b) in par.groups().iter().zip(one.groups()) {
            prop_assert_eq!(a.rows, b.rows);
            prop_assert!(rel_close(a.tp, b.tp) && rel_close(a.fn_, b.fn_));
        }
    }

    #[test]
    fn exposure_merge_equals_one_pass(
        rankings in prop::collection::vec(prop::collection::vec(0u32..4, 1..30), 1..12),
        cut in 0usize..12,
    ) {
        let m = PositionModel::Log;
        let mut one = ExposureAccumulator::new(4, m.clone(), Some(20)).unwrap();
        for r in &rankings { one.add_ranking(r, None).unwrap(); }
        let cut = cut.min(rankings.len());
        let mut a = ExposureAccumulator::new(4, m.clone(), Some(20)).unwrap();
        let mut b = ExposureAccumulator::new(4, m, Some(20)).unwrap();
        for r in &rankings[..cut] { a.add_ranking(r, None).unwrap(); }
        for r in &rankings[cut..] { b.add_ranking(r, None).unwrap(); }
        let b: ExposureAccumulator = serde_json::from_str(&serde_json::to_string(&b).unwrap()).unwrap();
        a.merge(&b).unwrap();
        prop_assert_eq!(a.items(), one.items());
        prop_assert_eq!(a.rankings(), one.rankings());
        for (x, y) in a.total_exposure().iter().zip(one.total_exposure()) {
            prop_assert!(rel_close(*x, *y));
        }
    }

    #[test]
    fn rating_stats_merge_equals_one_pass(
        xs in prop::collection::vec(1.0f64..5.0, 2..300),
        cut in 0usize..300,
    ) {
        let cut = cut.min(xs.len());
        let one = RatingStats::of(&xs).unwrap();
        let mut a = RatingStats::of(&xs[..cut]).unwrap();
        a.merge(&RatingStats::of(&xs[cut..]).unwrap());
        prop_assert_eq!(a.n, one.n);
        prop_assert!((a.mean - one.mean).abs() <= 1e-12 * one.mean.abs());
        prop_assert!((a.m2 - one.m2).abs() <= 1e-9 * one.m2.abs().max(1.0));
    }

    #[test]
    fn mwu_counting_equals_histogram(
        a in prop::collection::vec(1u8..=5, 1..200),
        b in prop::collection::vec(1u8..=5, 1..200),
    ) {
        let fa: Vec<f64> = a.iter().map(|&x| x as f64).collect();
        let fb: Vec<f64> = b.iter().map(|&x| x as f64).collect();
        let mut ha = [0u64; 5];
        let mut hb = [0u64; 5];
        for &x in &a { ha[x as usize - 1] += 1; }
        for &x in &b { hb[x as usize - 1] += 1; }
        let m1 = mann_whitney_u(&fa, &fb, true, Alternative::TwoSided).unwrap();
        let m2 = mann_whitney_u_counts(&ha, &hb, true, Alternative::TwoSided).unwrap();
        prop_assert_eq!(m1.u1, m2.u1);
        prop_assert!((m1.p_value.is_nan() && m2.p_value.is_nan()) || m1.p_value == m2.p_value);
        // the sorting path (shifted to non-integers) gives the same U
        let sa: Vec<f64> = fa.iter().map(|x| x + 0.5).collect();
        let sb: Vec<f64> = fb.iter().map(|x| x + 0.5).collect();
        let m3 = mann_whitney_u(&sa, &sb, true, Alternative::TwoSided).unwrap();
        prop_assert_eq!(m1.u1, m3.u1);
    }
}

#[test]
fn fairness_md_remaining_golden_values() {
    // research/fairness.md §2.3: yuanlonghao's ε = 1e-12 skew for p = 0, q = 0.5 is −26.94;
    // fairmatch is exact: −inf when a group is absent from the top k, ln(p/q) otherwise.
    assert_eq!(
        skew(&[0, 0, 1, 1], &[0.5, 0.5], 1, 2).unwrap(),
        f64::NEG_INFINITY
    );
    assert_eq!(
        skew(&[0, 0, 0, 1], &[0.5, 0.5], 1, 4).unwrap(),
        (0.25f64 / 0.5).ln()
    );
    assert_eq!(
        skew(&[1, 0, 0, 1, 0, 1], &[0.25, 0.75], 1, 6).unwrap(),
        (0.5f64 / 0.75).ln()
    );
    // FairRankTune NDKL (own distribution as target, ε = 1e-7) 0.2840331 vs exact 0.2840339.
    let ex = [0u32, 0, 0, 0, 1, 1, 0, 1, 0, 1, 0, 1];
    let exact = ndkl(&ex, &[7.0 / 12.0, 5.0 / 12.0]).unwrap();
    assert!((exact - 0.2840339).abs() < 5e-8);
    assert!((exact - 0.2840331).abs() < 2e-6);
    // §2.2: AIF360 GEI ignores weights — weighted probe GEI values "unchanged" there; fairmatch
    // weights them, so they change (documented deviation), while unweighted equals AIF360.
    let yt = [1u8, 0, 1, 1, 0, 1, 0, 0, 1, 0];
    let yp = [1u8, 0, 1, 0, 0, 1, 1, 0, 0, 0];
    let w = [1., 2., 1., 1., 3., 1., 1., 1., 2., 1.];
    let g = [1u32, 1, 1, 1, 0, 0, 0, 0, 0, 0];
    let z = ZeroDivision::Nan;
    let u = GroupConfusion::from_arrays(&g, &yt, &yp, None).unwrap();
    let wc = GroupConfusion::from_arrays(&g, &yt, &yp, Some(&w)).unwrap();
    assert!((u.theil_index(z).unwrap() - 0.2593932).abs() < 5e-8);
    assert!((wc.theil_index(z).unwrap() - 0.2593932).abs() > 1e-3);
    // Gini: uniform → 0, one provider → 1 normalised.
    assert_eq!(gini(&[2.0; 5], true, z).unwrap(), 0.0);
    assert!((gini(&[0.0, 0.0, 0.0, 0.0, 9.0], true, z).unwrap() - 1.0).abs() < 1e-15);
}

#[test]
fn selection_parity_from_counts() {
    // engine-audit style: hires / applications per group
    let r =
        GroupRates::from_counts(&[10.0, 5.0, 0.0], &[40.0, 40.0, 0.0], ZeroDivision::Nan).unwrap();
    assert_eq!(r.difference(Method::BetweenGroups).unwrap(), 0.125);
    assert_eq!(r.ratio(Method::BetweenGroups).unwrap(), 0.5);
    assert_eq!(r.excluded().len(), 1);
    let di = disparate_impact_from_counts(5.0, 40.0, 10.0, 40.0, ZeroDivision::Nan).unwrap();
    assert_eq!(di, 0.5);
    assert!(GroupRates::from_counts(&[5.0], &[4.0], ZeroDivision::Nan).is_err());
}

#[test]
fn rating_gaps_and_attention_and_slice_gei() {
    // rating gaps: group 0 = A, group 1 = B of research/fairness.md §3
    let a = [5., 5., 4., 5., 3., 4., 5., 5., 4., 5., 2., 5.];
    let b = [4., 3., 5., 4., 3., 4., 2., 4., 5., 3.];
    let ratings: Vec<f64> = a.iter().chain(&b).copied().collect();
    let groups: Vec<u32> = (0..22).map(|i| (i >= 12) as u32).collect();
    let gaps = rating_gaps(&ratings, &groups, 3, 0, 5.0).unwrap();
    assert_eq!((gaps[0].n, gaps[1].n, gaps[2].n), (12, 10, 0));
    assert!((gaps[1].mean_gap - (3.7 - 52.0 / 12.0)).abs() < 1e-12);
    assert!((gaps[1].share_below_top_gap - (0.8 - 5.0 / 12.0)).abs() < 1e-12);
    assert!(gaps[2].mean.is_nan());
    assert!(rating_gaps(&ratings, &groups, 1, 0, 5.0).is_err());
    assert!(rating_gaps(&ratings, &groups[1..], 2, 0, 5.0).is_err());

    // attention shares sum to 1; binary AWRF = |share_minor − target|
    let r = [0u32, 0, 0, 0, 1, 1, 0, 1, 0, 1, 0, 1];
    let m = PositionModel::Geometric { p: 0.5 };
    let s = attention_shares(&r, 2, &m, None).unwrap();
    assert!((s[0] + s[1] - 1.0).abs() < 1e-15);
    let v = awrf_binary(&r, 1, 0, &m, 5.0 / 12.0).unwrap();
    assert!((v - (s[1] - 5.0 / 12.0).abs()).abs() < 1e-15);
    assert!(attention_shares(&r, 1, &m, None).is_err());

    // slice GEI (weighted, between-group) equals the confusion-count form
    let yt = [1u8, 0, 1, 1, 0, 1, 0, 0, 1, 0];
    let yp = [1u8, 0, 1, 0, 0, 1, 1, 0, 0, 0];
    let w = [1., 2., 1., 1., 3., 1., 1., 1., 2., 1.];
    let g = [1u32, 1, 1, 1, 0, 0, 0, 0, 0, 0];
    let c = GroupConfusion::from_arrays(&g, &yt, &yp, Some(&w)).unwrap();
    let ben: Vec<f64> = yt
        .iter()
        .zip(&yp)
        .map(|(t, p)| *p as f64 - *t as f64 + 1.0)
        .collect();
    let z = ZeroDivision::Nan;
    let s = GeiConvention::Speicher;
    for alpha in [0.5, 1.0, 2.0, 3.0] {
        let x = generalized_entropy_index(&ben, Some(&w), alpha, s, z).unwrap();
        let y = c.generalized_entropy_index(alpha, s, z).unwrap();
        assert!((x - y).abs() <= 1e-12 * y.abs(), "{alpha}: {x} vs {y}");
        let x = between_group_generalized_entropy_index(&ben, &g, Some(&w), alpha, s, z).unwrap();
        let y = c
            .between_group_generalized_entropy_index(alpha, s, z)
            .unwrap();
        assert!((x - y).abs() <= 1e-12 * y.abs(), "{alpha}: {x} vs {y}");
    }
    assert!(
        generalized_entropy_index(&[0.0, 0.0], None, 2.0, s, z)
            .unwrap()
            .is_nan()
    );
    assert!(generalized_entropy_index(&[0.0, 0.0], None, 2.0, s, ZeroDivision::Error).is_err());
    assert!(generalized_entropy_index(&[1.0, -1.0], None, 2.0, s, z).is_err());
    assert!(generalized_entropy_index(&[], None, 2.0, s, z).is_err());
}

/// Restored state is validated when it is read (serde `try_from`), in JSON and in bincode, so
/// a state that would fail later (unequal per-group lengths, negative counts) never loads.
#[test]
fn deserialised_state_is_validated() {
    let mut acc = ExposureAccumulator::new(3, PositionModel::default(), None).unwrap();
    acc.add_ranking(&[0, 1, 2, 1], None).unwrap();
    let good = serde_json::to_value(&acc).unwrap();
    let back: ExposureAccumulator = serde_json::from_value(good.clone()).unwrap();
    assert_eq!(back, acc);
    for (key, value) in [
        ("items", serde_json::json!([1, 2])),
        ("utility", serde_json::json!([0.0, 0.0, 0.0, 0.0])),
        ("exposure", serde_json::json!([])),
        ("model", serde_json::json!({"type": "rbp", "gamma": 7.0})),
    ] {
        let mut bad = good.clone();
        bad[key] = value;
        let e = serde_json::from_value::<ExposureAccumulator>(bad).unwrap_err();
        assert!(e.to_string().contains("invalid input"), "{key}: {e}");
    }
    // non-finite sums cannot be written in JSON; the constructor that deserialising calls
    // rejects them
    for bad in [
        (vec![1.0, f64::INFINITY], vec![0.0, 0.0], vec![1, 1]),
        (vec![1.0, 2.0], vec![f64::NAN, 0.0], vec![1, 1]),
        (vec![1.0, 2.0], vec![0.0, 0.0], vec![1]),
    ] {
        let e =
            ExposureAccumulator::from_parts(PositionModel::default(), None, bad.0, bad.1, bad.2, 1)
                .unwrap_err();
        assert!(matches!(e, fairmatch::Error::InvalidInput { .. }), "{e}");
    }

    // confusion counts: each group validated, in any format
    let c = GroupConfusion::from_arrays(&[0, 1, 1], &[1u8, 0, 1], &[1u8, 1, 0], None).unwrap();
    let v = serde_json::to_value(&c).unwrap();
    assert_eq!(
        serde_json::from_value::<GroupConfusion>(v.clone()).unwrap(),
        c
    );
    let mut neg = v.clone();
    neg["groups"][1]["fp"] = serde_json::json!(-1.0);
    assert!(serde_json::from_value::<GroupConfusion>(neg).is_err());
    let bad = GroupConfusion::from_groups(vec![Confusion {
        tp: f64::NAN,
        ..Confusion::default()
    }]);
    let bytes = bincode::serde::encode_to_vec(&bad, bincode::config::standard()).unwrap();
    assert!(
        bincode::serde::decode_from_slice::<GroupConfusion, _>(&bytes, bincode::config::standard())
            .is_err()
    );

    // rating stats: an empty accumulator's null mean reads back; bad moments do not
    let empty: RatingStats = serde_json::from_str(r#"{"n":0,"mean":null,"m2":null}"#).unwrap();
    assert_eq!(empty, RatingStats::default());
    let s = RatingStats::of(&[1.0, 2.0, 4.0]).unwrap();
    assert_eq!(
        serde_json::from_str::<RatingStats>(&serde_json::to_string(&s).unwrap()).unwrap(),
        s
    );
    for bad in [
        r#"{"n":2,"mean":1.0,"m2":-1.0}"#,
        r#"{"n":2,"mean":null,"m2":1.0}"#,
        r#"{"n":2,"mean":1e60,"m2":1.0}"#,
    ] {
        assert!(serde_json::from_str::<RatingStats>(bad).is_err(), "{bad}");
    }
}

/// The parallel count infers the number of groups chunk by chunk while it counts: the result
/// equals the sequential one and the one with `n_groups` given, also when the largest code
/// first appears in a late chunk, with many groups (the general path) and with weights; a bad
/// row is named by its index in the whole input.
#[test]
fn parallel_count_infers_groups_while_counting() {
    let n = 200_000usize;
    for (max_code, weighted) in [(3u32, false), (3, true), (40, false), (40, true)] {
        let g: Vec<u32> = (0..n)
            .map(|i| if i == n - 5 { max_code } else { (i % 3) as u32 })
            .collect();
        let t: Vec<u8> = (0..n).map(|i| (i % 7 < 3) as u8).collect();
        let p: Vec<u8> = (0..n).map(|i| (i % 5 < 2) as u8).collect();
        let w: Vec<f64> = (0..n).map(|i| 0.5 + (i % 4) as f64).collect();
        let w = weighted.then_some(&w[..]);
        let par = GroupConfusion::from_arrays_par(&g, &t, &p, w).unwrap();
        let seq = GroupConfusion::from_arrays(&g, &t, &p, w).unwrap();
        let given =
            GroupConfusion::from_arrays_in(max_code as usize + 1, &g, &t, &p, w, true).unwrap();
        assert_eq!(par.n_groups(), max_code as usize + 1);
        assert_eq!(par, given);
        for (a, b) in par.groups().iter().zip(seq.groups()) {
            assert_eq!(a.rows, b.rows);
            assert!(rel_close(a.tp, b.tp) && rel_close(a.fp, b.fp) && rel_close(a.tn, b.tn));
        }
    }
    let mut g = vec![0u32; n];
    g[150_001] = MAX_GROUPS as u32;
    let t = vec![1u8; n];
    let e = GroupConfusion::from_arrays_par(&g, &t, &t, None).unwrap_err();
    assert!(e.to_string().contains("`groups[150001]`"), "{e}");
    let mut bad = t.clone();
    bad[70_000] = 2;
    let e = GroupConfusion::from_arrays_par(&vec![0u32; n], &bad, &t, None).unwrap_err();
    assert!(e.to_string().contains("`y_true[70000]`"), "{e}");
    assert!(GroupConfusion::from_arrays_par::<u8>(&[], &[], &[], None).is_err());
}
