//! Hashes and store paths against the real Nix 2.8: `nixbucket hash path` and
//! `nixbucket store-path` against `nix hash path` and `nix-store --add`, and the library's
//! fixed-output and text paths against `nix-store --add-fixed` and `builtins.toFile`.
//!
//! Needs `nix-store`, `nix` and `nix-instantiate` on PATH (`apt-get install nix-bin`, or
//! `scripts/deps.sh`); the tests fail, never skip, without them. They add small paths to the
//! local `/nix/store`.

mod common;

use std::ffi::OsStr;
use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{nix_command as nix, write_file as write, NIX_CONFIG};
use nixbucket::nix::hash::{Hash, HashAlgo, HashingWriter};
use nixbucket::nix::nar;
use nixbucket::nix::store_path::{make_fixed_output_path, make_source_path, make_text_path, FileIngestionMethod, StorePath, STORE_DIR};

/// Run and return stdout without the final newline; panics with stderr on failure.
fn stdout_of(mut c: Command) -> String {
    let o = c.output().unwrap_or_else(|e| panic!("running {c:?}: {e}"));
    assert!(o.status.success(), "{c:?} failed: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap().trim_end_matches('\n').to_string()
}

fn nixbucket<I: IntoIterator<Item = S>, S: AsRef<OsStr>>(args: I) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nixbucket")).args(args).output().unwrap()
}

