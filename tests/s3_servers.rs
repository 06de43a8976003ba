//! `nixbucket s3` and the S3 client against real Garage 2.5 and s3s-fs 0.14.1, both started by
//! `scripts/test.sh`. Every test runs on both servers.

mod common;

use std::io::{Cursor, Read};

use common::{ok, pseudo_random, stderr, stdout, unique, Server};
use nixbucket::s3::client::{PutBody, PutOptions};
use nixbucket::s3::multipart;

macro_rules! on_both_servers {
    ($($name:ident),* $(,)?) => {
        mod garage {
            $( #[test] fn $name() { super::$name(&super::common::Server::garage()) } )*
        }
        mod s3s_fs {
            $( #[test] fn $name() { super::$name(&super::common::Server::s3s_fs()) } )*
        }
    };
}

on_both_servers!(
    put_get_head_rm,
    awkward_keys_round_trip,
    range_reads,
    listing_2500_keys_across_pages,
    multipart_upload_reads_back_identical,
    multipart_from_stdin,
    aborted_multipart_leaves_nothing,
    presigned_get_with_curl,
    wrong_secret_is_an_auth_error,
    missing_key_is_not_found,
    bad_parameter_is_a_usage_error,
);

fn put_get_head_rm(s: &Server) {
    let dir = common::scratch_dir("pghr");
    let src = dir.join("in.txt");
    std::fs::write(&src, b"hello nixbucket\n").unwrap();
    let key = format!("pghr-{}/greeting.txt", unique());
    let url = s.url(&key, "");
    ok(&s.cli(&["s3", "put", src.to_str().unwrap(), &url]), "put");

    let out = dir.join("out.txt");
    ok(&s.cli(&["s3", "get", &url, out.to_str().unwrap()]), "get to file");
    assert_eq!(std::fs::read(&out).unwrap(), b"hello nixbucket\n");
    let o = s.cli(&["s3", "get", &url]);
    ok(&o, "get to stdout");
    assert_eq!(o.stdout, b"hello nixbucket\n");

    let o = s.cli(&["s3", "head", &url]);
    ok(&o, "head");
    assert!(stdout(&o).lines().any(|l| l == "size: 16"), "{}", stdout(&o));
    assert!(stdout(&o).lines().any(|l| l.starts_with("etag: ")), "{}", stdout(&o));

    // Content-Type and Content-Encoding are stored with the object.
    let typed = s.url(&format!("{key}.br"), "");
    ok(&s.cli(&["s3", "put", src.to_str().unwrap(), &typed, "--content-type", "text/x-nix-narinfo", "--content-encoding", "br"]), "put with types");
    let o = s.cli(&["s3", "head", &typed]);
    ok(&o, "head typed");
    assert!(stdout(&o).lines().any(|l| l == "content-type: text/x-nix-narinfo"), "{}: {}", s.name, stdout(&o));
    assert!(stdout(&o).lines().any(|l| l == "content-encoding: br"), "{}: {}", s.name, stdout(&o));
    ok(&s.cli(&["s3", "rm", &typed]), "rm typed");

    ok(&s.cli(&["s3", "rm", &url]), "rm");
    let o = s.cli(&["s3", "head", &url]);
    assert_eq!(o.status.code(), Some(3), "head after rm: {}", stderr(&o));
    // Deleting again succeeds, as in S3.
    ok(&s.cli(&["s3", "rm", &url]), "second rm");
}

/// Keys with characters that need encoding, each put through the CLI (percent-encoded in the
/// URL), listed back verbatim, read back, and fetched through the library by their raw name.
fn awkward_keys_round_trip(s: &Server) {
    let prefix = format!("awkward-{}", unique());
    let keys = [
        "with space.txt",
        "plus+sign",
        "equals=sign&amp",
        "percent%41literal",
        "tilde~and-dot_.x",
        "unicode-ሴ-✓-ü",
        "deep/a/b/c/d/e/f/g/h/i/j/k/file",
        "mixed dir/+=&%~/ሴ",
    ];
    let dir = common::scratch_dir("awkward");
    let client = s.client("");
    for (i, k) in keys.iter().enumerate() {
        let full = format!("{prefix}/{k}");
        let encoded = nixbucket::util::percent::encode_path(&full);
        let src = dir.join(format!("src{i}"));
        std::fs::write(&src, full.as_bytes()).unwrap();
        ok(&s.cli(&["s3", "put", src.to_str().unwrap(), &s.url(&encoded, "")]), &format!("put {full}"));
        let o = s.cli(&["s3", "get", &s.url(&encoded, "")]);
        ok(&o, &format!("get {full}"));
        assert_eq!(o.stdout, full.as_bytes(), "{}: {full}", s.name);
        assert_eq!(client.get_object_bytes(&full, 1 << 20).unwrap(), full.as_bytes(), "{}: library get {full}", s.name);
    }
    let o = s.cli(&["s3", "ls", &s.url(&format!("{prefix}/"), "")]);
    ok(&o, "ls");
    let mut listed: Vec<String> = stdout(&o).lines().map(|l| l.trim_start().split_once("  ").unwrap().1.to_string()).collect();
    let mut want: Vec<String> = keys.iter().map(|k| format!("{prefix}/{k}")).collect();
    listed.sort();
    want.sort();
    assert_eq!(listed, want, "{}", s.name);
}

fn range_reads(s: &Server) {
    let client = s.client("");
    let key = format!("range-{}/data", unique());
    let data = pseudo_random(100_000, 7);
    client.put_object(&key, PutBody::Bytes(&data), &PutOptions::default()).unwrap();
    for (start, end) in [(0u64, Some(0u64)), (0, Some(9)), (12_345, Some(54_321)), (99_990, None), (99_999, Some(99_999))] {
        let mut out = Vec::new();
        let meta = client.get_object_to(&key, Some((start, end)), &mut out).unwrap();
        let stop = end.map(|e| e as usize + 1).unwrap_or(data.len());
        assert_eq!(out, &data[start as usize..stop], "{}: range {start}-{end:?}", s.name);
        assert_eq!(meta.size, Some(100_000), "{}: total size from Content-Range", s.name);
    }
}

fn listing_2500_keys_across_pages(s: &Server) {
    let client = s.client("");
    let prefix = format!("list/{}/", unique());
    let keys: Vec<String> = (0..2500).map(|i| format!("{prefix}k{i:05}")).collect();
    std::thread::scope(|sc| {
        for chunk in keys.chunks(2500 / 8 + 1) {
            let client = &client;
            sc.spawn(move || {
                for k in chunk {
                    client.put_object(k, PutBody::Bytes(k.as_bytes()), &PutOptions::default()).unwrap();
                }
            });
        }
    });
    // Pages as the server cuts them (1000 keys on both): count pages through the library.
    let mut pages = 0;
    let mut seen = Vec::new();
    client
        .list_objects(&prefix, None, None, |p| {
            pages += 1;
            seen.extend(p.objects.iter().map(|o| (o.key.clone(), o.size)));
            Ok(())
        })
        .unwrap();
    assert!(pages >= 3, "{}: 2500 keys came in {pages} page(s)", s.name);
    assert_eq!(seen.len(), 2500, "{}", s.name);
    for (k, size) in &seen {
        assert_eq!(*size, k.len() as u64);
    }
    // A delimiter folds keys into common prefixes; start-after skips.
    let mut prefixes = Vec::new();
    let mut direct = 0;
    let parent = prefix.trim_end_matches('/').rsplit_once('/').map(|(p, _)| format!("{p}/")).unwrap_or_default();
    client
        .list_objects(&parent, Some("/"), None, |p| {
            prefixes.extend(p.common_prefixes.iter().cloned());
            direct += p.objects.len();
            Ok(())
        })
        .unwrap();
    assert!(prefixes.contains(&prefix), "{}: {prefix} not among {} common prefixes", s.name, prefixes.len());
    let mut after = Vec::new();
    client
        .list_objects(&prefix, None, Some(&keys[2490]), |p| {
            after.extend(p.objects.iter().map(|o| o.key.clone()));
            Ok(())
        })
        .unwrap();
    assert_eq!(after, keys[2491..].to_vec(), "{}: start-after", s.name);
    // And through the CLI, sizes and full keys.
    let o = s.cli(&["s3", "ls", &s.url(&prefix, "")]);
    ok(&o, "ls");
    let lines: Vec<String> = stdout(&o).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 2500, "{}", s.name);
    assert_eq!(lines[0].trim_start(), format!("{}  {}", keys[0].len(), keys[0]));
    assert_eq!(lines[2499].trim_start(), format!("{}  {}", keys[2499].len(), keys[2499]));
    // Delete them in batches of at most 1000.
    let outcome = client.delete_objects(&keys).unwrap();
    assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
    assert!(client.list_all(&prefix).unwrap().is_empty(), "{}: keys left after DeleteObjects", s.name);
}

fn multipart_upload_reads_back_identical(s: &Server) {
    let dir = common::scratch_dir("mp");
    let src = dir.join("big");
    let data = pseudo_random(16 * 1024 * 1024 + 12_345, 42); // 4 parts of 5 MiB, the last short
    std::fs::write(&src, &data).unwrap();
    let key = format!("mp-{}/big.bin", unique());
    let params = "multipart-threshold=5M&multipart-chunk-size=5M";
    let o = s.cli(&["-v", "-v", "s3", "put", src.to_str().unwrap(), &s.url(&key, params)]);
    ok(&o, "multipart put");
    assert!(stderr(&o).contains("multipart upload"), "{}: not uploaded in parts: {}", s.name, stderr(&o));
    let out = dir.join("back");
    ok(&s.cli(&["s3", "get", &s.url(&key, ""), out.to_str().unwrap()]), "get");
    assert!(std::fs::read(&out).unwrap() == data, "{}: multipart object differs", s.name);
    // The library reports the parts it used.
    let client = s.client(params);
    let r = multipart::upload(&client, &key, &mut Cursor::new(&data), Some(data.len() as u64), &PutOptions::default()).unwrap();
    assert_eq!(r.parts, 4, "{}", s.name);
    assert_eq!(client.head_object(&key).unwrap().size, Some(data.len() as u64));
}

fn multipart_from_stdin(s: &Server) {
    let data = pseudo_random(11 * 1024 * 1024, 9);
    let key = format!("stdin-{}/piped", unique());
    let o = s.cli_with(&["s3", "put", "-", &s.url(&key, "multipart-threshold=5M")], &[], Some(&data));
    ok(&o, "put from stdin");
    let o = s.cli(&["s3", "get", &s.url(&key, "")]);
    ok(&o, "get");
    assert!(o.stdout == data, "{}: stdin upload differs", s.name);
}

/// A body that fails after `ok_bytes`.
struct FailingReader {
    inner: Cursor<Vec<u8>>,
    ok_bytes: u64,
}

impl Read for FailingReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.inner.position() >= self.ok_bytes {
            return Err(std::io::Error::other("disk on fire"));
        }
        let max = (self.ok_bytes - self.inner.position()).min(buf.len() as u64) as usize;
        self.inner.read(&mut buf[..max])
    }
}

