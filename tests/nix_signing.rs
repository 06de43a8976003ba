//! narinfo, signing keys and `nix-cache-info` against real Nix 2.8 and its output.
//!
//! The corpus tests read `tests/data/narinfo/` and `tests/data/nix/signing-vectors.json` only.
//! The others run `nix-store`, `nix-build` and `nix` (Nix 2.8, `apt-get install nix-bin` or
//! `scripts/deps.sh`) and fail, never skip, when they are missing. Every path they make is
//! built from a derivation with a fresh nonce (input-addressed: Nix trusts content-addressed
//! paths without signatures, which would prove nothing), copied into `file://` caches and local
//! stores below a scratch directory.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use nixbucket::nix::cache_info::CacheInfo;
use nixbucket::nix::narinfo::NarInfo;
use nixbucket::nix::signing::{verify_narinfo, PublicKey, SecretKey, Signature, TrustedKeys};
use nixbucket::nix::store_path::{StorePath, STORE_DIR};

use common::NIX_CONFIG;

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(rel)
}

fn read(p: &Path) -> String {
    fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Every file below `dir` whose name ends in `ext`, sorted.
fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.to_string_lossy().ends_with(ext) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn corpus_keys() -> TrustedKeys {
    TrustedKeys::parse_list(&read(&data("narinfo/trusted-public-keys"))).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Corpus and vectors (no Nix needed).

#[test]
fn corpus_narinfos_nix_wrote_round_trip_byte_for_byte_and_verify() {
    let keys = corpus_keys();
    let mut paths = files(&data("narinfo/nix-2.8"), ".narinfo");
    paths.extend(files(&data("narinfo/cache.nixos.org"), ".narinfo"));
    assert!(paths.len() >= 40, "corpus is missing: {} files", paths.len());
    let mut signed = 0;
    for p in &paths {
        let text = read(p);
        let info = NarInfo::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        assert_eq!(info.to_string(), text, "{}", p.display());
        assert_eq!(NarInfo::parse(&info.to_string()).unwrap(), info);
        assert_eq!(p.file_name().unwrap().to_string_lossy(), format!("{}.narinfo", info.hash_part()));
        let dir = p.parent().unwrap().file_name().unwrap().to_string_lossy().to_string();
        if dir == "unsigned" {
            assert!(info.sigs.is_empty() && !verify_narinfo(&info, &keys), "{}", p.display());
            continue;
        }
        assert!(!info.sigs.is_empty(), "{}", p.display());
        assert!(verify_narinfo(&info, &keys), "{}", p.display());
        for s in &info.sigs {
            assert!(keys.verify_str(info.fingerprint().as_bytes(), s), "{}: {s}", p.display());
            signed += 1;
        }
        if dir != "none" {
            assert_eq!(info.compression, dir.replace("cache.nixos.org", "xz"), "{}", p.display());
        }
    }
    assert!(signed >= 40, "{signed}");
}

#[test]
fn corpus_variations_parse_as_expected() {
    let keys = corpus_keys();
    let inputs = files(&data("narinfo/variations"), ".narinfo");
    assert!(inputs.len() >= 20, "{}", inputs.len());
    for p in inputs {
        let text = read(&p);
        let expected = p.with_extension("expected");
        let error = p.with_extension("error");
        match NarInfo::parse(&text) {
            Ok(info) => {
                assert!(expected.exists(), "{} parsed but has no .expected: {info:?}", p.display());
                let out = info.to_string();
                assert_eq!(out, read(&expected), "{}", p.display());
                assert_eq!(NarInfo::parse(&out).unwrap(), info, "{}: parse → write → parse", p.display());
                // Re-encoding the hashes or reordering sets keeps the signatures valid.
                if !info.sigs.is_empty() {
                    assert!(verify_narinfo(&info, &keys), "{}", p.display());
                }
            }
            Err(e) => {
                assert!(error.exists(), "{} failed with no .error: {e}", p.display());
                let want = read(&error);
                let want = want.lines().next().unwrap();
                assert!(e.to_string().starts_with(want), "{}: got {:?}, want {want:?}", p.display(), e.to_string());
            }
        }
    }
}

#[test]
fn corpus_nix_cache_info_as_nix_writes_it() {
    let text = read(&data("narinfo/nix-2.8/nix-cache-info"));
    assert_eq!(text, "StoreDir: /nix/store\n");
    let info = CacheInfo::parse(&text).unwrap();
    assert_eq!(info.store_dir.as_deref(), Some("/nix/store"));
    assert_eq!(info.to_string(), text);
    assert_eq!(CacheInfo::default().to_string(), "StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 40\n");
}

#[test]
fn signing_vectors_verify_and_negative_ones_fail() {
    let v: serde_json::Value = serde_json::from_str(&read(&data("nix/signing-vectors.json"))).unwrap();
    let vectors = v["vectors"].as_array().unwrap();
    let s = |x: &serde_json::Value| x.as_str().unwrap_or_else(|| panic!("not a string: {x}")).to_string();

    // 1: the curl narinfo fingerprint, signed by cache.nixos.org-1 and test1.
    let curl = &vectors[0];
    let fp = s(&curl["fingerprint"]);
    let from_corpus = NarInfo::parse(&read(&data("narinfo/cache.nixos.org/syd87l2rxw8cbsxmxl853h0r6pdwhwjr.narinfo"))).unwrap();
    assert_eq!(from_corpus.fingerprint(), fp);
    let mut count = 0;
    for sig in curl["signatures"].as_array().unwrap() {
        let key = PublicKey::parse(&s(&sig["public_key"])).unwrap();
        let parsed = Signature::parse(&s(&sig["sig"])).unwrap();
        assert_eq!(parsed.to_string(), s(&sig["sig"]));
        assert_eq!(key.to_string(), s(&sig["public_key"]));
        assert_eq!(key.verify(fp.as_bytes(), &parsed), sig["verifies"].as_bool().unwrap());
        assert!(!key.verify(&fp.as_bytes()[..5], &parsed), "a prefix of the fingerprint");
        count += 1;
    }
    assert_eq!(count, 2);
    assert_eq!(PublicKey::parse(&s(&v["cache_nixos_org_public_key"])).unwrap().name(), "cache.nixos.org-1");
    let nixos = PublicKey::parse(&s(&v["cache_nixos_org_public_key"])).unwrap();
    for neg in curl["negative_cases_from_tvix"].as_array().unwrap() {
        let expect = s(&neg["expect"]);
        if let Some(sig) = neg.get("sig") {
            let sig = Signature::parse(&s(sig)).unwrap();
            assert!(!nixos.verify(fp.as_bytes(), &sig), "{expect}");
        } else if let Some(sig) = neg.get("sig_string") {
            assert!(Signature::parse(&s(sig)).is_err(), "{expect}: {sig}");
        } else if let Some(k) = neg.get("public_key_string") {
            assert!(PublicKey::parse(&s(k)).is_err(), "{expect}: {k}");
        } else if let Some(k) = neg.get("secret_key_string") {
            assert!(SecretKey::parse(&s(k)).is_err(), "{expect}");
        } else {
            assert_eq!(s(&neg["fingerprint"]), "first 5 chars of the fingerprint only");
            // checked above
        }
    }

    // 2: tvix's dummy key pair; Ed25519 is deterministic, so our signature is PyNaCl's.
    let dummy = &vectors[1];
    let sk = SecretKey::parse(&s(&dummy["secret_key"])).unwrap();
    assert_eq!(sk.to_string(), s(&dummy["secret_key"]));
    assert_eq!(sk.to_public().to_string(), s(&dummy["public_key"]));
    let sig = sk.sign(fp.as_bytes());
    assert_eq!(sig.to_string(), s(&dummy["derived_by_pynacl_not_upstream"]["sig"]));
    let mut info = from_corpus.clone();
    info.sign(&sk);
    assert!(info.sigs.contains(&sig.to_string()));
    assert!(verify_narinfo(&info, &TrustedKeys::parse_list(&s(&dummy["public_key"])).unwrap()));

    // 3: Nix's own test key and a realisation fingerprint.
    let real = &vectors[2];
    let sk = SecretKey::parse(&s(&real["secret_key"])).unwrap();
    assert_eq!(sk.to_public().to_string(), s(&real["public_key_derived"]));
    let msg = fs::read(data("nix/signing-realisation-fingerprint.txt")).unwrap();
    let sig = Signature::parse(&s(&real["sig"])).unwrap();
    assert!(sk.to_public().verify(&msg, &sig));
    assert_eq!(sk.sign(&msg), sig);
}

// ---------------------------------------------------------------------------------------------
// Against real Nix.

/// A directory below the system temp dir, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        static N: AtomicU32 = AtomicU32::new(0);
        let p = std::env::temp_dir().join(format!("nixbucket-nix-signing-{tag}-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
        let _ = fs::remove_dir_all(&p);
        fs::create_dir_all(&p).unwrap();
        Scratch(p)
    }
    fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }
    fn url(&self, rel: &str) -> String {
        format!("file://{}", self.path(rel).display())
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // Local stores below it have read-only directories.
        let _ = Command::new("chmod").args(["-R", "u+w"]).arg(&self.0).status();
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn nix(scratch: &Scratch, program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .env("NIX_CONFIG", NIX_CONFIG)
        .env("XDG_CACHE_HOME", scratch.path("xdg-cache"))
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {program}: {e}. These tests need Nix 2.8 (nix-store, nix-build, nix): run scripts/deps.sh \
                 or apt-get install -y nix-bin"
            )
        })
}

