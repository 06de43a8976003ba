//! Store URLs: `s3://BUCKET[/PREFIX]?k=v&…`, `file:///DIR`, `http(s)://HOST/PATH` (SPEC §1).
//!
//! Parsing is pure: it yields a typed configuration with every parameter of SPEC §1 and a list of
//! warnings. A bad value is an error naming the parameter; an unknown parameter is a warning
//! (Nix warns and goes on). Parameters that only binary caches use are kept in
//! [`CacheParams`] for the store layer. Query values are percent-decoded; a `+` stays a `+`.
//!
//! The path of an `s3://` URL is percent-decoded like any URL path, so
//! `s3://b/dir%20x/k%2Bv` names the key `dir x/k+v`.

use std::fmt;

use crate::util::percent;

/// A parsed store (or object) URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreUrl {
    /// `s3://…`
    S3(S3Url),
    /// `file:///…`
    File(FileUrl),
    /// `http://…` or `https://…`
    Http(HttpUrl),
}

/// `s3://BUCKET/KEY-OR-PREFIX?params`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Url {
    /// The bucket.
    pub bucket: String,
    /// The decoded path after the bucket, without its leading `/` (a key, or a store prefix).
    pub path: String,
    /// S3 parameters.
    pub s3: S3Params,
    /// Binary cache parameters.
    pub cache: CacheParams,
    /// Unknown parameters, as messages.
    pub warnings: Vec<String>,
}

/// `file:///DIR?params`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileUrl {
    /// The absolute directory.
    pub path: std::path::PathBuf,
    /// Binary cache parameters.
    pub cache: CacheParams,
    /// Unknown parameters, as messages.
    pub warnings: Vec<String>,
}

/// `http(s)://HOST/PATH?params`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpUrl {
    /// The URL without its query, without a trailing `/`.
    pub base: String,
    /// Binary cache parameters.
    pub cache: CacheParams,
    /// Unknown parameters, as messages.
    pub warnings: Vec<String>,
}

/// NAR (and narinfo/listing/log) compression methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Compression {
    /// `none`
    None,
    /// `xz` (Nix's default)
    Xz,
    /// `zstd`
    Zstd,
    /// `bzip2`
    Bzip2,
    /// `br`
    Brotli,
    /// `gzip`
    Gzip,
}

impl Compression {
    /// The name Nix uses in URLs and narinfos.
    pub fn as_str(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Xz => "xz",
            Compression::Zstd => "zstd",
            Compression::Bzip2 => "bzip2",
            Compression::Brotli => "br",
            Compression::Gzip => "gzip",
        }
    }

    /// Parse Nix's name.
    pub fn from_name(s: &str) -> Option<Self> {
        Some(match s {
            "none" => Compression::None,
            "xz" => Compression::Xz,
            "zstd" => Compression::Zstd,
            "bzip2" => Compression::Bzip2,
            "br" => Compression::Brotli,
            "gzip" => Compression::Gzip,
            _ => return None,
        })
    }
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `addressing-style`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AddressingStyle {
    /// Virtual-hosted on AWS when the bucket name allows it, path style on custom endpoints.
    #[default]
    Auto,
    /// `ENDPOINT/BUCKET/KEY`
    Path,
    /// `BUCKET.ENDPOINT/KEY`
    Virtual,
}

/// 5 MiB: S3's smallest part (but the last).
pub const MIN_PART_SIZE: u64 = 5 * 1024 * 1024;
/// 5 GiB: S3's largest part, and largest single PUT.
pub const MAX_PART_SIZE: u64 = 5 * 1024 * 1024 * 1024;
/// S3's largest part number.
pub const MAX_PARTS: u64 = 10_000;

