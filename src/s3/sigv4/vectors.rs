//! The aws-c-auth SigV4 test suite as a table test: every case under `tests/data/sigv4/v4`
//! (source and licence in `tests/data/sigv4/README.md`), both the header and the query
//! (presigned) variant, checking the canonical request, the string to sign, the signature and
//! what the signer adds to the request.
//!
//! Where a case's rule differs from S3's, the case says so and S3's rule is checked instead:
//!
//! - `normalize: true` with `.`, `..` or `//` in the path: aws-c-auth removes dot segments and
//!   merges slashes, S3 signs the path as sent. These cases are checked against their
//!   `*-unnormalized` twin (same request, `normalize: false`), and the canonical URI must be the
//!   path byte for byte, encoded once.
//!
//! Cases with special rules that the signer follows through [`Settings`], not S3 differences:
//!
//! - `service` is `service` and no case sends `x-amz-content-sha256` unless `sign_body` is
//!   set: [`Settings::content_sha256_header`] = `sign_body` (S3 always sets it).
//! - `get-vanilla-with-session-token`, `post-sts-header-before`: the token is signed, as
//!   `x-amz-security-token` in the headers or `X-Amz-Security-Token` inside the canonical query
//!   (S3's rule).
//! - `post-sts-header-after` (`omit_session_token: true`): the token is added to the request
//!   after signing and is not part of the signature, neither as a header nor in the query: the
//!   old STS rule, [`Settings::sign_session_token`] = false. S3 rejects that, so `sign_s3` and
//!   `presign_s3` never do it.

use std::fs;
use std::path::{Path, PathBuf};

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::{presign, sha256_hex, sign_headers, Scope, Settings, Signed, SigningInput};
use crate::s3::credentials::Credentials;
use crate::util::percent;

/// The number of cases in the suite at the commit we copied.
const CASES: usize = 38;

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sigv4/v4")
}

fn read(case: &str, file: &str) -> String {
    let path = suite_dir().join(case).join(file);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `request.txt`: request line, headers (a line starting with whitespace continues the previous
/// header; a repeated name is kept as a separate header), blank line, body.
struct Request {
    method: String,
    /// The path as written in the file: not encoded (`/example space/`, raw UTF-8).
    raw_path: String,
    /// Decoded query pairs.
    query: Vec<(String, String)>,
    host: String,
    /// All headers but `Host`, names and values as written (values untrimmed).
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// Split `a=b&c` into decoded pairs (a bare key has an empty value).
fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent::decode(k).unwrap(), percent::decode(v).unwrap())
        })
        .collect()
}

/// Headers of an HTTP message in the suite's format.
fn parse_headers(lines: &str) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in lines.lines() {
        if line.starts_with([' ', '\t']) {
            let last = headers.last_mut().expect("continuation line without a header");
            last.1.push('\n');
            last.1.push_str(line);
        } else if !line.is_empty() {
            let (name, value) = line.split_once(':').unwrap_or_else(|| panic!("header line without ':': {line:?}"));
            headers.push((name.to_string(), value.to_string()));
        }
    }
    headers
}

/// Request line: `METHOD target HTTP/1.1`, where the target may contain spaces.
fn parse_request_line(line: &str) -> (String, String, String) {
    let (method, rest) = line.split_once(' ').unwrap();
    let (target, _version) = rest.rsplit_once(' ').unwrap();
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    (method.to_string(), path.to_string(), query.to_string())
}

fn parse_request(text: &str) -> Request {
    let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
    let (first, rest) = head.split_once('\n').unwrap_or((head, ""));
    let (method, raw_path, query) = parse_request_line(first);
    let mut headers = parse_headers(rest);
    let host_at = headers.iter().position(|(n, _)| n.eq_ignore_ascii_case("host")).expect("no Host header");
    let host = headers.remove(host_at).1.trim().to_string();
    Request { method, raw_path, query: parse_query(&query), host, headers, body: body.as_bytes().to_vec() }
}

/// `context.json`.
struct Context {
    credentials: Credentials,
    region: String,
    service: String,
    time: OffsetDateTime,
    expires: u64,
    normalize: bool,
    sign_body: bool,
    omit_session_token: bool,
}

