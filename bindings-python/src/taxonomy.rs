//! `fairmatch.Taxonomy`: the skills taxonomy (built-in or imported from ESCO CSV files).

use std::sync::Arc;

use pyo3::prelude::*;

use crate::convert::{int, text};
use crate::error::IntoPy;

/// An immutable skills taxonomy shared by engines.
#[derive(Debug)]
#[pyclass(module = "fairmatch", name = "Taxonomy", frozen)]
pub struct PyTaxonomy {
    pub(crate) inner: Arc<fairmatch::Taxonomy>,
}

#[pymethods]
impl PyTaxonomy {
    /// The built-in taxonomy (software and creative skills).
    #[staticmethod]
    fn builtin() -> Self {
        Self {
            inner: fairmatch::builtin(),
        }
    }

    /// Imports an ESCO CSV directory (skills, hierarchy, relations); `InvalidInputError` or
    /// `FairmatchIOError` on bad files.
    #[staticmethod]
    fn from_esco(py: Python<'_>, dir: std::path::PathBuf) -> PyResult<Self> {
        let imp = py.detach(|| fairmatch::import_esco_dir(&dir)).py_err()?;
        Ok(Self {
            inner: Arc::new(imp.taxonomy),
        })
    }

    /// The skill id a label or alias resolves to (normalised), or `None`.
    fn resolve(&self, label: &Bound<'_, PyAny>) -> PyResult<Option<u32>> {
        let label: &str = &text(label, "label")?;
        Ok(self.inner.resolve(label))
    }

    /// The canonical label of a skill id, or `None`.
    fn label(&self, id: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
        let id: u32 = int(id, "id")?;
        Ok(self.inner.get(id).map(|n| n.label.clone()))
    }

    /// The taxonomy's name.
    #[getter]
    fn name(&self) -> String {
        self.inner.name().to_owned()
    }

    /// Occupations with a skill profile (an ESCO import's occupations; 0 for the built-in
    /// taxonomy). When there are any, the engine mixes occupation evidence into the skill
    /// factor (`scoring.fit.occupation`).
    #[getter]
    fn occupations(&self) -> usize {
        self.inner.occupations().map_or(0, |p| p.len())
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __repr__(&self) -> String {
        format!(
            "Taxonomy(name={:?}, skills={}, occupations={})",
            self.inner.name(),
            self.inner.len(),
            self.occupations()
        )
    }
}