fn aborted_multipart_leaves_nothing(s: &Server) {
    let client = s.client("multipart-chunk-size=5M");
    let key = format!("abort-{}/never", unique());
    let mut body = FailingReader { inner: Cursor::new(pseudo_random(30 << 20, 3)), ok_bytes: (12 << 20) + 5 };
    let mut id = None;
    let e = multipart::upload_observed(&client, &key, &mut body, None, &PutOptions::default(), &mut |u| id = Some(u.to_string())).unwrap_err();
    assert!(e.to_string().contains("disk on fire"), "{e}");
    let id = id.expect("the upload was created");
    // The upload is gone: a part sent to it is refused (NoSuchUpload; s3s-fs says
    // AccessDenied for upload ids it does not know) ...
    let err = client.upload_part(&key, &id, 3, b"late part").unwrap_err();
    let refused = if s.name == "s3s-fs" { "AccessDenied" } else { "NoSuchUpload" };
    assert_eq!(err.code(), Some(refused), "{}: upload {id} still accepts parts: {err}", s.name);
    // ... while a live upload of the same key, with the same client, takes one.
    let live = client.create_multipart_upload(&key, &PutOptions::default()).unwrap();
    client.upload_part(&key, &live, 1, b"part").unwrap();
    client.abort_multipart_upload(&key, &live).unwrap();
    // And it is not listed (s3s-fs does not implement ListMultipartUploads: 501).
    match client.list_multipart_uploads(&key) {
        Ok(uploads) => assert!(uploads.uploads.iter().all(|(k, _)| k != &key), "{}: upload left behind: {:?}", s.name, uploads.uploads),
        Err(e) => assert_eq!((s.name, e.status()), ("s3s-fs", Some(501)), "{e}"),
    }
    let err = client.head_object(&key).unwrap_err();
    assert!(err.is_not_found(), "{}: partial object visible: {err}", s.name);
}