fn ok(o: Output, what: &str) -> String {
    assert!(o.status.success(), "{what} failed ({}):\n{}\n{}", o.status, String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

/// A fresh input-addressed store path (built by Nix), copied unsigned to the `file://` cache
/// `cache` below `scratch`; returns the path and its narinfo file.
fn fresh_path_in_cache(scratch: &Scratch, cache: &str) -> (String, PathBuf) {
    let nonce = format!("{}-{}", scratch.0.display(), std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos());
    let expr = format!(
        "derivation {{ name = \"nixbucket-signing-test\"; system = builtins.currentSystem; builder = \"/bin/sh\"; args = [ \"-c\" \"echo {nonce} > $out\" ]; }}"
    );
    let out = ok(nix(scratch, "nix-build", &["--no-out-link", "-E", &expr]), "nix-build");
    let path = out.trim().to_string();
    assert!(path.starts_with("/nix/store/"), "{path}");
    ok(nix(scratch, "nix", &["copy", "--to", &scratch.url(cache), &path]), "nix copy --to");
    let narinfo = scratch.path(cache).join(format!("{}.narinfo", &path["/nix/store/".len().."/nix/store/".len() + 32]));
    assert!(narinfo.exists(), "{}", narinfo.display());
    (path, narinfo)
}

/// `nix-store --generate-binary-cache-key NAME` → (secret, public) as Nix wrote them.
fn nix_key(scratch: &Scratch, name: &str) -> (String, String) {
    let (sec, public) = (scratch.path(&format!("{name}.sec")), scratch.path(&format!("{name}.pub")));
    ok(
        nix(scratch, "nix-store", &["--generate-binary-cache-key", name, sec.to_str().unwrap(), public.to_str().unwrap()]),
        "nix-store --generate-binary-cache-key",
    );
    (read(&sec), read(&public))
}

/// `nix copy --from CACHE --to local?root=ROOT PATH` requiring a signature by `trusted`.
fn nix_copy_checked(scratch: &Scratch, cache: &str, root: &str, trusted: &str, path: &str) -> Output {
    let to = format!("local?root={}", scratch.path(root).display());
    let from = scratch.url(cache);
    nix(scratch, "nix", &["copy", "--from", &from, "--to", &to, "--option", "trusted-public-keys", trusted, "--option", "require-sigs", "true", path])
}

#[test]
fn nix_accepts_a_narinfo_signed_by_us_with_its_key() {
    let s = Scratch::new("accept");
    let (sec, public) = nix_key(&s, "nb-accept-1");
    let (path, narinfo) = fresh_path_in_cache(&s, "cache");
    let mut info = NarInfo::parse(&read(&narinfo)).unwrap();
    assert!(info.sigs.is_empty());

    // Unsigned: refused.
    let o = nix_copy_checked(&s, "cache", "root-unsigned", &public, &path);
    assert!(!o.status.success(), "nix copied an unsigned path");
    assert!(String::from_utf8_lossy(&o.stderr).contains("signature"), "{}", String::from_utf8_lossy(&o.stderr));

    info.sign(&SecretKey::parse(&sec).unwrap());
    fs::write(&narinfo, info.to_string()).unwrap();

    // A different key of the same name, and the right key under another name: refused.
    let (_, impostor) = nix_key(&Scratch::new("impostor"), "nb-accept-1");
    assert_ne!(impostor, public);
    assert!(!nix_copy_checked(&s, "cache", "root-wrong-key", &impostor, &path).status.success(), "nix accepted a signature by another key");
    let renamed = public.replacen("nb-accept-1:", "nb-other-1:", 1);
    assert!(!nix_copy_checked(&s, "cache", "root-wrong-name", &renamed, &path).status.success(), "nix accepted a key of another name");

    ok(nix_copy_checked(&s, "cache", "root", &public, &path), "nix copy of a path we signed");
    assert!(s.path("root").join(&path[1..]).exists());
}

#[test]
fn our_signature_is_byte_for_byte_the_one_nix_makes() {
    let s = Scratch::new("same");
    let (sec, _) = nix_key(&s, "nb-same-1");
    let (path, narinfo) = fresh_path_in_cache(&s, "ours");
    ok(nix(&s, "nix", &["copy", "--to", &s.url("theirs"), &path]), "nix copy --to theirs");
    let theirs = s.path("theirs").join(narinfo.file_name().unwrap());
    ok(nix(&s, "nix", &["store", "sign", "--store", &s.url("theirs"), "--key-file", s.path("nb-same-1.sec").to_str().unwrap(), &path]), "nix store sign");

    let mut info = NarInfo::parse(&read(&narinfo)).unwrap();
    info.sign(&SecretKey::parse(&sec).unwrap());
    assert_eq!(info.to_string(), read(&theirs));
}

#[test]
fn signatures_nix_makes_verify_with_ours() {
    let s = Scratch::new("theirs");
    let (_, public_a) = nix_key(&s, "nb-theirs-a");
    let (_, public_b) = nix_key(&s, "nb-theirs-b");
    let (path, narinfo) = fresh_path_in_cache(&s, "cache");
    for k in ["nb-theirs-a", "nb-theirs-b"] {
        let key_file = s.path(&format!("{k}.sec"));
        ok(nix(&s, "nix", &["store", "sign", "--store", &s.url("cache"), "--key-file", key_file.to_str().unwrap(), &path]), "nix store sign");
    }
    let text = read(&narinfo);
    let info = NarInfo::parse(&text).unwrap();
    assert_eq!(info.to_string(), text);
    assert_eq!(info.sigs.len(), 2);
    let a = TrustedKeys::parse_list(&public_a).unwrap();
    let b = TrustedKeys::parse_list(&public_b).unwrap();
    assert!(verify_narinfo(&info, &a) && verify_narinfo(&info, &b));
    let both = TrustedKeys::parse_list(&format!("{public_a} {public_b}")).unwrap();
    assert_eq!(info.sigs.iter().filter(|sig| both.verify_str(info.fingerprint().as_bytes(), sig)).count(), 2);
    let (_, stranger) = nix_key(&s, "nb-theirs-c");
    assert!(!verify_narinfo(&info, &TrustedKeys::parse_list(&stranger).unwrap()));
    let mut tampered = info.clone();
    tampered.references.push(StorePath::parse(&path).unwrap());
    assert!(!verify_narinfo(&tampered, &both));
}

fn nixbucket(args: &[&str], stdin: Option<&[u8]>) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_nixbucket"))
        .args(args)
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    child.wait_with_output().unwrap()
}

#[test]
fn cli_key_generate_makes_a_key_file_nix_signs_with() {
    let s = Scratch::new("cli");
    let secret = ok(nixbucket(&["key", "generate", "--name", "nb-cli-1"], None), "nixbucket key generate");
    assert!(secret.starts_with("nb-cli-1:") && !secret.ends_with('\n'), "{secret:?}");
    let key_file = s.path("cli.sec");
    fs::write(&key_file, &secret).unwrap();

    let ours = ok(nixbucket(&["key", "public"], Some(secret.as_bytes())), "nixbucket key public");
    let mut convert = Command::new("nix")
        .args(["key", "convert-secret-to-public"])
        .env("NIX_CONFIG", NIX_CONFIG)
        .stdin(fs::File::open(&key_file).unwrap())
        .output()
        .expect("cannot run nix: run scripts/deps.sh or apt-get install -y nix-bin");
    convert.stderr.clear();
    assert_eq!(ok(convert, "nix key convert-secret-to-public"), ours);
    // With a trailing newline, as an editor would leave it.
    assert_eq!(ok(nixbucket(&["key", "public"], Some(format!("{secret}\n").as_bytes())), "key public"), ours);

    let (path, narinfo) = fresh_path_in_cache(&s, "cache");
    ok(nix(&s, "nix", &["store", "sign", "--store", &s.url("cache"), "--key-file", key_file.to_str().unwrap(), &path]), "nix store sign");
    let info = NarInfo::parse(&read(&narinfo)).unwrap();
    assert!(verify_narinfo(&info, &TrustedKeys::parse_list(&ours).unwrap()));
    ok(nix_copy_checked(&s, "cache", "root", &ours, &path), "nix copy trusting the key from 'nixbucket key public'");
}

#[test]
fn cli_key_public_equals_the_public_key_nix_wrote() {
    let s = Scratch::new("clipub");
    let (sec, public) = nix_key(&s, "nb-clipub-1");
    assert_eq!(ok(nixbucket(&["key", "public"], Some(sec.as_bytes())), "nixbucket key public"), public);
    assert_eq!(SecretKey::parse(&sec).unwrap().to_public().to_string(), public);
    assert_eq!(SecretKey::parse(&sec).unwrap().to_string(), sec);
}

#[test]
fn cli_key_usage() {
    let help = nixbucket(&["key", "--help"], None);
    assert!(help.status.success() && String::from_utf8_lossy(&help.stdout).contains("generate --name NAME"));
    assert_eq!(nixbucket(&["key", "generate"], None).status.code(), Some(2));
    assert_eq!(nixbucket(&["key", "generate", "--name", "has space"], None).status.code(), Some(2));
    assert_eq!(nixbucket(&["key", "frobnicate"], None).status.code(), Some(2));
    let bad = nixbucket(&["key", "public"], Some(b"nb-1:AAAA"));
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).starts_with("error: "), "{}", String::from_utf8_lossy(&bad.stderr));
}

