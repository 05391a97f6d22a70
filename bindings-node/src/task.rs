//! Work off the event loop: every call that does real work returns a Promise, computed on
//! the rayon pool ([`spawn`]) or on the libuv pool ([`run`]), so the event loop keeps
//! running while the core computes.
//!
//! **Why two pools.** The core's parallel work (the candidate scan, the metric counts) runs
//! on rayon. A job queued on libuv crosses four threads (JS → libuv → rayon → libuv → JS),
//! each a sleeping thread to wake; one spawned on rayon crosses two (JS → rayon → JS). On the
//! 2-core benchmark machine an empty round trip costs ≈ 12 µs that way against ≈ 52 µs, and
//! DPD over 1M rows went from 1.36× to 1.07× the Rust figure (`benches/README.md`, Node).
//! A rayon thread must never block on the engine's lock, though (a rayon thread waiting inside
//! a parallel query may pick up another query; blocked behind a waiting writer, it would
//! deadlock the two): engine queries take the lock with `Engine::try_read` there and, when a
//! write holds or awaits it, go to the libuv pool instead, where waiting is harmless. Writes
//! and everything else that takes the engine's lock stay on libuv.
//!
//! Either way the closure is dropped on the JavaScript thread: what it captured — typed
//! arrays and Buffers borrowed from JavaScript — releases its JS reference there directly.
//! Dropped elsewhere, each such view would post its release back to the JavaScript thread
//! through a threadsafe function (one extra event-loop wake-up per array).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};

use napi::bindgen_prelude::{AsyncTask, Either, Object, ToNapiValue, TypeName};
use napi::{Env, Task};

use crate::error::{IntoNapi, guard, panic};

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

/// How many [`spawn`]ed calls moved to the libuv pool because they would have waited for a
/// lock (read by the test suite through `bench.rs`).
pub(crate) static LIBUV_FALLBACKS: AtomicU64 = AtomicU64::new(0);

/// Where a [`spawn`]ed closure is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum On {
    /// A rayon thread: the closure must not block on a lock; it answers `None` when it
    /// would (the work then moves to the libuv pool).
    Rayon,
    /// A libuv pool thread: the closure may wait for locks and must answer `Some`.
    Libuv,
}

/// A Promise of `f(On::Rayon)`, computed on the rayon pool and settled on the JavaScript
/// thread. When `f` answers `None` (it would have had to wait for a lock), the Promise
/// follows `f(On::Libuv)` computed on the libuv pool instead. A core error rejects with the
/// tagged error, a panic with `INTERNAL`; `f` is dropped on the JavaScript thread.
pub(crate) fn spawn<T, F>(env: &Env, f: F) -> napi::Result<Object<'_>>
where
    T: Send + 'static + ToNapiValue + TypeName,
    F: FnMut(On) -> Option<fairmatch::Result<T>> + Send + 'static,
{
    let (deferred, promise) = env.create_deferred::<Either<T, AsyncTask<Work<T>>>, _>()?;
    let mut f = f;
    rayon::spawn(move || {
        let out = match catch_unwind(AssertUnwindSafe(|| f(On::Rayon))) {
            Ok(Some(r)) => Some(r.napi()),
            Ok(None) => None,
            Err(p) => Some(Err(panic(p))),
        };
        let settle = move |_env: Env| match out {
            Some(r) => {
                drop(f);
                r.map(Either::A)
            }
            // a `None` here is a bug in `f`: the panic becomes an INTERNAL rejection
            None => Ok(Either::B(run(move || {
                LIBUV_FALLBACKS.fetch_add(1, Ordering::Relaxed);
                f(On::Libuv).expect("a closure on the libuv pool may wait and answers Some")
            }))),
        };
        // `resolve` only queues the settlement for the JavaScript thread; should it ever
        // panic, the Promise stays pending rather than rayon aborting the process
        let _ = catch_unwind(AssertUnwindSafe(|| deferred.resolve(settle)));
    });
    Ok(promise)
}

/// [`spawn`] for work that takes no lock (a computation over the arguments alone): always on
/// the rayon pool.
pub(crate) fn spawn_lockfree<T, F>(env: &Env, mut f: F) -> napi::Result<Object<'_>>
where
    T: Send + 'static + ToNapiValue + TypeName,
    F: FnMut() -> fairmatch::Result<T> + Send + 'static,
{
    spawn(env, move |_| Some(f()))
}
