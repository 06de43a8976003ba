//! NAR writing, restoring and listing against real Nix 2.8 (`nix-store`, `nix`), which must be
//! installed: `scripts/deps.sh` (or `apt-get install nix-bin`). These tests never skip.

mod common;

use std::ffi::OsStr;
use std::fs;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::{binary, nix_command as nix, pseudo_random, write_file as file};
use nixbucket::nix::nar::{self, Error, NarWriter, Problem};

// ---------------------------------------------------------------------------------------------
// Helpers

fn scratch(tag: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("nar-{tag}-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).unwrap();
    d
}

fn run(mut c: Command, stdin: Option<&[u8]>) -> Output {
    c.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() }).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().unwrap_or_else(|e| panic!("spawning {c:?}: {e}"));
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        let input = input.to_vec();
        // A writer thread, so a command that fails early cannot block us on a full pipe.
        let t = std::thread::spawn(move || {
            let _ = pipe.write_all(&input);
        });
        let out = child.wait_with_output().unwrap();
        t.join().unwrap();
        return out;
    }
    child.wait_with_output().unwrap()
}

fn ok(o: Output, what: &str) -> Vec<u8> {
    assert!(o.status.success(), "{what} failed with {:?}: {}", o.status.code(), String::from_utf8_lossy(&o.stderr));
    o.stdout
}

fn cli(args: &[&OsStr], stdin: Option<&[u8]>) -> Output {
    let mut c = Command::new(binary());
    c.args(args);
    run(c, stdin)
}

fn os(s: &str) -> &OsStr {
    OsStr::new(s)
}

fn nix_dump(path: &Path) -> Vec<u8> {
    let mut c = nix("nix-store");
    c.arg("--dump").arg(path);
    ok(run(c, None), "nix-store --dump")
}

fn our_dump(path: &Path) -> Vec<u8> {
    ok(cli(&[os("nar"), os("dump-path"), path.as_os_str()], None), "nixbucket nar dump-path")
}

/// The tree every comparison with Nix uses, at `root` (which must not exist).
fn build_tree(root: &Path) {
    fs::create_dir(root).unwrap();
    let p = |rel: &str| root.join(rel);
    file(&p("empty"), b"", 0o644);
    file(&p("one"), b"x", 0o644);
    file(&p("seven"), b"1234567", 0o644);
    file(&p("eight"), b"12345678", 0o644);
    file(&p("big"), &pseudo_random(3 * 1024 * 1024 + 5, 7), 0o644);
    file(&p("run.sh"), b"#!/bin/sh\necho hi\n", 0o755);
    file(&p("empty-exe"), b"", 0o700);
    file(&p("owner-x-only"), b"o", 0o744);
    file(&p("group-x-only"), b"g", 0o654);
    symlink("one", p("rel-link")).unwrap();
    symlink("/etc/hostname", p("abs-link")).unwrap();
    symlink("does/not/exist", p("dangling")).unwrap();
    symlink("names", p("dir-link")).unwrap();
    symlink("../..", p("up-link")).unwrap();
    fs::create_dir(p("empty-dir")).unwrap();
    // Names whose byte order differs from any human order.
    fs::create_dir(p("names")).unwrap();
    for name in [
        &b"B"[..],
        b"a",
        b"Z",
        b"z",
        b"e",
        "é".as_bytes(),
        "ä".as_bytes(),
        "日本語".as_bytes(),
        "😀".as_bytes(),
        "\u{FF61}".as_bytes(),
        b"with space",
        b" leading space",
        b"~tilde",
        b"_under",
        b"-dash",
        b".hidden",
        b"10",
        b"9",
        b"q\"uote",
        b"back\\slash",
        b"tab\tname",
        b"nl\nname",
        b"ctl\x01\x1f\x7f",
        b"raw\xff\xfe",
        &[b'n'; 255][..],
    ] {
        file(&p("names").join(OsStr::from_bytes(name)), name, 0o644);
    }
    // Directories nested 60 deep, a file at the bottom.
    let mut d = p("deep");
    fs::create_dir(&d).unwrap();
    for i in 1..60 {
        d = d.join(format!("d{i}"));
        fs::create_dir(&d).unwrap();
    }
    file(&d.join("bottom"), b"deep down\n", 0o644);
    fs::create_dir_all(p("nested/empty/also-empty")).unwrap();
}