fn presigned_get_with_curl(s: &Server) {
    let client = s.client("");
    let key = format!("presign-{}/a b+c.txt", unique());
    client.put_object(&key, PutBody::Bytes(b"presigned body"), &PutOptions::default()).unwrap();
    let encoded = nixbucket::util::percent::encode_path(&key);
    let o = s.cli(&["s3", "presign", &s.url(&encoded, ""), "--expires", "300"]);
    ok(&o, "presign");
    let url = stdout(&o).lines().last().unwrap().to_string();
    assert!(url.contains("X-Amz-Signature="), "{url}");
    let c = std::process::Command::new("curl").args(["-sS", "--fail", &url]).output().expect("curl is needed (scripts/deps.sh installs it)");
    assert!(c.status.success(), "{}: curl {url}: {}", s.name, String::from_utf8_lossy(&c.stderr));
    assert_eq!(c.stdout, b"presigned body");
    // A presigned PUT uploads with curl.
    let put_key = format!("presign-{}/put target", unique());
    let o = s.cli(&["s3", "presign", &s.url(&nixbucket::util::percent::encode_path(&put_key), ""), "--method", "put"]);
    ok(&o, "presign put");
    let put_url = stdout(&o).lines().last().unwrap().to_string();
    let dir = common::scratch_dir("presign");
    std::fs::write(dir.join("body"), b"uploaded through a presigned URL").unwrap();
    let c = std::process::Command::new("curl").args(["-sS", "--fail", "-T", dir.join("body").to_str().unwrap(), &put_url]).output().unwrap();
    assert!(c.status.success(), "{}: curl -T {put_url}: {}", s.name, String::from_utf8_lossy(&c.stderr));
    assert_eq!(client.get_object_bytes(&put_key, 1024).unwrap(), b"uploaded through a presigned URL");
    // Tampering with the signature is refused by the server.
    let flipped = if url.ends_with('0') { '1' } else { '0' };
    let bad = format!("{}{flipped}", &url[..url.len() - 1]);
    let c = std::process::Command::new("curl").args(["-sS", "-o", "/dev/null", "-w", "%{http_code}", &bad]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&c.stdout), "403", "{}: a bad signature was accepted", s.name);
}

