//! NAR compression: streaming encoders and decoders for the methods a binary cache names in
//! `compression=` and in a narinfo's `Compression:` field (`xz`, `zstd`, `bzip2`, `br`, `gzip`,
//! `none`).
//!
//! Both directions stream through fixed-size buffers: an [`Encoder`] is a [`Write`] that
//! compresses into the writer it wraps, a [`Decoder`] is a [`Read`] that decompresses from the
//! reader it wraps. Memory depends on the codec and level, never on the size of the data (xz at
//! the default preset 6 needs about 94 MiB to compress and 9 MiB to decompress; parallel xz
//! needs that per thread plus two blocks of 24 MiB).
//!
//! What Nix does, and what we copy (Nix 2.8's `compression.cc`; newer Nix goes through libarchive
//! with the same defaults):
//! - xz: `lzma_easy_encoder(preset 6, LZMA_CHECK_CRC64)`; with `parallel-compression`,
//!   `lzma_stream_encoder_mt` with one thread per core and a 300 ms timeout, as the `xz` tool.
//!   Decoding uses `LZMA_CONCATENATED`, so concatenated xz streams decode as one.
//! - bzip2: block size 9 (900 kB), work factor 30. gzip: level 6. zstd: level 3. brotli: quality
//!   11, window 22 (the library defaults Nix leaves alone).
//! - `compression-level` -1 means the codec's default; anything else must be in the codec's range
//!   ([`Compression::level_range`]) and is an [`Error::Level`] otherwise. `none` ignores it.
//! - `parallel-compression` only changes xz here. zstd would need the `zstdmt` feature of the
//!   `zstd` crate, which the crate does not enable, so parallel zstd is single-threaded (as in
//!   Nix 2.8, where it has no effect either).
//! - Decoders accept what Nix's accept: concatenated streams for xz, bzip2, gzip and zstd
//!   (brotli has no multi-stream form); data after the end of a single brotli stream is ignored.
//!
//! Each codec sits behind the cargo feature of the same name (`xz`, `zstd`, `bzip2`, `brotli`,
//! `gzip`; all on by default). Asking for a codec that was compiled out gives
//! [`Error::Disabled`], which names the feature; `none` always works. Checked by:
//!
//! ```text
//! CARGO_TARGET_DIR=/tmp/nb-nofeat cargo build --no-default-features
//! CARGO_TARGET_DIR=/tmp/nb-nofeat cargo test --no-default-features --lib nix::compression
//! ```

use std::fmt;
use std::io::{self, Read, Write};

pub use crate::s3::url::Compression;

/// Size of the buffers between a codec and the reader or writer it wraps.
#[cfg_attr(not(any(feature = "zstd", feature = "bzip2", feature = "brotli")), allow(dead_code))]
const BUF_SIZE: usize = 64 * 1024;

/// The xz tool's timeout for flushing a partly filled block in multi-threaded mode; Nix uses it
/// too.
#[cfg(feature = "xz")]
const XZ_MT_TIMEOUT_MS: u32 = 300;

/// Brotli's window (log2 of its size), the library default that Nix keeps.
#[cfg(feature = "brotli")]
const BROTLI_LGWIN: u32 = 22;

