//! The one place with network I/O: a blocking HTTP/1.1 client over `ureq`.
//!
//! One [`Transport`] holds one `ureq` agent, so connections are pooled and reused across
//! requests and threads. It knows nothing of S3: it sends a method, URL, headers and a body
//! (none, bytes, or a reader of known length) and hands back the status, headers and a body
//! reader. Settings:
//! - connect timeout (Nix: 15 s here), and a stall timeout applied to every single read and
//!   write on the socket, so a transfer that stops moving fails while a slow one goes on;
//! - proxies from `HTTPS_PROXY`/`https_proxy` (for https endpoints), `HTTP_PROXY`/`http_proxy`
//!   (for http), `ALL_PROXY`/`all_proxy` as a fallback, and `NO_PROXY`/`no_proxy`
//!   (comma-separated hosts, `.suffix`, `*`);
//! - the CA bundle named by `NIX_SSL_CERT_FILE`, else `SSL_CERT_FILE`, trusted in addition to
//!   the built-in Mozilla roots;
//! - no redirects followed (S3 region redirects are handled by the client), no automatic
//!   decompression (bodies arrive byte for byte as stored), no status treated as an error.

use std::io::{self, Read};
use std::time::Duration;

use crate::env::Env;

/// Settings of a [`Transport`]; every field says its default.
#[derive(Debug, Clone)]
pub struct TransportConfig {
    /// Time to open a TCP connection (and TLS handshake). Default 15 s.
    pub connect_timeout: Duration,
    /// Longest wait for any single read or write on the socket. Default 300 s, Nix's
    /// `stalled-download-timeout`.
    pub stall_timeout: Duration,
    /// Idle connections kept per host. Default 16.
    pub max_idle_per_host: usize,
    /// `User-Agent`. Default `nixbucket/VERSION`.
    pub user_agent: String,
}

impl Default for TransportConfig {
    fn default() -> Self {
        TransportConfig {
            connect_timeout: Duration::from_secs(15),
            stall_timeout: Duration::from_secs(300),
            max_idle_per_host: 16,
            user_agent: concat!("nixbucket/", env!("CARGO_PKG_VERSION")).to_string(),
        }
    }
}

/// A request body.
pub enum Body<'a> {
    /// No body (`Content-Length` is not sent).
    Empty,
    /// Bytes in memory.
    Bytes(&'a [u8]),
    /// A reader that yields exactly `len` bytes.
    Reader {
        /// The data.
        reader: &'a mut dyn Read,
        /// Its length, sent as `Content-Length`.
        len: u64,
    },
}

/// What is sent.
pub struct Request<'a> {
    /// `GET`, `PUT`, …
    pub method: &'a str,
    /// The full URL, already encoded.
    pub url: &'a str,
    /// Headers, sent as given (with `Host` among them when it must match a signature).
    pub headers: &'a [(String, String)],
    /// The body.
    pub body: Body<'a>,
}

/// What came back.
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// Headers, names lowercased.
    pub headers: Vec<(String, String)>,
    body: Box<dyn Read + Send>,
}

impl Response {
    /// The first value of a header (name in lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The body, refusing more than `cap` bytes.
    pub fn read_body(self, cap: usize) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        self.body.take(cap as u64 + 1).read_to_end(&mut out)?;
        if out.len() > cap {
            return Err(io::Error::new(io::ErrorKind::InvalidData, format!("response body is larger than {cap} bytes")));
        }
        Ok(out)
    }

    /// The body as a stream.
    pub fn into_reader(self) -> Box<dyn Read + Send> {
        self.body
    }
}

/// A connection pool and its settings.
#[derive(Clone)]
pub struct Transport {
    agent: ureq::Agent,
    proxy_note: Option<String>,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport").field("proxy", &self.proxy_note).finish_non_exhaustive()
    }
}

/// The transport could not be set up (bad proxy URL, unreadable CA bundle).
#[derive(Debug)]
pub struct SetupError(pub String);

impl std::fmt::Display for SetupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SetupError {}

/// The error of [`Transport::send`].
pub type SendError = Box<dyn std::error::Error + Send + Sync>;

impl Transport {
    /// A transport for requests to `scheme` (`http` or `https`) endpoints.
    pub fn new(cfg: &TransportConfig, env: &dyn Env, scheme: &str) -> Result<Transport, SetupError> {
        let proxy = proxy_from_env(env, scheme)?;
        let proxy_note = proxy.as_ref().map(|p| format!("{}:{}", p.host(), p.port()));
        let mut tls = ureq::tls::TlsConfig::builder();
        if let Some(certs) = extra_roots(env)? {
            tls = tls.root_certs(ureq::tls::RootCerts::new_with_certs(&certs));
        }
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(cfg.user_agent.as_str())
            .accept("")
            .accept_encoding("")
            .proxy(proxy)
            .timeout_connect(Some(cfg.connect_timeout))
            .timeout_per_read(Some(cfg.stall_timeout))
            .timeout_per_write(Some(cfg.stall_timeout))
            .max_idle_connections_per_host(cfg.max_idle_per_host)
            .max_idle_connections(cfg.max_idle_per_host * 4)
            .max_response_header_size(256 * 1024)
            .tls_config(tls.build())
            .build();
        Ok(Transport { agent: ureq::Agent::new_with_config(config), proxy_note })
    }

    /// The proxy in use, as `host:port`, if any.
    pub fn proxy(&self) -> Option<&str> {
        self.proxy_note.as_deref()
    }

