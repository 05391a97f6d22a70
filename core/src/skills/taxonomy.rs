//! The skill taxonomy: canonical skills, aliases, a parent hierarchy (a DAG) and related-skill
//! edges. Built once with [`TaxonomyBuilder`], then immutable and shared (`Arc`) by the engine.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

use super::esco::EscoOccupation;
use super::normalize::{loose_key, normalize_label};
use super::occupation::OccupationProfiles;
use super::resolve::{Resolution, ResolutionConfig, ResolverIndex, resolve_label};
use crate::error::{Error, Result};
use crate::util::TrimSpace;

/// A dense skill id: an index into a [`Taxonomy`] (ids at or past `Taxonomy::len()` are
/// ad-hoc skills owned by an engine, matched exactly by label).
pub type SkillId = u32;

const NO_CATEGORY: u32 = u32::MAX;

/// One canonical skill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkillNode {
    /// Display name.
    pub label: String,
    /// Category (e.g. `software`, or an ESCO skill group), if any.
    pub category: Option<String>,
    /// Broader skills (parents in the hierarchy).
    pub parents: Vec<SkillId>,
    /// Related skills (ESCO `skillSkillRelations`), undirected for matching.
    pub related: Vec<SkillId>,
    /// Alternative labels (as given; lookup uses their normalised form).
    pub aliases: Vec<String>,
    /// External identifier (an ESCO concept URI), if any.
    pub uri: Option<String>,
}

/// How a taxonomy's serialised form looks: the nodes, plus a name for humans.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct TaxonomyData {
    name: String,
    nodes: Vec<SkillNode>,
}

/// An immutable skill taxonomy with O(1) label lookup.
///
/// Lookup order for a label: the exact normalised key of a label or alias
/// ([`normalize_label`]), then the loose key ([`loose_key`]). When two skills claim the same
/// key, the first one added keeps it (preferred labels are added before aliases, so a
/// preferred label always beats another skill's alias); the builder counts such collisions.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "TaxonomyData", into = "TaxonomyData")]
pub struct Taxonomy {
    name: String,
    nodes: Vec<SkillNode>,
    exact: HashMap<String, SkillId>,
    loose: HashMap<String, SkillId>,
    children: Vec<Vec<SkillId>>,
    uris: HashMap<String, SkillId>,
    alias_collisions: usize,
    categories: Vec<String>,
    category_of: Vec<u32>,
    /// Lookup structures for resolution beyond exact keys, built on first use.
    resolver: OnceLock<ResolverIndex>,
    /// Occupation profiles (ESCO occupation–skill relations), if the taxonomy has them;
    /// not part of the serialised nodes (an engine snapshot keeps them in their own section).
    occupations: Option<Arc<OccupationProfiles>>,
}

impl From<Taxonomy> for TaxonomyData {
    fn from(t: Taxonomy) -> Self {
        TaxonomyData {
            name: t.name,
            nodes: t.nodes,
        }
    }
}

impl TryFrom<TaxonomyData> for Taxonomy {
    type Error = Error;
    fn try_from(d: TaxonomyData) -> Result<Self> {
        Taxonomy::from_nodes(d.name, d.nodes)
    }
}