fn parse_context(text: &str) -> Context {
    let v: serde_json::Value = serde_json::from_str(text).unwrap();
    let s = |value: &serde_json::Value| value.as_str().unwrap().to_string();
    let c = &v["credentials"];
    Context {
        credentials: Credentials::new(s(&c["access_key_id"]), s(&c["secret_access_key"]), c.get("token").map(s), "aws-c-auth vector"),
        region: s(&v["region"]),
        service: s(&v["service"]),
        time: OffsetDateTime::parse(v["timestamp"].as_str().unwrap(), &Rfc3339).unwrap(),
        expires: v["expiration_in_seconds"].as_u64().unwrap(),
        normalize: v["normalize"].as_bool().unwrap(),
        sign_body: v["sign_body"].as_bool().unwrap(),
        omit_session_token: v.get("omit_session_token").and_then(|b| b.as_bool()).unwrap_or(false),
    }
}

/// Would aws-c-auth's normalization change this path (a `.` or `..` segment, or an empty
/// segment from `//`)?
fn normalization_changes(path: &str) -> bool {
    let segments: Vec<&str> = path.split('/').collect();
    let inner_empty = segments.len() > 2 && segments[1..segments.len() - 1].contains(&"");
    inner_empty || segments.iter().any(|s| *s == "." || *s == "..")
}

fn check(what: &str, got: &str, want: &str) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what} differs\n--- got:\n{got}\n--- expected:\n{want}\n---"))
    }
}

/// The three intermediate results against `<variant>-*.txt` of `expected_case`.
fn check_signed(signed: &Signed, expected_case: &str, variant: &str) -> Result<(), String> {
    check("canonical request", &signed.canonical_request, &read(expected_case, &format!("{variant}-canonical-request.txt")))?;
    check("string to sign", &signed.string_to_sign, &read(expected_case, &format!("{variant}-string-to-sign.txt")))?;
    check("signature", &signed.signature, &read(expected_case, &format!("{variant}-signature.txt")))
}

/// The header variant: our added headers are exactly the ones `header-signed-request.txt` has
/// beyond the original request's.
fn check_added_headers(signed: &Signed, request: &Request, expected_case: &str) -> Result<(), String> {
    let text = read(expected_case, "header-signed-request.txt");
    let (head, _) = text.split_once("\n\n").unwrap_or((&text, ""));
    let (_, header_lines) = head.split_once('\n').unwrap_or((head, ""));
    let lower = |h: &[(String, String)]| {
        let mut v: Vec<(String, String)> = h.iter().map(|(n, v)| (n.to_ascii_lowercase(), v.clone())).collect();
        v.sort();
        v
    };
    let mut ours = request.headers.clone();
    ours.push(("host".to_string(), request.host.clone()));
    ours.extend(signed.add.iter().cloned());
    let want = lower(&parse_headers(header_lines));
    let got = lower(&ours);
    if got == want {
        Ok(())
    } else {
        Err(format!("signed request headers differ\n--- got: {got:?}\n--- expected: {want:?}"))
    }
}

/// The query variant: our added pairs are exactly the ones `query-signed-request.txt` has beyond
/// the original query.
fn check_added_query(signed: &Signed, request: &Request, expected_case: &str) -> Result<(), String> {
    let text = read(expected_case, "query-signed-request.txt");
    let (_, _, query) = parse_request_line(text.lines().next().unwrap());
    let mut want = parse_query(&query);
    want.sort();
    let mut got = request.query.clone();
    got.extend(signed.add.iter().cloned());
    got.sort();
    if got == want {
        Ok(())
    } else {
        Err(format!("presigned query differs\n--- got: {got:?}\n--- expected: {want:?}"))
    }
}

struct Outcome {
    header: Result<(), String>,
    query: Result<(), String>,
    /// Checked against this `*-unnormalized` twin because S3 never normalizes.
    s3_differs: Option<String>,
}

