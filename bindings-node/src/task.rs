//! Work on the libuv thread pool: every call that does real work returns a Promise through
//! [`run`], so the event loop keeps running while the core computes.

use napi::bindgen_prelude::{AsyncTask, ToNapiValue, TypeName};
use napi::{Env, Task};

use crate::error::guard;

/// One closure run on the libuv pool; a core error rejects the Promise with the tagged
/// error, a panic rejects it with `INTERNAL` (it never unwinds into libuv).
pub struct Work<T> {
    f: Option<Box<dyn FnOnce() -> fairmatch::Result<T> + Send>>,
}

impl<T> std::fmt::Debug for Work<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Work").finish_non_exhaustive()
    }
}

impl<T: Send + 'static + ToNapiValue + TypeName> Task for Work<T> {
    type Output = T;
    type JsValue = T;

    fn compute(&mut self) -> napi::Result<T> {
        let f = self
            .f
            .take()
            .ok_or_else(|| napi::Error::from_reason("fairmatch: task ran twice"))?;
        guard(f)
    }

    fn resolve(&mut self, _env: Env, out: T) -> napi::Result<T> {
        Ok(out)
    }
}

/// A Promise of `f()`, computed on the libuv pool.
pub(crate) fn run<T, F>(f: F) -> AsyncTask<Work<T>>
where
    T: Send + 'static + ToNapiValue + TypeName,
    F: FnOnce() -> fairmatch::Result<T> + Send + 'static,
{
    AsyncTask::new(Work {
        f: Some(Box::new(f)),
    })
}
