//! One method per S3 operation, over [`Transport`], with signing, retries and region redirects.
//!
//! Every request is signed with SigV4 (or sent unsigned when the credential chain found
//! nothing). Upload bodies are integrity-checked by the server: a body in memory or a multipart
//! part is signed with its real SHA-256; a seekable body of known length is hashed in a first
//! pass unless the caller already knows its SHA-256, or its MD5 (then sent as `Content-MD5`
//! with `UNSIGNED-PAYLOAD`). No `x-amz-checksum-*` headers, no aws-chunked bodies.
//!
//! Retries follow [`retry`]: 408, 429, 5xx and the transient S3 codes, with full-jitter backoff
//! and `Retry-After` as a floor; bodies are rewound for each attempt; downloads that break in the
//! middle resume with a `Range` request pinned to the first response's ETag. A region redirect
//! (301 or 400 `AuthorizationHeaderMalformed` with the right region) is retried once in that
//! region, with a warning telling the user to set `region=`.

use std::io::{self, Read, Seek, SeekFrom, Write};
use std::sync::{Arc, RwLock};

use time::OffsetDateTime;

use crate::env::Env;
use crate::log;
use crate::s3::credentials::{CachedCredentials, Chain, Credentials, Resolved};
use crate::s3::endpoint::{self, ProfileValues, Target};
use crate::s3::error::{Error, ServiceError};
use crate::s3::profile::{self, ProfileSet};
use crate::s3::retry::{self, RetryPolicy};
use crate::s3::sigv4::{self, Scope, SigningInput};
use crate::s3::transport::{self, Transport, TransportConfig};
use crate::s3::url::{ConfigError, S3Params, S3Url};
use crate::s3::xml;
use crate::util::{base64, percent};

/// Cap on an error response body that is read for its `<Error>` document.
pub const MAX_ERROR_BODY: usize = 64 * 1024;
/// Most keys one DeleteObjects request may carry.
pub const MAX_DELETE_BATCH: usize = 1000;

/// A readable, seekable body (files, cursors), rewound for each retry.
pub trait ReadSeek: Read + Seek + Send {}
impl<T: Read + Seek + Send> ReadSeek for T {}

/// Client settings beyond the store URL; every field says its default.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Connection settings.
    pub transport: TransportConfig,
    /// Attempts and backoff. Default: 5 attempts.
    pub retry: RetryPolicy,
    /// Threads uploading multipart parts at once. Default 4.
    pub upload_threads: usize,
    /// Most memory held by part buffers of one multipart upload. Default 128 MiB; the number
    /// of threads is lowered to fit, but never below one part.
    pub upload_memory: usize,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig { transport: TransportConfig::default(), retry: RetryPolicy::default(), upload_threads: 4, upload_memory: 128 << 20 }
    }
}

/// Metadata of an object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectMeta {
    /// `Content-Length` of the answer (the range's length for a range read).
    pub content_length: Option<u64>,
    /// The whole object's size (from `Content-Range` for range reads).
    pub size: Option<u64>,
    /// `ETag`, verbatim (with its quotes).
    pub etag: Option<String>,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// `Content-Encoding`.
    pub content_encoding: Option<String>,
    /// `Last-Modified`, verbatim.
    pub last_modified: Option<String>,
    /// `x-amz-storage-class` (absent for STANDARD).
    pub storage_class: Option<String>,
}

/// Headers for PutObject and CreateMultipartUpload.
#[derive(Debug, Clone, Default)]
pub struct PutOptions {
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// `Content-Encoding`.
    pub content_encoding: Option<String>,
    /// `x-amz-storage-class`; defaults to the store URL's `storage-class`.
    pub storage_class: Option<String>,
}

