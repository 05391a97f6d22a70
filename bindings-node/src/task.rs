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
//! **Why rayon threads linger after a call.** Between two awaited calls the JavaScript
//! thread decodes the result and makes the next call (≈ 30 µs for a recommendation); rayon's
//! own idle loop puts its threads to sleep in about that time, and waking a sleeping thread
//! on the benchmark's virtual machine takes 30–40 µs (a halted vCPU) — once to start the
//! next call, once more when its parallel scan splits. So the thread that ran a spawned call,
//! and one more, stay awake for up to [`linger`] (default 100 µs, `FAIRMATCH_LINGER_US`)
//! until the next call is spawned, yielding their CPU all the while (`sched_yield`, never a
//! busy spin: runnable threads, the JavaScript thread included, go first) and running any
//! work queued on the pool meanwhile (then they stop lingering). The price is up to 2 × that
//! much yielding CPU time after a call that no other call follows.
//!
//! **Why a recommendation is settled before its tape is written** (when it is small): see
//! [`spawn_staged`]. Both measured with `benches/compare/node_overhead.mjs`
//! (`benches/README.md`, Node).
//!
//! Either way the closure is dropped on the JavaScript thread: what it captured — typed
//! arrays and Buffers borrowed from JavaScript — releases its JS reference there directly.
//! Dropped elsewhere, each such view would post its release back to the JavaScript thread
//! through a threadsafe function (one extra event-loop wake-up per array).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{OnceLock, mpsc};
use std::time::{Duration, Instant};

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

/// How many [`spawn_staged`] calls were settled before their `finish` ran (read by the test
/// suite through `bench.rs`).
pub(crate) static EARLY_SETTLEMENTS: AtomicU64 = AtomicU64::new(0);

/// Calls [`spawn`]ed so far in this process (a lingering rayon thread watches it).
static SPAWNED: AtomicU64 = AtomicU64::new(0);

/// The longest two rayon threads stay awake after a call for the next one to be spawned:
/// `FAIRMATCH_LINGER_US` microseconds (0 turns lingering off; at most 10,000), read once;
/// 100 µs when unset or not such a number.
fn linger() -> Duration {
    static LINGER: OnceLock<Duration> = OnceLock::new();
    *LINGER.get_or_init(|| {
        let us = std::env::var("FAIRMATCH_LINGER_US")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|&us| us <= 10_000)
            .unwrap_or(100);
        Duration::from_micros(us)
    })
}

