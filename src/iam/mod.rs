//! A thin adapter over `aws-sdk-iam`: read the actual state (`read.rs`), run planned operations
//! (`apply.rs`), and the one retry policy for IAM's transient errors (`Session::call`, here).
//! Nothing else.
//!
//! The SDK's own retries are turned off (`main.rs`): every attempt goes through `Session::call`,
//! which decides alone whether to try again and counts each attempt for the logs.

mod apply;
mod error;
mod read;

pub use ecs_iam_roles_core::action::Action;
pub use error::{ApplyError, IamError, Origin};
pub use read::{parse_document, Names};

use aws_sdk_iam::config::http::HttpResponse;
use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_iam::Client;
use error::{classify, to_iam_error, Missing, Retry};
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::time::Instant;

/// How long IAM may take to make a new role, policy or principal visible everywhere: calls
/// that find it missing (or a trust that calls it invalid) are retried this long. Terraform's
/// AWS provider waits 2 minutes for the same cases.
pub const PROPAGATION_WINDOW: Duration = Duration::from_secs(120);

/// One attempt never waits longer than this for IAM's answer.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(20);

/// Time kept back, of what the request has left, for taking back what a failed request made:
/// retries of the forward work stop this much before the request's deadline.
fn rollback_reserve(remaining: Duration) -> Duration {
    (remaining / 4).clamp(Duration::from_millis(1_500), Duration::from_secs(60))
}

/// At most this many IAM calls of one request are in flight at once: enough for all the reads
/// of every kind at once in one round trip (52 for a Delete: four per role, two per policy, one
/// per instance profile), few enough to stay a short burst.
pub const MAX_CONCURRENT_CALLS: usize = 64;

/// The IAM calls of one request, bounded by its deadline and counted for the logs.
pub struct Session<'a> {
    client: &'a Client,
    /// No IAM call runs past this.
    deadline: Instant,
    /// Retries of the forward work stop here, leaving time to take it back.
    retry_horizon: Instant,
    /// Set once the request is taking back or tearing down: its retries may use all the time.
    cleaning_up: AtomicBool,
    in_flight: tokio::sync::Semaphore,
    writes: AtomicUsize,
    retries: AtomicUsize,
    /// Attempts per IAM action (retries included), for the log: keyed by IAM's name so the log
    /// lists them alphabetically.
    by_action: std::sync::Mutex<BTreeMap<&'static str, usize>>,
}

impl<'a> Session<'a> {
    pub fn new(client: &'a Client, deadline: Instant) -> Self {
        let remaining = deadline.saturating_duration_since(Instant::now());
        Session {
            client,
            deadline,
            retry_horizon: deadline - rollback_reserve(remaining).min(remaining),
            cleaning_up: AtomicBool::new(false),
            in_flight: tokio::sync::Semaphore::new(MAX_CONCURRENT_CALLS),
            writes: AtomicUsize::new(0),
            retries: AtomicUsize::new(0),
            by_action: Default::default(),
        }
    }

    /// When this request's IAM work must be done.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// From now on the request only takes back or removes: its retries may run until the
    /// deadline instead of stopping early to leave room for a rollback.
    pub fn start_cleanup(&self) {
        self.cleaning_up.store(true, Ordering::Relaxed);
    }

    fn retry_horizon(&self) -> Instant {
        if self.cleaning_up.load(Ordering::Relaxed) {
            self.deadline
        } else {
            self.retry_horizon
        }
    }

    /// Every attempt of every call, retries included.
    pub fn calls(&self) -> usize {
        self.by_action.lock().expect("not poisoned").values().sum()
    }

    pub fn writes(&self) -> usize {
        self.writes.load(Ordering::Relaxed)
    }

    /// Attempts that were retries of a failed one.
    pub fn retries(&self) -> usize {
        self.retries.load(Ordering::Relaxed)
    }