    /// Send one request.
    pub fn send(&self, req: Request<'_>) -> Result<Response, SendError> {
        let mut b = ureq::http::Request::builder().method(req.method).uri(req.url);
        for (k, v) in req.headers {
            b = b.header(k.as_str(), v.as_str());
        }
        let res = match req.body {
            Body::Empty => self.agent.run(b.body(())?),
            Body::Bytes(bytes) => self.agent.run(b.header("content-length", bytes.len().to_string()).body(bytes)?),
            Body::Reader { reader, len } => {
                let body = ureq::SendBody::from_reader(reader);
                self.agent.run(b.header("content-length", len.to_string()).body(body)?)
            }
        }?;
        let status = res.status().as_u16();
        let headers = res.headers().iter().map(|(k, v)| (k.as_str().to_ascii_lowercase(), String::from_utf8_lossy(v.as_bytes()).into_owned())).collect();
        let body = res.into_body().into_reader();
        Ok(Response { status, headers, body: Box::new(body) })
    }
}

fn first_var(env: &dyn Env, names: &[&str]) -> Option<String> {
    names.iter().find_map(|n| env.var_nonempty(n))
}

fn proxy_from_env(env: &dyn Env, scheme: &str) -> Result<Option<ureq::Proxy>, SetupError> {
    let url = if scheme == "https" {
        first_var(env, &["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"])
    } else {
        first_var(env, &["http_proxy", "HTTP_PROXY", "ALL_PROXY", "all_proxy"])
    };
    let Some(url) = url else { return Ok(None) };
    let no_proxy = first_var(env, &["NO_PROXY", "no_proxy"]).unwrap_or_default();
    let entries: Vec<&str> = no_proxy.split(',').map(str::trim).filter(|e| !e.is_empty()).collect();
    if entries.contains(&"*") {
        return Ok(None);
    }
    let parsed = ureq::Proxy::new(&url).map_err(|e| SetupError(format!("proxy URL from the environment is not usable: {e}")))?;
    let mut b = ureq::Proxy::builder(parsed.protocol()).host(parsed.host()).port(parsed.port());
    if let Some(u) = parsed.username() {
        b = b.username(u);
    }
    if let Some(p) = parsed.password() {
        b = b.password(p);
    }
    for e in entries {
        // curl treats ".example.com" and "example.com" alike: the domain and its subdomains.
        let domain = e.trim_start_matches('.');
        b = b.no_proxy(domain).no_proxy(&format!(".{domain}"));
    }
    b.build().map(Some).map_err(|e| SetupError(format!("proxy from the environment: {e}")))
}

fn extra_roots(env: &dyn Env) -> Result<Option<Vec<ureq::tls::Certificate<'static>>>, SetupError> {
    let Some((var, path)) = ["NIX_SSL_CERT_FILE", "SSL_CERT_FILE"].iter().find_map(|v| env.var_nonempty(v).map(|p| (*v, p))) else {
        return Ok(None);
    };
    let pem = env.read_file(std::path::Path::new(&path)).map_err(|e| SetupError(format!("{var}={path}: {e}")))?;
    let mut certs: Vec<ureq::tls::Certificate<'static>> =
        webpki_root_certs::TLS_SERVER_ROOT_CERTS.iter().map(|c| ureq::tls::Certificate::from_der(c.as_ref()).to_owned()).collect();
    let before = certs.len();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(ureq::tls::PemItem::Certificate(c)) => certs.push(c),
            Ok(_) => {}
            Err(e) => return Err(SetupError(format!("{var}={path}: not a PEM certificate bundle: {e}"))),
        }
    }
    if certs.len() == before {
        return Err(SetupError(format!("{var}={path}: no certificates in the file")));
    }
    Ok(Some(certs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::FakeEnv;

    #[test]
    fn proxy_selection_follows_the_scheme() {
        let env = FakeEnv::new().with_var("HTTPS_PROXY", "http://secure-proxy:3128").with_var("http_proxy", "http://plain-proxy:8080");
        assert_eq!(proxy_from_env(&env, "https").unwrap().unwrap().host(), "secure-proxy");
        assert_eq!(proxy_from_env(&env, "http").unwrap().unwrap().host(), "plain-proxy");
        assert!(proxy_from_env(&FakeEnv::new(), "https").unwrap().is_none());
        let all = env.clone().with_var("NO_PROXY", "*");
        assert!(proxy_from_env(&all, "https").unwrap().is_none());
    }

    #[test]
    fn no_proxy_matches_domains_and_subdomains() {
        let env = FakeEnv::new().with_var("HTTPS_PROXY", "http://p:3128").with_var("NO_PROXY", "localhost, .internal.example,127.0.0.1");
        let p = proxy_from_env(&env, "https").unwrap().unwrap();
        for (url, bypass) in [
            ("https://localhost:3900/b", true),
            ("https://s3.internal.example/b", true),
            ("https://internal.example/b", true),
            ("https://127.0.0.1:3900/b", true),
            ("https://s3.amazonaws.com/b", false),
        ] {
            let uri: ureq::http::Uri = url.parse().unwrap();
            assert_eq!(p.is_no_proxy(&uri), bypass, "{url}");
        }
    }

    #[test]
    fn bad_ca_bundle_is_an_error_naming_the_variable() {
        let env = FakeEnv::new().with_var("SSL_CERT_FILE", "/nope.pem");
        let e = extra_roots(&env).unwrap_err();
        assert!(e.0.starts_with("SSL_CERT_FILE=/nope.pem"), "{e}");
        let env = FakeEnv::new().with_var("SSL_CERT_FILE", "/x.pem").with_file("/x.pem", "hello");
        assert!(extra_roots(&env).unwrap_err().0.contains("no certificates"));
    }
}