fn wrong_secret_is_an_auth_error(s: &Server) {
    let key = format!("auth-{}/x", unique());
    let o =
        s.cli_with(&["s3", "get", &s.url(&key, "")], &[("AWS_SECRET_ACCESS_KEY", "0000000000000000000000000000000000000000000000000000000000000000")], None);
    assert_eq!(o.status.code(), Some(1), "{}: {}", s.name, stderr(&o));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.contains("403") && (err.contains("SignatureDoesNotMatch") || err.contains("AccessDenied")), "{}: {err}", s.name);
    assert!(!err.contains(&s.secret_access_key), "secret in the error");
}

fn missing_key_is_not_found(s: &Server) {
    let url = s.url(&format!("missing-{}/nothing-here", unique()), "");
    for cmd in ["get", "head"] {
        let o = s.cli(&["s3", cmd, &url]);
        assert_eq!(o.status.code(), Some(3), "{} {cmd}: {}", s.name, stderr(&o));
        assert!(stderr(&o).starts_with("error: "), "{}", stderr(&o));
    }
    let dir = common::scratch_dir("missing");
    let dest = dir.join("out");
    let o = s.cli(&["s3", "get", &url, dest.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "a failed get left a file behind");
}

fn bad_parameter_is_a_usage_error(s: &Server) {
    let o = s.cli(&["s3", "get", &s.url("k", "multipart-chunk-size=12")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("multipart-chunk-size"), "{}", stderr(&o));
    let o = s.cli(&["s3", "get"]);
    assert_eq!(o.status.code(), Some(2));
    let o = s.cli(&["s3", "get", &s.url("k", "colour=blue")]);
    assert!(stderr(&o).contains("unknown parameter 'colour'"), "{}", stderr(&o));
}
