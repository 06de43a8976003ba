//! When to retry and how long to wait (SPEC §5).
//!
//! Retried: HTTP 408, 429 and 5xx; S3 codes `InternalError`, `RequestTimeout`,
//! `RequestTimeTooSkewed`, `SlowDown`, `ServiceUnavailable`, `Throttling*`, `IncompleteBody`;
//! connection failures. The wait before attempt `n + 1` is drawn uniformly from
//! `[0, min(cap, base · 2ⁿ)]` ("full jitter"), and never shorter than a `Retry-After` the server
//! sent.

use std::time::Duration;

/// How many times and how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (Nix's `download-attempts`, default 5).
    pub max_attempts: u32,
    /// The first backoff ceiling.
    pub base: Duration,
    /// The largest backoff ceiling.
    pub cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { max_attempts: 5, base: Duration::from_millis(250), cap: Duration::from_secs(20) }
    }
}

/// The most a `Retry-After` header can make us wait.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

impl RetryPolicy {
    /// The wait after failed attempt number `attempt` (1-based), given a uniform random
    /// `unit` in `[0, 1)` and the server's `Retry-After`.
    pub fn backoff(&self, attempt: u32, unit: f64, retry_after: Option<Duration>) -> Duration {
        let ceiling = self.base.saturating_mul(1u32.checked_shl(attempt.saturating_sub(1)).unwrap_or(u32::MAX)).min(self.cap);
        let jittered = ceiling.mul_f64(unit.clamp(0.0, 1.0));
        match retry_after {
            Some(floor) => jittered.max(floor.min(MAX_RETRY_AFTER)),
            None => jittered,
        }
    }
}

/// Whether a status and S3 error code are worth another attempt.
pub fn is_retryable(status: u16, code: Option<&str>) -> bool {
    if matches!(status, 408 | 429) || (500..600).contains(&status) && status != 501 {
        return true;
    }
    match code {
        Some(c) => {
            matches!(c, "InternalError" | "RequestTimeout" | "RequestTimeTooSkewed" | "SlowDown" | "ServiceUnavailable" | "IncompleteBody")
                || c.starts_with("Throttling")
        }
        None => false,
    }
}

/// `Retry-After` in seconds (the HTTP-date form is not used by S3 servers and is ignored).
pub fn parse_retry_after(v: &str) -> Option<Duration> {
    v.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// A uniform number in `[0, 1)` from the standard library's per-process random keys; enough
/// for jitter, not for cryptography.
pub fn jitter_unit() -> f64 {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_jitter_grows_and_caps() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff(1, 0.999_999, None), Duration::from_millis(250).mul_f64(0.999_999));
        assert_eq!(p.backoff(3, 0.5, None), Duration::from_millis(500));
        assert_eq!(p.backoff(30, 1.0, None), Duration::from_secs(20));
        assert_eq!(p.backoff(3, 0.0, None), Duration::ZERO);
    }

    #[test]
    fn retry_after_is_a_floor() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff(1, 0.1, Some(Duration::from_secs(3))), Duration::from_secs(3));
        assert_eq!(p.backoff(1, 0.1, Some(Duration::from_secs(3600))), MAX_RETRY_AFTER);
        assert_eq!(parse_retry_after(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }

    #[test]
    fn what_is_retried() {
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(is_retryable(s, None), "{s}");
        }
        for s in [400, 401, 403, 404, 409, 412, 501] {
            assert!(!is_retryable(s, None), "{s}");
        }
        for c in ["InternalError", "RequestTimeout", "RequestTimeTooSkewed", "SlowDown", "ServiceUnavailable", "ThrottlingException", "IncompleteBody"] {
            assert!(is_retryable(400, Some(c)) && is_retryable(200, Some(c)), "{c}");
        }
        assert!(!is_retryable(403, Some("AccessDenied")));
    }

    #[test]
    fn jitter_is_in_range_and_varies() {
        let xs: Vec<f64> = (0..100).map(|_| jitter_unit()).collect();
        assert!(xs.iter().all(|x| (0.0..1.0).contains(x)));
        assert!(xs.windows(2).any(|w| w[0] != w[1]));
    }
}