/// What can go wrong before any data flows. Errors while streaming are [`io::Error`]s from the
/// [`Encoder`]'s or [`Decoder`]'s `Read`/`Write`.
#[derive(Debug)]
pub enum Error {
    /// The codec was compiled out: nixbucket was built without its cargo feature.
    Disabled {
        /// The codec asked for.
        compression: Compression,
    },
    /// `compression-level` is outside the codec's range.
    Level {
        /// The codec.
        compression: Compression,
        /// The level asked for.
        level: i32,
        /// The codec's smallest level.
        min: i32,
        /// The codec's largest level.
        max: i32,
    },
    /// A name that is none of `xz`, `zstd`, `bzip2`, `br`, `gzip`, `none`.
    UnknownMethod(String),
    /// The codec library could not be set up (out of memory, options it refused).
    Init {
        /// The codec.
        compression: Compression,
        /// What the library said.
        source: io::Error,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Disabled { compression } => write!(
                f,
                "nixbucket was built without {compression} compression: rebuild it with the cargo feature '{}'",
                compression.cargo_feature().unwrap_or("none")
            ),
            Error::Level { compression, level, min, max } => {
                write!(f, "compression-level {level} is not valid for {compression}: use -1 (the default) or {min}..={max}")
            }
            Error::UnknownMethod(name) => write!(f, "unknown compression method '{name}' (expected xz, zstd, bzip2, br, gzip or none)"),
            Error::Init { compression, source } => write!(f, "cannot set up the {compression} codec: {source}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Init { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<Error> for io::Error {
    fn from(e: Error) -> io::Error {
        let kind = match e {
            Error::Init { .. } => io::ErrorKind::Other,
            Error::Disabled { .. } => io::ErrorKind::Unsupported,
            _ => io::ErrorKind::InvalidInput,
        };
        io::Error::new(kind, e)
    }
}

impl Compression {
    /// Every method, in Nix's documentation order.
    pub const ALL: [Compression; 6] = [Compression::Xz, Compression::Zstd, Compression::Bzip2, Compression::Brotli, Compression::Gzip, Compression::None];

    /// The suffix of NAR files after `.nar`: `.xz`, `.zst`, `.bz2`, `.br`; gzip and none have
    /// none (as in Nix).
    pub fn extension(self) -> &'static str {
        match self {
            Compression::Xz => ".xz",
            Compression::Zstd => ".zst",
            Compression::Bzip2 => ".bz2",
            Compression::Brotli => ".br",
            Compression::Gzip | Compression::None => "",
        }
    }

    /// The cargo feature that compiles the codec in (`None` for `none`, which is always there).
    pub fn cargo_feature(self) -> Option<&'static str> {
        match self {
            Compression::None => None,
            Compression::Xz => Some("xz"),
            Compression::Zstd => Some("zstd"),
            Compression::Bzip2 => Some("bzip2"),
            Compression::Brotli => Some("brotli"),
            Compression::Gzip => Some("gzip"),
        }
    }

    /// Whether this build has the codec.
    pub fn is_available(self) -> bool {
        match self {
            Compression::None => true,
            Compression::Xz => cfg!(feature = "xz"),
            Compression::Zstd => cfg!(feature = "zstd"),
            Compression::Bzip2 => cfg!(feature = "bzip2"),
            Compression::Brotli => cfg!(feature = "brotli"),
            Compression::Gzip => cfg!(feature = "gzip"),
        }
    }

    /// The level used for `compression-level=-1` (Nix's defaults; 0 for `none`).
    pub fn default_level(self) -> i32 {
        match self {
            Compression::None => 0,
            Compression::Xz => 6,
            Compression::Zstd => 3,
            Compression::Bzip2 => 9,
            Compression::Brotli => 11,
            Compression::Gzip => 6,
        }
    }

    /// The levels the codec accepts besides -1 (`none` accepts and ignores any level). zstd's
    /// negative levels are its fast modes; -1 there still means the default, 3.
    pub fn level_range(self) -> (i32, i32) {
        match self {
            Compression::None => (i32::MIN, i32::MAX),
            Compression::Xz => (0, 9),
            Compression::Zstd => zstd_level_range(),
            Compression::Bzip2 => (1, 9),
            Compression::Brotli => (0, 11),
            Compression::Gzip => (0, 9),
        }
    }

    /// Check `level` (-1: default) against the codec and return the level to use.
    pub fn resolve_level(self, level: i32) -> Result<i32, Error> {
        if level == -1 {
            return Ok(self.default_level());
        }
        let (min, max) = self.level_range();
        if self == Compression::None || (min..=max).contains(&level) {
            Ok(level)
        } else {
            Err(Error::Level { compression: self, level, min, max })
        }
    }
}

#[cfg(feature = "zstd")]
fn zstd_level_range() -> (i32, i32) {
    let r = zstd::compression_level_range();
    (*r.start(), *r.end())
}

// zstd 1.5's range, so that the error for a missing codec stays the same on every build.
#[cfg(not(feature = "zstd"))]
fn zstd_level_range() -> (i32, i32) {
    (-131072, 22)
}

/// The number of threads for parallel compression: one per core.
#[cfg(feature = "xz")]
fn threads() -> u32 {
    std::thread::available_parallelism().map_or(1, |n| n.get()).try_into().unwrap_or(u32::MAX)
}

