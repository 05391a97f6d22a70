//! The HNSW graph itself: storage, construction and the layer search (Malkov & Yashunin,
//! "Efficient and robust approximate nearest neighbor search using Hierarchical Navigable Small
//! World graphs", IEEE TPAMI 42(4), 2020; Algorithm 1 = [`Graph::insert`], Algorithm 2 =
//! [`Graph::search_layer`], Algorithm 4 = [`select_neighbours`], Algorithm 5 = [`Graph::search`]).
//!
//! Nodes are *slots* `0..nodes`; the caller maps slots to rows and supplies the distance
//! (smaller is nearer), so this module knows no vectors, metrics or ids.
//!
//! Storage (hnswlib's shape): layer 0 in fixed-size blocks of `1 + 2m` u32 per slot (the count,
//! then the neighbours), so a block's address follows from the slot and the next expansion's
//! block can be prefetched; upper layers in one arena with `level · (1 + m)` u32 per node.
//! Links are `AtomicU32` so that a parallel build can read lists while other threads extend
//! them (relaxed loads compile to plain loads on x86-64 and ARM64). Writes to a node's lists
//! hold that node's lock; readers do not lock and may see a list mid-update, which can only
//! change which (valid) neighbours a concurrent walk sees, never memory safety: every stored id
//! is a slot below `nodes` and counts are clamped to the block capacity.

use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use parking_lot::Mutex;

use crate::error::Result;
use crate::index::codec::{Reader, Writer};
use crate::index::distance::prefetch_lines;
use crate::index::mem;

/// `entry` when the graph has no node.
const NO_ENTRY: u64 = u64::MAX;

/// Distances from one point (a query, or the node being inserted) to slots; smaller is
/// nearer. The walk asks for four at a time where it can, so a kernel can stream four rows at
/// once (more memory-level parallelism: faiss's `distances_batch_4`).
pub(crate) trait WalkDist {
    /// Distance to slot `s`.
    fn one(&self, s: u32) -> f32;
    /// Distances to four slots.
    fn four(&self, s: [u32; 4]) -> [f32; 4];
    /// Starts loading the row of slot `s` (its first cache line: the hardware prefetcher
    /// follows the rest once the kernel streams it).
    fn prefetch(&self, s: u32);
}

/// A (distance, slot) pair ordered by distance, then slot.
#[derive(Clone, Copy, PartialEq)]
struct Cand {
    d: f32,
    s: u32,
}
impl Eq for Cand {}
impl PartialOrd for Cand {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Cand {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.d.total_cmp(&o.d).then(self.s.cmp(&o.s))
    }
}

thread_local! {
    /// Visited marks: `marks[slot] == epoch` means visited in the current layer search.
    /// u16 as in hnswlib's visited lists: half the bytes of u32 (200 KB for 100k nodes stays in
    /// L2), cleared once every 65,535 searches.
    static VISITED: RefCell<(Vec<u16>, u16)> = const { RefCell::new((Vec::new(), 0)) };
}

use crate::util::splitmix64;

/// Construction parameters (validated by the caller: `m` in `2..=255`, `ef_construction ≥ 1`,
/// `max_level ≤ 15`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct GraphParams {
    /// Max neighbours on upper layers; layer 0 keeps `2m`.
    pub m: usize,
    pub ef_construction: usize,
    /// Highest level a node may get.
    pub max_level: usize,
    pub seed: u64,
}

/// An HNSW graph over slots `0..nodes`.
pub(crate) struct Graph {
    p: GraphParams,
    levels: Vec<u8>,
    /// layer 0: `nodes · (1 + 2m)`
    l0: Vec<AtomicU32>,
    /// start of each node's upper-layer blocks in `upper` (unused for level-0 nodes)
    upper_off: Vec<usize>,
    /// layers 1..=level of every node: `level · (1 + m)` each
    upper: Vec<AtomicU32>,
    /// per-node write locks (a thread changing a node's lists holds its lock)
    locks: Vec<Mutex<()>>,
    /// `slot << 8 | top level` of the entry point, or `NO_ENTRY`
    entry: AtomicU64,
    /// held by an insertion that raises the top level, for its whole duration (hnswlib's
    /// global lock)
    entry_lock: Mutex<()>,
}