impl Taxonomy {
    /// Builds the lookup tables over `nodes` and checks them: ids in range, no self-parent,
    /// no cycle in the parent graph, no empty label.
    fn from_nodes(name: String, nodes: Vec<SkillNode>) -> Result<Self> {
        let n = nodes.len();
        if n >= u32::MAX as usize / 2 {
            return Err(Error::invalid("taxonomy", "too many skills"));
        }
        let mut t = Taxonomy {
            name,
            exact: HashMap::with_capacity(n * 2),
            loose: HashMap::with_capacity(n * 2),
            children: vec![Vec::new(); n],
            uris: HashMap::new(),
            alias_collisions: 0,
            categories: Vec::new(),
            category_of: vec![NO_CATEGORY; n],
            nodes: Vec::new(),
            resolver: OnceLock::new(),
            occupations: None,
        };
        let mut cat_index: HashMap<&str, u32> = HashMap::new();
        for (i, node) in nodes.iter().enumerate() {
            if let Some(c) = node.category.as_deref() {
                let next = cat_index.len() as u32;
                let ci = *cat_index.entry(c).or_insert(next);
                if ci as usize == t.categories.len() {
                    t.categories.push(c.to_owned());
                }
                t.category_of[i] = ci;
            }
        }
        for (i, node) in nodes.iter().enumerate() {
            if normalize_label(&node.label).is_empty() {
                return Err(Error::invalid(
                    format!("taxonomy.skills[{i}].label"),
                    "empty label",
                ));
            }
            for &p in node.parents.iter().chain(&node.related) {
                if p as usize >= n || p as usize == i {
                    return Err(Error::invalid(
                        format!("taxonomy.skills[{i}]"),
                        format!("parent/related id {p} is out of range or the skill itself"),
                    ));
                }
            }
            for &p in &node.parents {
                t.children[p as usize].push(i as SkillId);
            }
            if let Some(uri) = &node.uri {
                t.uris.entry(uri.clone()).or_insert(i as SkillId);
            }
        }
        // Preferred labels first, then aliases: a preferred label is never shadowed by an alias.
        for (i, node) in nodes.iter().enumerate() {
            t.claim(&node.label, i as SkillId);
        }
        for (i, node) in nodes.iter().enumerate() {
            for a in &node.aliases {
                t.claim(a, i as SkillId);
            }
        }
        t.nodes = nodes;
        if let Some(cyc) = t.find_cycle() {
            return Err(Error::invalid(
                "taxonomy.parents",
                format!(
                    "the parent graph has a cycle through `{}`",
                    t.nodes[cyc as usize].label
                ),
            ));
        }
        Ok(t)
    }

    fn claim(&mut self, label: &str, id: SkillId) {
        let key = normalize_label(label);
        if key.is_empty() {
            return;
        }
        match self.exact.get(&key) {
            Some(&other) if other != id => self.alias_collisions += 1,
            Some(_) => {}
            None => {
                self.exact.insert(key, id);
            }
        }
        self.loose.entry(loose_key(label)).or_insert(id);
    }

    fn find_cycle(&self) -> Option<SkillId> {
        // Kahn's algorithm over child -> parent edges.
        let n = self.nodes.len();
        let mut indeg = vec![0usize; n];
        for node in &self.nodes {
            for &p in &node.parents {
                indeg[p as usize] += 1;
            }
        }
        let mut queue: VecDeque<usize> = (0..n).filter(|&i| indeg[i] == 0).collect();
        let mut seen = 0;
        while let Some(i) = queue.pop_front() {
            seen += 1;
            for &p in &self.nodes[i].parents {
                indeg[p as usize] -= 1;
                if indeg[p as usize] == 0 {
                    queue.push_back(p as usize);
                }
            }
        }
        (seen < n).then(|| (0..n).find(|&i| indeg[i] > 0).unwrap_or(0) as SkillId)
    }

    /// This taxonomy with occupation profiles built from `occupations` (their essential and
    /// optional skills are ids of this taxonomy); the engine then mixes occupation evidence
    /// into the skill factor ([`super::occupation`]). An empty list removes the profiles.
    /// Rejects a skill id out of range (naming `occupations[i].essential` / `.optional`) and
    /// an empty occupation label.
    pub fn with_occupations(mut self, occupations: Vec<EscoOccupation>) -> Result<Self> {
        self.occupations = if occupations.is_empty() {
            None
        } else {
            Some(Arc::new(OccupationProfiles::new(occupations, self.len())?))
        };
        Ok(self)
    }

    /// The occupation profiles, if the taxonomy has any with at least one skill.
    pub fn occupations(&self) -> Option<&OccupationProfiles> {
        self.occupations.as_deref().filter(|p| !p.is_empty())
    }

    /// A human name for the taxonomy (`builtin`, `esco`, ...).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Number of canonical skills.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the taxonomy has no skills.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The skill `id`, if it is a taxonomy skill.
    pub fn get(&self, id: SkillId) -> Option<&SkillNode> {
        self.nodes.get(id as usize)
    }