/// Compare two trees: kinds, names, contents, the owner's execute bit and link targets; with
/// `modes`, the complete permission bits too.
fn assert_same_tree(a: &Path, b: &Path, modes: bool) {
    let (ma, mb) = (fs::symlink_metadata(a).unwrap(), fs::symlink_metadata(b).unwrap());
    let (ta, tb) = (ma.file_type(), mb.file_type());
    assert_eq!((ta.is_dir(), ta.is_file(), ta.is_symlink()), (tb.is_dir(), tb.is_file(), tb.is_symlink()), "{a:?} vs {b:?}: kind");
    if modes && !ta.is_symlink() {
        assert_eq!(ma.permissions().mode() & 0o7777, mb.permissions().mode() & 0o7777, "{a:?} vs {b:?}: mode");
    }
    if ta.is_symlink() {
        assert_eq!(fs::read_link(a).unwrap(), fs::read_link(b).unwrap(), "{a:?} vs {b:?}: target");
    } else if ta.is_file() {
        assert_eq!(ma.permissions().mode() & 0o100, mb.permissions().mode() & 0o100, "{a:?} vs {b:?}: executable");
        assert!(fs::read(a).unwrap() == fs::read(b).unwrap(), "{a:?} vs {b:?}: contents");
    } else {
        let names = |d: &Path| {
            let mut v: Vec<Vec<u8>> = fs::read_dir(d).unwrap().map(|e| e.unwrap().file_name().as_bytes().to_vec()).collect();
            v.sort();
            v
        };
        let (na, nb) = (names(a), names(b));
        assert_eq!(na, nb, "{a:?} vs {b:?}: entries");
        for n in na {
            assert_same_tree(&a.join(OsStr::from_bytes(&n)), &b.join(OsStr::from_bytes(&n)), modes);
        }
    }
}

/// The entries of `dir`, sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

// Crafting NARs by hand.

fn s(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u64).to_le_bytes());
    out.extend_from_slice(b);
    out.resize(out.len() + (8 - b.len() % 8) % 8, 0);
}

fn strs(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in parts {
        s(&mut out, p);
    }
    out
}

fn regular(contents: &[u8]) -> Vec<u8> {
    strs(&[b"(", b"type", b"regular", b"contents", contents, b")"])
}

fn symlink_node(target: &[u8]) -> Vec<u8> {
    strs(&[b"(", b"type", b"symlink", b"target", target, b")"])
}

/// A directory node with these (name, node) entries, in the order given.
fn dir(entries: &[(&[u8], Vec<u8>)]) -> Vec<u8> {
    let mut out = strs(&[b"(", b"type", b"directory"]);
    for (name, node) in entries {
        out.extend(strs(&[b"entry", b"(", b"name", name, b"node"]));
        out.extend_from_slice(node);
        s(&mut out, b")");
    }
    s(&mut out, b")");
    out
}

fn nar_of(node: Vec<u8>) -> Vec<u8> {
    let mut out = strs(&[b"nix-archive-1"]);
    out.extend(node);
    out
}

/// A small valid NAR with every node type.
fn small_nar() -> Vec<u8> {
    let exe = strs(&[b"(", b"type", b"regular", b"executable", b"", b"contents", b"#!/bin/sh\n", b")"]);
    nar_of(dir(&[(b"a", regular(b"hello")), (b"b", exe), (b"c", symlink_node(b"a")), (b"d", dir(&[(b"e", regular(b""))]))]))
}

// ---------------------------------------------------------------------------------------------
// Byte-identical NARs

#[test]
fn dump_path_is_byte_identical_to_nix_store_dump() {
    let base = scratch("dump");
    let tree = base.join("tree");
    build_tree(&tree);
    let ours = our_dump(&tree);
    assert!(ours == nix_dump(&tree), "NAR of the whole tree differs from nix-store --dump");
    // The library call gives the same bytes and the size.
    let mut lib = Vec::new();
    assert_eq!(nar::dump_path(&tree, &mut lib).unwrap(), ours.len() as u64);
    assert!(lib == ours);
    // Every kind of root, and the odd executable bits (Nix looks at the owner's bit only).
    for rel in [
        "empty",
        "one",
        "seven",
        "eight",
        "big",
        "run.sh",
        "empty-exe",
        "owner-x-only",
        "group-x-only",
        "rel-link",
        "abs-link",
        "dangling",
        "empty-dir",
        "names",
        "deep",
        "nested",
    ] {
        let p = tree.join(rel);
        assert!(our_dump(&p) == nix_dump(&p), "NAR of {rel} differs from nix-store --dump");
    }
    fs::remove_dir_all(&base).unwrap();
}