impl Graph {
    /// An empty graph with storage for `nodes` slots, whose levels are drawn now (insert them
    /// with [`Graph::insert`], in any order, from any threads).
    pub(crate) fn with_nodes(p: GraphParams, nodes: usize) -> Graph {
        let mut g = Graph {
            p,
            levels: Vec::with_capacity(nodes),
            l0: Vec::with_capacity(nodes * (1 + 2 * p.m)),
            upper_off: Vec::with_capacity(nodes),
            upper: Vec::new(),
            locks: Vec::with_capacity(nodes),
            entry: AtomicU64::new(NO_ENTRY),
            entry_lock: Mutex::new(()),
        };
        mem::advise_huge(&g.l0);
        for _ in 0..nodes {
            g.add_node();
        }
        g
    }

    /// Number of slots.
    pub(crate) fn nodes(&self) -> usize {
        self.levels.len()
    }

    fn m0(&self) -> usize {
        2 * self.p.m
    }

    /// Adds storage for the next slot (level drawn from the seed) and returns it; link it
    /// with [`Graph::insert`].
    pub(crate) fn add_node(&mut self) -> u32 {
        let s = self.levels.len() as u32;
        self.push_node(self.draw_level(s));
        s
    }

    /// Adds empty lists for a node of `level`.
    fn push_node(&mut self, level: usize) {
        self.levels.push(level as u8);
        let cap = self.l0.capacity();
        self.l0.reserve(1 + self.m0());
        if self.l0.capacity() != cap {
            mem::advise_huge(&self.l0);
        }
        self.l0
            .extend(std::iter::repeat_with(|| AtomicU32::new(0)).take(1 + self.m0()));
        self.upper_off.push(self.upper.len());
        self.upper
            .extend(std::iter::repeat_with(|| AtomicU32::new(0)).take(level * (1 + self.p.m)));
        self.locks.push(Mutex::new(()));
    }

    /// `⌊−ln(U) · mL⌋` with `mL = 1/ln(m)` (the paper's level distribution, §4.1), capped
    /// at `max_level`.
    fn draw_level(&self, s: u32) -> usize {
        let h = splitmix64(self.p.seed ^ splitmix64(u64::from(s)));
        let u = ((h >> 11) as f64 + 0.5) / (1u64 << 53) as f64; // in (0, 1)
        let l = -u.ln() / (self.p.m as f64).ln();
        (l as usize).min(self.p.max_level)
    }

    /// Bytes held by the links, levels and locks.
    pub(crate) fn memory_bytes(&self) -> usize {
        (self.l0.len() + self.upper.len()) * 4
            + self.levels.len() * (1 + 1 + std::mem::size_of::<usize>())
    }

    fn entry(&self) -> Option<(u32, usize)> {
        let e = self.entry.load(Ordering::Acquire);
        (e != NO_ENTRY).then_some(((e >> 8) as u32, (e & 0xff) as usize))
    }

    /// The whole block (count + capacity slots) of node `s` on `layer`.
    #[inline(always)]
    fn block(&self, layer: usize, s: u32) -> &[AtomicU32] {
        if layer == 0 {
            let w = 1 + self.m0();
            let b = s as usize * w;
            &self.l0[b..b + w]
        } else {
            let w = 1 + self.p.m;
            let b = self.upper_off[s as usize] + (layer - 1) * w;
            &self.upper[b..b + w]
        }
    }

    /// Neighbours of `s` on `layer` (`layer ≤ level(s)`).
    #[inline(always)]
    pub(crate) fn links(&self, layer: usize, s: u32) -> &[AtomicU32] {
        let b = self.block(layer, s);
        let n = (b[0].load(Ordering::Relaxed) as usize).min(b.len() - 1);
        &b[1..1 + n]
    }

    /// Replaces the list of `s` on `layer` (caller holds `locks[s]`; `ns` fits the block).
    fn set_links(&self, layer: usize, s: u32, ns: impl ExactSizeIterator<Item = u32>) {
        let b = self.block(layer, s);
        let n = ns.len();
        debug_assert!(n < b.len());
        for (slot, x) in b[1..].iter().zip(ns) {
            slot.store(x, Ordering::Relaxed);
        }
        b[0].store(n as u32, Ordering::Release);
    }

