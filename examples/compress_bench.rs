//! Compression throughput on a NAR: `compress_bench CODEC [LEVEL] [--parallel] < file.nar`.
//!
//! Streams stdin through nixbucket's encoder into a byte counter and prints one line:
//! `codec=xz level=-1 parallel=false in=<bytes> out=<bytes> secs=<s> mib_per_s=<MiB of input/s>`.
//! Used by `bench/nar.sh`; build with `cargo build --release --example compress_bench`.

use std::io::{self, Read, Write};
use std::time::Instant;

use nixbucket::nix::compression::{compressor, Compression};

struct Count(u64);

impl Write for Count {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn main() {
    let mut codec = None;
    let mut level = -1;
    let mut parallel = false;
    for arg in std::env::args().skip(1) {
        if arg == "--parallel" {
            parallel = true;
        } else if codec.is_none() {
            codec = Some(Compression::from_name(&arg).unwrap_or_else(|| fail(&format!("unknown codec '{arg}'"))));
        } else {
            level = arg.parse().unwrap_or_else(|_| fail(&format!("bad level '{arg}'")));
        }
    }
    let codec = codec.unwrap_or_else(|| fail("usage: compress_bench CODEC [LEVEL] [--parallel] < file.nar"));
    let start = Instant::now();
    let mut enc = compressor(codec, level, parallel, Count(0)).unwrap_or_else(|e| fail(&e.to_string()));
    let mut stdin = io::stdin().lock();
    let mut buf = vec![0; 1 << 20];
    let mut total_in = 0u64;
    loop {
        let n = match stdin.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => fail(&format!("reading stdin: {e}")),
        };
        enc.write_all(&buf[..n]).unwrap_or_else(|e| fail(&e.to_string()));
        total_in += n as u64;
    }
    let out = enc.finish().unwrap_or_else(|e| fail(&e.to_string())).0;
    let secs = start.elapsed().as_secs_f64();
    println!(
        "codec={codec} level={level} parallel={parallel} in={total_in} out={out} secs={secs:.3} mib_per_s={:.1}",
        total_in as f64 / (1 << 20) as f64 / secs
    );
}

fn fail(msg: &str) -> ! {
    eprintln!("compress_bench: {msg}");
    std::process::exit(2)
}