#[test]
fn nix_store_restores_our_nar() {
    let base = scratch("nix-restores");
    let tree = base.join("tree");
    build_tree(&tree);
    let ours = our_dump(&tree);
    let dest = base.join("restored-by-nix");
    let mut c = nix("nix-store");
    c.arg("--restore").arg(&dest);
    ok(run(c, Some(&ours)), "nix-store --restore");
    assert_same_tree(&tree, &dest, false);
    fs::remove_dir_all(&base).unwrap();
}

#[test]
fn we_restore_nix_nar_like_nix_store_restore() {
    let base = scratch("we-restore");
    let tree = base.join("tree");
    build_tree(&tree);
    let theirs = nix_dump(&tree);
    let ours = base.join("restored-by-us");
    ok(cli(&[os("nar"), os("restore"), ours.as_os_str()], Some(&theirs)), "nixbucket nar restore");
    assert_same_tree(&tree, &ours, false);
    // Same permissions as nix-store --restore gives (0755 directories and executables, 0644
    // files), whatever our umask.
    let by_nix = base.join("restored-by-nix");
    let mut c = nix("nix-store");
    c.arg("--restore").arg(&by_nix);
    ok(run(c, Some(&theirs)), "nix-store --restore");
    assert_same_tree(&by_nix, &ours, true);
    // The library call reports what it did.
    let lib = base.join("restored-by-lib");
    let stats = nar::restore(&mut &theirs[..], &lib).unwrap();
    assert_eq!(stats.nar_size, theirs.len() as u64);
    assert_eq!((stats.files, stats.executables, stats.symlinks), (9 + 25 + 1, 3, 5));
    assert_eq!(stats.directories, 1 + 1 + 1 + 60 + 3);
    assert_same_tree(&tree, &lib, false);
    // Single-node roots: a file, an executable, a symlink.
    for rel in ["one", "run.sh", "dangling", "empty-dir"] {
        let d = base.join(format!("single-{rel}"));
        ok(cli(&[os("nar"), os("restore"), d.as_os_str()], Some(&nix_dump(&tree.join(rel)))), "nixbucket nar restore");
        assert_same_tree(&tree.join(rel), &d, false);
    }
    fs::remove_dir_all(&base).unwrap();
}

#[test]
fn restore_refuses_an_existing_destination() {
    let base = scratch("exists");
    let nar = small_nar();
    for existing in ["dir", "file", "link"] {
        let dest = base.join(existing);
        match existing {
            "dir" => fs::create_dir(&dest).unwrap(),
            "file" => fs::write(&dest, b"keep me").unwrap(),
            _ => symlink(base.join("nowhere"), &dest).unwrap(),
        }
        let o = cli(&[os("nar"), os("restore"), dest.as_os_str()], Some(&nar));
        assert_eq!(o.status.code(), Some(1), "{existing}");
        assert!(String::from_utf8_lossy(&o.stderr).contains("already exists"), "{}", String::from_utf8_lossy(&o.stderr));
        let e = nar::restore(&mut &nar[..], &dest).unwrap_err();
        assert!(matches!(e, Error::DestinationExists { .. }), "{e}");
    }
    assert_eq!(fs::read(base.join("file")).unwrap(), b"keep me");
    assert!(entries(&base.join("dir")).is_empty());
    assert!(!base.join("nowhere").exists());
    // A regular-file root does not write through an existing symlink either.
    let file_nar = nar_of(regular(b"x"));
    assert!(matches!(nar::restore(&mut &file_nar[..], &base.join("link")).unwrap_err(), Error::DestinationExists { .. }));
    assert!(!base.join("nowhere").exists());
    fs::remove_dir_all(&base).unwrap();
}

// ---------------------------------------------------------------------------------------------
// Listings