    /// Prefetches the layer-0 block of `s` (the likely next expansion).
    #[inline(always)]
    pub(crate) fn prefetch_l0(&self, s: u32) {
        let w = 1 + self.m0();
        let b = s as usize * w;
        if let Some(block) = self.l0.get(b..b + w) {
            prefetch_lines(block);
        }
    }

    /// Greedy descent on one layer from `(cur, cur_d)` (the paper's search with `ef = 1`).
    #[inline(always)]
    fn greedy(
        &self,
        layer: usize,
        mut cur: u32,
        mut cur_d: f32,
        dist: &impl WalkDist,
    ) -> (u32, f32) {
        loop {
            let mut moved = false;
            for n in self.links(layer, cur) {
                let n = n.load(Ordering::Relaxed);
                let d = dist.one(n);
                if d < cur_d {
                    cur_d = d;
                    cur = n;
                    moved = true;
                }
            }
            if !moved {
                return (cur, cur_d);
            }
        }
    }

    /// Layer search (Algorithm 2) from `entries`; returns up to `ef` admitted `(distance,
    /// slot)` pairs, nearest first (ties by slot).
    ///
    /// With a filter only admitted nodes enter the result set, and the search stops when the
    /// nearest candidate is farther than the worst of `ef` admitted results (hnswlib's filtered
    /// search). With `two_hop`, filtered-out nodes are never scored: the walk steps over them
    /// to their admitted neighbours (ACORN-1, Patel et al., "ACORN: Performant and
    /// Predicate-Agnostic Search Over Vector Embeddings and Structured Data", SIGMOD 2024).
    #[inline(always)]
    pub(crate) fn search_layer(
        &self,
        layer: usize,
        entries: &[(f32, u32)],
        ef: usize,
        two_hop: bool,
        dist: &impl WalkDist,
        admit: &impl Fn(u32) -> bool,
    ) -> Vec<(f32, u32)> {
        VISITED.with(|v| {
            let mut v = v.borrow_mut();
            let (marks, epoch) = &mut *v;
            if marks.len() < self.nodes() {
                marks.resize(self.nodes(), 0);
            }
            *epoch = epoch.wrapping_add(1);
            if *epoch == 0 {
                marks.fill(0);
                *epoch = 1;
            }
            let epoch = *epoch;
            let mut cands: BinaryHeap<Reverse<Cand>> = BinaryHeap::with_capacity(ef * 4);
            let mut res: BinaryHeap<Cand> = BinaryHeap::with_capacity(ef + 1);
            for &(d, s) in entries {
                if marks[s as usize] == epoch {
                    continue;
                }
                marks[s as usize] = epoch;
                cands.push(Reverse(Cand { d, s }));
                if admit(s) {
                    res.push(Cand { d, s });
                    if res.len() > ef {
                        res.pop();
                    }
                }
            }
            // the worst of `ef` admitted results; infinite until there are `ef`
            let bound_of = |res: &BinaryHeap<Cand>| {
                if res.len() >= ef {
                    res.peek().map_or(f32::INFINITY, |w| w.d)
                } else {
                    f32::INFINITY
                }
            };
            let mut bound = bound_of(&res);
            let mut todo: Vec<u32> = Vec::with_capacity(2 * self.p.m + 1);
            while let Some(Reverse(c)) = cands.pop() {
                if c.d > bound {
                    break;
                }
                if layer == 0
                    && let Some(Reverse(next)) = cands.peek()
                {
                    self.prefetch_l0(next.s);
                }
                let links = self.links(layer, c.s);
                todo.clear();
                for n in links {
                    let n = n.load(Ordering::Relaxed);
                    let m = &mut marks[n as usize];
                    if *m != epoch {
                        *m = epoch;
                        todo.push(n);
                    }
                }
                let nt = todo.len();
                // measured at 100k × 384 (benches/README.md "Index"): the first line of every
                // unvisited neighbour up front + distances four rows at a time beat deeper or
                // pipelined prefetching (hnswlib prefetches one line ahead)
                for &n in &todo {
                    // with two_hop, filtered-out rows are never scored: do not load them
                    if !two_hop || admit(n) {
                        dist.prefetch(n);
                    }
                }
                let mut offer = |d: f32, n: u32, ok: bool| {
                    if d < bound {
                        cands.push(Reverse(Cand { d, s: n }));
                        if ok {
                            res.push(Cand { d, s: n });
                            if res.len() > ef {
                                res.pop();
                            }
                            bound = bound_of(&res);
                        }
                    }
                };
                if !two_hop {
                    let mut i = 0;
                    while i < nt {
                        if i + 4 <= nt {
                            let ns = [todo[i], todo[i + 1], todo[i + 2], todo[i + 3]];
                            let ds = dist.four(ns);
                            for j in 0..4 {
                                offer(ds[j], ns[j], admit(ns[j]));
                            }
                            i += 4;
                        } else {
                            let n = todo[i];
                            offer(dist.one(n), n, admit(n));
                            i += 1;
                        }
                    }
                    continue;
                }
                for &n in &todo {
                    let ok = admit(n);
                    if ok {
                        offer(dist.one(n), n, true);
                    } else {
                        // ACORN-1: step over a filtered-out neighbour to its admitted
                        // neighbours without computing its distance
                        for n2 in self.links(layer, n) {
                            let n2 = n2.load(Ordering::Relaxed);
                            if marks[n2 as usize] == epoch || !admit(n2) {
                                continue;
                            }
                            marks[n2 as usize] = epoch;
                            offer(dist.one(n2), n2, true);
                        }
                    }
                }
            }
            let mut out: Vec<(f32, u32)> = res.into_iter().map(|c| (c.d, c.s)).collect();
            out.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            out
        })
    }

