//! NAR compression against the reference tools: every codec round-trips through our encoder and
//! decoder, our output decodes with the Debian command-line tool byte for byte and the tool's
//! output decodes with ours, concatenated streams decode where Nix's decoders accept them,
//! corrupt input is an error, and 256 MiB stream through encoder and decoder in bounded memory.
//!
//! Needs `xz`, `zstd`, `bzip2`, `brotli` and `gzip` on `PATH` (`scripts/deps.sh` installs them);
//! a missing tool fails the test, it is never skipped. Built only when every codec's cargo feature
//! is on (the default).
#![cfg(all(feature = "xz", feature = "zstd", feature = "bzip2", feature = "brotli", feature = "gzip"))]

use std::io::{self, Read, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;

use nixbucket::nix::compression::{compressor, decompressor, decompressor_by_name, Compression};

const MIB: usize = 1 << 20;

/// Deterministic bytes that do not compress (xorshift64*).
fn random(len: usize, seed: u64) -> Vec<u8> {
    let mut g = Gen::new(seed, false);
    let mut v = vec![0; len];
    g.fill(&mut v);
    v
}

/// Bytes that compress well: lines of text with a counter, like a listing.
fn compressible(len: usize) -> Vec<u8> {
    let mut v = Vec::with_capacity(len + 64);
    let mut i = 0u64;
    while v.len() < len {
        v.extend_from_slice(format!("/nix/store/{:032x}-package-{}/lib/libfoo.so.{}\n", i / 16, i % 97, i % 7).as_bytes());
        i += 1;
    }
    v.truncate(len);
    v
}

/// An endless deterministic byte source; `text` mixes in runs that compress, so that codecs do
/// real work without taking minutes in a debug build. Reads of any size continue the same stream.
struct Gen {
    state: u64,
    text: bool,
    word: [u8; 8],
    used: usize,
}

impl Gen {
    fn new(seed: u64, text: bool) -> Gen {
        Gen { state: seed | 1, text, word: [0; 8], used: 8 }
    }

    fn next_word(&mut self) -> [u8; 8] {
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        let x = self.state.wrapping_mul(0x2545_F491_4F6C_DD1D);
        if self.text && x % 16 != 0 {
            *b"libfoo.s"
        } else {
            x.to_le_bytes()
        }
    }

    fn fill(&mut self, buf: &mut [u8]) {
        let mut i = 0;
        while i < buf.len() {
            if self.used == 8 {
                (self.word, self.used) = (self.next_word(), 0);
            }
            let n = (8 - self.used).min(buf.len() - i);
            buf[i..i + n].copy_from_slice(&self.word[self.used..self.used + n]);
            (i, self.used) = (i + n, self.used + n);
        }
    }
}

fn encode(c: Compression, level: i32, parallel: bool, data: &[u8]) -> Vec<u8> {
    let mut e = compressor(c, level, parallel, Vec::new()).unwrap();
    // Several writes, as a NAR arrives.
    for chunk in data.chunks(100_000) {
        e.write_all(chunk).unwrap();
    }
    e.finish().unwrap()
}

fn decode(c: Compression, data: &[u8]) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    decompressor(c, data).unwrap().read_to_end(&mut out)?;
    Ok(out)
}

/// The Debian tool for a codec and the package that has it.
fn tool(c: Compression) -> (&'static str, &'static str) {
    match c {
        Compression::Xz => ("xz", "xz-utils"),
        Compression::Zstd => ("zstd", "zstd"),
        Compression::Bzip2 => ("bzip2", "bzip2"),
        Compression::Brotli => ("brotli", "brotli"),
        Compression::Gzip => ("gzip", "gzip"),
        Compression::None => unreachable!(),
    }
}

