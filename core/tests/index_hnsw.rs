//! Acceptance tests for the vector indexes on clustered synthetic data (seeded).

use fairmatch::index::{
    AllowList, FlatIndex, HnswBuilder, HnswIndex, Metric, QuantizedIndex, Query, VectorStore,
};
use fairmatch::{BitSet, Error};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const SEED: u64 = 20_261_123;
const DIM: usize = 48;
const MODEL: &str = "test-model";

/// `n` points around `clusters` random centres (Gaussian-ish noise), plus `nq` queries drawn
/// the same way.
fn clustered(n: usize, nq: usize, clusters: usize) -> (Vec<Vec<f32>>, Vec<Vec<f32>>) {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let centres: Vec<Vec<f32>> = (0..clusters)
        .map(|_| (0..DIM).map(|_| rng.random_range(-1.0f32..1.0)).collect())
        .collect();
    let draw = |rng: &mut ChaCha8Rng| -> Vec<f32> {
        let c = &centres[rng.random_range(0..clusters)];
        c.iter()
            .map(|x| {
                let noise: f32 = (0..4).map(|_| rng.random_range(-0.25f32..0.25)).sum();
                x + noise
            })
            .collect()
    };
    let pts = (0..n).map(|_| draw(&mut rng)).collect();
    let qs = (0..nq).map(|_| draw(&mut rng)).collect();
    (pts, qs)
}

fn store_of(pts: &[Vec<f32>], metric: Metric) -> VectorStore {
    let mut s = VectorStore::new(MODEL, DIM, metric).unwrap();
    for (i, p) in pts.iter().enumerate() {
        s.upsert(i as u32, p).unwrap();
    }
    s
}

fn recall(found: &[fairmatch::index::Hit], truth: &[fairmatch::index::Hit]) -> f64 {
    let hits = found
        .iter()
        .filter(|h| truth.iter().any(|t| t.id == h.id))
        .count();
    hits as f64 / truth.len().max(1) as f64
}

#[test]
fn hnsw_recall_at_10_default_params() {
    let (pts, qs) = clustered(5000, 200, 40);
    for metric in [Metric::Cosine, Metric::SquaredL2] {
        let store = store_of(&pts, metric);
        let flat = FlatIndex::new(store.clone());
        let hnsw = HnswBuilder::new().build(store).unwrap();
        let mut total = 0.0;
        for q in &qs {
            let query = Query::new(MODEL, q);
            let truth = flat.search(&query, 10, None).unwrap();
            let got = hnsw.search(&query, 10, None, None).unwrap();
            // scores are exact, so every returned hit carries the flat score
            for h in &got {
                let f = flat
                    .search(&query, 5000, None)
                    .unwrap()
                    .into_iter()
                    .find(|x| x.id == h.id)
                    .unwrap();
                assert_eq!(f.score, h.score);
            }
            total += recall(&got, &truth);
        }
        let r = total / qs.len() as f64;
        println!("seed {SEED} metric {metric}: recall@10 = {r:.4}");
        assert!(r >= 0.95, "recall@10 {r} < 0.95 (seed {SEED}, {metric})");
    }
}