fn nixbucket_ok<I: IntoIterator<Item = S>, S: AsRef<OsStr>>(args: I) -> String {
    let o = nixbucket(args);
    assert!(o.status.success(), "nixbucket failed ({:?}): {}", o.status, String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap().trim_end_matches('\n').to_string()
}

/// A fresh directory under the system temp dir, removed at the end of the test (hand-written,
/// as the crate takes no tempfile dependency).
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        static N: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
        let dir = std::env::temp_dir().join(format!("nixbucket-nix-paths-{tag}-{}-{}-{nanos}", std::process::id(), N.fetch_add(1, Ordering::SeqCst)));
        fs::create_dir_all(&dir).unwrap();
        // Nix may read the inputs as another user.
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// A tree with every kind of node: returns its root, `DIR/tree`.
fn build_tree(dir: &Path) -> PathBuf {
    let t = dir.join("tree");
    write(&t.join("empty"), b"", 0o644);
    write(&t.join("one"), b"x", 0o644);
    write(&t.join("exe"), b"#!/bin/sh\necho hi\n", 0o755);
    write(&t.join("exe-owner-only"), b"#!/bin/sh\n", 0o744);
    write(&t.join("seven"), b"1234567", 0o644);
    write(&t.join("eight"), b"12345678", 0o644);
    write(&t.join("big.bin"), &common::pseudo_random(300_001, 0x1234_5678), 0o644);
    symlink("one", t.join("rel-link")).unwrap();
    symlink("/etc/hostname", t.join("abs-link")).unwrap();
    symlink("does/not/exist", t.join("dangling")).unwrap();
    symlink("nested/a", t.join("dir-link")).unwrap();
    write(&t.join("nested/a/b/c/deep.txt"), b"deep\n", 0o644);
    fs::create_dir_all(t.join("nested/empty-dir")).unwrap();
    write(&t.join("unicodé-ñame/文件.txt"), "ünïcödé\n".as_bytes(), 0o644);
    // Byte order of names: "B" < "a" < "a-b" < "a.b" < "ä".
    for n in ["a", "B", "a.b", "a-b", "ä"] {
        write(&t.join("order").join(n), n.as_bytes(), 0o644);
    }
    for d in walk(&t) {
        if fs::symlink_metadata(&d).unwrap().is_dir() {
            fs::set_permissions(&d, fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
    t
}

/// Every path below `root` (and `root`), symlinks not followed.
fn walk(root: &Path) -> Vec<PathBuf> {
    let mut out = vec![root.to_path_buf()];
    if fs::symlink_metadata(root).unwrap().is_dir() {
        let mut entries: Vec<PathBuf> = fs::read_dir(root).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for e in entries {
            out.extend(walk(&e));
        }
    }
    out
}

/// The NAR SHA-256 through the library (what the CLI does).
fn nar_sha256(path: &Path) -> Hash {
    let mut w = HashingWriter::new(std::io::sink());
    let size = nar::dump_path(path, &mut w).unwrap();
    let (h, n, _) = w.finish();
    assert_eq!(size, n);
    h
}

#[test]
fn hash_path_matches_nix_for_every_node() {
    let s = Scratch::new("hash");
    let tree = build_tree(&s.0);
    let paths = walk(&tree);
    assert!(paths.len() > 20, "{paths:?}");
    for p in paths {
        let ours = nixbucket_ok([OsStr::new("hash"), OsStr::new("path"), p.as_os_str()]);
        let mut c = nix("nix");
        c.args(["hash", "path", "--base32", "--type", "sha256"]).arg(&p);
        let theirs = stdout_of(c);
        assert_eq!(ours, format!("sha256:{theirs}"), "{}", p.display());
        assert_eq!(Hash::parse(&ours).unwrap(), nar_sha256(&p));
    }
}

#[test]
fn store_path_matches_nix_store_add() {
    let s = Scratch::new("add");
    let tree = build_tree(&s.0);
    // A directory, files (plain, executable, empty, big), and a symlink at the top.
    for p in [tree.clone(), tree.join("one"), tree.join("exe"), tree.join("empty"), tree.join("big.bin"), tree.join("rel-link"), tree.join("nested")] {
        let ours = nixbucket_ok([OsStr::new("store-path"), p.as_os_str()]);
        let mut c = nix("nix-store");
        c.arg("--add").arg(&p);
        let theirs = stdout_of(c);
        assert_eq!(ours, theirs, "{}", p.display());
        let sp = StorePath::from_absolute_path(&theirs, STORE_DIR).unwrap();
        assert_eq!(sp.to_absolute(STORE_DIR), theirs);
        assert_eq!(make_source_path(&nar_sha256(&p), sp.name(), &[], STORE_DIR).unwrap(), sp);
    }
    // A trailing slash does not change the name, as in nix-store.
    let mut with_slash = tree.clone().into_os_string();
    with_slash.push("/");
    let mut c = nix("nix-store");
    c.arg("--add").arg(&with_slash);
    assert_eq!(nixbucket_ok([OsStr::new("store-path"), &with_slash]), stdout_of(c));
}

#[test]
fn store_path_name_option() {
    let s = Scratch::new("name");
    write(&s.0.join("input.txt"), b"renamed contents\n", 0o644);
    write(&s.0.join("copy/other-name_1.0"), b"renamed contents\n", 0o644);
    let mut c = nix("nix-store");
    c.arg("--add").arg(s.0.join("copy/other-name_1.0"));
    let theirs = stdout_of(c);
    let ours = nixbucket_ok([OsStr::new("store-path"), s.0.join("input.txt").as_os_str(), OsStr::new("--name"), OsStr::new("other-name_1.0")]);
    assert_eq!(ours, theirs);
}

#[test]
fn flat_fixed_outputs_match_add_fixed() {
    let s = Scratch::new("flat");
    let file = s.0.join("flat-input.tar");
    write(&file, &common::pseudo_random(5000, 0x1234_5678), 0o644);
    let data = fs::read(&file).unwrap();
    // sha256 through our own hasher; sha1 and sha512 as Nix prints them (the crate computes
    // no other digests).
    for algo in ["sha256", "sha1", "sha512", "md5"] {
        let hash = if algo == "sha256" {
            Hash::sha256(&data)
        } else {
            let mut c = nix("nix-hash");
            c.args(["--flat", "--base32", "--type", algo]).arg(&file);
            Hash::parse_with_algo(&stdout_of(c), HashAlgo::from_name(algo).unwrap()).unwrap()
        };
        let ours = make_fixed_output_path(FileIngestionMethod::Flat, &hash, "flat-input.tar", &[], false, STORE_DIR).unwrap();
        let mut c = nix("nix-store");
        c.args(["--add-fixed", algo]).arg(&file);
        assert_eq!(ours.to_absolute(STORE_DIR), stdout_of(c), "{algo}");
    }
}

#[test]
fn recursive_fixed_outputs_match_add_fixed() {
    let s = Scratch::new("rec");
    let tree = build_tree(&s.0);
    for algo in ["sha256", "sha1", "sha512"] {
        // sha256: `source` paths, like --add; the others: `output:out` over `fixed:out:r:...`.
        let hash = if algo == "sha256" {
            nar_sha256(&tree)
        } else {
            let mut c = nix("nix");
            c.args(["hash", "path", "--base16", "--type", algo]).arg(&tree);
            Hash::parse_with_algo(&stdout_of(c), HashAlgo::from_name(algo).unwrap()).unwrap()
        };
        let ours = make_fixed_output_path(FileIngestionMethod::Recursive, &hash, "tree", &[], false, STORE_DIR).unwrap();
        let mut c = nix("nix-store");
        c.args(["--add-fixed", "--recursive", algo]).arg(&tree);
        assert_eq!(ours.to_absolute(STORE_DIR), stdout_of(c), "{algo}");
    }
}

#[test]
fn text_paths_match_builtins_to_file() {
    let eval = |expr: &str| -> String {
        let mut c = nix("nix-instantiate");
        c.args(["--eval", "-E", expr]);
        let out = stdout_of(c);
        out.trim_matches('"').to_string()
    };
    for (name, contents) in [("hello.txt", "hello\n"), ("empty", ""), ("builder.sh", "#!/bin/sh\necho $out\n")] {
        let expr = format!("builtins.toFile \"{name}\" \"{}\"", contents.replace('\\', "\\\\").replace('"', "\\\"").replace('$', "\\$").replace('\n', "\\n"));
        let theirs = eval(&expr);
        let ours = make_text_path(name, &Hash::sha256(contents.as_bytes()), &[], STORE_DIR).unwrap();
        assert_eq!(ours.to_absolute(STORE_DIR), theirs, "{name}");
    }
    // With references: a file naming two others refers to both (sorted in the fingerprint,
    // whatever order they appear in).
    let inner_b = make_text_path("b", &Hash::sha256(b"bee"), &[], STORE_DIR).unwrap();
    let inner_a = make_text_path("a", &Hash::sha256(b"ay"), &[], STORE_DIR).unwrap();
    let contents = format!("{} {}", inner_b.to_absolute(STORE_DIR), inner_a.to_absolute(STORE_DIR));
    let theirs = eval(r#"let b = builtins.toFile "b" "bee"; a = builtins.toFile "a" "ay"; in builtins.toFile "refs" "${b} ${a}""#);
    let ours = make_text_path("refs", &Hash::sha256(contents.as_bytes()), &[inner_b.clone(), inner_a.clone()], STORE_DIR).unwrap();
    assert_eq!(ours.to_absolute(STORE_DIR), theirs);
    let reversed = make_text_path("refs", &Hash::sha256(contents.as_bytes()), &[inner_a, inner_b], STORE_DIR).unwrap();
    assert_eq!(reversed, ours);
}

/// Content-addressed derivation outputs are `source` paths with references (and `:self`):
/// Nix 2.8 builds them with the `ca-derivations` feature, and `nix path-info` prints the hash
/// it used as `ca`.
#[test]
fn ca_derivation_outputs_with_references_match_nix() {
    let s = Scratch::new("ca");
    let expr = s.0.join("ca.nix");
    let tag = s.0.file_name().unwrap().to_str().unwrap().replace(|c: char| !c.is_ascii_alphanumeric(), "");
    let nix_file = format!(
        r#"let dep = builtins.toFile "dep-{tag}" "dep"; dep2 = builtins.toFile "dep2-{tag}" "dep2";
           ca = name: cmd: derivation {{
             inherit name; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" cmd ];
             __contentAddressed = true; outputHashMode = "recursive"; outputHashAlgo = "sha256";
           }};
        in {{
          refs = ca "refs-{tag}" "echo ${{dep2}} ${{dep}} > $out";
          self = ca "self-{tag}" "echo $out ${{dep}} > $out";
        }}"#
    );
    fs::write(&expr, nix_file).unwrap();
    for attr in ["refs", "self"] {
        let mut c = nix("nix-build");
        c.env("NIX_CONFIG", format!("{NIX_CONFIG}\nexperimental-features = nix-command ca-derivations")).args(["--no-out-link", "-A", attr]).arg(&expr);
        let out = stdout_of(c);
        let mut c = nix("nix");
        c.env("NIX_CONFIG", format!("{NIX_CONFIG}\nexperimental-features = nix-command ca-derivations")).args(["path-info", "--json"]).arg(&out);
        let info: serde_json::Value = serde_json::from_str(&stdout_of(c)).unwrap();
        let info = &info[0];
        let ca = info["ca"].as_str().unwrap().strip_prefix("fixed:r:").expect("a fixed:r: CA");
        let ca_hash = Hash::parse(ca).unwrap();
        let path = StorePath::from_absolute_path(&out, STORE_DIR).unwrap();
        let mut refs: Vec<StorePath> =
            info["references"].as_array().unwrap().iter().map(|r| StorePath::from_absolute_path(r.as_str().unwrap(), STORE_DIR).unwrap()).collect();
        let self_ref = refs.contains(&path);
        refs.retain(|r| r != &path);
        assert_eq!((attr, refs.len(), self_ref), (attr, if attr == "refs" { 2 } else { 1 }, attr == "self"));
        let ours = make_fixed_output_path(FileIngestionMethod::Recursive, &ca_hash, path.name(), &refs, self_ref, STORE_DIR).unwrap();
        assert_eq!(ours, path, "{attr}");
        if !self_ref {
            // Without a self-reference the CA hash is the plain NAR hash.
            assert_eq!(nar_sha256(Path::new(&out)), ca_hash);
            assert_eq!(Hash::parse(info["narHash"].as_str().unwrap()).unwrap(), ca_hash);
        }
    }
}

/// Conversions between base16, nix32, base64 and SRI for every algorithm, against
/// `nix hash to-*`, and the same invalid strings refused by both.
#[test]
fn hash_conversions_match_nix() {
    let bytes = common::pseudo_random(64 * 8, 0x1234_5678);
    let mut hashes = Vec::new();
    for (i, algo) in HashAlgo::ALL.into_iter().enumerate() {
        for k in 0..2 {
            let start = (i * 2 + k) * 64;
            hashes.push(Hash::from_digest(algo, &bytes[start..start + algo.digest_len()]).unwrap());
        }
        hashes.push(Hash::from_digest(algo, &vec![0xff; algo.digest_len()]).unwrap());
    }
    let convert = |to: &str, algo: HashAlgo, inputs: &[String]| -> Vec<String> {
        let mut c = nix("nix");
        c.args(["hash", to, "--type", algo.name()]).args(inputs);
        stdout_of(c).lines().map(str::to_string).collect()
    };
    for algo in HashAlgo::ALL {
        let hs: Vec<&Hash> = hashes.iter().filter(|h| h.algo() == algo).collect();
        let b16: Vec<String> = hs.iter().map(|h| h.to_base16()).collect();
        let n32: Vec<String> = hs.iter().map(|h| h.to_nix32()).collect();
        let sri: Vec<String> = hs.iter().map(|h| h.to_sri()).collect();
        assert_eq!(convert("to-base32", algo, &b16), n32, "{algo}");
        assert_eq!(convert("to-base64", algo, &n32), hs.iter().map(|h| h.to_base64()).collect::<Vec<_>>(), "{algo}");
        assert_eq!(convert("to-sri", algo, &n32), sri, "{algo}");
        assert_eq!(convert("to-base16", algo, &sri), b16, "{algo}");
        for (h, s) in hs.iter().zip(&n32) {
            assert_eq!(Hash::parse_with_algo(s, algo).unwrap(), **h);
            assert_eq!(Hash::parse(&h.to_string()).unwrap(), **h);
        }
    }
    // Refused by both: a nix32 digit carrying past the digest, a character outside the
    // alphabet, a length that fits no encoding, an unknown algorithm.
    let good = hashes.iter().find(|h| h.algo() == HashAlgo::Sha256).unwrap().to_nix32();
    for bad in [format!("sha256:2{}", &good[1..]), format!("sha256:e{}", &good[1..]), format!("sha256:{}", &good[1..]), format!("sha3:{good}")] {
        assert!(Hash::parse(&bad).is_err(), "{bad}");
        let mut c = nix("nix");
        c.args(["hash", "to-base16", &bad]);
        let o = c.output().unwrap();
        assert!(!o.status.success(), "nix accepted {bad}");
    }
}

#[test]
fn cli_errors_and_exit_codes() {
    let s = Scratch::new("cli");
    let missing = s.0.join("missing");
    let o = nixbucket([OsStr::new("hash"), OsStr::new("path"), missing.as_os_str()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("missing"), "{}", String::from_utf8_lossy(&o.stderr));
    let o = nixbucket([OsStr::new("store-path"), missing.as_os_str()]);
    assert_eq!(o.status.code(), Some(1));
    for args in [
        &["hash"][..],
        &["hash", "path"],
        &["hash", "file", "x"],
        &["hash", "path", "a", "b"],
        &["store-path"],
        &["store-path", "a", "b"],
        &["hash", "--bogus"],
    ] {
        let o = nixbucket(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    }
    write(&s.0.join("ok"), b"", 0o644);
    // Names Nix would refuse, and (stricter than Nix 2.8) names starting with a dot.
    for name in ["a b", "", ".hidden", &"x".repeat(212)] {
        let o = nixbucket([OsStr::new("store-path"), s.0.join("ok").as_os_str(), OsStr::new("--name"), OsStr::new(name)]);
        assert_eq!(o.status.code(), Some(2), "{name:?}");
        assert!(String::from_utf8_lossy(&o.stderr).starts_with("error: store path"), "{}", String::from_utf8_lossy(&o.stderr));
    }
    assert!(nixbucket_ok(["hash", "--help"]).contains("nixbucket hash path PATH"));
    assert!(nixbucket_ok(["store-path", "--help"]).contains("--name"));
}