    /// Query search (Algorithm 5): greedy descent through the upper layers, then a layer-0
    /// search with list size `ef`. Returns up to `ef` admitted pairs, nearest first; empty
    /// for an empty graph.
    #[inline(always)]
    pub(crate) fn search(
        &self,
        ef: usize,
        two_hop: bool,
        dist: &impl WalkDist,
        admit: &impl Fn(u32) -> bool,
    ) -> Vec<(f32, u32)> {
        let Some((mut cur, top)) = self.entry() else {
            return Vec::new();
        };
        let mut cur_d = dist.one(cur);
        for layer in (1..=top).rev() {
            (cur, cur_d) = self.greedy(layer, cur, cur_d, dist);
        }
        self.search_layer(0, &[(cur_d, cur)], ef, two_hop, dist, admit)
    }

    /// Links slot `s` into the graph (Algorithm 1). `from_s` gives distances from `s`'s point,
    /// `pair(a, b)` the distance between two slots. Safe to call from several threads at once for different slots; each slot must
    /// be inserted once.
    #[inline(always)]
    pub(crate) fn insert(&self, s: u32, from_s: &impl WalkDist, pair: &impl Fn(u32, u32) -> f32) {
        let level = usize::from(self.levels[s as usize]);
        let mut raise = None;
        let mut entry = self.entry();
        if entry.is_none_or(|(_, top)| level > top) {
            let g = self.entry_lock.lock();
            entry = self.entry();
            match entry {
                None => {
                    self.entry
                        .store(u64::from(s) << 8 | level as u64, Ordering::Release);
                    return;
                }
                Some((_, top)) if level > top => raise = Some(g),
                Some(_) => {}
            }
        }
        let Some((ep, top)) = entry else { return };
        let (mut cur, mut cur_d) = (ep, from_s.one(ep));
        for layer in (level + 1..=top).rev() {
            (cur, cur_d) = self.greedy(layer, cur, cur_d, from_s);
        }
        let mut entries = vec![(cur_d, cur)];
        for layer in (0..=level.min(top)).rev() {
            let mut w = self.search_layer(
                layer,
                &entries,
                self.p.ef_construction,
                false,
                from_s,
                &|_| true,
            );
            w.retain(|&(_, x)| x != s);
            let chosen = select_neighbours(&w, self.p.m, pair);
            {
                let _g = self.locks[s as usize].lock();
                self.set_links(layer, s, chosen.iter().map(|&(_, x)| x));
            }
            for &(d, n) in &chosen {
                self.link_back(layer, n, s, d, pair);
            }
            entries = w;
        }
        if raise.is_some() {
            self.entry
                .store(u64::from(s) << 8 | level as u64, Ordering::Release);
        }
    }