fn run_case(case: &str) -> Outcome {
    let request_text = read(case, "request.txt");
    let request = parse_request(&request_text);
    let ctx = parse_context(&read(case, "context.json"));

    // On the wire the path is encoded once; the files write it raw.
    let path = percent::encode_path(&percent::decode(&request.raw_path).unwrap());
    let payload_hash = sha256_hex(&request.body);
    let input = SigningInput {
        method: &request.method,
        host: &request.host,
        path: &path,
        query: &request.query,
        headers: &request.headers,
        payload_hash: &payload_hash,
    };
    let scope = Scope { region: &ctx.region, service: &ctx.service };
    let settings = Settings { content_sha256_header: ctx.sign_body, sign_session_token: !ctx.omit_session_token };

    let mut expected_case = case.to_string();
    let mut s3_differs = None;
    if ctx.normalize && normalization_changes(&request.raw_path) {
        // aws-c-auth normalizes this path (drops `.`/`..` segments, merges `//`); S3 signs the
        // path exactly as sent, so the S3 answer is the one of the unnormalized twin.
        let twin = case.replace("-normalized", "-unnormalized");
        assert_ne!(twin, case, "{case}: normalizes a path but has no -unnormalized twin");
        assert_eq!(read(&twin, "request.txt"), request_text, "{case}: twin {twin} is a different request");
        assert!(!parse_context(&read(&twin, "context.json")).normalize, "{twin} normalizes too");
        assert_ne!(
            read(case, "header-canonical-request.txt"),
            read(&twin, "header-canonical-request.txt"),
            "{case}: normalization was expected to change the canonical request"
        );
        expected_case = twin.clone();
        s3_differs = Some(twin);
    }

    let path_kept = |signed: &Signed| check("canonical URI (S3: the path as sent, encoded once)", signed.canonical_request.split('\n').nth(1).unwrap(), &path);

    let signed = sign_headers(&input, &ctx.credentials, &scope, ctx.time, settings);
    let header =
        check_signed(&signed, &expected_case, "header").and_then(|()| path_kept(&signed)).and_then(|()| check_added_headers(&signed, &request, &expected_case));

    let query = match presign(&input, &ctx.credentials, &scope, ctx.time, ctx.expires, settings) {
        Ok(signed) => {
            check_signed(&signed, &expected_case, "query").and_then(|()| path_kept(&signed)).and_then(|()| check_added_query(&signed, &request, &expected_case))
        }
        Err(e) => Err(format!("presign refused: {e}")),
    };
    Outcome { header, query, s3_differs }
}

fn cases() -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(suite_dir())
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn aws_c_auth_suite_header_and_query() {
    let cases = cases();
    assert_eq!(cases.len(), CASES, "tests/data/sigv4/v4 should hold the whole suite");
    let (mut header_ok, mut query_ok) = (0, 0);
    let mut failures = Vec::new();
    for case in &cases {
        let outcome = run_case(case);
        let against = outcome.s3_differs.map(|twin| format!(" (S3 differs: checked against {twin})")).unwrap_or_default();
        match outcome.header {
            Ok(()) => header_ok += 1,
            Err(e) => failures.push(format!("{case}, header{against}: {e}")),
        }
        match outcome.query {
            Ok(()) => query_ok += 1,
            Err(e) => failures.push(format!("{case}, query{against}: {e}")),
        }
    }
    eprintln!("aws-c-auth SigV4 suite: {header_ok}/{} header, {query_ok}/{} query", cases.len(), cases.len());
    assert!(failures.is_empty(), "{} failures:\n\n{}", failures.len(), failures.join("\n\n"));
}

#[test]
fn cases_where_s3_differs_are_exactly_the_normalizing_ones() {
    let differs: Vec<String> = cases().into_iter().filter(|c| run_case(c).s3_differs.is_some()).collect();
    assert_eq!(
        differs,
        [
            "get-relative-normalized",
            "get-relative-relative-normalized",
            "get-slash-dot-slash-normalized",
            "get-slash-normalized",
            "get-slash-pointless-dot-normalized",
            "get-slashes-normalized",
        ]
    );
}

#[test]
fn request_parser_reads_folded_and_repeated_headers() {
    let r = parse_request(&read("get-header-value-multiline", "request.txt"));
    assert_eq!(r.headers, [("My-Header1".to_string(), "value1\n  value2\n     value3".to_string())]);
    let r = parse_request(&read("get-header-key-duplicate", "request.txt"));
    assert_eq!(r.headers.len(), 3);
    let r = parse_request(&read("post-x-www-form-urlencoded", "request.txt"));
    assert_eq!((r.method.as_str(), r.host.as_str(), r.body.as_slice()), ("POST", "example.amazonaws.com", &b"Param1=value1"[..]));
    let r = parse_request(&read("get-space-normalized", "request.txt"));
    assert_eq!(r.raw_path, "/example space/");
    let r = parse_request(&read("get-vanilla-query-order-encoded", "request.txt"));
    assert_eq!(r.query[2], ("ሴ".to_string(), "Value1".to_string()));
}
