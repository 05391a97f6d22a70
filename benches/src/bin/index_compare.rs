//! The fairmatch side of the index comparison harness (`benches/compare/index_compare.py`
//! drives it). Loads the dataset written by `index_compare.py gen` once, then answers one
//! command per stdin line with one JSON line on stdout, so the Python driver can interleave
//! fairmatch and the reference libraries (A B A B …) on the same vectors and queries.
//!
//! Commands: `build_hnsw M EFC`, `build_quant RERANK`, `flat_single NQ`, `flat_batch`,
//! `save_hnsw PATH`, `load_hnsw PATH`, `hnsw EF`, `hnsw_filter TAG EF auto|graph|exact|int8|auto8`, `quant NQ`, `quant_filter TAG`,
//! `build_hnsw_rs M EFC` and `hnsw_rs EF` (the hnsw_rs 0.3.5 crate alone, which fairmatch's
//! graph replaced: kept as a baseline), `quit`. Uses only fairmatch's public API.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use fairmatch::index::{
    AllowList, FlatIndex, HnswBuilder, HnswIndex, Metric, QuantizedIndex, Query, VectorStore,
};
use fairmatch_bench::recall_at_k;
use hnsw_rs::prelude::{DistDot, Hnsw};
use serde_json::json;

const MODEL: &str = "all-MiniLM-L6-v2";
const K: usize = 10;
/// `int8_filter_share` of the "auto8" rows (the crossover measured by the `int8` rows).
const INT8_SHARE: f32 = 0.25;
/// A share below any allow-list of the harness (keeps the int8 codes without using them).
const MIN_SHARE: f32 = 1e-6;

/// A minimal `.npy` reader (little-endian `<f4`, `<i8`, `<u4`, `<i4`; C order; 1-d or 2-d).
fn read_npy(path: &Path) -> (String, Vec<usize>, Vec<u8>) {
    let b = std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    assert!(
        b.len() > 10 && &b[..6] == b"\x93NUMPY",
        "{} is not .npy",
        path.display()
    );
    let (hlen, off) = if b[6] == 1 {
        (u16::from_le_bytes([b[8], b[9]]) as usize, 10)
    } else {
        (u32::from_le_bytes([b[8], b[9], b[10], b[11]]) as usize, 12)
    };
    let header = std::str::from_utf8(&b[off..off + hlen]).unwrap();
    assert!(header.contains("'fortran_order': False"), "C order only");
    let descr = header
        .split("'descr': '")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap();
    let shape_s = header
        .split("'shape': (")
        .nth(1)
        .unwrap()
        .split(')')
        .next()
        .unwrap();
    let shape: Vec<usize> = shape_s
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    (descr.to_owned(), shape, b[off + hlen..].to_vec())
}

fn read_f32(path: &Path) -> (Vec<f32>, usize, usize) {
    let (d, shape, body) = read_npy(path);
    assert_eq!(d, "<f4", "{}", path.display());
    let v: Vec<f32> = body
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    (v, shape[0], shape[1])
}

fn read_ids(path: &Path) -> (Vec<u32>, Vec<usize>) {
    let (d, shape, body) = read_npy(path);
    let v = match d.as_str() {
        "<i8" => body
            .chunks_exact(8)
            .map(|c| i64::from_le_bytes(c.try_into().unwrap()) as u32)
            .collect(),
        "<u4" | "<i4" => body
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
            .collect(),
        other => panic!("unsupported dtype {other}"),
    };
    (v, shape)
}

struct Bench {
    dir: PathBuf,
    dim: usize,
    queries: Vec<Vec<f32>>,
    gt: Vec<Vec<u32>>,
    flat: FlatIndex,
    hnsw: Option<HnswIndex>,
    quant: Option<QuantizedIndex>,
    hnsw_rs: Option<Hnsw<'static, f32, DistDot>>,
}

impl Bench {
    fn recall(&self, found: &[Vec<u32>], gt: &[Vec<u32>]) -> f64 {
        found
            .iter()
            .zip(gt)
            .map(|(f, t)| recall_at_k(f, t, K))
            .sum::<f64>()
            / found.len().max(1) as f64
    }

    fn timed<F: FnMut(&[f32]) -> Vec<u32>>(&self, nq: usize, mut f: F) -> (f64, Vec<Vec<u32>>) {
        let t = Instant::now();
        let out: Vec<Vec<u32>> = self.queries[..nq].iter().map(|q| f(q)).collect();
        (t.elapsed().as_secs_f64(), out)
    }