    /// All skills, in id order.
    pub fn skills(&self) -> &[SkillNode] {
        &self.nodes
    }

    /// Resolves free text to a skill: exact normalised key, then loose key. `None` for an
    /// unknown label (the engine turns those into ad-hoc skills; nothing is dropped).
    pub fn resolve(&self, label: &str) -> Option<SkillId> {
        let key = normalize_label(label);
        if key.is_empty() {
            return None;
        }
        self.exact
            .get(&key)
            .or_else(|| self.loose.get(&loose_key(label)))
            .copied()
    }

    /// Resolves free text with every rule of `cfg` (exact and alias keys, contained labels,
    /// acronyms, trigram similarity; see [`super::ResolutionConfig`]): the skill, how it was
    /// found and how sure. Deterministic; the lookup structures are built on the first call
    /// that needs them (tens of milliseconds for the full ESCO).
    pub fn resolve_with(&self, label: &str, cfg: &ResolutionConfig) -> Resolution {
        resolve_label(
            self,
            self.resolver.get_or_init(|| ResolverIndex::build(self)),
            label,
            cfg,
        )
    }

    /// The skill with external identifier `uri` (e.g. an ESCO concept URI).
    pub fn by_uri(&self, uri: &str) -> Option<SkillId> {
        self.uris.get(uri).copied()
    }

    /// Narrower skills of `id`.
    pub fn children(&self, id: SkillId) -> &[SkillId] {
        self.children.get(id as usize).map_or(&[], Vec::as_slice)
    }

    /// The dense category index of `id` (`None` for no category or an ad-hoc skill).
    pub fn category_index(&self, id: SkillId) -> Option<u32> {
        self.category_of
            .get(id as usize)
            .copied()
            .filter(|&c| c != NO_CATEGORY)
    }

    /// Number of distinct categories.
    pub fn category_count(&self) -> usize {
        self.categories.len()
    }

    /// How many label/alias keys were claimed by more than one skill while building (the
    /// first claimant kept each).
    pub fn alias_collisions(&self) -> usize {
        self.alias_collisions
    }

    /// Skills within `max_hops` of `id` along parent *or* child edges, each with its hop
    /// count (the shortest path staying on one direction: ancestors or descendants), plus
    /// directly related skills (hop count 1, flagged). `id` itself is not included.
    pub fn neighbourhood(&self, id: SkillId, max_hops: u8) -> Vec<Neighbour> {
        let mut out = Vec::new();
        if id as usize >= self.nodes.len() {
            return out;
        }
        for up in [true, false] {
            let mut frontier = vec![id];
            let mut seen: Vec<SkillId> = vec![id];
            for hop in 1..=max_hops {
                let mut next = Vec::new();
                for &s in &frontier {
                    let edges: &[SkillId] = if up {
                        &self.nodes[s as usize].parents
                    } else {
                        self.children(s)
                    };
                    for &e in edges {
                        if !seen.contains(&e) {
                            seen.push(e);
                            next.push(e);
                            out.push(Neighbour {
                                skill: e,
                                hops: hop,
                                relation: if up {
                                    Relation::Ancestor
                                } else {
                                    Relation::Descendant
                                },
                            });
                        }
                    }
                }
                if next.is_empty() {
                    break;
                }
                frontier = next;
            }
        }
        for &r in &self.nodes[id as usize].related {
            out.push(Neighbour {
                skill: r,
                hops: 1,
                relation: Relation::Related,
            });
        }
        // Related edges are undirected for matching: skills that list `id` as related.
        out
    }

