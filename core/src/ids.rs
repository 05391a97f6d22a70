//! Identifiers: external string ids and the dense internal ids they are interned to.
//!
//! Callers name freelancers, jobs and skills with strings of their own. Inside the engine every
//! entity is a dense `u32` ([`DocId`]) so that per-entity data lives in plain vectors and
//! bitsets. An [`Interner`] maps one to the other; ids are never reused after removal within one
//! engine, so an id seen in an event log always means the same entity.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::util::TrimSpace;

/// A dense internal id: an index into the engine's per-entity vectors.
pub type DocId = u32;

/// Interns external string ids to dense [`DocId`]s, in order of first appearance.
///
/// Rejects empty (or all-whitespace) ids. Lookups are O(1).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Interner {
    names: Vec<String>,
    #[serde(skip)]
    index: HashMap<String, DocId>,
}

impl Interner {
    /// An empty interner.
    pub fn new() -> Self {
        Self::default()
    }

    /// Returns the id of `name`, interning it if new. `field` names the input for errors.
    ///
    /// Rejects an empty or all-whitespace name, and more than `u32::MAX` entries.
    pub fn intern(&mut self, field: &str, name: &str) -> Result<DocId> {
        validate_external_id(field, name)?;
        if let Some(&id) = self.index.get(name) {
            return Ok(id);
        }
        let id = DocId::try_from(self.names.len())
            .map_err(|_| Error::invalid(field, "too many ids (more than u32::MAX)"))?;
        self.names.push(name.to_owned());
        self.index.insert(name.to_owned(), id);
        Ok(id)
    }

    /// The id of `name`, if interned.
    pub fn get(&self, name: &str) -> Option<DocId> {
        self.index.get(name).copied()
    }

    /// The external name of `id`, if it exists.
    pub fn name(&self, id: DocId) -> Option<&str> {
        self.names.get(id as usize).map(String::as_str)
    }

    /// Number of interned names (the next id to be handed out).
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether nothing has been interned.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Forgets every name interned after the first `len` (undoes the interning of a write
    /// that is then rejected; ids are handed out again only if never used).
    pub(crate) fn truncate(&mut self, len: usize) {
        while self.names.len() > len {
            if let Some(n) = self.names.pop() {
                self.index.remove(&n);
            }
        }
    }

    /// Rebuilds the lookup table after deserialisation; rejects duplicate or empty names
    /// (which a valid snapshot never contains).
    pub fn rebuild_index(&mut self) -> Result<()> {
        self.index.clear();
        self.index.reserve(self.names.len());
        for (i, n) in self.names.iter().enumerate() {
            if n.trim_space().is_empty() {
                return Err(Error::corrupt(format!("empty interned id at {i}")));
            }
            if self.index.insert(n.clone(), i as DocId).is_some() {
                return Err(Error::corrupt(format!("duplicate interned id `{n}`")));
            }
        }
        Ok(())
    }
}

/// Checks an external id: non-empty, not only whitespace, at most 512 bytes.
pub fn validate_external_id(field: &str, id: &str) -> Result<()> {
    if id.trim_space().is_empty() {
        return Err(Error::invalid(field, "id must not be empty"));
    }
    if id.len() > 512 {
        return Err(Error::invalid(field, "id must be at most 512 bytes"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interns_densely_and_rejects_empty() {
        let mut i = Interner::new();
        assert_eq!(i.intern("id", "a").unwrap(), 0);
        assert_eq!(i.intern("id", "b").unwrap(), 1);
        assert_eq!(i.intern("id", "a").unwrap(), 0);
        assert_eq!(i.name(1), Some("b"));
        assert!(i.intern("freelancer.id", "  ").is_err());
        let json = serde_json::to_string(&i).unwrap();
        let mut back: Interner = serde_json::from_str(&json).unwrap();
        back.rebuild_index().unwrap();
        assert_eq!(back.get("b"), Some(1));
        i.intern("id", "c").unwrap();
        i.truncate(2);
        assert_eq!((i.len(), i.get("c")), (2, None));
        assert_eq!(i.intern("id", "d").unwrap(), 2);
    }
}