/// A streaming compressor: write the uncompressed bytes, then call [`Encoder::finish`], which
/// writes the codec's trailer and hands back the inner writer. Dropping an `Encoder` without
/// `finish` leaves a truncated stream behind.
pub struct Encoder<W: Write>(Enc<W>);

enum Enc<W: Write> {
    None(W),
    #[cfg(feature = "xz")]
    Xz(liblzma::write::XzEncoder<W>),
    #[cfg(feature = "zstd")]
    Zstd(zstd::stream::write::Encoder<'static, W>),
    #[cfg(feature = "bzip2")]
    Bzip2(bzip2::write::BzEncoder<W>),
    #[cfg(feature = "brotli")]
    // Boxed: brotli's encoder state is 5 KiB, the others are pointers and buffers.
    Brotli(Box<brotli::CompressorWriter<Trap<W>>>),
    #[cfg(feature = "gzip")]
    Gzip(flate2::write::GzEncoder<W>),
}

/// Start compressing into `out` with `compression` at `level` (-1: the codec's default);
/// `parallel` uses one thread per core where the codec can (xz). Fails if the level is out of
/// range or the codec was compiled out.
pub fn compressor<W: Write>(compression: Compression, level: i32, parallel: bool, out: W) -> Result<Encoder<W>, Error> {
    Encoder::new(compression, level, parallel, out)
}

impl<W: Write> Encoder<W> {
    /// See [`compressor`].
    pub fn new(compression: Compression, level: i32, parallel: bool, out: W) -> Result<Self, Error> {
        let level = compression.resolve_level(level)?;
        let _ = (parallel, level);
        let enc = match compression {
            Compression::None => Enc::None(out),
            #[cfg(feature = "xz")]
            Compression::Xz => {
                use liblzma::stream::{Check, MtStreamBuilder, Stream};
                let preset = level as u32;
                let stream = if parallel {
                    MtStreamBuilder::new().threads(threads()).timeout_ms(XZ_MT_TIMEOUT_MS).preset(preset).check(Check::Crc64).encoder()
                } else {
                    Stream::new_easy_encoder(preset, Check::Crc64)
                };
                let stream = stream.map_err(|e| Error::Init { compression, source: e.into() })?;
                Enc::Xz(liblzma::write::XzEncoder::new_stream(out, stream))
            }
            #[cfg(feature = "zstd")]
            Compression::Zstd => {
                let init = |source| Error::Init { compression, source };
                let mut e = zstd::stream::write::Encoder::new(out, level).map_err(init)?;
                // The zstd tool writes checksums too; 4 bytes per frame.
                e.include_checksum(true).map_err(init)?;
                Enc::Zstd(e)
            }
            #[cfg(feature = "bzip2")]
            Compression::Bzip2 => Enc::Bzip2(bzip2::write::BzEncoder::new(out, bzip2::Compression::new(level as u32))),
            #[cfg(feature = "brotli")]
            Compression::Brotli => Enc::Brotli(Box::new(brotli::CompressorWriter::new(Trap { inner: out, error: None }, BUF_SIZE, level as u32, BROTLI_LGWIN))),
            #[cfg(feature = "gzip")]
            Compression::Gzip => Enc::Gzip(flate2::write::GzEncoder::new(out, flate2::Compression::new(level as u32))),
            #[allow(unreachable_patterns)]
            _ => return Err(Error::Disabled { compression }),
        };
        Ok(Encoder(enc))
    }

    /// The method this encoder writes.
    pub fn compression(&self) -> Compression {
        match &self.0 {
            Enc::None(_) => Compression::None,
            #[cfg(feature = "xz")]
            Enc::Xz(_) => Compression::Xz,
            #[cfg(feature = "zstd")]
            Enc::Zstd(_) => Compression::Zstd,
            #[cfg(feature = "bzip2")]
            Enc::Bzip2(_) => Compression::Bzip2,
            #[cfg(feature = "brotli")]
            Enc::Brotli(_) => Compression::Brotli,
            #[cfg(feature = "gzip")]
            Enc::Gzip(_) => Compression::Gzip,
        }
    }

