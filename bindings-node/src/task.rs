//! Work on the libuv thread pool: every call that does real work returns a Promise through
//! [`run`], so the event loop keeps running while the core computes.
//!
//! The closure is called on the pool but dropped on the JavaScript thread (napi drops the
//! task in its completion callback): what it captured — typed arrays and Buffers borrowed
//! from JavaScript — releases its JS reference there directly. Dropped on the pool, each
//! such view would post its release back to the JavaScript thread through a threadsafe
//! function (one extra event-loop wake-up per array).

use napi::bindgen_prelude::{AsyncTask, ToNapiValue, TypeName};
use napi::{Env, Task};

use crate::error::guard;

/// One closure run once on the libuv pool; a core error rejects the Promise with the tagged
/// error, a panic rejects it with `INTERNAL` (it never unwinds into libuv).
pub struct Work<T> {
    f: Box<dyn FnMut() -> fairmatch::Result<T> + Send>,
    ran: bool,
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
        if std::mem::replace(&mut self.ran, true) {
            return Err(napi::Error::from_reason("fairmatch: task ran twice"));
        }
        guard(&mut self.f)
    }

    fn resolve(&mut self, _env: Env, out: T) -> napi::Result<T> {
        Ok(out)
    }
}

/// A Promise of `f()`, computed once on the libuv pool (`f` is dropped, with what it
/// captured, on the JavaScript thread).
pub(crate) fn run<T, F>(f: F) -> AsyncTask<Work<T>>
where
    T: Send + 'static + ToNapiValue + TypeName,
    F: FnMut() -> fairmatch::Result<T> + Send + 'static,
{
    AsyncTask::new(Work {
        f: Box::new(f),
        ran: false,
    })
}