thread_local! {
    /// Set while this thread lingers: a job it runs meanwhile does not linger in turn (so
    /// lingering never nests more than one job deep).
    static LINGERING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Waits while `calls` still reads `call` (no later call was spawned), for at most `limit`,
/// yielding the CPU. On a rayon thread it also runs the pool's pending work, and stops once it
/// has run a job: a lingering thread never holds up parallel work queued from elsewhere (a
/// libuv task's scan, a Rust caller). It leaves the jobs of its own deque alone, though — the
/// helper [`linger_after`] just pushed there is for another thread to steal —, and while one
/// is there it only yields (queued work then waits for another thread, or for the limit).
fn linger_for_next(calls: &AtomicU64, call: u64, limit: Duration) {
    if limit.is_zero() || LINGERING.get() {
        return;
    }
    LINGERING.set(true);
    let start = Instant::now();
    while calls.load(Ordering::Relaxed) == call && start.elapsed() < limit {
        let ran = if rayon_core::current_thread_has_pending_tasks() == Some(true) {
            None
        } else {
            rayon::yield_now()
        };
        if ran == Some(rayon::Yield::Executed) {
            break;
        }
        std::thread::yield_now();
    }
    LINGERING.set(false);
}

/// After call number `call`: this rayon thread and one more (the core's parallel scan
/// splits its work over two at least) stay awake for the next call, see [`linger`]. Not when
/// the call itself ran inside a lingering thread's wait.
fn linger_after(call: u64) {
    let limit = linger();
    if limit.is_zero() || LINGERING.get() {
        return;
    }
    if rayon::current_num_threads() > 1 {
        rayon::spawn(move || linger_for_next(&SPAWNED, call, limit));
    }
    linger_for_next(&SPAWNED, call, limit);
}

/// A settlement: run once on the JavaScript thread, it makes the value the Promise takes.
type Settle<T> = Box<dyn FnOnce(Env) -> napi::Result<Either<T, AsyncTask<Work<T>>>> + Send>;

/// A Promise of `f(On::Rayon)`, computed on the rayon pool and settled on the JavaScript
/// thread. When `f` answers `None` (it would have had to wait for a lock), the Promise
/// follows `f(On::Libuv)` computed on the libuv pool instead. A core error rejects with the
/// tagged error, a panic with `INTERNAL`; `f` is dropped on the JavaScript thread. The rayon
/// thread then lingers (see the module's documentation) for the next call.
pub(crate) fn spawn<T, F>(env: &Env, mut f: F) -> napi::Result<Object<'_>>
where
    T: Send + 'static + ToNapiValue + TypeName,
    F: FnMut(On) -> Option<fairmatch::Result<T>> + Send + 'static,
{
    spawn_staged(
        env,
        move |on| f(on).map(|r| r.map(Some)),
        |out: &mut Option<T>| Ok(out.take().expect("a result is finished once")),
        |_| false,
    )
}

/// [`spawn`] for a result that reaches JavaScript in two steps: `f` computes it on the pool,
/// `finish` turns it into what JavaScript receives (a tape), still on the pool. When
/// `early(&r)` holds — a result whose `finish` is short — the JavaScript thread is called
/// before `finish` runs, so that its wake-up (≈ 30 µs on the benchmark's virtual machine)
/// overlaps `finish` instead of following it; the settlement then waits for `finish`'s
/// output ([`handoff`]). The result itself is dropped on the pool after the settlement is
/// queued (it does not delay the Promise).
pub(crate) fn spawn_staged<R, T, F, G, E>(
    env: &Env,
    f: F,
    finish: G,
    early: E,
) -> napi::Result<Object<'_>>
where
    R: Send + 'static,
    T: Send + 'static + ToNapiValue + TypeName,
    F: FnMut(On) -> Option<fairmatch::Result<R>> + Send + 'static,
    G: FnMut(&mut R) -> fairmatch::Result<T> + Send + 'static,
    E: Fn(&R) -> bool + Send + 'static,
{
    let (deferred, promise) = env.create_deferred::<Either<T, AsyncTask<Work<T>>>, Settle<T>>()?;
    let (mut f, mut finish) = (f, finish);
    let call = SPAWNED.fetch_add(1, Ordering::Relaxed) + 1;
    rayon::spawn(move || {
        // `resolve` only queues the settlement for the JavaScript thread; should it ever
        // panic, the Promise stays pending rather than rayon aborting the process
        let resolve = |settle: Settle<T>| {
            let _ = catch_unwind(AssertUnwindSafe(|| deferred.resolve(settle)));
        };
        // `None`: `f` would have waited for a lock
        let ran = match catch_unwind(AssertUnwindSafe(|| {
            f(On::Rayon).map(|out| out.map(|r| (early(&r), r)))
        })) {
            Ok(out) => out.map(IntoNapi::napi),
            Err(p) => Some(Err(panic(p))),
        };
        match ran {
            Some(Ok((true, mut r))) => {
                EARLY_SETTLEMENTS.fetch_add(1, Ordering::Relaxed);
                let (tx, rx) = mpsc::sync_channel(1);
                resolve(Box::new(move |_env| {
                    drop(f);
                    handoff(&rx).map(Either::A)
                }));
                // a closed channel: the environment is gone (a terminated worker)
                let _ = tx.send(guard(|| finish(&mut r)));
                drop(r);
            }
            Some(Ok((false, mut r))) => {
                resolve(settled(f, guard(|| finish(&mut r))));
                drop(r);
            }
            Some(Err(e)) => resolve(settled(f, Err(e))),
            None => resolve(Box::new(move |_env| {
                Ok(Either::B(run(move || {
                    LIBUV_FALLBACKS.fetch_add(1, Ordering::Relaxed);
                    // a `None` here is a bug in `f`: the panic becomes an INTERNAL rejection
                    let mut r = f(On::Libuv)
                        .expect("a closure on the libuv pool may wait and answers Some")?;
                    finish(&mut r)
                })))
            })),
        }
        linger_after(call);
    });
    Ok(promise)
}

/// The settlement of a computed `out`; `f` (and what it captured) is dropped on the
/// JavaScript thread.
fn settled<T, F>(f: F, out: napi::Result<T>) -> Settle<T>
where
    T: Send + 'static + ToNapiValue + TypeName,
    F: Send + 'static,
{
    Box::new(move |_env| {
        drop(f);
        out.map(Either::A)
    })
}

/// How long the JavaScript thread polls for an early-settled result before it blocks.
const HANDOFF_SPIN: Duration = Duration::from_micros(50);

/// The output of an early settlement's `finish` (see [`spawn_staged`]), on the JavaScript
/// thread: polled for up to [`HANDOFF_SPIN`] — without a `pause` instruction, which under KVM
/// makes a polling vCPU exit to the hypervisor — then waited for. The wait is bounded by the
/// rest of one `finish` (the callers settle early only when that is short).
fn handoff<T>(rx: &mpsc::Receiver<napi::Result<T>>) -> napi::Result<T> {
    let start = Instant::now();
    let lost = || panic(Box::new("the result was lost on the rayon pool"));
    loop {
        match rx.try_recv() {
            Ok(out) => return out,
            Err(mpsc::TryRecvError::Disconnected) => return Err(lost()),
            Err(mpsc::TryRecvError::Empty) if start.elapsed() < HANDOFF_SPIN => {}
            Err(mpsc::TryRecvError::Empty) => return rx.recv().unwrap_or_else(|_| Err(lost())),
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lingering_thread_stops_at_the_next_call() {
        let calls = std::sync::Arc::new(AtomicU64::new(7));
        let c = calls.clone();
        let t = Instant::now();
        let waiter = std::thread::spawn(move || linger_for_next(&c, 7, Duration::from_secs(60)));
        std::thread::sleep(Duration::from_millis(20));
        calls.fetch_add(1, Ordering::Relaxed);
        waiter.join().unwrap();
        // it lingered until the call came, and not the full minute
        let waited = t.elapsed();
        assert!(waited >= Duration::from_millis(20), "{waited:?}");
        assert!(waited < Duration::from_secs(30), "{waited:?}");
    }

    #[test]
    fn a_lingering_thread_stops_at_its_limit_or_at_once() {
        let calls = AtomicU64::new(3);
        let t = Instant::now();
        linger_for_next(&calls, 3, Duration::from_millis(30));
        assert!(t.elapsed() >= Duration::from_millis(30));
        // a later call already spawned, or lingering off: no wait at all
        let t = Instant::now();
        linger_for_next(&calls, 2, Duration::from_secs(60));
        linger_for_next(&calls, 3, Duration::ZERO);
        assert!(t.elapsed() < Duration::from_secs(30));
        assert_eq!(calls.load(Ordering::Relaxed), 3);
    }

    fn one_thread_pool() -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
    }

    #[test]
    fn a_lingering_pool_thread_runs_queued_work_and_stops() {
        // one thread: the queued job can only run inside the lingering one's wait
        let pool = one_thread_pool();
        let (tx, rx) = mpsc::channel();
        let calls = std::sync::Arc::new(AtomicU64::new(7));
        let ran = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (c, r, tx2) = (calls.clone(), ran.clone(), tx.clone());
        pool.spawn(move || {
            let t = Instant::now();
            linger_for_next(&c, 7, Duration::from_secs(60));
            tx2.send(("lingered", t.elapsed(), r.load(Ordering::SeqCst)))
                .unwrap();
        });
        let r = ran.clone();
        pool.spawn(move || {
            // run while the first job lingers: it does not linger in turn
            let t = Instant::now();
            linger_for_next(&AtomicU64::new(1), 1, Duration::from_secs(60));
            r.store(true, Ordering::SeqCst);
            tx.send(("queued", t.elapsed(), true)).unwrap();
        });
        let first = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("work ran while lingering");
        let second = rx.recv_timeout(Duration::from_secs(30)).unwrap();
        assert_eq!(first.0, "queued");
        assert!(first.1 < Duration::from_secs(30), "{first:?}");
        assert_eq!(second.0, "lingered");
        assert!(second.1 < Duration::from_secs(30), "{second:?}");
        assert!(
            second.2,
            "the lingering thread stopped after the queued job ran"
        );
        assert_eq!(calls.load(Ordering::Relaxed), 7);
    }

    #[test]
    fn a_lingering_pool_thread_leaves_its_own_deque_alone() {
        // the job pushed onto the lingering thread's own deque (the helper of `linger_after`)
        // is for another thread: the wait runs to its limit without taking it
        let pool = one_thread_pool();
        let ran = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let r = ran.clone();
        let (waited, ran_before) = pool.install(move || {
            let r2 = r.clone();
            rayon::spawn(move || r2.store(true, Ordering::SeqCst));
            let t = Instant::now();
            linger_for_next(&AtomicU64::new(3), 3, Duration::from_millis(30));
            (t.elapsed(), r.load(Ordering::SeqCst))
        });
        assert!(waited >= Duration::from_millis(30), "{waited:?}");
        assert!(!ran_before);
        // and the pool runs it afterwards
        let t = Instant::now();
        while !ran.load(Ordering::SeqCst) && t.elapsed() < Duration::from_secs(30) {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert!(ran.load(Ordering::SeqCst));
    }
}