    fn run(&mut self, cmd: &[&str]) -> serde_json::Value {
        let nq_all = self.queries.len();
        let arg = |i: usize| -> usize { cmd.get(i).and_then(|s| s.parse().ok()).unwrap_or(0) };
        match cmd[0] {
            "build_hnsw" => {
                let t = Instant::now();
                let h = HnswBuilder::new()
                    .m(arg(1))
                    .ef_construction(arg(2))
                    .build(self.flat.store().clone())
                    .expect("build");
                let secs = t.elapsed().as_secs_f64();
                let mut h = h;
                let bytes = h.memory_bytes();
                h.set_int8_filter_share(INT8_SHARE).unwrap();
                let int8_bytes = h.memory_bytes() - bytes;
                self.hnsw = Some(h);
                json!({"secs": secs, "bytes": bytes, "int8_bytes": int8_bytes,
                    "threads": rayon::current_num_threads()})
            }
            "build_quant" => {
                let t = Instant::now();
                let q = QuantizedIndex::build(self.flat.store().clone(), arg(1)).expect("build");
                let secs = t.elapsed().as_secs_f64();
                let out = json!({"secs": secs, "scan_bytes": q.scan_bytes(),
                    "f32_bytes": self.flat.memory_bytes()});
                self.quant = Some(q);
                out
            }
            "flat_single" => {
                let nq = arg(1).min(nq_all);
                let (secs, found) = self.timed(nq, |q| {
                    ids(&self.flat.search(&Query::new(MODEL, q), K, None).unwrap())
                });
                json!({"qps": nq as f64 / secs, "recall": self.recall(&found, &self.gt), "nq": nq,
                    "bytes": self.flat.memory_bytes()})
            }
            "flat_batch" => {
                let qs: Vec<Query<'_>> =
                    self.queries.iter().map(|q| Query::new(MODEL, q)).collect();
                let t = Instant::now();
                let res = self.flat.search_batch(&qs, K, None).unwrap();
                let secs = t.elapsed().as_secs_f64();
                let found: Vec<Vec<u32>> = res.iter().map(|r| ids(r)).collect();
                json!({"qps": nq_all as f64 / secs, "recall": self.recall(&found, &self.gt),
                    "nq": nq_all, "threads": rayon::current_num_threads()})
            }
            "save_hnsw" => {
                let h = self.hnsw.as_ref().expect("build_hnsw first");
                std::fs::write(cmd[1], h.to_bytes()).expect("write");
                json!({"saved": cmd[1]})
            }
            "load_hnsw" => {
                let t = Instant::now();
                let h = HnswIndex::from_bytes(&std::fs::read(cmd[1]).expect("read")).expect("load");
                let secs = t.elapsed().as_secs_f64();
                self.hnsw = Some(h);
                json!({"secs": secs})
            }
            "build_hnsw_rs" => {
                // same insertion order, one thread when RAYON_NUM_THREADS=1 (as build_hnsw);
                // rows are the store's (normalised) vectors, so DistDot = 1 − cosine
                let store = self.flat.store();
                let rows: Vec<(&[f32], usize)> = store
                    .ids()
                    .map(|id| (store.get(id).unwrap(), id as usize))
                    .collect();
                let t = Instant::now();
                let g = Hnsw::new(arg(1), rows.len(), 16, arg(2), DistDot {});
                if rayon::current_num_threads() > 1 {
                    g.parallel_insert_slice(&rows);
                } else {
                    for r in &rows {
                        g.insert_slice(*r);
                    }
                }
                let secs = t.elapsed().as_secs_f64();
                self.hnsw_rs = Some(g);
                json!({"secs": secs})
            }
            "hnsw_rs" => {
                let g = self.hnsw_rs.as_ref().expect("build_hnsw_rs first");
                let ef = arg(1);
                let (secs, found) = self.timed(nq_all, |q| {
                    // hnsw_rs wants normalised queries for DistDot; the harness's are unit
                    g.search(q, K, ef)
                        .iter()
                        .map(|n| n.get_origin_id() as u32)
                        .collect()
                });
                json!({"qps": nq_all as f64 / secs, "recall": self.recall(&found, &self.gt)})
            }
            "hnsw" => {
                let h = self.hnsw.as_ref().expect("build_hnsw first");
                let ef = arg(1);
                let (secs, found) = self.timed(nq_all, |q| {
                    ids(&h.search(&Query::new(MODEL, q), K, Some(ef), None).unwrap())
                });
                json!({"qps": nq_all as f64 / secs, "recall": self.recall(&found, &self.gt)})
            }
            "hnsw_filter" => {
                let tag = cmd[1];
                let ef = arg(2);
                let (allow, _) = read_ids(&self.dir.join(format!("allow_{tag}.npy")));
                let (gt, shape) = read_ids(&self.dir.join(format!("gt_{tag}.npy")));
                let gt: Vec<Vec<u32>> = gt.chunks(shape[1]).map(<[u32]>::to_vec).collect();
                let h = self.hnsw.as_mut().expect("build_hnsw first");
                // (exact share, int8 share); the int8 codes are kept (share > 0) throughout so
                // switching modes does not re-encode; int8 share 0 is emulated by the exact
                // share being the only fallback below a share no list reaches
                let default_exact = fairmatch::index::HnswConfig::default().exact_fallback_share;
                let (exact, int8) = match cmd[3] {
                    "graph" => (0.0, MIN_SHARE),
                    "exact" => (1.0, MIN_SHARE),
                    "int8" => (0.0, 1.0),
                    "auto8" => (default_exact, INT8_SHARE),
                    _ => (default_exact, MIN_SHARE),
                };
                h.set_exact_fallback_share(exact).unwrap();
                h.set_int8_filter_share(int8).unwrap();
                let h = self.hnsw.as_ref().unwrap();
                let (secs, found) = self.timed(nq_all, |q| {
                    let r = h
                        .search(
                            &Query::new(MODEL, q),
                            K,
                            Some(ef),
                            Some(AllowList::Sorted(&allow)),
                        )
                        .unwrap();
                    ids(&r)
                });
                json!({"qps": nq_all as f64 / secs, "recall": self.recall(&found, &gt)})
            }
            "quant_filter" => {
                let tag = cmd[1];
                let (allow, _) = read_ids(&self.dir.join(format!("allow_{tag}.npy")));
                let (gt, shape) = read_ids(&self.dir.join(format!("gt_{tag}.npy")));
                let gt: Vec<Vec<u32>> = gt.chunks(shape[1]).map(<[u32]>::to_vec).collect();
                let qi = self.quant.as_ref().expect("build_quant first");
                let (secs, found) = self.timed(nq_all, |q| {
                    let r = qi
                        .search(&Query::new(MODEL, q), K, Some(AllowList::Sorted(&allow)))
                        .unwrap();
                    ids(&r)
                });
                json!({"qps": nq_all as f64 / secs, "recall": self.recall(&found, &gt)})
            }
            "quant" => {
                let nq = arg(1).min(nq_all);
                let qi = self.quant.as_ref().expect("build_quant first");
                let (secs, found) = self.timed(nq, |q| {
                    ids(&qi.search(&Query::new(MODEL, q), K, None).unwrap())
                });
                json!({"qps": nq as f64 / secs, "recall": self.recall(&found, &self.gt), "nq": nq})
            }
            "info" => json!({"n": self.flat.len(), "dim": self.dim, "nq": nq_all,
                "threads": rayon::current_num_threads()}),
            other => json!({"error": format!("unknown command {other}")}),
        }
    }
}