    /// The hierarchy path from `from` to `to` (both included) going only up or only down,
    /// within `max_hops`; `None` when there is none. Used for explanations only.
    pub fn path(&self, from: SkillId, to: SkillId, max_hops: u8) -> Option<Vec<SkillId>> {
        if from == to {
            return Some(vec![from]);
        }
        for up in [true, false] {
            let mut prev: HashMap<SkillId, SkillId> = HashMap::new();
            let mut frontier = vec![from];
            for _ in 0..max_hops {
                let mut next = Vec::new();
                for &s in &frontier {
                    let edges: &[SkillId] = if up {
                        self.nodes.get(s as usize).map_or(&[], |n| &n.parents)
                    } else {
                        self.children(s)
                    };
                    for &e in edges {
                        if e != from && !prev.contains_key(&e) {
                            prev.insert(e, s);
                            if e == to {
                                let mut path = vec![to];
                                let mut cur = to;
                                while let Some(&p) = prev.get(&cur) {
                                    path.push(p);
                                    cur = p;
                                }
                                path.reverse();
                                return Some(path);
                            }
                            next.push(e);
                        }
                    }
                }
                frontier = next;
            }
        }
        let related = |a: SkillId, b: SkillId| {
            self.nodes
                .get(a as usize)
                .is_some_and(|n| n.related.contains(&b))
        };
        (related(from, to) || related(to, from)).then(|| vec![from, to])
    }
}

/// How a neighbour relates to the skill it was found from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// A broader skill (reached through parents).
    Ancestor,
    /// A narrower skill (reached through children).
    Descendant,
    /// A related skill (ESCO skill–skill relation).
    Related,
}

/// A skill near another one in the taxonomy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Neighbour {
    /// The neighbouring skill.
    pub skill: SkillId,
    /// Edges between them.
    pub hops: u8,
    /// Direction of the relation.
    pub relation: Relation,
}

/// Builds a [`Taxonomy`]. Labels are looked up with the same normalisation as queries.
#[derive(Debug, Default, Clone)]
pub struct TaxonomyBuilder {
    name: String,
    nodes: Vec<SkillNode>,
    by_key: HashMap<String, SkillId>,
}

impl TaxonomyBuilder {
    /// A builder for a taxonomy called `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    /// Adds a skill; rejects an empty label or a label already used as another skill's
    /// label (aliases are checked at [`Self::build`], first claimant wins).
    pub fn add_skill(
        &mut self,
        label: &str,
        category: Option<&str>,
        aliases: &[&str],
    ) -> Result<SkillId> {
        let key = normalize_label(label);
        if key.is_empty() {
            return Err(Error::invalid("skill.label", "must not be empty"));
        }
        if self.by_key.contains_key(&key) {
            return Err(Error::invalid(
                "skill.label",
                format!("`{label}` is already a skill of this taxonomy"),
            ));
        }
        let id = self.nodes.len() as SkillId;
        self.by_key.insert(key, id);
        self.nodes.push(SkillNode {
            label: label.trim_space().to_owned(),
            category: category.map(str::to_owned).filter(|c| !c.is_empty()),
            parents: Vec::new(),
            related: Vec::new(),
            aliases: aliases
                .iter()
                .map(|a| a.trim_space().to_owned())
                .filter(|a| !a.is_empty())
                .collect(),
            uri: None,
        });
        Ok(id)
    }

    /// Sets the external identifier of `id` (e.g. its ESCO URI).
    pub fn set_uri(&mut self, id: SkillId, uri: &str) -> Result<()> {
        self.node_mut(id)?.uri = Some(uri.to_owned());
        Ok(())
    }

    /// Sets the category of `id` unless it already has one.
    pub fn set_category_if_unset(&mut self, id: SkillId, category: &str) -> Result<()> {
        let node = self.node_mut(id)?;
        if node.category.is_none() && !category.trim_space().is_empty() {
            node.category = Some(category.trim_space().to_owned());
        }
        Ok(())
    }

    /// Adds an alias to `id`.
    pub fn add_alias(&mut self, id: SkillId, alias: &str) -> Result<()> {
        let a = alias.trim_space();
        if !a.is_empty() {
            self.node_mut(id)?.aliases.push(a.to_owned());
        }
        Ok(())
    }

    /// The skills added so far, in id order.
    pub fn nodes(&self) -> &[SkillNode] {
        &self.nodes
    }

    /// The id of a skill already added, by label.
    pub fn id_of(&self, label: &str) -> Option<SkillId> {
        self.by_key.get(&normalize_label(label)).copied()
    }