    /// The writer the compressed bytes go to (e.g. to read a byte count).
    pub fn get_ref(&self) -> &W {
        match &self.0 {
            Enc::None(w) => w,
            #[cfg(feature = "xz")]
            Enc::Xz(e) => e.get_ref(),
            #[cfg(feature = "zstd")]
            Enc::Zstd(e) => e.get_ref(),
            #[cfg(feature = "bzip2")]
            Enc::Bzip2(e) => e.get_ref(),
            #[cfg(feature = "brotli")]
            Enc::Brotli(e) => &e.get_ref().inner,
            #[cfg(feature = "gzip")]
            Enc::Gzip(e) => e.get_ref(),
        }
    }

    /// Write the codec's trailer, flush, and return the inner writer.
    pub fn finish(self) -> io::Result<W> {
        match self.0 {
            Enc::None(mut w) => {
                w.flush()?;
                Ok(w)
            }
            #[cfg(feature = "xz")]
            Enc::Xz(e) => flushed(e.finish()?),
            #[cfg(feature = "zstd")]
            Enc::Zstd(e) => flushed(e.finish()?),
            #[cfg(feature = "bzip2")]
            Enc::Bzip2(e) => flushed(e.finish()?),
            #[cfg(feature = "brotli")]
            Enc::Brotli(e) => {
                // `into_inner` writes the trailer but drops write errors; the trap kept them.
                let trap = (*e).into_inner();
                match trap.error {
                    Some(err) => Err(err),
                    None => flushed(trap.inner),
                }
            }
            #[cfg(feature = "gzip")]
            Enc::Gzip(e) => flushed(e.finish()?),
        }
    }
}

#[cfg_attr(not(any(feature = "xz", feature = "zstd", feature = "bzip2", feature = "brotli", feature = "gzip")), allow(dead_code))]
fn flushed<W: Write>(mut w: W) -> io::Result<W> {
    w.flush()?;
    Ok(w)
}

impl<W: Write> Write for Encoder<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.0 {
            Enc::None(w) => w.write(buf),
            #[cfg(feature = "xz")]
            Enc::Xz(e) => e.write(buf),
            #[cfg(feature = "zstd")]
            Enc::Zstd(e) => e.write(buf),
            #[cfg(feature = "bzip2")]
            Enc::Bzip2(e) => e.write(buf),
            #[cfg(feature = "brotli")]
            Enc::Brotli(e) => e.write(buf),
            #[cfg(feature = "gzip")]
            Enc::Gzip(e) => e.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.0 {
            Enc::None(w) => w.flush(),
            #[cfg(feature = "xz")]
            Enc::Xz(e) => e.flush(),
            #[cfg(feature = "zstd")]
            Enc::Zstd(e) => e.flush(),
            #[cfg(feature = "bzip2")]
            Enc::Bzip2(e) => e.flush(),
            #[cfg(feature = "brotli")]
            Enc::Brotli(e) => e.flush(),
            #[cfg(feature = "gzip")]
            Enc::Gzip(e) => e.flush(),
        }
    }
}

impl<W: Write> fmt::Debug for Encoder<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Encoder").field(&self.compression()).finish()
    }
}

/// Keeps the first write error, which brotli's `into_inner` would otherwise swallow.
#[cfg(feature = "brotli")]
struct Trap<W> {
    inner: W,
    error: Option<io::Error>,
}

#[cfg(feature = "brotli")]
impl<W: Write> Write for Trap<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf).inspect_err(|e| {
            if self.error.is_none() {
                self.error = Some(io::Error::new(e.kind(), e.to_string()));
            }
        })
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A streaming decompressor: reading it yields the uncompressed bytes. Corrupt or truncated
/// input is an [`io::Error`] (kind `InvalidData` or `UnexpectedEof` for most codecs), never a
/// panic.
pub struct Decoder<R: Read>(Dec<R>);

