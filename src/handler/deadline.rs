//! The time one request has: the invocation deadline, the margin kept back to send the answer,
//! and the grace between the end of the IAM calls and the watchdog.

use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::time::Instant;

/// `instant - duration`, or now if that is not representable (an Instant cannot go before
/// the clock's origin, shortly after boot).
pub(super) fn before(instant: Instant, duration: Duration) -> Instant {
    instant.checked_sub(duration).unwrap_or_else(Instant::now)
}

/// Between the end of a request's IAM calls and the watchdog's timed-out answer.
pub(super) const WORK_GRACE: Duration = Duration::from_millis(250);

/// Time kept back from the Lambda deadline to send the answer.
pub(super) fn safety_margin(remaining: Duration) -> Duration {
    (remaining / 10).clamp(Duration::from_millis(800), Duration::from_secs(10))
}

/// The invocation deadline as an Instant. Lambda sends milliseconds since the epoch; a value
/// too small to be one (cargo-lambda's emulator sends the timeout itself) is read as a duration.
pub(super) fn deadline_instant(deadline_ms: u64) -> Instant {
    const YEAR_2001_MS: u64 = 1_000_000_000_000;
    if deadline_ms < YEAR_2001_MS {
        return Instant::now() + Duration::from_millis(deadline_ms);
    }
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    Instant::now() + Duration::from_millis(deadline_ms.saturating_sub(now_ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_absolute_or_relative() {
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        let absolute = deadline_instant(now_ms + 30_000).saturating_duration_since(Instant::now());
        assert!(absolute > Duration::from_secs(29) && absolute <= Duration::from_secs(30));
        let relative = deadline_instant(600_000).saturating_duration_since(Instant::now());
        assert!(relative > Duration::from_secs(599));
        assert_eq!(
            deadline_instant(now_ms - 1_000).saturating_duration_since(Instant::now()),
            Duration::ZERO
        );
    }

    #[test]
    fn margin_is_bounded() {
        assert_eq!(
            safety_margin(Duration::from_secs(3)),
            Duration::from_millis(800)
        );
        assert_eq!(
            safety_margin(Duration::from_secs(60)),
            Duration::from_secs(6)
        );
        assert_eq!(
            safety_margin(Duration::from_secs(900)),
            Duration::from_secs(10)
        );
    }
}
