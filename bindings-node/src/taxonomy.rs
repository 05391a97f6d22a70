//! `Taxonomy`: the skills taxonomy (built-in or imported from ESCO CSV files).

use std::sync::Arc;

use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;

use crate::task::{Work, run};

/// An immutable skills taxonomy shared by engines.
#[napi]
#[derive(Debug)]
pub struct NativeTaxonomy {
    pub(crate) inner: Arc<fairmatch::Taxonomy>,
}

#[napi]
impl NativeTaxonomy {
    /// The built-in taxonomy.
    #[napi(factory, catch_unwind)]
    pub fn builtin() -> Self {
        Self {
            inner: fairmatch::builtin(),
        }
    }

    /// Imports an ESCO CSV directory (off the event loop); `INVALID_INPUT` or `IO` on bad
    /// files.
    #[napi(catch_unwind)]
    pub fn from_esco(dir: String) -> AsyncTask<Work<NativeTaxonomy>> {
        run(move || {
            let imp = fairmatch::import_esco_dir(&dir)?;
            Ok(NativeTaxonomy {
                inner: Arc::new(imp.taxonomy),
            })
        })
    }

    /// The skill id a label or alias resolves to, or `null`.
    #[napi(catch_unwind)]
    pub fn resolve(&self, label: String) -> Option<u32> {
        self.inner.resolve(&label)
    }

    /// The canonical label of a skill id, or `null`.
    #[napi(catch_unwind)]
    pub fn label(&self, id: u32) -> Option<String> {
        self.inner.get(id).map(|n| n.label.clone())
    }

    /// The taxonomy's name.
    #[napi(catch_unwind)]
    pub fn name(&self) -> String {
        self.inner.name().to_owned()
    }

    /// Number of skills.
    #[napi(catch_unwind)]
    pub fn size(&self) -> u32 {
        self.inner.len() as u32
    }

    /// Occupations with a skill profile (0 for the built-in taxonomy).
    #[napi(catch_unwind)]
    pub fn occupations(&self) -> u32 {
        self.inner.occupations().map_or(0, |p| p.len()) as u32
    }
}