#[test]
fn listing_is_byte_identical_to_the_one_nix_writes() {
    let base = scratch("listing");
    let tree = base.join("tree");
    build_tree(&tree);
    let mut c = nix("nix-store");
    c.arg("--add").arg(&tree);
    let store_path = String::from_utf8(ok(run(c, None), "nix-store --add")).unwrap().trim().to_string();
    let cache = base.join("cache");
    let mut c = nix("nix");
    c.arg("copy").arg("--to").arg(format!("file://{}?write-nar-listing=true&compression=none", cache.display())).arg(&store_path);
    ok(run(c, None), "nix copy");
    let hash = store_path.trim_start_matches("/nix/store/").split('-').next().unwrap();
    let nix_ls = fs::read(cache.join(format!("{hash}.ls"))).unwrap();
    // The NAR Nix made of the store path is the one of our tree.
    let nar_bytes = nix_dump(Path::new(&store_path));
    assert!(nar_bytes == our_dump(&tree));
    let listing = nar::list(&mut &nar_bytes[..]).unwrap();
    assert_eq!(String::from_utf8_lossy(&listing.to_json()), String::from_utf8_lossy(&nix_ls));
    assert!(listing.to_json() == nix_ls);
    let nar_file = base.join("tree.nar");
    fs::write(&nar_file, &nar_bytes).unwrap();
    let out = ok(cli(&[os("nar"), os("ls"), os("--json"), nar_file.as_os_str()], None), "nar ls --json");
    assert!(out == nix_ls);
    // narOffset points at the contents.
    let Some(nar::ListingNode::Regular { nar_offset, size, executable: false }) = listing.get(b"big") else { panic!("big") };
    assert!(nar_bytes[*nar_offset as usize..][..*size as usize] == fs::read(tree.join("big")).unwrap()[..]);
    fs::remove_dir_all(&base).unwrap();
}

#[test]
fn cli_ls_and_cat_match_nix_nar() {
    let base = scratch("ls");
    let tree = base.join("tree");
    build_tree(&tree);
    let nar_file = base.join("tree.nar");
    fs::write(&nar_file, our_dump(&tree)).unwrap();
    let nar_arg = nar_file.as_os_str();
    for (flags, path) in [
        (&["-R"][..], "/"),
        (&["-lR"][..], "/"),
        (&[][..], "/names"),
        (&["-l"][..], "/rel-link"),
        (&["-ld"][..], "/deep"),
        (&[][..], "/big"),
        (&["--json"][..], "/names"),
        (&["--json", "-R"][..], "/"),
        (&["--json"][..], "/run.sh"),
    ] {
        let mut c = nix("nix");
        c.args(["nar", "ls"]).args(flags).arg(nar_arg).arg(path);
        let theirs = ok(run(c, None), "nix nar ls");
        let mut args = vec![os("nar"), os("ls")];
        args.extend(flags.iter().map(|f| os(f)));
        args.extend([nar_arg, os(path)]);
        let ours = ok(cli(&args, None), "nixbucket nar ls");
        assert_eq!(String::from_utf8_lossy(&ours), String::from_utf8_lossy(&theirs), "ls {flags:?} {path}");
        assert!(ours == theirs);
    }
    // cat: contents of files, whatever their names; errors for the rest.
    for rel in ["big", "empty", "run.sh", "names/raw\u{fffd}"] {
        let rel_bytes: Vec<u8> = if rel.starts_with("names/raw") { b"names/raw\xff\xfe".to_vec() } else { rel.as_bytes().to_vec() };
        let out = ok(cli(&[os("nar"), os("cat"), nar_arg, OsStr::from_bytes(&rel_bytes)], None), "nar cat");
        assert!(out == fs::read(tree.join(OsStr::from_bytes(&rel_bytes))).unwrap(), "cat {rel}");
    }
    let o = cli(&[os("nar"), os("cat"), nar_arg, os("names")], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a regular file"));
    let o = cli(&[os("nar"), os("cat"), nar_arg, os("rel-link")], None);
    assert_eq!(o.status.code(), Some(1));
    let o = cli(&[os("nar"), os("cat"), nar_arg, os("nope")], None);
    assert_eq!(o.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&o.stderr).contains("'nope' does not exist"));
    let o = cli(&[os("nar"), os("ls"), nar_arg, os("nope/deeper")], None);
    assert_eq!(o.status.code(), Some(3));
    // NARFILE may be stdin.
    let out = ok(cli(&[os("nar"), os("cat"), os("-"), os("/one")], Some(&fs::read(&nar_file).unwrap())), "nar cat -");
    assert_eq!(out, b"x");
    fs::remove_dir_all(&base).unwrap();
}