    /// Adds `s` to the list of `n` on `layer`; a full list is shrunk back to its capacity with
    /// the neighbour heuristic over its old members plus `s` (hnswlib's `mutuallyConnect`).
    fn link_back(&self, layer: usize, n: u32, s: u32, d: f32, pair: &impl Fn(u32, u32) -> f32) {
        let cap = if layer == 0 { self.m0() } else { self.p.m };
        let _g = self.locks[n as usize].lock();
        let old = self.links(layer, n);
        if old.iter().any(|x| x.load(Ordering::Relaxed) == s) {
            return;
        }
        if old.len() < cap {
            let b = self.block(layer, n);
            b[1 + old.len()].store(s, Ordering::Relaxed);
            b[0].store(old.len() as u32 + 1, Ordering::Release);
            return;
        }
        let mut c: Vec<(f32, u32)> = old
            .iter()
            .map(|x| {
                let x = x.load(Ordering::Relaxed);
                (pair(n, x), x)
            })
            .collect();
        c.push((d, s));
        c.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let kept = select_neighbours(&c, cap, pair);
        self.set_links(layer, n, kept.iter().map(|&(_, x)| x));
    }

    /// Writes the graph: node count, levels, entry, then every list (count + slots).
    pub(crate) fn write(&self, w: &mut Writer) {
        w.u32(self.nodes() as u32);
        for &l in &self.levels {
            w.u8(l);
        }
        let (e, top) = self.entry().unwrap_or((u32::MAX, 0));
        w.u32(e);
        w.u8(top as u8);
        for s in 0..self.nodes() as u32 {
            for layer in 0..=usize::from(self.levels[s as usize]) {
                let ns = self.links(layer, s);
                w.u32(ns.len() as u32);
                for x in ns {
                    w.u32(x.load(Ordering::Relaxed));
                }
            }
        }
    }

    /// Reads [`Graph::write`] output for `nodes` slots, checking every level, count and slot
    /// (corrupt bytes give an error, never an out-of-range link).
    pub(crate) fn read(p: GraphParams, r: &mut Reader<'_>, nodes: usize) -> Result<Graph> {
        let n = r.u32()? as usize;
        if n != nodes {
            return Err(r.err(format!("graph has {n} nodes, expected {nodes}")));
        }
        // Every node takes at least its level byte and its layer-0 link count (4 bytes), and
        // the entry point 5 more: checked before the link table is reserved (n·(1 + 2m)
        // words), so a short input cannot make it allocate.
        if r.remaining() < n.saturating_mul(5).saturating_add(5) {
            return Err(r.err("truncated graph levels"));
        }
        let mut g = Graph::with_nodes(p, 0);
        g.l0.reserve_exact(n * (1 + g.m0()));
        mem::advise_huge(&g.l0);
        let mut top_seen = 0usize;
        for _ in 0..n {
            let l = usize::from(r.u8()?);
            if l > p.max_level {
                return Err(r.err(format!("node level {l} above max_layer")));
            }
            top_seen = top_seen.max(l);
            g.push_node(l);
        }
        let e = r.u32()?;
        let top = usize::from(r.u8()?);
        if n == 0 {
            if e != u32::MAX {
                return Err(r.err("entry point in an empty graph"));
            }
        } else {
            if e as usize >= n || usize::from(g.levels[e as usize]) != top || top != top_seen {
                return Err(r.err("entry point is not a node of the top level"));
            }
            g.entry
                .store(u64::from(e) << 8 | top as u64, Ordering::Release);
        }
        let mut buf = Vec::new();
        for s in 0..n as u32 {
            for layer in 0..=usize::from(g.levels[s as usize]) {
                let cap = if layer == 0 { g.m0() } else { p.m };
                let k = r.u32()? as usize;
                if k > cap {
                    return Err(r.err(format!("node {s} has {k} links on layer {layer}")));
                }
                buf.clear();
                for _ in 0..k {
                    let x = r.u32()?;
                    if x as usize >= n || usize::from(g.levels[x as usize]) < layer {
                        return Err(r.err(format!("node {s} links to a missing node {x}")));
                    }
                    buf.push(x);
                }
                g.set_links(layer, s, buf.iter().copied());
            }
        }
        Ok(g)
    }
}