enum Dec<R: Read> {
    None(R),
    #[cfg(feature = "xz")]
    Xz(liblzma::read::XzDecoder<R>),
    #[cfg(feature = "zstd")]
    Zstd(zstd::stream::read::Decoder<'static, io::BufReader<R>>),
    #[cfg(feature = "bzip2")]
    Bzip2(bzip2::bufread::MultiBzDecoder<io::BufReader<R>>),
    #[cfg(feature = "brotli")]
    Brotli(Box<brotli::Decompressor<R>>),
    #[cfg(feature = "gzip")]
    Gzip(flate2::read::MultiGzDecoder<R>),
}

/// Start decompressing `input`, which holds data compressed with `compression`. Fails if the
/// codec was compiled out.
pub fn decompressor<R: Read>(compression: Compression, input: R) -> Result<Decoder<R>, Error> {
    Decoder::new(compression, input)
}

/// [`decompressor`] for a method given by its Nix name, as in a narinfo's `Compression:` field
/// or a `compression=` parameter: `xz`, `zstd`, `bzip2`, `br`, `gzip`, `none`. The empty name
/// means `none`, as in Nix; a narinfo without a `Compression:` line means `bzip2`, which is the
/// narinfo parser's business.
pub fn decompressor_by_name<R: Read>(name: &str, input: R) -> Result<Decoder<R>, Error> {
    let compression = if name.is_empty() { Some(Compression::None) } else { Compression::from_name(name) };
    match compression {
        Some(c) => Decoder::new(c, input),
        None => Err(Error::UnknownMethod(name.to_string())),
    }
}

impl<R: Read> Decoder<R> {
    /// See [`decompressor`].
    pub fn new(compression: Compression, input: R) -> Result<Self, Error> {
        let dec = match compression {
            Compression::None => Dec::None(input),
            #[cfg(feature = "xz")]
            Compression::Xz => {
                use liblzma::stream::{Stream, CONCATENATED};
                // No memory limit, as in Nix: the limit is the dictionary size the writer chose
                // (at most 1.5 GiB by the format; 64 MiB for `xz -9`).
                let stream = Stream::new_stream_decoder(u64::MAX, CONCATENATED).map_err(|e| Error::Init { compression, source: e.into() })?;
                Dec::Xz(liblzma::read::XzDecoder::new_stream(input, stream))
            }
            #[cfg(feature = "zstd")]
            Compression::Zstd => Dec::Zstd(
                zstd::stream::read::Decoder::with_buffer(io::BufReader::with_capacity(BUF_SIZE, input))
                    .map_err(|source| Error::Init { compression, source })?,
            ),
            #[cfg(feature = "bzip2")]
            Compression::Bzip2 => Dec::Bzip2(bzip2::bufread::MultiBzDecoder::new(io::BufReader::with_capacity(BUF_SIZE, input))),
            #[cfg(feature = "brotli")]
            Compression::Brotli => Dec::Brotli(Box::new(brotli::Decompressor::new(input, BUF_SIZE))),
            #[cfg(feature = "gzip")]
            Compression::Gzip => Dec::Gzip(flate2::read::MultiGzDecoder::new(input)),
            #[allow(unreachable_patterns)]
            _ => return Err(Error::Disabled { compression }),
        };
        Ok(Decoder(dec))
    }

    /// The method this decoder reads.
    pub fn compression(&self) -> Compression {
        match &self.0 {
            Dec::None(_) => Compression::None,
            #[cfg(feature = "xz")]
            Dec::Xz(_) => Compression::Xz,
            #[cfg(feature = "zstd")]
            Dec::Zstd(_) => Compression::Zstd,
            #[cfg(feature = "bzip2")]
            Dec::Bzip2(_) => Compression::Bzip2,
            #[cfg(feature = "brotli")]
            Dec::Brotli(_) => Compression::Brotli,
            #[cfg(feature = "gzip")]
            Dec::Gzip(_) => Compression::Gzip,
        }
    }
}

impl<R: Read> Read for Decoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match &mut self.0 {
            Dec::None(r) => r.read(buf),
            #[cfg(feature = "xz")]
            Dec::Xz(d) => d.read(buf),
            #[cfg(feature = "zstd")]
            Dec::Zstd(d) => d.read(buf),
            #[cfg(feature = "bzip2")]
            Dec::Bzip2(d) => d.read(buf),
            #[cfg(feature = "brotli")]
            Dec::Brotli(d) => d.read(buf),
            #[cfg(feature = "gzip")]
            Dec::Gzip(d) => d.read(buf),
        }
    }
}