/// The S3-only parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Params {
    /// `region` (resolved later: URL, `AWS_REGION`, `AWS_DEFAULT_REGION`, profile, `us-east-1`).
    pub region: Option<String>,
    /// `endpoint`, as given.
    pub endpoint: Option<String>,
    /// `scheme` for bare-host endpoints (`https` when unset).
    pub scheme: Option<String>,
    /// `profile`.
    pub profile: Option<String>,
    /// `addressing-style`.
    pub addressing_style: AddressingStyle,
    /// `multipart-upload`: `None` when unset (nixbucket then uses multipart above the
    /// threshold), `Some(false)` to refuse it like Nix does.
    pub multipart_upload: Option<bool>,
    /// `multipart-chunk-size` (alias `buffer-size`).
    pub multipart_chunk_size: u64,
    /// `multipart-threshold`.
    pub multipart_threshold: u64,
    /// `storage-class`.
    pub storage_class: Option<String>,
}

impl Default for S3Params {
    fn default() -> Self {
        S3Params {
            region: None,
            endpoint: None,
            scheme: None,
            profile: None,
            addressing_style: AddressingStyle::Auto,
            multipart_upload: None,
            multipart_chunk_size: MIN_PART_SIZE,
            multipart_threshold: 100 * 1024 * 1024,
            storage_class: None,
        }
    }
}

impl S3Params {
    /// Whether a body of `size` bytes goes up in parts.
    pub fn use_multipart(&self, size: u64) -> bool {
        self.multipart_upload != Some(false) && size > self.multipart_threshold
    }

    /// The part size for a body of `size` bytes: the configured chunk size, grown to
    /// `ceil(size / 10000)` when that many parts would not fit.
    pub fn part_size(&self, size: u64) -> u64 {
        self.multipart_chunk_size.max(size.div_ceil(MAX_PARTS))
    }
}

/// Parameters every binary cache store takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheParams {
    /// `compression`.
    pub compression: Compression,
    /// `compression-level` (-1: the codec's default).
    pub compression_level: i32,
    /// `parallel-compression` (`None`: unset).
    pub parallel_compression: Option<bool>,
    /// `secret-key` and `secret-keys` (comma-separated), in order.
    pub secret_keys: Vec<String>,
    /// `write-nar-listing`.
    pub write_nar_listing: bool,
    /// `index-debug-info`.
    pub index_debug_info: bool,
    /// `want-mass-query` (`None`: from `nix-cache-info`).
    pub want_mass_query: Option<bool>,
    /// `priority` (`None`: from `nix-cache-info`).
    pub priority: Option<u32>,
    /// `narinfo-compression`.
    pub narinfo_compression: Option<Compression>,
    /// `ls-compression`.
    pub ls_compression: Option<Compression>,
    /// `log-compression`.
    pub log_compression: Option<Compression>,
    /// `trusted`.
    pub trusted: bool,
}

impl Default for CacheParams {
    fn default() -> Self {
        CacheParams {
            compression: Compression::Xz,
            compression_level: -1,
            parallel_compression: None,
            secret_keys: Vec::new(),
            write_nar_listing: false,
            index_debug_info: false,
            want_mass_query: None,
            priority: None,
            narinfo_compression: None,
            ls_compression: None,
            log_compression: None,
            trusted: false,
        }
    }
}

/// A bad store URL or parameter value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The parameter (or URL part, e.g. `bucket`) that was wrong.
    pub param: String,
    /// What was wrong.
    pub message: String,
}