fn ids(h: &[fairmatch::index::Hit]) -> Vec<u32> {
    h.iter().map(|x| x.id).collect()
}

fn main() {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .expect("usage: index_compare DATA_DIR"),
    );
    let (base, n, dim) = read_f32(&dir.join("base.npy"));
    let (qv, nq, qd) = read_f32(&dir.join("queries.npy"));
    assert_eq!(qd, dim);
    let (gt, gshape) = read_ids(&dir.join("gt.npy"));
    let mut store = VectorStore::new(MODEL, dim, Metric::Cosine).unwrap();
    for (i, row) in base.chunks_exact(dim).enumerate() {
        store.upsert(i as u32, row).unwrap();
    }
    let mut b = Bench {
        dir,
        dim,
        queries: qv.chunks_exact(dim).map(<[f32]>::to_vec).collect(),
        gt: gt.chunks(gshape[1]).map(<[u32]>::to_vec).collect(),
        flat: FlatIndex::new(store),
        hnsw: None,
        quant: None,
        hnsw_rs: None,
    };
    assert_eq!(b.queries.len(), nq);
    let _ = n;
    let stdin = std::io::stdin();
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", b.run(&["info"])).unwrap();
    out.flush().unwrap();
    for line in stdin.lock().lines() {
        let line = line.unwrap();
        let cmd: Vec<&str> = line.split_whitespace().collect();
        if cmd.is_empty() {
            continue;
        }
        if cmd[0] == "quit" {
            break;
        }
        let v = b.run(&cmd);
        writeln!(out, "{v}").unwrap();
        out.flush().unwrap();
    }
}