#[test]
fn cli_help_and_usage() {
    for args in [&["nar", "--help"][..], &["nar", "dump-path", "--help"], &["nar", "restore", "-h"], &["nar", "ls", "--help"], &["nar", "cat", "--help"]] {
        let args: Vec<&OsStr> = args.iter().map(|a| os(a)).collect();
        let out = ok(cli(&args, None), "--help");
        assert!(String::from_utf8_lossy(&out).contains("dump-path PATH"));
    }
    for args in [
        &["nar"][..],
        &["nar", "frobnicate"],
        &["nar", "dump-path"],
        &["nar", "restore"],
        &["nar", "cat", "x"],
        &["nar", "ls"],
        &["nar", "restore", "--json", "x"],
    ] {
        let args: Vec<&OsStr> = args.iter().map(|a| os(a)).collect();
        assert_eq!(cli(&args, None).status.code(), Some(2), "{args:?}");
    }
    let o = cli(&[os("nar"), os("dump-path"), os("/does/not/exist")], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/does/not/exist"));
}

// ---------------------------------------------------------------------------------------------
// Malformed NARs

/// Restore `nar` (with the CLI and the library) into a fresh DEST and check that it fails
/// naming `problem`, and that the parent holds nothing but DEST; list it too.
fn assert_rejected(what: &str, nar_bytes: &[u8], problem: &str) {
    let base = scratch("malformed");
    let parent = base.join("parent");
    fs::create_dir(&parent).unwrap();
    let dest = parent.join("dest");
    let o = cli(&[os("nar"), os("restore"), dest.as_os_str()], Some(nar_bytes));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{what}: {stderr}");
    assert!(stderr.contains(problem), "{what}: expected '{problem}' in: {stderr}");
    assert!(entries(&parent).iter().all(|e| e == "dest"), "{what}: {:?}", entries(&parent));
    fs::remove_dir_all(&parent).unwrap();
    fs::create_dir(&parent).unwrap();
    let e = nar::restore(&mut &nar_bytes[..], &dest).unwrap_err();
    assert!(e.to_string().contains(problem), "{what}: {e}");
    assert!(entries(&parent).iter().all(|e| e == "dest"));
    let e = nar::list(&mut &nar_bytes[..]).unwrap_err();
    assert!(e.to_string().contains(problem), "{what}: {e}");
    fs::remove_dir_all(&base).unwrap();
}

#[test]
fn malformed_nars_are_rejected_naming_the_problem() {
    let good = small_nar();
    assert!(nar::list(&mut &good[..]).is_ok());
    let dump_of = |node: Vec<u8>| nar_of(node);

    let mut bad_magic = good.clone();
    bad_magic[8 + 12] = b'2';
    assert_rejected("bad magic", &bad_magic, "bad magic");
    assert_rejected("empty input", b"", "truncated");
    assert_rejected("not a NAR at all", b"hello world, this is text and not a NAR\n", "bad magic");

    let mut padding = good.clone();
    let pos = 8 + 13; // first padding byte after "nix-archive-1"
    padding[pos] = 1;
    assert_rejected("non-zero padding", &padding, "non-zero padding");
    let mut contents_pad = dump_of(regular(b"abc"));
    let n = contents_pad.len();
    contents_pad[n - 16 - 1] = 0xff; // last padding byte of the contents
    assert_rejected("non-zero padding after contents", &contents_pad, "non-zero padding");

    assert_rejected("unsorted", &dump_of(dir(&[(b"b", regular(b"")), (b"a", regular(b""))])), "entries not sorted: 'a' comes after 'b'");
    assert_rejected("byte order, not case order", &dump_of(dir(&[(b"a", regular(b"")), (b"B", regular(b""))])), "not sorted");
    assert_rejected("duplicate", &dump_of(dir(&[(b"a", regular(b"")), (b"a", regular(b""))])), "duplicate entry 'a'");
    assert_rejected("dot-dot", &dump_of(dir(&[(b"..", regular(b""))])), "entry name '..' is not allowed");
    assert_rejected("dot", &dump_of(dir(&[(b".", dir(&[]))])), "entry name '.' is not allowed");
    assert_rejected("slash", &dump_of(dir(&[(b"a/b", regular(b""))])), "contains '/'");
    assert_rejected("slash escaping", &dump_of(dir(&[(b"../../escaped", regular(b"pwned"))])), "contains '/'");
    assert_rejected("NUL", &dump_of(dir(&[(b"a\0b", regular(b""))])), "contains NUL");
    assert_rejected("empty name", &dump_of(dir(&[(b"", regular(b""))])), "empty entry name");
    assert_rejected("long name", &dump_of(dir(&[(&[b'n'; 256], regular(b""))])), "256 bytes is longer than 255");
    assert_rejected("empty target", &dump_of(symlink_node(b"")), "empty symlink target");
    assert_rejected("NUL target", &dump_of(symlink_node(b"a\0b")), "symlink target contains NUL");
    assert_rejected("long target", &dump_of(symlink_node(&[b't'; 4096])), "4096 bytes is longer than 4095");
    let exe_value = strs(&[b"(", b"type", b"regular", b"executable", b"1", b"contents", b"", b")"]);
    assert_rejected("executable value", &dump_of(exe_value), "'executable' must be followed by an empty string");
    assert_rejected("unknown type", &dump_of(strs(&[b"(", b"type", b"fifo", b")"])), "unknown node type 'fifo'");
    assert_rejected("bad tag", &dump_of(strs(&[b"(", b"kind", b"regular"])), "expected 'type', found 'kind'");
    assert_rejected("huge tag", &dump_of(strs(&[b"(", &[b'x'; 1000]])), "expected 'type', found a string of 1000 bytes");
    let mut trailing = good.clone();
    trailing.push(0);
    assert_rejected("trailing data", &trailing, "trailing data after the root node");
    let mut two_roots = good.clone();
    two_roots.extend(regular(b""));
    assert_rejected("two roots", &two_roots, "trailing data");

    // A length past the end: announced, never allocated, reported as truncation.
    let mut past_end = dump_of(strs(&[b"(", b"type", b"regular", b"contents"]));
    past_end.extend((1u64 << 62).to_le_bytes());
    past_end.extend(b"only a few bytes");
    assert_rejected("contents length past the end", &past_end, "truncated");
    let mut name_past_end = dump_of(strs(&[b"(", b"type", b"directory", b"entry", b"(", b"name"]));
    name_past_end.extend(200u64.to_le_bytes());
    name_past_end.extend(b"short");
    assert_rejected("name length past the end", &name_past_end, "truncated");
    let mut overflow = dump_of(strs(&[b"(", b"type", b"regular", b"contents"]));
    overflow.extend(u64::MAX.to_le_bytes());
    assert_rejected("length that overflows", &overflow, "impossible length");
}

#[test]
fn depth_and_length_limits() {
    fn chain(depth: usize) -> Vec<u8> {
        let mut node = regular(b"bottom");
        for _ in 0..depth {
            node = dir(&[(b"d", node)]);
        }
        nar_of(node)
    }
    // 64 names deep is the limit; the file at the bottom of 64 directories is at depth 64.
    assert!(nar::list(&mut &chain(64)[..]).is_ok());
    assert_rejected("too deep", &chain(65), "nested deeper than 64");
    assert!(nar::list(&mut &nar_of(dir(&[(&[b'n'; 255], regular(b""))]))[..]).is_ok());
    assert!(nar::list(&mut &nar_of(symlink_node(&[b't'; 4095]))[..]).is_ok());
}

#[test]
fn a_symlink_never_leads_a_restore_outside_dest() {
    let base = scratch("symlink-escape");
    let outside = base.join("outside");
    fs::create_dir(&outside).unwrap();
    let target = outside.to_str().unwrap().as_bytes().to_vec();
    // A symlink, then an entry of the same name: a directory holding a file, or a file.
    let through_dir = nar_of(dir(&[(b"a", symlink_node(&target)), (b"a", dir(&[(b"x", regular(b"pwned"))]))]));
    assert_rejected("symlink then a directory through it", &through_dir, "duplicate entry 'a'");
    let through_file = nar_of(dir(&[(b"a", symlink_node(&target)), (b"a", regular(b"pwned"))]));
    assert_rejected("symlink then a file of the same name", &through_file, "duplicate entry 'a'");
    // Relative escapes through a link are refused the same way.
    let up = nar_of(dir(&[(b"up", symlink_node(b"../../outside")), (b"up", dir(&[(b"x", regular(b"pwned"))]))]));
    assert_rejected("relative link then a directory", &up, "duplicate entry 'up'");
    assert!(entries(&outside).is_empty(), "something was written outside DEST: {:?}", entries(&outside));
    fs::remove_dir_all(&base).unwrap();
}

#[test]
fn truncation_at_every_offset_is_rejected() {
    let good = small_nar();
    let base = scratch("truncation");
    for len in 0..good.len() {
        let cut = &good[..len];
        let dest = base.join(format!("dest-{len}"));
        let e = nar::restore(&mut &cut[..], &dest).unwrap_err();
        assert_eq!(e.problem(), Some(&Problem::Truncated), "cut at {len}: {e}");
        let e = nar::list(&mut &cut[..]).unwrap_err();
        assert_eq!(e.problem(), Some(&Problem::Truncated), "cut at {len}: {e}");
        let e = nar::cat(&mut &cut[..], b"a", &mut Vec::new()).unwrap_err();
        assert_eq!(e.problem(), Some(&Problem::Truncated), "cut at {len}: {e}");
    }
    // The CLI too, at a few offsets, including inside file contents.
    for len in [0, 7, 8, 20, 100, good.len() / 2, good.len() - 1] {
        let parent = base.join(format!("cli-{len}"));
        fs::create_dir(&parent).unwrap();
        let dest = parent.join("dest");
        let o = cli(&[os("nar"), os("restore"), dest.as_os_str()], Some(&good[..len]));
        assert_eq!(o.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&o.stderr).contains("truncated"), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(entries(&parent).iter().all(|e| e == "dest"));
    }
    assert!(nar::restore(&mut &good[..], &base.join("complete")).is_ok());
    fs::remove_dir_all(&base).unwrap();
}

// ---------------------------------------------------------------------------------------------
// The writer API and streaming

#[test]
fn writer_builds_what_nix_restores() {
    let mut out = Vec::new();
    let mut w = NarWriter::new(&mut out).unwrap();
    let mut root = w.root().unwrap().directory().unwrap();
    let big = pseudo_random(1 << 20, 3);
    root.entry(b"B").unwrap().file(true, big.len() as u64, &mut &big[..]).unwrap();
    root.entry(b"a").unwrap().symlink(b"B").unwrap();
    let mut sub = root.entry(b"sub").unwrap().directory().unwrap();
    sub.entry(b"f").unwrap().file(false, 0, &mut &b""[..]).unwrap();
    sub.close().unwrap();
    root.close().unwrap();
    let size = w.finish().unwrap();
    assert_eq!(size, out.len() as u64);
    let base = scratch("writer");
    let dest = base.join("dest");
    let mut c = nix("nix-store");
    c.arg("--restore").arg(&dest);
    ok(run(c, Some(&out)), "nix-store --restore");
    assert!(fs::read(dest.join("B")).unwrap() == big);
    assert_eq!(fs::metadata(dest.join("B")).unwrap().permissions().mode() & 0o111, 0o111);
    assert_eq!(fs::read_link(dest.join("a")).unwrap(), Path::new("B"));
    assert!(out == nix_dump(&dest));
    fs::remove_dir_all(&base).unwrap();
}

/// A reader producing a NAR with one huge regular file of zeros, without holding it.
struct HugeNar {
    head: Vec<u8>,
    pos: u64,
    size: u64,
}

impl std::io::Read for HugeNar {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let head = self.head.len() as u64;
        let total = head + self.size + 8; // contents, then the ")" token (size is a multiple of 8)
        if self.pos >= total {
            return Ok(0);
        }
        let n = if self.pos < head {
            let n = buf.len().min((head - self.pos) as usize);
            buf[..n].copy_from_slice(&self.head[self.pos as usize..][..n]);
            n
        } else if self.pos < head + self.size {
            let n = buf.len().min((head + self.size - self.pos) as usize);
            buf[..n].fill(0);
            n
        } else {
            let tail = strs(&[b")"]);
            let off = (self.pos - head - self.size) as usize;
            let n = buf.len().min(tail.len() - off);
            buf[..n].copy_from_slice(&tail[off..][..n]);
            n
        };
        self.pos += n as u64;
        Ok(n)
    }
}

#[test]
fn large_contents_stream_through_a_fixed_buffer() {
    let size = 1u64 << 30; // 1 GiB: would show in memory if anything buffered it
    let mut head = nar_of(strs(&[b"(", b"type", b"regular", b"contents"]));
    head.extend(size.to_le_bytes());
    let listing = nar::list(&mut HugeNar { head: head.clone(), pos: 0, size }).unwrap();
    assert_eq!(listing.root, nar::ListingNode::Regular { executable: false, size, nar_offset: head.len() as u64 });
}