/// Each hand-written variation, served from a `file://` cache: Nix 2.8 reads the accepted ones
/// as we do, and refuses the ones we refuse (except where we are stricter on purpose).
#[test]
fn variations_read_by_nix_as_by_us() {
    // Nix lets the last duplicate win where we name the field.
    const STRICTER_THAN_NIX: [&str; 1] = ["duplicate-url"];
    let s = Scratch::new("variations");
    let (mut accepted, mut refused) = (0, 0);
    for p in files(&data("narinfo/variations"), ".narinfo") {
        let stem = p.file_stem().unwrap().to_string_lossy().to_string();
        let text = read(&p);
        let path = text
            .lines()
            .find_map(|l| l.strip_prefix("StorePath: "))
            .unwrap_or("/nix/store/x7yyk2klmnhj653hlgd2h9c3q1sr6fa3-nb-corpus-top-2.3")
            .replace("/gnu/store/", "/nix/store/");
        let dir = s.path(&stem);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("nix-cache-info"), "StoreDir: /nix/store\n").unwrap();
        fs::write(dir.join(format!("{}.narinfo", &path["/nix/store/".len().."/nix/store/".len() + 32])), &text).unwrap();
        let out = nix(&s, "nix", &["path-info", "--json", "--store", &s.url(&stem), &path]);
        let ours = NarInfo::parse(&text);
        let Ok(info) = ours else {
            if !STRICTER_THAN_NIX.contains(&stem.as_str()) {
                assert!(!out.status.success(), "{stem}: we refuse it, Nix reads it: {}", String::from_utf8_lossy(&out.stdout));
            }
            refused += 1;
            continue;
        };
        let json: serde_json::Value = serde_json::from_str(&ok(out, &format!("nix path-info of {stem}"))).unwrap();
        let j = &json[0];
        assert_eq!(j["path"], info.store_path.to_absolute(STORE_DIR).as_str(), "{stem}");
        assert_eq!(j["narHash"], info.nar_hash.to_sri().as_str(), "{stem}");
        assert_eq!(j["narSize"], info.nar_size, "{stem}");
        let refs: Vec<String> = info.references.iter().map(|r| r.to_absolute(STORE_DIR)).collect();
        assert_eq!(j["references"], serde_json::json!(refs), "{stem}");
        assert_eq!(j["deriver"].as_str(), info.deriver.as_ref().map(|d| d.to_absolute(STORE_DIR)).as_deref(), "{stem}");
        assert_eq!(j["signatures"], serde_json::json!(info.sigs), "{stem}");
        assert_eq!(j["url"], info.url.as_str(), "{stem}");
        assert_eq!(j["ca"].as_str(), info.ca.as_deref(), "{stem}");
        assert_eq!(j["downloadHash"].as_str(), info.file_hash.map(|h| h.to_sri()).as_deref(), "{stem}");
        assert_eq!(j["downloadSize"].as_u64(), info.file_size, "{stem}");
        accepted += 1;
    }
    assert!(accepted >= 10 && refused >= 10, "{accepted} accepted, {refused} refused");
}