    /// Makes `parent` a broader skill of `child` (duplicates ignored; a self-link is rejected;
    /// cycles are rejected by [`Self::build`]).
    pub fn add_parent(&mut self, child: SkillId, parent: SkillId) -> Result<()> {
        if child == parent {
            return Err(Error::invalid(
                "skill.parents",
                "a skill cannot be its own parent",
            ));
        }
        self.node_mut(parent)?;
        let node = self.node_mut(child)?;
        if !node.parents.contains(&parent) {
            node.parents.push(parent);
        }
        Ok(())
    }

    /// Records that `a` and `b` are related (undirected for matching).
    pub fn add_related(&mut self, a: SkillId, b: SkillId) -> Result<()> {
        if a == b {
            return Ok(());
        }
        self.node_mut(b)?;
        let node = self.node_mut(a)?;
        if !node.related.contains(&b) {
            node.related.push(b);
        }
        let node = self.node_mut(b)?;
        if !node.related.contains(&a) {
            node.related.push(a);
        }
        Ok(())
    }

    fn node_mut(&mut self, id: SkillId) -> Result<&mut SkillNode> {
        self.nodes
            .get_mut(id as usize)
            .ok_or_else(|| Error::invalid("skill", format!("unknown skill id {id}")))
    }

    /// Finishes the taxonomy; rejects a cycle in the parent graph.
    pub fn build(self) -> Result<Taxonomy> {
        Taxonomy::from_nodes(self.name, self.nodes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Taxonomy {
        let mut b = TaxonomyBuilder::new("tiny");
        let web = b
            .add_skill("Frontend development", Some("software"), &[])
            .unwrap();
        let js = b
            .add_skill("JavaScript", Some("software"), &["js"])
            .unwrap();
        let react = b
            .add_skill("React", Some("software"), &["reactjs", "react.js"])
            .unwrap();
        let vue = b.add_skill("Vue", Some("software"), &[]).unwrap();
        b.add_parent(js, web).unwrap();
        b.add_parent(react, js).unwrap();
        b.add_parent(vue, js).unwrap();
        b.build().unwrap()
    }

    #[test]
    fn resolves_labels_aliases_and_loose_keys() {
        let t = tiny();
        assert_eq!(t.resolve("react"), Some(2));
        assert_eq!(t.resolve(" ReactJS "), Some(2));
        assert_eq!(t.resolve("React.js"), Some(2));
        assert_eq!(t.resolve("react-js"), Some(2), "loose key meets react.js");
        assert_eq!(t.resolve("angular"), None);
        assert_eq!(t.resolve("   "), None);
    }

    #[test]
    fn neighbourhood_and_path() {
        let t = tiny();
        let n = t.neighbourhood(2, 2);
        assert!(n.contains(&Neighbour {
            skill: 1,
            hops: 1,
            relation: Relation::Ancestor
        }));
        assert!(n.contains(&Neighbour {
            skill: 0,
            hops: 2,
            relation: Relation::Ancestor
        }));
        assert!(
            !n.iter().any(|x| x.skill == 3),
            "siblings are not neighbours"
        );
        assert_eq!(t.path(2, 0, 3), Some(vec![2, 1, 0]));
        assert_eq!(t.path(0, 2, 3), Some(vec![0, 1, 2]));
        assert_eq!(t.path(2, 3, 3), None);
    }

    #[test]
    fn rejects_cycles_and_duplicates() {
        let mut b = TaxonomyBuilder::new("bad");
        let a = b.add_skill("A", None, &[]).unwrap();
        let c = b.add_skill("B", None, &[]).unwrap();
        assert!(b.add_skill(" a ", None, &[]).is_err());
        b.add_parent(a, c).unwrap();
        b.add_parent(c, a).unwrap();
        assert!(b.build().is_err());
    }

    #[test]
    fn serde_round_trip_rebuilds_lookup() {
        let t = tiny();
        let json = serde_json::to_string(&t).unwrap();
        let back: Taxonomy = serde_json::from_str(&json).unwrap();
        assert_eq!(back.resolve("reactjs"), Some(2));
        assert_eq!(back.children(1), &[2, 3]);
    }
}