/// The neighbour-selection heuristic (Algorithm 4 without candidate extension and without
/// keeping pruned connections, as in hnswlib): walking `cands` nearest first, keep a candidate
/// only if it is nearer to the base than to every candidate kept so far, up to `m`. Fewer than
/// `m` candidates are all kept. `cands` must be sorted nearest first.
fn select_neighbours(
    cands: &[(f32, u32)],
    m: usize,
    pair: &impl Fn(u32, u32) -> f32,
) -> Vec<(f32, u32)> {
    if cands.len() < m {
        return cands.to_vec();
    }
    let mut out: Vec<(f32, u32)> = Vec::with_capacity(m);
    for &(d, c) in cands {
        if out.len() >= m {
            break;
        }
        if out.iter().all(|&(_, r)| pair(c, r) >= d) {
            out.push((d, c));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn points(n: usize) -> Vec<[f32; 2]> {
        (0..n)
            .map(|i| {
                let f = i as f32;
                [(f * 0.37).sin() * f.sqrt(), (f * 0.37).cos() * f.sqrt()]
            })
            .collect()
    }

    /// Squared L2 from `q` to the points.
    struct Sq<'a>(&'a [[f32; 2]], [f32; 2]);
    impl WalkDist for Sq<'_> {
        fn one(&self, s: u32) -> f32 {
            let y = self.0[s as usize];
            (self.1[0] - y[0]).powi(2) + (self.1[1] - y[1]).powi(2)
        }
        fn four(&self, s: [u32; 4]) -> [f32; 4] {
            s.map(|x| self.one(x))
        }
        fn prefetch(&self, _: u32) {}
    }

    fn build(pts: &[[f32; 2]]) -> Graph {
        let pair = |a: u32, b: u32| Sq(pts, pts[a as usize]).one(b);
        let g = Graph::with_nodes(params(), pts.len());
        for s in 0..pts.len() as u32 {
            g.insert(s, &Sq(pts, pts[s as usize]), &pair);
        }
        g
    }

    fn params() -> GraphParams {
        GraphParams {
            m: 4,
            ef_construction: 32,
            max_level: 15,
            seed: 7,
        }
    }

    #[test]
    fn levels_follow_the_geometric_law_and_the_seed() {
        let g = Graph::with_nodes(params(), 20_000);
        let above0 = g.levels.iter().filter(|&&l| l > 0).count() as f64 / 20_000.0;
        // P(level ≥ 1) = 1/m = 0.25
        assert!((above0 - 0.25).abs() < 0.02, "{above0}");
        let h = Graph::with_nodes(params(), 20_000);
        assert_eq!(g.levels, h.levels);
        let other = Graph::with_nodes(
            GraphParams {
                seed: 8,
                ..params()
            },
            20_000,
        );
        assert_ne!(g.levels, other.levels);
    }

    #[test]
    fn serial_build_finds_the_nearest_and_respects_capacities() {
        let pts = points(2_000);
        let g = build(&pts);
        for s in 0..pts.len() as u32 {
            assert!(g.links(0, s).len() <= 8);
            for l in 1..=usize::from(g.levels[s as usize]) {
                assert!(g.links(l, s).len() <= 4);
            }
        }
        for (i, q) in pts.iter().enumerate().step_by(97) {
            let r = g.search(16, false, &Sq(&pts, *q), &|_| true);
            assert_eq!(r[0].1, i as u32);
        }
    }

    #[test]
    fn write_read_roundtrip_and_corruption_is_an_error() {
        let pts = points(300);
        let g = build(&pts);
        let mut w = Writer::new(b"TEST", 1);
        g.write(&mut w);
        let (mut r, _) = Reader::open("t", &w.buf, b"TEST", 1).unwrap();
        let h = Graph::read(params(), &mut r, pts.len()).unwrap();
        let mut w2 = Writer::new(b"TEST", 1);
        h.write(&mut w2);
        assert_eq!(w.buf, w2.buf);
        // wrong node count, and a link past the end
        let (mut r, _) = Reader::open("t", &w.buf, b"TEST", 1).unwrap();
        assert!(Graph::read(params(), &mut r, 299).is_err());
        let mut bad = w.buf.clone();
        let n = bad.len();
        bad[n - 4..].copy_from_slice(&1000u32.to_le_bytes());
        let (mut r, _) = Reader::open("t", &bad, b"TEST", 1).unwrap();
        assert!(Graph::read(params(), &mut r, pts.len()).is_err());
        for cut in [9, 20, n / 2, n - 1] {
            let (mut r, _) = Reader::open("t", &w.buf[..cut], b"TEST", 1).unwrap();
            assert!(Graph::read(params(), &mut r, pts.len()).is_err());
        }
    }
}