    /// The attempts per IAM action, in alphabetical order.
    pub fn calls_by_action(&self) -> BTreeMap<&'static str, usize> {
        self.by_action.lock().expect("not poisoned").clone()
    }

    /// One IAM call under the one retry policy: each attempt is counted and bounded by the
    /// deadline; a failure is retried, after a fully jittered growing wait, only if `classify`
    /// says so and the wait ends before the retry horizon (for propagation, also within
    /// `PROPAGATION_WINDOW` of the first attempt).
    async fn call<T, E, F, Fut>(
        &self,
        action: Action,
        target: &str,
        missing: Missing,
        f: F,
    ) -> Result<T, IamError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let first = Instant::now();
        let mut attempt = 0u32;
        let mut uncertain = false;
        loop {
            *self
                .by_action
                .lock()
                .expect("not poisoned")
                .entry(action.as_str())
                .or_default() += 1;
            let permit = self.in_flight.acquire().await.expect("never closed");
            // The forward work's attempts also end at the retry horizon: a hanging call must
            // leave the rollback its time, as a retry must.
            let attempt_end = self.retry_horizon().min(Instant::now() + ATTEMPT_TIMEOUT);
            let outcome = tokio::time::timeout_at(attempt_end, f()).await;
            drop(permit);
            let mut err = match outcome {
                Ok(Ok(value)) => return Ok(value),
                Ok(Err(err)) => to_iam_error(action, target, err),
                Err(_) => IamError {
                    action,
                    target: target.to_string(),
                    code: String::new(),
                    message: format!("timed out: IAM did not answer within {} s or in the time the request had left", ATTEMPT_TIMEOUT.as_secs()),
                    origin: Origin::Transport,
                    after_uncertain_attempt: false,
                },
            };
            err.after_uncertain_attempt = uncertain;
            uncertain |= matches!(err.origin, Origin::Transport)
                || matches!(err.origin, Origin::Service { status } if status >= 500);
            attempt += 1;
            let wait = backoff(attempt);
            let horizon = match classify(&err, missing) {
                Retry::No => return Err(err),
                Retry::Transient => self.retry_horizon(),
                Retry::Propagation => self.retry_horizon().min(first + PROPAGATION_WINDOW),
            };
            if Instant::now() + wait >= horizon {
                return Err(err);
            }
            self.retries.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(action = action.as_str(), target, code = %err.code, iam_message = %err.message, attempt, wait_ms = wait.as_millis() as u64, "retrying IAM call");
            tokio::time::sleep(wait).await;
        }
    }
}

/// The wait before retry `attempt` (1, 2, …): "full jitter", uniformly random up to a cap
/// that doubles from 200 ms to 5 s, so many stacks throttled together spread out.
fn backoff(attempt: u32) -> Duration {
    let cap_ms = (200u64 << attempt.saturating_sub(1).min(5)).min(5_000);
    Duration::from_millis(random_below(cap_ms + 1))
}

/// A random number below `bound`: std's `RandomState` is keyed from the operating system's
/// random source (per thread, then stepped), which is all the jitter needs.
fn random_below(bound: u64) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(bound);
    hasher.finish() % bound.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_jittered_and_bounded() {
        let waits: Vec<Duration> = (0..200).map(|_| backoff(1)).collect();
        assert!(waits.iter().all(|w| *w <= Duration::from_millis(200)));
        assert!(waits.iter().any(|w| *w != waits[0]), "jittered");
        assert!((0..200).all(|_| backoff(30) <= Duration::from_secs(5)));
        let late: Duration = (0..200).map(|_| backoff(30)).sum();
        assert!(
            late / 200 > Duration::from_millis(1_500),
            "grows: mean {:?}",
            late / 200
        );
    }

    #[test]
    fn rollback_reserve_is_bounded() {
        assert_eq!(
            rollback_reserve(Duration::from_secs(2)),
            Duration::from_millis(1_500)
        );
        assert_eq!(
            rollback_reserve(Duration::from_secs(60)),
            Duration::from_secs(15)
        );
        assert_eq!(
            rollback_reserve(Duration::from_secs(900)),
            Duration::from_secs(60)
        );
    }
}