impl ConfigError {
    pub(crate) fn new(param: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError { param: param.into(), message: message.into() }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {}: {}", self.param, self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Parse a store or object URL.
pub fn parse(url: &str) -> Result<StoreUrl, ConfigError> {
    let (scheme, rest) =
        url.split_once("://").ok_or_else(|| ConfigError::new("store URL", format!("'{url}' has no scheme (expected s3://, file:// or http(s)://)")))?;
    if rest.contains('#') {
        return Err(ConfigError::new("store URL", format!("'{url}' has a fragment ('#'); percent-encode it as %23")));
    }
    let (before_query, query) = match rest.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (rest, None),
    };
    let pairs = parse_query(query.unwrap_or(""))?;
    match scheme {
        "s3" => parse_s3(before_query, &pairs).map(StoreUrl::S3),
        "file" => {
            let path = if let Some(p) = before_query.strip_prefix("localhost/") { format!("/{p}") } else { before_query.to_string() };
            if !path.starts_with('/') {
                return Err(ConfigError::new("store URL", format!("'{url}': a file:// URL needs an absolute path, as in file:///var/cache/nix")));
            }
            let path = percent::decode(&path).map_err(|e| ConfigError::new("store URL", format!("'{url}': {e}")))?;
            let mut cache = CacheParams::default();
            let mut warnings = Vec::new();
            for (k, v) in &pairs {
                if !apply_cache_param(&mut cache, k, v)? {
                    warnings.push(unknown(k, "file://"));
                }
            }
            Ok(StoreUrl::File(FileUrl { path: path.into(), cache, warnings }))
        }
        "http" | "https" => {
            if before_query.is_empty() || before_query.starts_with('/') {
                return Err(ConfigError::new("store URL", format!("'{url}' has no host")));
            }
            let mut cache = CacheParams::default();
            let mut warnings = Vec::new();
            for (k, v) in &pairs {
                if !apply_cache_param(&mut cache, k, v)? {
                    warnings.push(unknown(k, "HTTP"));
                }
            }
            let base = format!("{scheme}://{}", before_query.trim_end_matches('/'));
            Ok(StoreUrl::Http(HttpUrl { base, cache, warnings }))
        }
        other => Err(ConfigError::new("store URL", format!("unsupported scheme '{other}://' (expected s3://, file:// or http(s)://)"))),
    }
}

/// Parse an `s3://` URL, rejecting the other kinds.
pub fn parse_s3_url(url: &str) -> Result<S3Url, ConfigError> {
    match parse(url)? {
        StoreUrl::S3(s) => Ok(s),
        _ => Err(ConfigError::new("URL", format!("'{url}' is not an s3:// URL"))),
    }
}

fn unknown(k: &str, store: &str) -> String {
    format!("unknown parameter '{k}' for an {store} store, ignored")
}

fn parse_query(q: &str) -> Result<Vec<(String, String)>, ConfigError> {
    let mut out: Vec<(String, String)> = Vec::new();
    for part in q.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        let k = percent::decode(k).map_err(|e| ConfigError::new("store URL query", format!("parameter name '{k}': {e}")))?;
        let v = percent::decode(v).map_err(|e| ConfigError::new(k.clone(), format!("value '{v}': {e}")))?;
        if out.iter().any(|(ok, _)| *ok == k) {
            return Err(ConfigError::new(k, "given more than once"));
        }
        out.push((k, v));
    }
    Ok(out)
}

fn parse_s3(before_query: &str, pairs: &[(String, String)]) -> Result<S3Url, ConfigError> {
    let (bucket, path) = match before_query.split_once('/') {
        Some((b, p)) => (b, p),
        None => (before_query, ""),
    };
    validate_bucket(bucket)?;
    let path = percent::decode(path).map_err(|e| ConfigError::new("key", format!("'{path}': {e}")))?;
    let mut s3 = S3Params::default();
    let mut cache = CacheParams::default();
    let mut warnings = Vec::new();
    for (k, v) in pairs {
        if !apply_s3_param(&mut s3, k, v)? && !apply_cache_param(&mut cache, k, v)? {
            warnings.push(unknown(k, "s3://"));
        }
    }
    if s3.addressing_style == AddressingStyle::Virtual && bucket.contains('.') {
        return Err(ConfigError::new(
            "addressing-style",
            format!("'virtual' cannot be used with bucket '{bucket}': its name has a dot, which breaks TLS host names; use path or auto"),
        ));
    }
    if s3.scheme.is_some() && s3.endpoint.as_deref().is_some_and(|e| e.contains("://")) {
        warnings.push("parameter 'scheme' is ignored: the endpoint URL has its own scheme".to_string());
    }
    Ok(S3Url { bucket: bucket.to_string(), path, s3, cache, warnings })
}