#[test]
fn filtered_results_contain_only_allowed_ids() {
    let (pts, qs) = clustered(3000, 50, 30);
    let store = store_of(&pts, Metric::Cosine);
    let flat = FlatIndex::new(store.clone());
    let hnsw = HnswBuilder::new().build(store.clone()).unwrap();
    let quant = QuantizedIndex::build(store, 64).unwrap();
    for (share, modulo) in [(0.5, 2u32), (0.1, 10), (0.01, 100)] {
        let allow = BitSet::from_ids((0..3000).filter(|i| i % modulo == modulo / 3));
        let sorted: Vec<u32> = allow.iter().collect();
        let mut rsum = 0.0;
        for q in &qs {
            let query = Query::new(MODEL, q);
            let truth = flat
                .search(&query, 10, Some(AllowList::Bits(&allow)))
                .unwrap();
            assert!(truth.iter().all(|h| allow.contains(h.id)));
            for a in [AllowList::Bits(&allow), AllowList::Sorted(&sorted)] {
                let h = hnsw.search(&query, 10, None, Some(a)).unwrap();
                assert!(h.iter().all(|x| allow.contains(x.id)), "share {share}");
                rsum += recall(&h, &truth) / 2.0;
                let qh = quant.search(&query, 10, Some(a)).unwrap();
                assert!(qh.iter().all(|x| allow.contains(x.id)));
            }
        }
        let r = rsum / qs.len() as f64;
        println!("allow share {share}: filtered hnsw recall@10 = {r:.4}");
        assert!(r >= 0.9, "filtered recall {r} at share {share}");
    }
    // a filter allowing nothing gives an empty result
    let none = BitSet::default();
    let q = Query::new(MODEL, &qs[0]);
    assert!(
        hnsw.search(&q, 10, None, Some(AllowList::Bits(&none)))
            .unwrap()
            .is_empty()
    );
    assert!(
        hnsw.search(&q, 10, None, Some(AllowList::Sorted(&[])))
            .unwrap()
            .is_empty()
    );
    assert!(
        flat.search(&q, 10, Some(AllowList::Bits(&none)))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn save_load_gives_identical_results() {
    let (pts, qs) = clustered(1500, 30, 15);
    let store = store_of(&pts, Metric::Cosine);
    let hnsw = HnswBuilder::new()
        .parallel_build(false)
        .build(store.clone())
        .unwrap();
    let flat = FlatIndex::new(store.clone());
    let quant = QuantizedIndex::build(store, 32).unwrap();
    let hnsw2 = HnswIndex::from_bytes(&hnsw.to_bytes()).unwrap();
    let flat2 = FlatIndex::from_bytes(&flat.to_bytes()).unwrap();
    let quant2 = QuantizedIndex::from_bytes(&quant.to_bytes()).unwrap();
    // serde path (bincode with a size limit, as the engine snapshot does)
    let cfg = bincode::config::standard().with_limit::<{ 64 << 20 }>();
    let enc = bincode::serde::encode_to_vec(&hnsw, cfg).unwrap();
    let (hnsw3, _): (HnswIndex, usize) = bincode::serde::decode_from_slice(&enc, cfg).unwrap();
    let json = serde_json::to_string(&flat).unwrap();
    let flat3: FlatIndex = serde_json::from_str(&json).unwrap();
    let allow = BitSet::from_ids((0..1500).filter(|i| i % 3 == 0));
    for q in &qs {
        let query = Query::new(MODEL, q);
        for ef in [16, 64] {
            let a = hnsw.search(&query, 10, Some(ef), None).unwrap();
            assert_eq!(a, hnsw2.search(&query, 10, Some(ef), None).unwrap());
            assert_eq!(a, hnsw3.search(&query, 10, Some(ef), None).unwrap());
            let fa = hnsw
                .search(&query, 10, Some(ef), Some(AllowList::Bits(&allow)))
                .unwrap();
            assert_eq!(
                fa,
                hnsw2
                    .search(&query, 10, Some(ef), Some(AllowList::Bits(&allow)))
                    .unwrap()
            );
        }
        let f = flat.search(&query, 10, None).unwrap();
        assert_eq!(f, flat2.search(&query, 10, None).unwrap());
        assert_eq!(f, flat3.search(&query, 10, None).unwrap());
        assert_eq!(
            quant.search(&query, 10, None).unwrap(),
            quant2.search(&query, 10, None).unwrap()
        );
    }
    // corrupt bytes are a typed error through serde as well
    let mut bad = enc.clone();
    let n = bad.len();
    bad.truncate(n - 3);
    assert!(bincode::serde::decode_from_slice::<HnswIndex, _>(&bad, cfg).is_err());
}

#[test]
fn every_bad_input_is_typed_and_harmless() {
    let (pts, qs) = clustered(300, 1, 5);
    let store = store_of(&pts, Metric::Cosine);
    let mut hnsw = HnswBuilder::new().build(store.clone()).unwrap();
    let mut flat = FlatIndex::new(store.clone());
    let mut quant = QuantizedIndex::build(store, 16).unwrap();
    let q = Query::new(MODEL, &qs[0]);
    let before = hnsw.search(&q, 10, None, None).unwrap();
    let short = vec![1.0f32; DIM - 1];
    let mut nan = qs[0].clone();
    nan[3] = f32::NAN;
    let mut inf = qs[0].clone();
    inf[0] = f32::INFINITY;
    let zero = vec![0.0f32; DIM];
    for v in [&short, &nan, &inf, &zero] {
        assert!(hnsw.upsert(5, v).is_err());
        assert!(flat.upsert(5, v).is_err());
        assert!(quant.upsert(5, v).is_err());
        let bad = Query::new(MODEL, v);
        assert!(hnsw.search(&bad, 10, None, None).is_err());
        assert!(flat.search(&bad, 10, None).is_err());
        assert!(quant.search(&bad, 10, None).is_err());
        assert!(flat.search_batch(&[q, bad], 10, None).is_err());
    }
    assert!(matches!(
        hnsw.upsert(5, &short),
        Err(Error::DimensionMismatch { expected: DIM, got, .. }) if got == DIM - 1
    ));
    let other = Query::new("text-embedding-3-small", &qs[0]);
    assert!(matches!(
        hnsw.search(&other, 10, None, None),
        Err(Error::UnknownId { .. })
    ));
    assert!(matches!(
        flat.search(&other, 10, None),
        Err(Error::UnknownId { .. })
    ));
    assert!(matches!(
        quant.search(&other, 10, None),
        Err(Error::UnknownId { .. })
    ));
    assert!(matches!(
        hnsw.search(&q, 0, None, None),
        Err(Error::InvalidInput { .. })
    ));
    assert!(matches!(
        hnsw.search(&q, 10, Some(9), None),
        Err(Error::InvalidInput { .. })
    ));
    assert!(flat.search(&q, 0, None).is_err() && quant.search(&q, 0, None).is_err());
    assert!(
        hnsw.search(&q, 10, None, Some(AllowList::Sorted(&[5, 4])))
            .is_err()
    );
    // nothing changed
    assert_eq!(hnsw.search(&q, 10, None, None).unwrap(), before);
    assert_eq!(hnsw.len(), 300);
    // empty indexes give empty results
    let empty = VectorStore::new(MODEL, DIM, Metric::Cosine).unwrap();
    let eh = HnswBuilder::new().build(empty.clone()).unwrap();
    assert!(eh.search(&q, 10, None, None).unwrap().is_empty());
    assert!(
        FlatIndex::new(empty)
            .search(&q, 10, None)
            .unwrap()
            .is_empty()
    );
    // garbage bytes never panic
    for bytes in [
        &b""[..],
        b"FMHN",
        b"FMHN\x01\0\0\0\xff\xff\xff\xff",
        b"FMVS\x01\0\0\0\0",
    ] {
        assert!(HnswIndex::from_bytes(bytes).is_err());
        assert!(VectorStore::from_bytes(bytes).is_err());
        assert!(QuantizedIndex::from_bytes(bytes).is_err());
    }
}

#[test]
fn incremental_inserts_and_filters_stay_correct() {
    // builds on half the rows, inserts the rest one by one, replaces and removes some, and
    // checks recall and the allow-list throughout
    let (pts, qs) = clustered(2000, 40, 20);
    for metric in [Metric::Cosine, Metric::SquaredL2] {
        let mut half = VectorStore::new(MODEL, DIM, metric).unwrap();
        for (i, p) in pts.iter().enumerate().take(1000) {
            half.upsert(i as u32, p).unwrap();
        }
        let mut h = HnswBuilder::new().build(half).unwrap();
        let mut flat = FlatIndex::new(store_of(&pts[..1000], metric));
        let allow = BitSet::from_ids((0..2000).filter(|i| i % 7 == 2));
        for (i, p) in pts.iter().enumerate().skip(1000) {
            h.upsert(i as u32, p).unwrap();
            flat.upsert(i as u32, p).unwrap();
            if i % 250 == 0 {
                let q = Query::new(MODEL, &qs[i % qs.len()]);
                let got = h
                    .search(&q, 10, None, Some(AllowList::Bits(&allow)))
                    .unwrap();
                assert!(got.iter().all(|x| allow.contains(x.id)));
            }
        }
        for id in (0..2000).step_by(9) {
            assert!(h.remove(id));
            flat.remove(id);
        }
        let mut r = 0.0;
        for q in &qs {
            let query = Query::new(MODEL, q);
            let truth = flat.search(&query, 10, None).unwrap();
            let got = h.search(&query, 10, Some(64), None).unwrap();
            assert!(
                got.iter().all(|x| x.id % 9 != 0),
                "removed rows never come back"
            );
            r += recall(&got, &truth);
            let f = h
                .search(&query, 10, None, Some(AllowList::Bits(&allow)))
                .unwrap();
            assert!(f.iter().all(|x| allow.contains(x.id) && x.id % 9 != 0));
        }
        let r = r / qs.len() as f64;
        assert!(r >= 0.95, "recall after updates {r} ({metric})");
        assert_eq!(h.len(), flat.len());
    }
}

/// `HnswConfig::int8_filter_share`: allow-lists between the exact-fallback share and the int8
/// share are answered by the int8 scan over the allowed rows (+ exact re-rank): only allowed
/// ids, recall ≥ 0.99 of the exact filtered result, exact scores; the codes follow upserts
/// (scales retrained as an index grows from empty), survive save → load (identical results),
/// load from version-1 style configs (off), and can be switched on and off.
#[test]
fn int8_filtered_search_is_exact_enough_and_persists() {
    let (pts, qs) = clustered(4000, 40, 30);
    let store = store_of(&pts, Metric::Cosine);
    let flat = FlatIndex::new(store.clone());
    let hnsw = HnswBuilder::new()
        .parallel_build(false)
        .exact_fallback_share(0.02)
        .int8_filter_share(0.3)
        .build(store.clone())
        .unwrap();
    assert_eq!(hnsw.config().int8_filter_share, 0.3);
    let plain = HnswBuilder::new()
        .parallel_build(false)
        .exact_fallback_share(0.02)
        .build(store.clone())
        .unwrap();
    assert!(hnsw.memory_bytes() >= plain.memory_bytes() + 4000 * DIM);
    // grown from empty by single upserts: the scales are retrained on the way
    let mut grown = HnswBuilder::new()
        .parallel_build(false)
        .int8_filter_share(0.3)
        .build(VectorStore::new(MODEL, DIM, Metric::Cosine).unwrap())
        .unwrap();
    for (i, p) in pts.iter().enumerate() {
        grown.upsert(i as u32, p).unwrap();
    }
    let back = HnswIndex::from_bytes(&hnsw.to_bytes()).unwrap();
    assert_eq!(back.config(), hnsw.config());
    for modulo in [4u32, 10] {
        let allow = BitSet::from_ids((0..4000).filter(|i| i % modulo == 1));
        let mut r = [0.0f64; 2];
        for q in &qs {
            let query = Query::new(MODEL, q);
            let a = Some(AllowList::Bits(&allow));
            let truth = flat.search(&query, 10, a).unwrap();
            for (j, ix) in [&hnsw, &grown].into_iter().enumerate() {
                let got = ix.search(&query, 10, None, a).unwrap();
                assert!(got.iter().all(|h| allow.contains(h.id)));
                for h in &got {
                    let t = flat.search(&query, 4000, None).unwrap();
                    let exact = t.iter().find(|x| x.id == h.id).unwrap();
                    assert_eq!(exact.score, h.score, "scores are exact");
                }
                r[j] += recall(&got, &truth) / qs.len() as f64;
            }
            assert_eq!(
                hnsw.search(&query, 10, None, a).unwrap(),
                back.search(&query, 10, None, a).unwrap()
            );
        }
        println!(
            "int8 filter 1/{modulo}: recall@10 built {:.4} grown {:.4}",
            r[0], r[1]
        );
        assert!(r[0] >= 0.99 && r[1] >= 0.99, "{r:?}");
    }
    // switching off drops the codes (filtered searches then walk the graph); bad values rejected
    let mut ix = HnswIndex::from_bytes(&hnsw.to_bytes()).unwrap();
    let before = ix.memory_bytes();
    ix.set_int8_filter_share(0.0).unwrap();
    assert!(ix.memory_bytes() < before);
    assert!(ix.to_bytes().len() < hnsw.to_bytes().len());
    for bad in [-0.1f32, 1.5, f32::NAN] {
        let e = ix.set_int8_filter_share(bad).unwrap_err();
        assert!(e.to_string().contains("hnsw.int8_filter_share"), "{e}");
        assert!(
            HnswBuilder::new()
                .int8_filter_share(bad)
                .build(store.clone())
                .is_err()
        );
    }
    assert_eq!(ix.config().int8_filter_share, 0.0);
    ix.set_int8_filter_share(0.5).unwrap();
    let allow = BitSet::from_ids((0..4000).filter(|i| i % 3 == 0));
    let q = Query::new(MODEL, &qs[0]);
    assert_eq!(
        ix.search(&q, 10, None, Some(AllowList::Bits(&allow)))
            .unwrap(),
        hnsw.search(&q, 10, None, Some(AllowList::Bits(&allow)))
            .unwrap()
    );
}

/// The graph is fairmatch's own: a serial build is a function of the seed, a parallel build
/// (two threads) keeps the recall, the graph is stored (loading gives identical results
/// without a rebuild), an index saved with tombstones is rebuilt without them on load, and
/// version-2 bytes (no seed, no graph) still load.
#[test]
fn graph_is_seeded_stored_and_parallel_builds_keep_recall() {
    let (pts, qs) = clustered(3000, 40, 25);
    let store = store_of(&pts, Metric::Cosine);
    let serial = |seed: u64| {
        HnswBuilder::new()
            .parallel_build(false)
            .seed(seed)
            .build(store.clone())
            .unwrap()
    };
    let a = serial(1);
    assert_eq!(a.to_bytes(), serial(1).to_bytes());
    assert_ne!(a.to_bytes(), serial(2).to_bytes());
    assert_eq!(a.config().seed, 1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let par = pool.install(|| HnswBuilder::new().build(store.clone()).unwrap());
    let flat = FlatIndex::new(store.clone());
    let (mut r_par, mut r_ser) = (0.0, 0.0);
    for q in &qs {
        let query = Query::new(MODEL, q);
        let truth = flat.search(&query, 10, None).unwrap();
        r_par += recall(&par.search(&query, 10, None, None).unwrap(), &truth);
        r_ser += recall(&a.search(&query, 10, None, None).unwrap(), &truth);
    }
    let n = qs.len() as f64;
    assert!(r_par / n >= 0.95 && r_ser / n >= 0.95, "{r_par} {r_ser}");
    // stored graph: identical results after loading
    let back = HnswIndex::from_bytes(&par.to_bytes()).unwrap();
    for q in &qs {
        let query = Query::new(MODEL, q);
        assert_eq!(
            back.search(&query, 10, Some(40), None).unwrap(),
            par.search(&query, 10, Some(40), None).unwrap()
        );
    }
    // tombstones at save time: the loaded graph is rebuilt without them
    let mut t = serial(3);
    for id in (0..3000).step_by(10) {
        t.remove(id);
    }
    assert!(t.tombstone_share() > 0.0);
    let back = HnswIndex::from_bytes(&t.to_bytes()).unwrap();
    assert_eq!(back.tombstone_share(), 0.0);
    assert_eq!(back.len(), t.len());
    for q in &qs {
        let got = back.search(&Query::new(MODEL, q), 10, None, None).unwrap();
        assert!(got.iter().all(|h| h.id % 10 != 0));
    }
    // version 2 = version 3 without the seed (8 bytes after the flag) and without the graph
    let v3 = a.to_bytes();
    let flag_at = 4 + 4 + 16 + 4 + 4 + 1;
    let mut v2 = v3[..flag_at].to_vec();
    v2[4..8].copy_from_slice(&2u32.to_le_bytes());
    let rest = &v3[flag_at + 8..];
    // int8 share 0 (4 bytes), order (4 + 4n), then the store (4-byte length + bytes)
    let n_order = u32::from_le_bytes(rest[4..8].try_into().unwrap()) as usize;
    let store_at = 8 + 4 * n_order;
    let store_len = u32::from_le_bytes(rest[store_at..store_at + 4].try_into().unwrap()) as usize;
    v2.extend_from_slice(&rest[..store_at + 4 + store_len]);
    let old = HnswIndex::from_bytes(&v2).unwrap();
    assert_eq!(old.config().seed, fairmatch::index::DEFAULT_SEED);
    assert_eq!(old.len(), a.len());
    // a v3 graph section that names a missing node is rejected
    let mut bad = v3.clone();
    let k = bad.len();
    bad[k - 4..].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(
        HnswIndex::from_bytes(&bad),
        Err(fairmatch::Error::CorruptSnapshot { .. })
    ));
}

mod corrupt_graph_bytes {
    use super::*;
    use proptest::prelude::*;
    use std::sync::OnceLock;

    /// A saved 400-row index (the graph is most of its bytes) and some queries.
    fn saved() -> &'static (Vec<u8>, Vec<Vec<f32>>) {
        static S: OnceLock<(Vec<u8>, Vec<Vec<f32>>)> = OnceLock::new();
        S.get_or_init(|| {
            let (pts, qs) = clustered(400, 8, 6);
            let h = HnswBuilder::new()
                .parallel_build(false)
                .build(store_of(&pts, Metric::Cosine))
                .unwrap();
            (h.to_bytes(), qs)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        /// Overwriting bytes anywhere past the header never panics: loading either fails with
        /// `CorruptSnapshot` or gives an index whose searches and inserts work and return only
        /// live rows.
        #[test]
        fn flipped_bytes_are_an_error_or_a_working_index(
            flips in proptest::collection::vec((8usize..1_000_000, any::<u8>()), 1..6),
        ) {
            let (bytes, qs) = saved();
            let mut b = bytes.clone();
            for (at, v) in flips {
                let i = 8 + at % (b.len() - 8);
                b[i] = v;
            }
            match HnswIndex::from_bytes(&b) {
                Err(e) => prop_assert!(matches!(e, Error::CorruptSnapshot { .. }), "{e}"),
                Ok(mut h) => {
                    for q in qs {
                        let query = Query::new(MODEL, q);
                        if let Ok(hits) = h.search(&query, 10, Some(32), None) {
                            prop_assert!(hits.iter().all(|x| h.store().contains(x.id)));
                        }
                    }
                    if h.store().dim() == DIM {
                        let _ = h.upsert(10_000, &qs[0]);
                    }
                }
            }
        }
    }
}
