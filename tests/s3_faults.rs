//! Retries, rewound bodies, resumed downloads, `Retry-After` and region redirects, against real
//! Garage (behind a fault-injecting loopback proxy where connections must break).

mod common;

#[path = "common/faults.rs"]
mod faults;

use std::io::Cursor;
use std::sync::atomic::Ordering;
use std::time::Instant;

use common::{pseudo_random, stderr, unique, Server};
use faults::{Fault, FaultProxy};
use nixbucket::s3::client::{PutBody, PutOptions};
use nixbucket::s3::multipart;

/// The Garage server, reached through a new fault proxy.
fn behind_proxy() -> (Server, Server, FaultProxy) {
    let direct = Server::garage();
    let proxy = FaultProxy::start(&direct.endpoint);
    let proxied = Server { endpoint: proxy.endpoint.clone(), ..direct.clone() };
    (direct, proxied, proxy)
}

#[test]
fn uploads_are_retried_with_the_body_rewound() {
    let (direct, proxied, proxy) = behind_proxy();
    let client = proxied.client("");
    let data = pseudo_random(3 << 20, 11);
    // In memory.
    let key = format!("faults-{}/bytes", unique());
    proxy.push(Fault::CutRequestAfter(200_000), 1);
    client.put_object(&key, PutBody::Bytes(&data), &PutOptions::default()).unwrap();
    assert_eq!(proxy.injected.load(Ordering::SeqCst), 1);
    assert!(direct.client("").get_object_bytes(&key, 8 << 20).unwrap() == data, "uploaded bytes differ");
    // From a seekable reader, which must be rewound for the second attempt (a new client, so
    // that the request goes out on a new connection).
    let client = proxied.client("");
    let key = format!("faults-{}/reader", unique());
    proxy.push(Fault::CutRequestAfter(1_000_000), 1);
    let mut cursor = Cursor::new(data.clone());
    client.put_object(&key, PutBody::Reader { reader: &mut cursor, len: data.len() as u64, sha256: None, md5: None }, &PutOptions::default()).unwrap();
    assert_eq!(proxy.injected.load(Ordering::SeqCst), 2);
    assert!(direct.client("").get_object_bytes(&key, 8 << 20).unwrap() == data, "uploaded bytes differ");
}

#[test]
fn multipart_parts_are_retried() {
    let (direct, proxied, proxy) = behind_proxy();
    // No idle connections kept: every request opens a new one, so the faults below hit
    // exactly the first two part uploads, whichever threads send them.
    let client = proxied.client_with("multipart-chunk-size=5M", |c| c.transport.max_idle_per_host = 0);
    let data = pseudo_random((15 << 20) + 77, 12);
    let key = format!("faults-{}/multipart", unique());
    // Once the upload exists, break two part uploads mid-part.
    let mut on_created = |_: &str| proxy.push(Fault::CutRequestAfter(2_000_000), 2);
    let r = multipart::upload_observed(&client, &key, &mut Cursor::new(&data), Some(data.len() as u64), &PutOptions::default(), &mut on_created).unwrap();
    assert_eq!(r.parts, 4);
    assert_eq!(proxy.injected.load(Ordering::SeqCst), 2);
    assert!(direct.client("").get_object_bytes(&key, 32 << 20).unwrap() == data, "multipart object differs");
}

#[test]
fn broken_downloads_resume_where_they_stopped() {
    let (direct, proxied, proxy) = behind_proxy();
    let data = pseudo_random(8 << 20, 13);
    let key = format!("faults-{}/download", unique());
    direct.client("").put_object(&key, PutBody::Bytes(&data), &PutOptions::default()).unwrap();
    proxy.push(Fault::CutResponseAfter(3 << 20), 1);
    let mut out = Vec::new();
    proxied.client("").get_object_to(&key, None, &mut out).unwrap();
    assert!(out == data, "resumed download differs");
    // Resumed, not restarted: about 8 MiB went down, not 11.
    let down = proxy.bytes_down.load(Ordering::SeqCst);
    assert!(down < (8 << 20) + 64 * 1024, "{down} bytes passed for an 8 MiB object");
    assert!(proxy.connections.load(Ordering::SeqCst) >= 2);
}

#[test]
fn slow_down_waits_at_least_retry_after() {
    let (_direct, proxied, proxy) = behind_proxy();
    let client = proxied.client("");
    let key = format!("faults-{}/slow", unique());
    proxy.push(Fault::SlowDown, 1);
    let t = Instant::now();
    client.put_object(&key, PutBody::Bytes(b"eventually"), &PutOptions::default()).unwrap();
    assert!(t.elapsed().as_millis() >= 1000, "retried after {:?}, before Retry-After: 1", t.elapsed());
    assert_eq!(client.get_object_bytes(&key, 100).unwrap(), b"eventually");
}

#[test]
fn attempts_are_bounded_and_the_error_is_clear() {
    let (_direct, proxied, proxy) = behind_proxy();
    proxy.push(Fault::SlowDown, 10);
    let o = proxied.cli(&["s3", "get", &proxied.url("whatever", ""), "--download-attempts", "3"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("HTTP 503 SlowDown"), "{}", stderr(&o));
    assert_eq!(proxy.connections.load(Ordering::SeqCst), 3, "three attempts");
    assert_eq!(proxy.pending(), 7);
}

#[test]
fn connection_refused_is_retried_then_reported() {
    let s = Server { endpoint: "http://127.0.0.1:9".into(), ..Server::garage() };
    let o = s.cli(&["-v", "s3", "get", &s.url("k", ""), "--download-attempts", "2"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert_eq!(err.matches("retrying").count(), 1, "{err}");
    assert!(err.lines().last().unwrap().starts_with("error: GetObject s3://") && err.to_lowercase().contains("refused"), "{err}");
}

/// Garage answers a request signed for another region with 400 AuthorizationHeaderMalformed
/// and `<Region>garage</Region>`: the client retries once there and tells the user.
#[test]
fn region_redirect_is_followed_once_with_a_warning() {
    let s = Server::garage();
    let key = format!("faults-{}/region", unique());
    s.client("").put_object(&key, PutBody::Bytes(b"regional"), &PutOptions::default()).unwrap();
    let o = s.cli(&["s3", "get", &s.url(&key, "").replace("region=garage", "region=us-east-1")]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(o.stdout, b"regional");
    assert!(stderr(&o).contains("add region=garage to the URL"), "{}", stderr(&o));
}