/// A bucket name that can be put into a URL path or host. S3-compatible servers accept more
/// than AWS does (uppercase, underscores), so only what would break a request is refused.
pub fn validate_bucket(bucket: &str) -> Result<(), ConfigError> {
    if bucket.is_empty() {
        return Err(ConfigError::new("bucket", "the URL has no bucket name (s3://BUCKET/...)"));
    }
    if bucket.len() > 255 {
        return Err(ConfigError::new("bucket", "name is longer than 255 characters"));
    }
    if let Some(c) = bucket.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))) {
        return Err(ConfigError::new("bucket", format!("'{bucket}' contains '{}': bucket names are letters, digits, '.', '-' and '_'", c.escape_default())));
    }
    Ok(())
}

fn parse_bool(k: &str, v: &str) -> Result<bool, ConfigError> {
    match v {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(ConfigError::new(k, format!("'{v}' is not a Boolean (true or false)"))),
    }
}

/// A size in bytes with an optional `K`, `M`, `G` or `T` suffix (powers of 1024), as Nix reads
/// integer settings.
pub fn parse_size(k: &str, v: &str) -> Result<u64, ConfigError> {
    let (digits, mult) = match v.as_bytes().last() {
        Some(b'K') => (&v[..v.len() - 1], 1u64 << 10),
        Some(b'M') => (&v[..v.len() - 1], 1 << 20),
        Some(b'G') => (&v[..v.len() - 1], 1 << 30),
        Some(b'T') => (&v[..v.len() - 1], 1 << 40),
        _ => (v, 1),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .ok_or_else(|| ConfigError::new(k, format!("'{v}' is not a size in bytes (a number, optionally followed by K, M, G or T)")))
}

fn parse_content_compression(k: &str, v: &str) -> Result<Option<Compression>, ConfigError> {
    match v {
        "" | "none" => Ok(None),
        "br" | "gzip" | "zstd" => Ok(Compression::from_name(v)),
        _ => Err(ConfigError::new(k, format!("'{v}' is not supported: use br, gzip, zstd or none (Nix reads only these as Content-Encoding)"))),
    }
}

/// Apply a binary cache parameter; `Ok(false)` when `k` is not one.
pub fn apply_cache_param(c: &mut CacheParams, k: &str, v: &str) -> Result<bool, ConfigError> {
    match k {
        "compression" => {
            c.compression = Compression::from_name(v)
                .ok_or_else(|| ConfigError::new(k, format!("unknown compression '{v}' (expected xz, zstd, bzip2, br, gzip or none)")))?
        }
        "compression-level" => c.compression_level = v.parse().map_err(|_| ConfigError::new(k, format!("'{v}' is not an integer")))?,
        "parallel-compression" => c.parallel_compression = Some(parse_bool(k, v)?),
        "secret-key" => {
            if v.is_empty() {
                return Err(ConfigError::new(k, "empty file name"));
            }
            c.secret_keys.push(v.to_string())
        }
        "secret-keys" => c.secret_keys.extend(v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from)),
        "write-nar-listing" => c.write_nar_listing = parse_bool(k, v)?,
        "index-debug-info" => c.index_debug_info = parse_bool(k, v)?,
        "want-mass-query" => c.want_mass_query = Some(parse_bool(k, v)?),
        "priority" => c.priority = Some(v.parse().map_err(|_| ConfigError::new(k, format!("'{v}' is not a non-negative integer")))?),
        "narinfo-compression" => c.narinfo_compression = parse_content_compression(k, v)?,
        "ls-compression" => c.ls_compression = parse_content_compression(k, v)?,
        "log-compression" => c.log_compression = parse_content_compression(k, v)?,
        "trusted" => c.trusted = parse_bool(k, v)?,
        _ => return Ok(false),
    }
    Ok(true)
}