impl<R: Read> fmt::Debug for Decoder<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Decoder").field(&self.compression()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(c: Compression, level: i32, parallel: bool, data: &[u8]) -> Vec<u8> {
        let mut e = compressor(c, level, parallel, Vec::new()).unwrap();
        e.write_all(data).unwrap();
        let packed = e.finish().unwrap();
        let mut out = Vec::new();
        decompressor(c, &packed[..]).unwrap().read_to_end(&mut out).unwrap();
        out
    }

    fn sample() -> Vec<u8> {
        (0..25_000u32).flat_map(|i| (i / 7).to_le_bytes()).collect()
    }

    #[test]
    fn every_available_codec_roundtrips() {
        let data = sample();
        for c in Compression::ALL.into_iter().filter(|c| c.is_available()) {
            for parallel in [false, true] {
                assert_eq!(roundtrip(c, -1, parallel, &data), data, "{c} parallel={parallel}");
                assert_eq!(roundtrip(c, -1, parallel, b""), b"", "{c} parallel={parallel} empty");
            }
        }
    }

    #[test]
    fn none_is_the_identity_and_ignores_the_level() {
        let mut e = compressor(Compression::None, 42, true, Vec::new()).unwrap();
        e.write_all(b"abc").unwrap();
        assert_eq!(e.finish().unwrap(), b"abc");
        let mut out = Vec::new();
        decompressor_by_name("", &b"xyz"[..]).unwrap().read_to_end(&mut out).unwrap();
        assert_eq!(out, b"xyz");
    }

    #[test]
    fn compiled_out_codecs_name_their_feature() {
        for c in Compression::ALL.into_iter().filter(|c| !c.is_available()) {
            let e = compressor(c, -1, false, Vec::new()).unwrap_err();
            let msg = e.to_string();
            assert!(matches!(e, Error::Disabled { .. }), "{msg}");
            assert!(msg.contains("built without") && msg.contains(&format!("'{}'", c.cargo_feature().unwrap())), "{msg}");
            assert!(matches!(decompressor(c, &b""[..]), Err(Error::Disabled { .. })));
        }
        let e = Error::Disabled { compression: Compression::Brotli };
        assert_eq!(e.to_string(), "nixbucket was built without br compression: rebuild it with the cargo feature 'brotli'");
    }

    #[test]
    fn levels_are_checked_against_the_codec() {
        assert_eq!(Compression::Xz.resolve_level(-1).unwrap(), 6);
        assert_eq!(Compression::Bzip2.resolve_level(-1).unwrap(), 9);
        assert_eq!(Compression::Zstd.resolve_level(-1).unwrap(), 3);
        assert_eq!(Compression::Brotli.resolve_level(-1).unwrap(), 11);
        assert_eq!(Compression::Gzip.resolve_level(-1).unwrap(), 6);
        assert_eq!(Compression::Xz.resolve_level(9).unwrap(), 9);
        let e = Compression::Xz.resolve_level(10).unwrap_err();
        assert_eq!(e.to_string(), "compression-level 10 is not valid for xz: use -1 (the default) or 0..=9");
        assert!(Compression::Bzip2.resolve_level(0).is_err());
        assert!(Compression::Gzip.resolve_level(-2).is_err());
        assert!(Compression::Brotli.resolve_level(12).is_err());
        assert!(Compression::Zstd.resolve_level(23).is_err());
        assert!(Compression::Zstd.resolve_level(-5).is_ok());
        // The level is checked before the codec's presence, so the error is the same on every build.
        assert!(matches!(compressor(Compression::Xz, 10, false, Vec::new()), Err(Error::Level { .. })));
    }

    #[test]
    fn names_and_extensions_follow_nix() {
        let table = [
            (Compression::Xz, "xz", ".xz"),
            (Compression::Zstd, "zstd", ".zst"),
            (Compression::Bzip2, "bzip2", ".bz2"),
            (Compression::Brotli, "br", ".br"),
            (Compression::Gzip, "gzip", ""),
            (Compression::None, "none", ""),
        ];
        for (c, name, ext) in table {
            assert_eq!(c.as_str(), name);
            assert_eq!(Compression::from_name(name), Some(c));
            assert_eq!(c.extension(), ext);
        }
        assert!(matches!(decompressor_by_name("lz4", &b""[..]), Err(Error::UnknownMethod(n)) if n == "lz4"));
    }

    #[test]
    fn encoders_and_decoders_are_send() {
        fn send<T: Send>() {}
        send::<Encoder<Box<dyn Write + Send>>>();
        send::<Decoder<Box<dyn Read + Send>>>();
    }
}
