//! The S3 layer's error type.

use std::fmt;

use crate::s3::credentials::CredentialsError;

/// What went wrong talking to S3. Every variant carries what a user needs to act: the
/// operation, bucket and key, the HTTP status, S3's error code, message and request id.
#[derive(Debug)]
pub enum Error {
    /// The server answered with an error (or a 200 carrying an `<Error>` document).
    Service(Box<ServiceError>),
    /// No answer: connection refused, DNS, TLS, timeout, reset.
    Transport {
        /// The operation, e.g. `GetObject`.
        op: &'static str,
        /// Where it was sent (no query string, so never a presigned signature).
        target: String,
        /// The underlying error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Credentials could not be resolved.
    Credentials(CredentialsError),
    /// A configuration value is wrong (store URL parameter, endpoint, region).
    Config(crate::s3::url::ConfigError),
    /// A response body could not be understood.
    Response {
        /// The operation.
        op: &'static str,
        /// What was wrong.
        message: String,
    },
    /// Reading the local body or writing the downloaded one failed.
    Io {
        /// What was being done, e.g. `reading /tmp/file`.
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// An error answer from the server.
#[derive(Debug, Clone, Default)]
pub struct ServiceError {
    /// The operation, e.g. `PutObject`.
    pub op: &'static str,
    /// HTTP status (200 for an `<Error>` document in a 200 response).
    pub status: u16,
    /// S3's error code, e.g. `NoSuchKey` (absent for HEAD, which has no body).
    pub code: Option<String>,
    /// S3's message.
    pub message: Option<String>,
    /// `x-amz-request-id` or `<RequestId>`.
    pub request_id: Option<String>,
    /// The bucket.
    pub bucket: String,
    /// The key, when the operation has one.
    pub key: Option<String>,
    /// The region the server says the bucket lives in (region redirects).
    pub region_hint: Option<String>,
}

impl Error {
    /// True for "the object is not there": 404 or 410, or S3 codes `NoSuchKey`/`NotFound`.
    pub fn is_not_found(&self) -> bool {
        match self {
            Error::Service(e) => {
                matches!(e.status, 404 | 410) && e.code.as_deref() != Some("NoSuchBucket") || matches!(e.code.as_deref(), Some("NoSuchKey" | "NotFound"))
            }
            _ => false,
        }
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Service(e) => Some(e.status),
            _ => None,
        }
    }

    /// The S3 error code, when the server sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Service(e) => e.code.as_deref(),
            _ => None,
        }
    }

    /// True for 401/403 and the S3 codes that mean the keys or signature are wrong.
    pub fn is_auth(&self) -> bool {
        match self {
            Error::Service(e) => {
                matches!(e.status, 401 | 403 | 407)
                    || matches!(e.code.as_deref(), Some("AccessDenied" | "InvalidAccessKeyId" | "SignatureDoesNotMatch" | "InvalidToken" | "ExpiredToken"))
            }
            Error::Credentials(_) => true,
            _ => false,
        }
    }

    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io { context: context.into(), source }
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} s3://{}", self.op, self.bucket)?;
        if let Some(k) = &self.key {
            write!(f, "/{k}")?;
        }
        write!(f, ": HTTP {}", self.status)?;
        if let Some(c) = &self.code {
            write!(f, " {c}")?;
        }
        if let Some(m) = self.message.as_deref().filter(|m| !m.is_empty()) {
            write!(f, ": {m}")?;
        }
        let hint = match (self.status, self.code.as_deref()) {
            (_, Some("SignatureDoesNotMatch")) => Some("the secret access key is wrong for this access key id, or the region differs from the server's"),
            (_, Some("InvalidAccessKeyId")) => Some("the server does not know this access key id"),
            (_, Some("AuthorizationHeaderMalformed")) => Some("check the region= parameter"),
            (_, Some("NoSuchBucket")) => Some("the bucket does not exist"),
            (401 | 403, None) => Some("access denied: check the credentials, the bucket policy and the region"),
            _ => None,
        };
        if let Some(h) = hint {
            write!(f, " ({h})")?;
        }
        if let Some(r) = &self.request_id {
            write!(f, " [request id {r}]")?;
        }
        Ok(())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Service(e) => e.fmt(f),
            Error::Transport { op, target, source } => {
                write!(f, "{op} {target}: {source}")?;
                // ureq's messages are terse; add the innermost cause when there is one.
                let mut inner = source.source();
                while let Some(s) = inner {
                    write!(f, ": {s}")?;
                    inner = s.source();
                }
                Ok(())
            }
            Error::Credentials(e) => e.fmt(f),
            Error::Config(e) => e.fmt(f),
            Error::Response { op, message } if message.starts_with(op) => write!(f, "unexpected response: {message}"),
            Error::Response { op, message } => write!(f, "{op}: {message}"),
            Error::Io { context, source } => write!(f, "{context}: {source}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport { source, .. } => Some(source.as_ref()),
            Error::Credentials(e) => Some(e),
            Error::Config(e) => Some(e),
            Error::Io { source, .. } => Some(source),
            Error::Service(_) | Error::Response { .. } => None,
        }
    }
}

impl From<CredentialsError> for Error {
    fn from(e: CredentialsError) -> Self {
        Error::Credentials(e)
    }
}

impl From<crate::s3::url::ConfigError> for Error {
    fn from(e: crate::s3::url::ConfigError) -> Self {
        Error::Config(e)
    }
}