/// Apply an S3 parameter; `Ok(false)` when `k` is not one.
pub fn apply_s3_param(s: &mut S3Params, k: &str, v: &str) -> Result<bool, ConfigError> {
    let nonempty = |v: &str| if v.is_empty() { Err(ConfigError::new(k, "empty value")) } else { Ok(v.to_string()) };
    match k {
        "region" => {
            if v.is_empty() || !v.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
                return Err(ConfigError::new(k, format!("'{v}' is not a region name (letters, digits, '-', '_', '.')")));
            }
            s.region = Some(v.to_string())
        }
        "endpoint" => {
            // Checked here so the error names the parameter; resolved in `endpoint`.
            crate::s3::endpoint::Endpoint::parse(v, "https").map_err(|e| ConfigError::new(k, e.message))?;
            s.endpoint = Some(v.to_string())
        }
        "scheme" => match v {
            "http" | "https" => s.scheme = Some(v.to_string()),
            _ => return Err(ConfigError::new(k, format!("'{v}' is not http or https"))),
        },
        "profile" => s.profile = Some(nonempty(v)?),
        "addressing-style" => {
            s.addressing_style = match v {
                "auto" => AddressingStyle::Auto,
                "path" => AddressingStyle::Path,
                "virtual" => AddressingStyle::Virtual,
                _ => return Err(ConfigError::new(k, format!("'{v}' is not auto, path or virtual"))),
            }
        }
        "multipart-upload" => s.multipart_upload = Some(parse_bool(k, v)?),
        "multipart-chunk-size" | "buffer-size" => {
            let n = parse_size(k, v)?;
            if !(MIN_PART_SIZE..=MAX_PART_SIZE).contains(&n) {
                return Err(ConfigError::new(k, format!("{n} bytes is outside 5 MiB..5 GiB ({MIN_PART_SIZE}..{MAX_PART_SIZE})")));
            }
            s.multipart_chunk_size = n
        }
        "multipart-threshold" => {
            let n = parse_size(k, v)?;
            if n == 0 {
                return Err(ConfigError::new(k, "must be more than 0"));
            }
            s.multipart_threshold = n
        }
        "storage-class" => {
            if v.is_empty() || !v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
                return Err(ConfigError::new(k, format!("'{v}' is not a storage class name (e.g. STANDARD_IA)")));
            }
            s.storage_class = Some(v.to_string())
        }
        _ => return Ok(false),
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s3(u: &str) -> S3Url {
        parse_s3_url(u).unwrap()
    }

    #[test]
    fn defaults() {
        let u = s3("s3://my-cache");
        assert_eq!(u.bucket, "my-cache");
        assert_eq!(u.path, "");
        assert_eq!(u.s3, S3Params::default());
        assert_eq!(u.cache.compression, Compression::Xz);
        assert_eq!(u.cache.compression_level, -1);
        assert_eq!(u.s3.multipart_chunk_size, 5 << 20);
        assert_eq!(u.s3.multipart_threshold, 100 << 20);
        assert!(u.warnings.is_empty());
    }

    #[test]
    fn every_parameter() {
        let u = s3("s3://b/some/prefix?region=eu-west-1&endpoint=http://127.0.0.1:3900&scheme=http&profile=ci\
            &addressing-style=path&multipart-upload=true&multipart-chunk-size=16M&multipart-threshold=1G\
            &storage-class=STANDARD_IA&compression=zstd&compression-level=9&parallel-compression=true\
            &secret-key=/k1&secret-keys=/k2,/k3&write-nar-listing=1&index-debug-info=true&want-mass-query=false\
            &priority=30&narinfo-compression=br&ls-compression=gzip&log-compression=zstd&trusted=true");
        assert_eq!(u.path, "some/prefix");
        assert_eq!(u.s3.region.as_deref(), Some("eu-west-1"));
        assert_eq!(u.s3.endpoint.as_deref(), Some("http://127.0.0.1:3900"));
        assert_eq!(u.s3.profile.as_deref(), Some("ci"));
        assert_eq!(u.s3.addressing_style, AddressingStyle::Path);
        assert_eq!(u.s3.multipart_upload, Some(true));
        assert_eq!(u.s3.multipart_chunk_size, 16 << 20);
        assert_eq!(u.s3.multipart_threshold, 1 << 30);
        assert_eq!(u.s3.storage_class.as_deref(), Some("STANDARD_IA"));
        assert_eq!(u.cache.compression, Compression::Zstd);
        assert_eq!(u.cache.compression_level, 9);
        assert_eq!(u.cache.parallel_compression, Some(true));
        assert_eq!(u.cache.secret_keys, ["/k1", "/k2", "/k3"]);
        assert!(u.cache.write_nar_listing && u.cache.index_debug_info && u.cache.trusted);
        assert_eq!(u.cache.want_mass_query, Some(false));
        assert_eq!(u.cache.priority, Some(30));
        assert_eq!(u.cache.narinfo_compression, Some(Compression::Brotli));
        assert_eq!(u.cache.ls_compression, Some(Compression::Gzip));
        assert_eq!(u.cache.log_compression, Some(Compression::Zstd));
        assert_eq!(u.warnings, ["parameter 'scheme' is ignored: the endpoint URL has its own scheme"]);
    }

    #[test]
    fn buffer_size_is_an_alias() {
        assert_eq!(s3("s3://b?buffer-size=6291456").s3.multipart_chunk_size, 6 << 20);
    }

    #[test]
    fn keys_are_percent_decoded_like_paths() {
        assert_eq!(s3("s3://b/dir%20x/k+v%3D1%26%25~/%E2%9C%93").path, "dir x/k+v=1&%~/✓");
    }

    #[test]
    fn bad_values_name_the_parameter() {
        for (url, param) in [
            ("s3://b?compression=lzma", "compression"),
            ("s3://b?multipart-chunk-size=1024", "multipart-chunk-size"),
            ("s3://b?buffer-size=6G", "buffer-size"),
            ("s3://b?multipart-chunk-size=abc", "multipart-chunk-size"),
            ("s3://my.bucket?addressing-style=virtual", "addressing-style"),
            ("s3://b?addressing-style=sideways", "addressing-style"),
            ("s3://b?scheme=ftp", "scheme"),
            ("s3://b?endpoint=ftp://x", "endpoint"),
            ("s3://b?region=", "region"),
            ("s3://b?priority=-1", "priority"),
            ("s3://b?trusted=maybe", "trusted"),
            ("s3://b?narinfo-compression=xz", "narinfo-compression"),
            ("s3://b?region=a&region=b", "region"),
            ("s3:///key", "bucket"),
            ("s3://b%20c/key", "bucket"),
            ("s3://b/%zz", "key"),
        ] {
            let e = parse(url).unwrap_err();
            assert_eq!(e.param, param, "{url}: {e}");
            assert!(e.to_string().contains(param), "{e}");
        }
    }

    #[test]
    fn unknown_parameters_warn() {
        let u = s3("s3://b?foo=bar&region=us-west-2");
        assert_eq!(u.warnings, ["unknown parameter 'foo' for an s3:// store, ignored"]);
        assert_eq!(u.s3.region.as_deref(), Some("us-west-2"));
    }

    #[test]
    fn file_and_http() {
        match parse("file:///var/cache/nix?compression=none&region=x").unwrap() {
            StoreUrl::File(f) => {
                assert_eq!(f.path, std::path::Path::new("/var/cache/nix"));
                assert_eq!(f.cache.compression, Compression::None);
                assert_eq!(f.warnings.len(), 1);
            }
            other => panic!("{other:?}"),
        }
        assert!(parse("file://relative/dir").is_err());
        match parse("https://cache.example.org/sub/?priority=10").unwrap() {
            StoreUrl::Http(h) => {
                assert_eq!(h.base, "https://cache.example.org/sub");
                assert_eq!(h.cache.priority, Some(10));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(parse("gs://b").unwrap_err().param, "store URL");
    }

    #[test]
    fn part_size_grows_for_huge_bodies() {
        let p = S3Params::default();
        assert_eq!(p.part_size(1 << 30), 5 << 20);
        let huge = 100u64 << 30; // 100 GiB / 10000 > 5 MiB
        assert_eq!(p.part_size(huge), huge.div_ceil(10_000));
        assert!(p.use_multipart((100 << 20) + 1) && !p.use_multipart(100 << 20));
        let off = S3Params { multipart_upload: Some(false), ..S3Params::default() };
        assert!(!off.use_multipart(10 << 30));
    }
}
