//! AWS credentials and the provider chain (SPEC §3).
//!
//! A [`Chain`] asks each [`Provider`] in turn; the first that yields keys wins. A provider
//! answers `Ok(None)` when it does not apply (its variables or profile keys are absent) and
//! `Err` when it applies but fails (a `credential_process` that exits non-zero): an error stops
//! the chain, as in the AWS SDKs, so a broken configuration is never silently skipped. When no
//! provider applies, requests go out unsigned ([`Resolved::Anonymous`]).
//!
//! [`CachedCredentials`] keeps the result until shortly before it expires and lets concurrent
//! threads share one refresh. Cloud providers (STS, web identity, SSO, ECS, IMDS) plug in as
//! further [`Provider`]s without changes to callers.

pub mod environment;
pub mod process;
pub mod profile;

use std::fmt;
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;

use crate::env::Env;

/// A secret string whose `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wrap a secret.
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    /// The secret itself, for signing. Never print it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"** redacted **\"")
    }
}

/// A set of AWS keys.
#[derive(Clone)]
pub struct Credentials {
    /// The access key id (not secret; shown in `Debug` and `whoami`).
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: Secret,
    /// A session token for temporary credentials.
    pub session_token: Option<Secret>,
    /// When temporary credentials stop working.
    pub expiration: Option<OffsetDateTime>,
    /// Which provider supplied them, e.g. `environment`, `profile default`.
    pub provider: String,
}

impl Credentials {
    /// Static keys.
    pub fn new(access_key_id: impl Into<String>, secret_access_key: impl Into<String>, session_token: Option<String>, provider: impl Into<String>) -> Self {
        Credentials {
            access_key_id: access_key_id.into(),
            secret_access_key: Secret::new(secret_access_key),
            session_token: session_token.filter(|t| !t.is_empty()).map(Secret::new),
            expiration: None,
            provider: provider.into(),
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &self.secret_access_key)
            .field("session_token", &self.session_token.as_ref().map(|_| "** redacted **"))
            .field("expiration", &self.expiration)
            .field("provider", &self.provider)
            .finish()
    }
}

/// What the chain resolved to.
#[derive(Clone, Debug)]
pub enum Resolved {
    /// Sign requests with these keys.
    Keys(Credentials),
    /// No provider applied: send unsigned requests (public buckets).
    Anonymous,
}

/// A provider applied but could not produce credentials.
#[derive(Debug)]
pub struct CredentialsError {
    /// The provider, e.g. `profile default: credential_process`.
    pub provider: String,
    /// What went wrong, in words a user can act on.
    pub message: String,
    /// The underlying error, if any.
    pub source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl CredentialsError {
    /// A new error without a source.
    pub fn new(provider: impl Into<String>, message: impl Into<String>) -> Self {
        CredentialsError { provider: provider.into(), message: message.into(), source: None }
    }
    /// Attach a source.
    pub fn with_source(mut self, e: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(e));
        self
    }
}

impl fmt::Display for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "credentials from {}: {}", self.provider, self.message)
    }
}

impl std::error::Error for CredentialsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// What a provider gets to look at.
pub struct Context<'a> {
    /// Environment variables and files.
    pub env: &'a dyn Env,
    /// The profile named in the store URL (`profile=`), if any; otherwise `AWS_PROFILE`, then
    /// `default` apply.
    pub profile: Option<&'a str>,
    /// The current time (for expiry checks).
    pub now: OffsetDateTime,
}

/// One source of credentials.
pub trait Provider: Send + Sync {
    /// A short name for messages and `whoami`.
    fn name(&self) -> &str;
    /// `Ok(None)` when this provider does not apply.
    fn provide(&self, ctx: &Context<'_>) -> Result<Option<Credentials>, CredentialsError>;
}

/// Providers asked in order.
pub struct Chain {
    providers: Vec<Box<dyn Provider>>,
}

impl Chain {
    /// The chain of SPEC §3 as far as it is built: environment keys, then the profile
    /// (static keys, `credential_process`).
    pub fn default_chain() -> Self {
        Chain { providers: vec![Box::new(environment::EnvironmentProvider), Box::new(profile::ProfileProvider)] }
    }
    /// A chain of the given providers.
    pub fn new(providers: Vec<Box<dyn Provider>>) -> Self {
        Chain { providers }
    }
    /// Add a provider at the end.
    pub fn push(&mut self, p: Box<dyn Provider>) {
        self.providers.push(p);
    }
    /// Ask each provider in turn.
    pub fn resolve(&self, ctx: &Context<'_>) -> Result<Resolved, CredentialsError> {
        for p in &self.providers {
            if let Some(c) = p.provide(ctx)? {
                crate::log::debug(&format!("credentials from {} (key id {})", c.provider, c.access_key_id));
                return Ok(Resolved::Keys(c));
            }
        }
        crate::log::debug("no credentials found in the environment or the AWS profile: sending unsigned requests");
        Ok(Resolved::Anonymous)
    }
}

/// Credentials are refreshed this long before they expire.
pub const REFRESH_BEFORE_EXPIRY: time::Duration = time::Duration::minutes(5);

/// A chain with its result cached until shortly before expiry; cheap to clone and share
/// between threads, which then share one refresh.
#[derive(Clone)]
pub struct CachedCredentials {
    inner: Arc<CacheInner>,
}

struct CacheInner {
    chain: Chain,
    env: Arc<dyn Env>,
    profile: Option<String>,
    cached: Mutex<Option<(Resolved, Option<OffsetDateTime>)>>,
}

/// When to resolve again: [`REFRESH_BEFORE_EXPIRY`] before expiry; for credentials that
/// arrive with less time than that left, half of what is left (at least 10 s before expiry),
/// so short-lived credentials are used rather than fetched again on every request.
fn refresh_at(r: &Resolved, now: OffsetDateTime) -> Option<OffsetDateTime> {
    let Resolved::Keys(Credentials { expiration: Some(exp), .. }) = r else { return None };
    let normal = *exp - REFRESH_BEFORE_EXPIRY;
    if normal > now {
        Some(normal)
    } else {
        let left: time::Duration = *exp - now;
        let halfway: OffsetDateTime = now + left / 2;
        Some(halfway.min(*exp - time::Duration::seconds(10)))
    }
}

impl CachedCredentials {
    /// Cache the result of `chain` for the given environment and profile.
    pub fn new(chain: Chain, env: Arc<dyn Env>, profile: Option<String>) -> Self {
        CachedCredentials { inner: Arc::new(CacheInner { chain, env, profile, cached: Mutex::new(None) }) }
    }