/// An upload body.
pub enum PutBody<'a> {
    /// Bytes in memory: signed with their SHA-256.
    Bytes(&'a [u8]),
    /// A seekable reader of `len` bytes from its current position.
    Reader {
        /// The data.
        reader: &'a mut dyn ReadSeek,
        /// Bytes to send.
        len: u64,
        /// Their SHA-256 if known (else computed in a first pass, or `md5` used).
        sha256: Option<[u8; 32]>,
        /// Their MD5 if known: sent as `Content-MD5` when `sha256` is not known.
        md5: Option<[u8; 16]>,
    },
}

/// The answer to a PutObject or a completed multipart upload.
#[derive(Debug, Clone, Default)]
pub struct PutResult {
    /// The new object's ETag.
    pub etag: Option<String>,
    /// Parts used (0 for a single PUT).
    pub parts: u32,
}

/// The outcome of deleting many keys.
#[derive(Debug, Clone, Default)]
pub struct DeleteOutcome {
    /// Keys the server reported deleted.
    pub deleted: usize,
    /// Keys the server could not delete.
    pub errors: Vec<xml::DeleteError>,
}

/// A client bound to one bucket.
pub struct Client {
    transport: Transport,
    target: RwLock<Target>,
    redirected: std::sync::atomic::AtomicBool,
    credentials: CachedCredentials,
    pub(crate) params: S3Params,
    pub(crate) config: ClientConfig,
    profile_name: String,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("target", &self.target()).field("profile", &self.profile_name).finish_non_exhaustive()
    }
}

/// What goes into one request.
struct Call<'a> {
    op: &'static str,
    method: &'static str,
    key: Option<&'a str>,
    /// Decoded query pairs.
    query: Vec<(String, String)>,
    /// Extra headers, all signed.
    headers: Vec<(String, String)>,
    body: CallBody<'a>,
}