/// Run `prog args` with `input` on stdin; its stdout, or a panic saying what to install.
fn run_tool(c: Compression, args: &[&str], input: &[u8]) -> Vec<u8> {
    let (prog, package) = tool(c);
    let mut child = Command::new(prog)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run '{prog}' ({e}): install the Debian package {package} with scripts/deps.sh"));
    let mut stdin = child.stdin.take().unwrap();
    let out = std::thread::scope(|s| {
        s.spawn(move || stdin.write_all(input).unwrap());
        child.wait_with_output().unwrap()
    });
    assert!(out.status.success(), "{prog} {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

fn cli_decode(c: Compression, data: &[u8]) -> Vec<u8> {
    run_tool(c, &["-d", "-c"], data)
}

fn cli_encode(c: Compression, data: &[u8]) -> Vec<u8> {
    match c {
        // `-q`: no progress output on stderr.
        Compression::Zstd => run_tool(c, &["-q", "-c"], data),
        _ => run_tool(c, &["-c"], data),
    }
}

/// Inputs for round trips: empty, one byte, multi-MiB random and compressible.
fn inputs() -> Vec<(&'static str, Vec<u8>)> {
    vec![("empty", Vec::new()), ("one byte", vec![0x2a]), ("3 MiB random", random(3 * MIB, 7)), ("4 MiB compressible", compressible(4 * MIB))]
}

/// The level for multi-MiB round trips: the default, except brotli's 11, which takes minutes
/// per MiB in a debug build (the default is exercised on the small inputs and against the CLI).
fn big_level(c: Compression, len: usize) -> i32 {
    if c == Compression::Brotli && len > MIB {
        5
    } else {
        -1
    }
}

fn roundtrips(c: Compression) {
    for (name, data) in inputs() {
        let packed = encode(c, big_level(c, data.len()), false, &data);
        let back = decode(c, &packed).unwrap_or_else(|e| panic!("{c} {name}: {e}"));
        assert!(back == data, "{c} {name}: round trip changed the data");
        if data.len() > MIB && name.contains("compressible") {
            assert!(packed.len() * 5 < data.len(), "{c} {name}: compressed to {} bytes", packed.len());
        }
    }
}

fn our_output_decodes_with_cli(c: Compression) {
    for (name, data) in inputs() {
        let packed = encode(c, big_level(c, data.len()), false, &data);
        assert!(cli_decode(c, &packed) == data, "{c} {name}: {} -d gave other bytes", tool(c).0);
    }
    // The default level on something bigger than a block.
    let data = compressible(MIB + 12345);
    assert!(cli_decode(c, &encode(c, -1, false, &data)) == data, "{c} default level");
}

fn cli_output_decodes_with_ours(c: Compression) {
    for (name, data) in inputs() {
        let packed = cli_encode(c, &data);
        let back = decode(c, &packed).unwrap_or_else(|e| panic!("{c} {name}: {e}"));
        assert!(back == data, "{c} {name}: decoding {}'s output gave other bytes", tool(c).0);
    }
}

fn corrupt_input_is_an_error(c: Compression) {
    let data = compressible(200_000);
    let packed = encode(c, -1, false, &data);
    // Truncated.
    for cut in [1, packed.len() / 2, packed.len() - 1] {
        let r = decode(c, &packed[..cut]);
        assert!(r.is_err(), "{c}: {cut} of {} bytes decoded as {} bytes", packed.len(), r.unwrap().len());
    }
    // Bytes flipped in the middle: an error, or (brotli has no checksum) at least other data.
    let mut bad = packed.clone();
    let mid = bad.len() / 2;
    for b in &mut bad[mid..mid + 8] {
        *b ^= 0x55;
    }
    match decode(c, &bad) {
        Err(_) => {}
        Ok(out) => assert!(c == Compression::Brotli && out != data, "{c}: corrupt input decoded without error"),
    }
    // Not compressed at all.
    assert!(decode(c, b"this is not compressed data, not at all, not even a little").is_err(), "{c}: plain text decoded");
    // Garbage after the end: an error where the decoder reads concatenated streams.
    let mut tail = packed.clone();
    tail.extend_from_slice(b"garbage!");
    let r = decode(c, &tail);
    if c != Compression::Brotli {
        assert!(r.is_err(), "{c}: trailing garbage accepted");
    }
}

macro_rules! codec_tests {
    ($($module:ident => $c:expr;)*) => {$(
        mod $module {
            use super::*;

            #[test]
            fn roundtrip_empty_one_byte_random_compressible() {
                roundtrips($c);
            }

            #[test]
            fn our_output_decodes_with_the_cli_tool() {
                our_output_decodes_with_cli($c);
            }

            #[test]
            fn cli_tool_output_decodes_with_ours() {
                cli_output_decodes_with_ours($c);
            }

            #[test]
            fn corrupt_or_truncated_input_is_an_error() {
                corrupt_input_is_an_error($c);
            }
        }
    )*};
}

codec_tests! {
    xz => Compression::Xz;
    zstd => Compression::Zstd;
    bzip2 => Compression::Bzip2;
    brotli => Compression::Brotli;
    gzip => Compression::Gzip;
}

#[test]
fn none_roundtrips_unchanged() {
    for (_, data) in inputs() {
        assert!(encode(Compression::None, -1, false, &data) == data);
        assert!(decode(Compression::None, &data).unwrap() == data);
    }
}

#[test]
fn parallel_xz_decodes_with_xz_cli() {
    // Preset 1 has 3 MiB blocks, so 10 MiB make several blocks compressed on separate threads.
    let data = [random(3 * MIB, 3), compressible(7 * MIB)].concat();
    for level in [1, -1] {
        let packed = encode(Compression::Xz, level, true, &data);
        assert!(cli_decode(Compression::Xz, &packed) == data, "level {level}");
        assert!(decode(Compression::Xz, &packed).unwrap() == data, "level {level}");
    }
    // `xz -l` counts the blocks: the parallel encoder really split the input.
    let packed = encode(Compression::Xz, 1, true, &data);
    let dir = std::env::temp_dir().join(format!("nb-compression-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("p.xz");
    std::fs::write(&file, &packed).unwrap();
    let out = Command::new("xz").args(["--robot", "-l"]).arg(&file).output().expect("xz: install xz-utils with scripts/deps.sh");
    std::fs::remove_dir_all(&dir).unwrap();
    let listing = String::from_utf8_lossy(&out.stdout);
    let blocks: u64 = listing.lines().find(|l| l.starts_with("totals")).and_then(|l| l.split('\t').nth(2)).unwrap().parse().unwrap();
    assert!(blocks >= 3, "parallel xz wrote {blocks} blocks:\n{listing}");
}

#[test]
fn concatenated_streams_decode() {
    let a = compressible(300_000);
    let b = random(100_000, 9);
    let both = [a.clone(), b.clone()].concat();
    for c in [Compression::Xz, Compression::Zstd, Compression::Bzip2, Compression::Gzip] {
        // Ours + ours, and ours + the CLI's.
        let packed = [encode(c, -1, false, &a), encode(c, -1, false, &b)].concat();
        assert!(decode(c, &packed).unwrap() == both, "{c}: ours + ours");
        let packed = [encode(c, -1, false, &a), cli_encode(c, &b)].concat();
        assert!(decode(c, &packed).unwrap() == both, "{c}: ours + cli");
        // The CLI agrees that this is one valid input.
        assert!(cli_decode(c, &packed) == both, "{c}: cli");
    }
    // xz streams may be followed by stream padding (multiples of four zero bytes).
    let mut padded = encode(Compression::Xz, -1, false, &a);
    padded.extend_from_slice(&[0; 8]);
    padded.extend_from_slice(&encode(Compression::Xz, -1, true, &b));
    assert!(decode(Compression::Xz, &padded).unwrap() == both);
}

#[test]
fn decoder_by_narinfo_name() {
    let data = compressible(10_000);
    for (name, c) in [
        ("xz", Compression::Xz),
        ("zstd", Compression::Zstd),
        ("bzip2", Compression::Bzip2),
        ("br", Compression::Brotli),
        ("gzip", Compression::Gzip),
        ("none", Compression::None),
    ] {
        let mut out = Vec::new();
        decompressor_by_name(name, &encode(c, -1, false, &data)[..]).unwrap().read_to_end(&mut out).unwrap();
        assert!(out == data, "{name}");
    }
    assert!(decompressor_by_name("lzip", &b""[..]).unwrap_err().to_string().contains("unknown compression method 'lzip'"));
}

#[test]
fn write_errors_reach_the_caller() {
    struct Broken;
    impl Write for Broken {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::other("disk full"))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    for c in Compression::ALL {
        let mut e = compressor(c, 1, false, Broken).unwrap();
        let r = e.write_all(&compressible(2 * MIB)).and_then(|()| e.finish().map(drop));
        assert_eq!(r.unwrap_err().to_string(), "disk full", "{c}");
    }
}

// ---- bounded memory ----

/// Peak resident memory allowed for a process streaming through a codec (besides being under
/// half the stream's size, so that it cannot have held it).
const PEAK_RSS_LIMIT_KIB: u64 = 64 << 10;
const CHUNK: usize = 64 * 1024;

/// Writes chunks into a bounded channel: the pipe between the encoder and the decoder thread.
struct ChannelWriter(mpsc::SyncSender<Vec<u8>>);

impl Write for ChannelWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = buf.len().min(CHUNK);
        self.0.send(buf[..n].to_vec()).map_err(|_| io::Error::from(io::ErrorKind::BrokenPipe))?;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

struct ChannelReader {
    rx: mpsc::Receiver<Vec<u8>>,
    chunk: Vec<u8>,
    pos: usize,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.chunk.len() {
            match self.rx.recv() {
                Ok(c) => (self.chunk, self.pos) = (c, 0),
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.chunk.len() - self.pos);
        buf[..n].copy_from_slice(&self.chunk[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// `len` bytes from a [`Gen`], counted.
struct Source {
    gen: Gen,
    left: u64,
}

impl Read for Source {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(self.left as usize);
        self.gen.fill(&mut buf[..n]);
        self.left -= n as u64;
        Ok(n)
    }
}

/// Stream `len` bytes through `c`'s encoder and decoder, connected by a channel of at most
/// four 64 KiB chunks; check every byte that comes out and return (compressed, plain) counts.
fn stream_through(c: Compression, level: i32, len: u64) -> (u64, u64) {
    let (tx, rx) = mpsc::sync_channel(4);
    std::thread::scope(|s| {
        let writer = s.spawn(move || {
            let mut e = compressor(c, level, false, Counting { inner: ChannelWriter(tx), count: 0 }).unwrap();
            let mut src = Source { gen: Gen::new(1, true), left: len };
            let mut buf = vec![0; CHUNK];
            loop {
                let n = src.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                e.write_all(&buf[..n]).unwrap();
            }
            e.finish().unwrap().count
        });
        let mut d = decompressor(c, ChannelReader { rx, chunk: Vec::new(), pos: 0 }).unwrap();
        let mut expect = Gen::new(1, true);
        let (mut buf, mut want) = (vec![0; CHUNK], vec![0; CHUNK]);
        let mut total = 0u64;
        loop {
            let n = d.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            want.resize(n, 0);
            expect.fill(&mut want);
            assert!(buf[..n] == want[..], "{c}: wrong bytes at offset {total}");
            total += n as u64;
        }
        (writer.join().unwrap(), total)
    })
}

struct Counting<W> {
    inner: W,
    count: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.count += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Runs in a process of its own (see `memory_stays_bounded_while_streaming`), so that the peak
/// resident memory is this stream's alone.
#[test]
#[ignore = "run by memory_stays_bounded_while_streaming in a child process"]
fn memory_child() {
    let Ok(spec) = std::env::var("NB_COMPRESSION_MEMORY_CHILD") else { return };
    let mut parts = spec.split(':');
    let c = Compression::from_name(parts.next().unwrap()).unwrap();
    let level = parts.next().unwrap().parse().unwrap();
    let len = parts.next().unwrap().parse::<u64>().unwrap() << 20;
    let (packed, plain) = stream_through(c, level, len);
    assert_eq!(plain, len);
    println!("NB-RESULT {spec} compressed={packed} peak-rss-kib={}", peak_rss_kib());
}

/// 256 MiB through zstd (at its default level) and none; through the other codecs as much as a
/// debug build compresses in about ten seconds, at fast levels (the pure-Rust codecs and liblzma
/// built without optimisation run at 1 to 5 MiB/s there), which is still several times the
/// memory the process may use. Every byte that comes out is checked.
#[test]
fn memory_stays_bounded_while_streaming() {
    let exe = std::env::current_exe().unwrap();
    let runs = ["zstd:-1:256", "none:-1:256", "xz:0:48", "br:1:48", "gzip:-1:32", "bzip2:1:24"];
    let children: Vec<_> = runs
        .iter()
        .map(|run| {
            let child = Command::new(&exe)
                .args(["--exact", "memory_child", "--ignored", "--nocapture", "--test-threads=1"])
                .env("NB_COMPRESSION_MEMORY_CHILD", run)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            (run, child)
        })
        .collect();
    for (run, child) in children {
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{run}: {stdout}{}", String::from_utf8_lossy(&out.stderr));
        let line = stdout.lines().find_map(|l| l.find("NB-RESULT").map(|i| &l[i..])).unwrap_or_else(|| panic!("{run}: no result in {stdout}"));
        eprintln!("{line}");
        let peak: u64 = line.rsplit('=').next().unwrap().parse().unwrap();
        let stream_kib: u64 = run.rsplit(':').next().unwrap().parse::<u64>().unwrap() << 10;
        assert!(peak < PEAK_RSS_LIMIT_KIB && peak < stream_kib / 2, "{run}: peak RSS {peak} KiB while streaming {stream_kib} KiB");
    }
}