    /// Fixed credentials, never refreshed (tests, and callers that resolved them elsewhere).
    pub fn fixed(resolved: Resolved) -> Self {
        let c = CachedCredentials::new(Chain::new(Vec::new()), Arc::new(crate::env::FakeEnv::new()), None);
        *c.inner.cached.lock().unwrap_or_else(|e| e.into_inner()) = Some((resolved, None));
        c
    }

    /// The current credentials, resolving or refreshing them when needed. The lock is held
    /// while resolving, so concurrent callers wait for one refresh instead of starting their own.
    pub fn get(&self, now: OffsetDateTime) -> Result<Resolved, CredentialsError> {
        let mut guard = self.inner.cached.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((r, refresh)) = guard.as_ref() {
            if refresh.is_none_or(|at| now < at) {
                return Ok(r.clone());
            }
        }
        let ctx = Context { env: &*self.inner.env, profile: self.inner.profile.as_deref(), now };
        let r = self.inner.chain.resolve(&ctx)?;
        *guard = Some((r.clone(), refresh_at(&r, now)));
        Ok(r)
    }
}

impl fmt::Debug for CachedCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedCredentials").field("profile", &self.inner.profile).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Hands out keys expiring `ttl` after `now`, counting calls.
    struct Counting {
        calls: Arc<AtomicUsize>,
        ttl: time::Duration,
    }

    impl Provider for Counting {
        fn name(&self) -> &str {
            "counting"
        }
        fn provide(&self, ctx: &Context<'_>) -> Result<Option<Credentials>, CredentialsError> {
            let n = self.calls.fetch_add(1, Ordering::SeqCst);
            let mut c = Credentials::new(format!("AK{n}"), "SK", None, "counting");
            c.expiration = Some(ctx.now + self.ttl);
            Ok(Some(c))
        }
    }

    fn cache(ttl: time::Duration) -> (CachedCredentials, Arc<AtomicUsize>) {
        let calls = Arc::new(AtomicUsize::new(0));
        let chain = Chain::new(vec![Box::new(Counting { calls: calls.clone(), ttl })]);
        (CachedCredentials::new(chain, Arc::new(crate::env::FakeEnv::new()), None), calls)
    }

    fn key(r: Resolved) -> String {
        match r {
            Resolved::Keys(c) => c.access_key_id,
            Resolved::Anonymous => "anonymous".into(),
        }
    }

    #[test]
    fn cached_until_shortly_before_expiry() {
        let t0 = OffsetDateTime::UNIX_EPOCH;
        let (c, calls) = cache(time::Duration::hours(1));
        assert_eq!(key(c.get(t0).unwrap()), "AK0");
        assert_eq!(key(c.get(t0 + time::Duration::minutes(54)).unwrap()), "AK0");
        assert_eq!(key(c.get(t0 + time::Duration::minutes(56)).unwrap()), "AK1");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn short_lived_credentials_are_not_fetched_on_every_call() {
        let t0 = OffsetDateTime::UNIX_EPOCH;
        let (c, calls) = cache(time::Duration::minutes(2));
        for s in [0, 10, 30, 59] {
            assert_eq!(key(c.get(t0 + time::Duration::seconds(s)).unwrap()), "AK0");
        }
        assert_eq!(key(c.get(t0 + time::Duration::seconds(61)).unwrap()), "AK1");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn concurrent_callers_share_one_refresh() {
        let (c, calls) = cache(time::Duration::hours(1));
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| c.get(OffsetDateTime::UNIX_EPOCH).unwrap());
            }
        });
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn debug_never_shows_secrets() {
        let c = Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", Some("TOKENVALUE".into()), "test");
        let d = format!("{c:?}");
        assert_eq!(
            d,
            "Credentials { access_key_id: \"AKIDEXAMPLE\", secret_access_key: \"** redacted **\", session_token: Some(\"** redacted **\"), expiration: None, provider: \"test\" }"
        );
        assert!(!d.contains("EXAMPLEKEY") && !d.contains("TOKENVALUE"));
    }
}