enum CallBody<'a> {
    Empty,
    Bytes(&'a [u8]),
    Reader { reader: &'a mut dyn ReadSeek, start: u64, len: u64, payload_hash: String },
}

impl Client {
    /// A client for the bucket of `url`, with credentials from the default chain.
    pub fn new(url: &S3Url, env: Arc<dyn Env>, config: ClientConfig) -> Result<Client, Error> {
        let profiles = ProfileSet::load(&*env).map_err(|e| Error::Config(ConfigError::new("AWS config", e.to_string())))?;
        let name = profile::selected_profile_name(&*env, url.s3.profile.as_deref());
        let values = ProfileValues {
            region: profiles.profile(&name).and_then(|p| p.get("region")).map(str::to_string),
            endpoint_url: profile::s3_endpoint_url(&profiles, &name),
        };
        let target = endpoint::resolve(&url.bucket, &url.s3, &*env, &values)?;
        let credentials = CachedCredentials::new(Chain::default_chain(), env.clone(), url.s3.profile.clone());
        Client::with_parts(target, url.s3.clone(), credentials, &*env, config, name)
    }

    /// A client from resolved parts (tests, and callers with their own credentials).
    pub fn with_parts(
        target: Target,
        params: S3Params,
        credentials: CachedCredentials,
        env: &dyn Env,
        config: ClientConfig,
        profile_name: String,
    ) -> Result<Client, Error> {
        let transport = Transport::new(&config.transport, env, &target.endpoint.scheme).map_err(|e| Error::Config(ConfigError::new("network setup", e.0)))?;
        Ok(Client { transport, target: RwLock::new(target), redirected: std::sync::atomic::AtomicBool::new(false), credentials, params, config, profile_name })
    }

    /// Where requests go now.
    pub fn target(&self) -> Target {
        self.target.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The profile name in effect (for messages and `whoami`).
    pub fn profile_name(&self) -> &str {
        &self.profile_name
    }

    /// The proxy in use, if any.
    pub fn proxy(&self) -> Option<&str> {
        self.transport.proxy()
    }

    /// The S3 parameters of the URL.
    pub fn params(&self) -> &S3Params {
        &self.params
    }

    /// The credentials requests are signed with (resolving them if needed).
    pub fn credentials(&self) -> Result<Resolved, Error> {
        Ok(self.credentials.get(OffsetDateTime::now_utc())?)
    }

    // ---- operations ----

    /// HeadObject.
    pub fn head_object(&self, key: &str) -> Result<ObjectMeta, Error> {
        let res = self.execute(Call { op: "HeadObject", method: "HEAD", key: Some(key), query: vec![], headers: vec![], body: CallBody::Empty })?;
        Ok(meta_of(&res))
    }

    /// GetObject into memory, refusing objects larger than `cap`.
    pub fn get_object_bytes(&self, key: &str, cap: usize) -> Result<Vec<u8>, Error> {
        let res = self.execute(Call { op: "GetObject", method: "GET", key: Some(key), query: vec![], headers: vec![], body: CallBody::Empty })?;
        if let Some(len) = res.header("content-length").and_then(|v| v.parse::<u64>().ok()) {
            if len > cap as u64 {
                return Err(Error::Response {
                    op: "GetObject",
                    message: format!("s3://{}/{key} is {len} bytes, more than the {cap} allowed here", self.target().bucket),
                });
            }
        }
        res.read_body(cap).map_err(|e| Error::io(format!("reading s3://{}/{key}", self.target().bucket), e))
    }

    /// GetObject streamed into `out`: the whole object, or `range` = (first byte, last byte
    /// inclusive, or to the end when `None`). A transfer that breaks is resumed where it
    /// stopped, pinned to the first answer's ETag. Returns the metadata of the first answer.
    pub fn get_object_to(&self, key: &str, range: Option<(u64, Option<u64>)>, out: &mut dyn Write) -> Result<ObjectMeta, Error> {
        let bucket = self.target().bucket;
        let mut written: u64 = 0;
        let mut first_meta: Option<ObjectMeta> = None;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let mut headers = vec![];
            let start = range.map(|r| r.0).unwrap_or(0) + written;
            if range.is_some() || written > 0 {
                let end = range.and_then(|r| r.1).map(|e| e.to_string()).unwrap_or_default();
                headers.push(("range".to_string(), format!("bytes={start}-{end}")));
            }
            if let Some(etag) = first_meta.as_ref().and_then(|m| m.etag.clone()) {
                headers.push(("if-match".to_string(), etag));
            }
            let ranged = range.is_some() || written > 0;
            let res = self.execute(Call { op: "GetObject", method: "GET", key: Some(key), query: vec![], headers, body: CallBody::Empty })?;
            let whole_is_fine = start == 0 && range.and_then(|r| r.1).is_none();
            if ranged && res.status != 206 && !whole_is_fine {
                // A server that ignores Range sends the object from byte 0: appending that
                // would corrupt the output.
                return Err(Error::Response {
                    op: "GetObject",
                    message: format!("s3://{bucket}/{key}: asked for a byte range from {start} but the server answered {} with the whole object", res.status),
                });
            }
            let meta = meta_of(&res);
            let expected = meta.content_length;
            if first_meta.is_none() {
                first_meta = Some(meta);
            }
            let mut reader = res.into_reader();
            let mut buf = vec![0u8; 256 * 1024];
            let mut got: u64 = 0;
            let failure = loop {
                match reader.read(&mut buf) {
                    Ok(0) => break None,
                    Ok(n) => {
                        out.write_all(&buf[..n]).map_err(|e| Error::io("writing the downloaded object", e))?;
                        got += n as u64;
                        written += n as u64;
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => break Some(e),
                }
            };
            let short = expected.is_some_and(|len| got < len);
            match failure {
                None if !short => return Ok(first_meta.unwrap_or_default()),
                _ if attempt < self.config.retry.max_attempts => {
                    let why = failure.map(|e| e.to_string()).unwrap_or_else(|| format!("connection closed after {got} of {} bytes", expected.unwrap_or(0)));
                    log::note(&format!("GetObject s3://{bucket}/{key}: {why}; resuming at byte {}", start + got));
                    std::thread::sleep(self.config.retry.backoff(attempt, retry::jitter_unit(), None));
                }
                Some(e) => return Err(Error::io(format!("reading s3://{bucket}/{key}"), e)),
                None => {
                    return Err(Error::Response {
                        op: "GetObject",
                        message: format!("s3://{bucket}/{key}: body ended after {got} of {} bytes", expected.unwrap_or(0)),
                    })
                }
            }
        }
    }

    /// PutObject in one request.
    pub fn put_object(&self, key: &str, body: PutBody<'_>, opts: &PutOptions) -> Result<PutResult, Error> {
        let mut headers = self.put_headers(opts);
        let body = match body {
            PutBody::Bytes(b) => CallBody::Bytes(b),
            PutBody::Reader { reader, len, sha256, md5 } => {
                let start = reader.stream_position().map_err(|e| Error::io("seeking the upload body", e))?;
                let payload_hash = match (sha256, md5) {
                    (Some(h), _) => hex::encode(h),
                    (None, Some(m)) => {
                        headers.push(("content-md5".to_string(), base64::encode(&m)));
                        sigv4::UNSIGNED_PAYLOAD.to_string()
                    }
                    (None, None) => {
                        let h = hash_reader(reader, len).map_err(|e| Error::io("reading the upload body", e))?;
                        reader.seek(SeekFrom::Start(start)).map_err(|e| Error::io("seeking the upload body", e))?;
                        hex::encode(h)
                    }
                };
                CallBody::Reader { reader, start, len, payload_hash }
            }
        };
        let res = self.execute(Call { op: "PutObject", method: "PUT", key: Some(key), query: vec![], headers, body })?;
        Ok(PutResult { etag: res.header("etag").map(str::to_string), parts: 0 })
    }

    pub(crate) fn put_headers(&self, opts: &PutOptions) -> Vec<(String, String)> {
        let mut h = vec![];
        if let Some(ct) = &opts.content_type {
            h.push(("content-type".to_string(), ct.clone()));
        }
        if let Some(ce) = &opts.content_encoding {
            h.push(("content-encoding".to_string(), ce.clone()));
        }
        if let Some(sc) = opts.storage_class.as_ref().or(self.params.storage_class.as_ref()) {
            h.push(("x-amz-storage-class".to_string(), sc.clone()));
        }
        h
    }

    /// DeleteObject (deleting a missing key succeeds, as in S3).
    pub fn delete_object(&self, key: &str) -> Result<(), Error> {
        self.execute(Call { op: "DeleteObject", method: "DELETE", key: Some(key), query: vec![], headers: vec![], body: CallBody::Empty })?;
        Ok(())
    }

    /// DeleteObjects, in batches of at most 1000 keys.
    pub fn delete_objects(&self, keys: &[String]) -> Result<DeleteOutcome, Error> {
        let mut outcome = DeleteOutcome::default();
        for batch in keys.chunks(MAX_DELETE_BATCH) {
            let body = xml::write_delete_objects(batch, true).map_err(|e| Error::Response { op: "DeleteObjects", message: e.to_string() })?;
            let headers = vec![("content-md5".to_string(), sigv4::content_md5(body.as_bytes())), ("content-type".to_string(), "application/xml".to_string())];
            let res = self.execute(Call {
                op: "DeleteObjects",
                method: "POST",
                key: None,
                query: vec![("delete".to_string(), String::new())],
                headers,
                body: CallBody::Bytes(body.as_bytes()),
            })?;
            let text = read_xml(res, "DeleteObjects")?;
            let r = xml::parse_delete_result(&text).map_err(|e| Error::Response { op: "DeleteObjects", message: e.to_string() })?;
            // Quiet mode lists only failures.
            outcome.deleted += batch.len() - r.errors.len();
            outcome.errors.extend(r.errors);
        }
        Ok(outcome)
    }

    /// ListObjectsV2 over all pages, calling `each` with every page. `prefix` and `delimiter`
    /// as in S3; `start_after` skips keys up to and including it.
    pub fn list_objects(
        &self,
        prefix: &str,
        delimiter: Option<&str>,
        start_after: Option<&str>,
        mut each: impl FnMut(&xml::ListPage) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let mut token: Option<String> = None;
        loop {
            // No encoding-type=url: s3s-fs answers that it url-encoded the keys but sends them
            // raw, which makes keys with '%' or '+' ambiguous; plain XML works everywhere.
            let mut query = vec![("list-type".to_string(), "2".to_string())];
            if !prefix.is_empty() {
                query.push(("prefix".to_string(), prefix.to_string()));
            }
            if let Some(d) = delimiter {
                query.push(("delimiter".to_string(), d.to_string()));
            }
            match &token {
                Some(t) => query.push(("continuation-token".to_string(), t.clone())),
                None => {
                    if let Some(s) = start_after {
                        query.push(("start-after".to_string(), s.to_string()));
                    }
                }
            }
            let res = self.execute(Call { op: "ListObjectsV2", method: "GET", key: None, query, headers: vec![], body: CallBody::Empty })?;
            let body = read_xml(res, "ListObjectsV2")?;
            let page = xml::parse_list_objects_v2(&body).map_err(|e| Error::Response { op: "ListObjectsV2", message: e.to_string() })?;
            each(&page)?;
            match (page.is_truncated, page.next_continuation_token.clone()) {
                (true, Some(t)) if Some(&t) != token.as_ref() => token = Some(t),
                (true, _) => return Err(Error::Response { op: "ListObjectsV2", message: "the listing is truncated but has no new continuation token".into() }),
                (false, _) => return Ok(()),
            }
        }
    }

    /// All objects under `prefix` (every page collected).
    pub fn list_all(&self, prefix: &str) -> Result<Vec<xml::Object>, Error> {
        let mut all = Vec::new();
        self.list_objects(prefix, None, None, |p| {
            all.extend(p.objects.iter().cloned());
            Ok(())
        })?;
        Ok(all)
    }

    /// ListMultipartUploads (the first page): uploads in progress under `prefix`.
    pub fn list_multipart_uploads(&self, prefix: &str) -> Result<xml::ListMultipartUploads, Error> {
        let mut query = vec![("uploads".to_string(), String::new())];
        if !prefix.is_empty() {
            query.push(("prefix".to_string(), prefix.to_string()));
        }
        let res = self.execute(Call { op: "ListMultipartUploads", method: "GET", key: None, query, headers: vec![], body: CallBody::Empty })?;
        let body = read_xml(res, "ListMultipartUploads")?;
        xml::parse_list_multipart_uploads(&body).map_err(|e| Error::Response { op: "ListMultipartUploads", message: e.to_string() })
    }

    /// CreateMultipartUpload: the upload id.
    pub fn create_multipart_upload(&self, key: &str, opts: &PutOptions) -> Result<String, Error> {
        let res = self.execute(Call {
            op: "CreateMultipartUpload",
            method: "POST",
            key: Some(key),
            query: vec![("uploads".to_string(), String::new())],
            headers: self.put_headers(opts),
            body: CallBody::Bytes(b""),
        })?;
        let body = read_xml(res, "CreateMultipartUpload")?;
        xml::parse_initiate_multipart_upload(&body).map_err(|e| Error::Response { op: "CreateMultipartUpload", message: e.to_string() })
    }

    /// UploadPart of bytes in memory, signed with their SHA-256: the part's ETag, verbatim.
    pub fn upload_part(&self, key: &str, upload_id: &str, part_number: u32, data: &[u8]) -> Result<String, Error> {
        let res = self.execute(Call {
            op: "UploadPart",
            method: "PUT",
            key: Some(key),
            query: vec![("partNumber".to_string(), part_number.to_string()), ("uploadId".to_string(), upload_id.to_string())],
            headers: vec![],
            body: CallBody::Bytes(data),
        })?;
        res.header("etag").map(str::to_string).ok_or_else(|| Error::Response { op: "UploadPart", message: format!("no ETag for part {part_number}") })
    }

    /// CompleteMultipartUpload. A 200 answer carrying an `<Error>` document is a failure (and
    /// retried like one).
    pub fn complete_multipart_upload(&self, key: &str, upload_id: &str, parts: &[(u32, String)]) -> Result<Option<String>, Error> {
        let body = xml::write_complete_multipart_upload(parts).map_err(|e| Error::Response { op: "CompleteMultipartUpload", message: e.to_string() })?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let res = self.execute(Call {
                op: "CompleteMultipartUpload",
                method: "POST",
                key: Some(key),
                query: vec![("uploadId".to_string(), upload_id.to_string())],
                headers: vec![("content-type".to_string(), "application/xml".to_string())],
                body: CallBody::Bytes(body.as_bytes()),
            })?;
            let request_id = res.header("x-amz-request-id").map(str::to_string);
            let text = read_xml(res, "CompleteMultipartUpload")?;
            match xml::parse_complete_multipart_upload(&text).map_err(|e| Error::Response { op: "CompleteMultipartUpload", message: e.to_string() })? {
                xml::CompleteOutcome::Completed { etag, .. } => return Ok(etag),
                xml::CompleteOutcome::Failed(e) => {
                    let err = ServiceError {
                        op: "CompleteMultipartUpload",
                        status: 200,
                        code: Some(e.code.clone()),
                        message: e.message.clone(),
                        request_id: e.request_id.clone().or(request_id),
                        bucket: self.target().bucket,
                        key: Some(key.to_string()),
                        region_hint: None,
                    };
                    if retry::is_retryable(200, Some(&e.code)) && attempt < self.config.retry.max_attempts {
                        log::note(&format!("{err}; retrying"));
                        std::thread::sleep(self.config.retry.backoff(attempt, retry::jitter_unit(), None));
                        continue;
                    }
                    return Err(Error::Service(Box::new(err)));
                }
            }
        }
    }

    /// AbortMultipartUpload.
    pub fn abort_multipart_upload(&self, key: &str, upload_id: &str) -> Result<(), Error> {
        self.execute(Call {
            op: "AbortMultipartUpload",
            method: "DELETE",
            key: Some(key),
            query: vec![("uploadId".to_string(), upload_id.to_string())],
            headers: vec![],
            body: CallBody::Empty,
        })?;
        Ok(())
    }

    /// A presigned URL for `method` (`GET` or `PUT`) on `key`, valid `expires` seconds
    /// (at most 604800) from `now`.
    pub fn presign(&self, method: &'static str, key: &str, expires: u64, now: OffsetDateTime) -> Result<String, Error> {
        let creds = match self.credentials.get(now)? {
            Resolved::Keys(c) => c,
            Resolved::Anonymous => {
                return Err(Error::Credentials(crate::s3::credentials::CredentialsError::new(
                    "credential chain",
                    "no credentials found; a presigned URL needs keys to sign with",
                )))
            }
        };
        let target = self.target();
        let path = target.object_path(key);
        let host = target.endpoint.host_header();
        let input = SigningInput { method, host: &host, path: &path, query: &[], headers: &[], payload_hash: sigv4::UNSIGNED_PAYLOAD };
        let pairs = sigv4::presign_s3(&input, &creds, &Scope { region: &target.region, service: "s3" }, now, expires)
            .map_err(|e| Error::Config(ConfigError::new("expires", e.to_string())))?;
        let query = pairs.iter().map(|(k, v)| format!("{}={}", percent::encode(k), percent::encode(v))).collect::<Vec<_>>().join("&");
        Ok(target.url(&path, &query))
    }

    // ---- the request loop ----

    fn execute(&self, mut call: Call<'_>) -> Result<transport::Response, Error> {
        let policy = self.config.retry;
        let body_hash = match &call.body {
            CallBody::Empty => sigv4::sha256_hex(b""),
            CallBody::Bytes(b) => sigv4::sha256_hex(b),
            CallBody::Reader { payload_hash, .. } => payload_hash.clone(),
        };
        let mut attempt = 0u32;
        let mut redirects = 0;
        loop {
            attempt += 1;
            let target = self.target();
            let path = match call.key {
                Some(k) => target.object_path(k),
                None => target.bucket_path(),
            };
            let mut query = call.query.clone();
            query.sort();
            let query_string = query
                .iter()
                .map(
                    |(k, v)| if v.is_empty() && is_bare_subresource(k) { percent::encode(k) } else { format!("{}={}", percent::encode(k), percent::encode(v)) },
                )
                .collect::<Vec<_>>()
                .join("&");
            let url = target.url(&path, &query_string);
            let host = target.endpoint.host_header();
            let mut headers = vec![("host".to_string(), host.clone())];
            headers.extend(call.headers.iter().cloned());
            let now = OffsetDateTime::now_utc();
            match self.credentials.get(now)? {
                Resolved::Keys(creds) => {
                    let input = SigningInput { method: call.method, host: &host, path: &path, query: &query, headers: &call.headers, payload_hash: &body_hash };
                    headers.extend(sigv4::sign_s3(&input, &creds, &Scope { region: &target.region, service: "s3" }, now));
                }
                Resolved::Anonymous => {}
            }
            let body = match &mut call.body {
                CallBody::Empty => transport::Body::Empty,
                CallBody::Bytes(b) => transport::Body::Bytes(b),
                CallBody::Reader { reader, start, len, .. } => {
                    reader.seek(SeekFrom::Start(*start)).map_err(|e| Error::io("rewinding the upload body", e))?;
                    transport::Body::Reader { reader: *reader as &mut dyn Read, len: *len }
                }
            };
            log::debug(&format!("{} {} ({}) attempt {attempt}", call.method, target.url(&path, ""), call.op));
            let where_ = || match call.key {
                Some(k) => format!("s3://{}/{k}", target.bucket),
                None => format!("s3://{}", target.bucket),
            };
            let res = match self.transport.send(transport::Request { method: call.method, url: &url, headers: &headers, body }) {
                Ok(r) => r,
                Err(e) => {
                    if attempt < policy.max_attempts {
                        log::note(&format!("{} {}: {e}; retrying", call.op, where_()));
                        std::thread::sleep(policy.backoff(attempt, retry::jitter_unit(), None));
                        continue;
                    }
                    return Err(Error::Transport { op: call.op, target: format!("{} ({})", where_(), target.url(&path, "")), source: e });
                }
            };
            if (200..300).contains(&res.status) {
                return Ok(res);
            }
            let err = self.service_error(call.op, call.key, res, &target);
            // Region redirect: once, then tell the user.
            if let Some(region) = err.inner.region_hint.clone().filter(|r| *r != target.region && !r.is_empty()) {
                let is_redirect = matches!(err.status, 301 | 307)
                    || matches!(err.code.as_deref(), Some("AuthorizationHeaderMalformed" | "PermanentRedirect" | "IllegalLocationConstraintException"));
                if is_redirect && redirects == 0 {
                    redirects += 1;
                    if !self.redirected.swap(true, std::sync::atomic::Ordering::Relaxed) {
                        log::warn(&format!("bucket '{}' is in region {region}, not {}; add region={region} to the URL", target.bucket, target.region));
                    }
                    *self.target.write().unwrap_or_else(|e| e.into_inner()) = target.with_region(&region);
                    attempt -= 1;
                    continue;
                }
            }
            if retry::is_retryable(err.status, err.code.as_deref()) && attempt < policy.max_attempts {
                let wait = policy.backoff(attempt, retry::jitter_unit(), err.retry_after);
                log::note(&format!("{}; retrying in {:.1} s", err.inner, wait.as_secs_f64()));
                std::thread::sleep(wait);
                continue;
            }
            return Err(Error::Service(Box::new(err.inner)));
        }
    }

    fn service_error(&self, op: &'static str, key: Option<&str>, res: transport::Response, target: &Target) -> FailedCall {
        let status = res.status;
        let retry_after = res.header("retry-after").and_then(retry::parse_retry_after);
        let mut request_id = res.header("x-amz-request-id").map(str::to_string);
        let mut region_hint = res.header("x-amz-bucket-region").map(str::to_string);
        let body = res.read_body(MAX_ERROR_BODY).unwrap_or_default();
        let mut code = None;
        let mut message = None;
        if !body.is_empty() {
            if let Ok(e) = xml::parse_error(&body) {
                code = Some(e.code);
                message = e.message;
                request_id = e.request_id.or(request_id);
                region_hint = e.region.or(region_hint);
            } else {
                let text = String::from_utf8_lossy(&body);
                message = Some(text.chars().take(200).collect::<String>().trim().to_string());
            }
        }
        if code.is_none() && status == 404 {
            // HEAD answers have no body.
            code = Some("NotFound".to_string());
        }
        FailedCall {
            inner: ServiceError { op, status, code, message, request_id, bucket: target.bucket.clone(), key: key.map(str::to_string), region_hint },
            retry_after,
        }
    }
}

struct FailedCall {
    inner: ServiceError,
    retry_after: Option<std::time::Duration>,
}

impl std::ops::Deref for FailedCall {
    type Target = ServiceError;
    fn deref(&self) -> &ServiceError {
        &self.inner
    }
}

/// Sub-resources sent as a bare key (`?uploads`, `?delete`); signed as `key=`.
fn is_bare_subresource(k: &str) -> bool {
    matches!(k, "uploads" | "delete")
}

fn read_xml(res: transport::Response, op: &'static str) -> Result<Vec<u8>, Error> {
    res.read_body(xml::MAX_XML_BODY).map_err(|e| Error::Response { op, message: e.to_string() })
}

fn meta_of(res: &transport::Response) -> ObjectMeta {
    let content_length = res.header("content-length").and_then(|v| v.parse().ok());
    let size = match res.header("content-range") {
        // "bytes 0-9/443"
        Some(cr) => cr.rsplit_once('/').and_then(|(_, total)| total.parse().ok()),
        None => content_length,
    };
    ObjectMeta {
        content_length,
        size,
        etag: res.header("etag").map(str::to_string),
        content_type: res.header("content-type").map(str::to_string),
        content_encoding: res.header("content-encoding").map(str::to_string),
        last_modified: res.header("last-modified").map(str::to_string),
        storage_class: res.header("x-amz-storage-class").map(str::to_string),
    }
}

/// SHA-256 of the next `len` bytes of `r`.
pub fn hash_reader(r: &mut dyn Read, len: u64) -> io::Result<[u8; 32]> {
    let mut h = sigv4::PayloadHasher::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut left = len;
    while left > 0 {
        let want = left.min(buf.len() as u64) as usize;
        let n = r.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, format!("the body ended {left} bytes early")));
        }
        h.update(&buf[..n]);
        left -= n as u64;
    }
    Ok(h.finalize())
}

/// Credentials a caller resolved itself, as a cache that never refreshes.
pub fn fixed_credentials(c: Option<Credentials>) -> CachedCredentials {
    CachedCredentials::fixed(match c {
        Some(c) => Resolved::Keys(c),
        None => Resolved::Anonymous,
    })
}
