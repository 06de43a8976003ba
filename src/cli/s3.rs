//! `nixbucket s3 …`: S3 object commands on `s3://BUCKET/KEY?params` URLs, which take the same
//! parameters as store URLs (region, endpoint, profile, addressing-style, multipart-*, …).

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use lexopt::prelude::*;
use nixbucket::env::OsEnv;
use nixbucket::log;
use nixbucket::s3::client::{ClientConfig, PutBody, PutOptions};
use nixbucket::s3::url::{parse_s3_url, S3Url};
use nixbucket::s3::{multipart, Client};

use super::CliError;

const HELP: &str = "\
Usage: nixbucket s3 COMMAND [OPTIONS] ...

Commands:
  ls URL                      list every key under URL's path, recursively: size and full key
  get URL [FILE]              download to FILE (written whole or not at all), or to stdout
  put FILE|- URL              upload a file or stdin; multipart above multipart-threshold
  rm URL                      delete the key (succeeds when it is already gone, as in S3)
  head URL                    print the object's size, ETag, type and dates
  presign URL [--expires SECS] [--method get|put]
                              print a presigned URL (default 3600 s, at most 604800)

URL is s3://BUCKET/KEY?PARAMS with the parameters of store URLs, e.g.
  s3://cache/nix-cache-info?endpoint=http://127.0.0.1:3900&region=garage
The key is percent-decoded like any URL path (%20 is a space, + stays +).
Credentials come from the AWS chain: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, then the
profile (profile= parameter, AWS_PROFILE, default) in ~/.aws/config and ~/.aws/credentials.

Options for every command:
  --download-attempts N          attempts per request (default 5)
  --connect-timeout SECS         connection timeout (default 15)
  --stalled-download-timeout SECS  give up when no byte moves for this long (default 300)
  -h, --help                     this text

Exit codes: 0 success, 1 failure, 2 usage error, 3 not found.
";

/// An argument with the borrow on the parser released.
enum Opt {
    Short(char),
    Long(String),
    Value(OsString),
}

struct Common {
    config: ClientConfig,
}

impl Common {
    fn new() -> Self {
        Common { config: ClientConfig::default() }
    }

    /// Handle a shared option; `Ok(false)` when `arg` is not one.
    fn take(&mut self, arg: &Opt, parser: &mut lexopt::Parser) -> Result<bool, CliError> {
        match arg {
            Opt::Long(l) if l == "download-attempts" => {
                let n: u32 = parser.value()?.parse()?;
                if n == 0 {
                    return Err(CliError::usage("--download-attempts must be at least 1"));
                }
                self.config.retry.max_attempts = n;
            }
            Opt::Long(l) if l == "connect-timeout" => self.config.transport.connect_timeout = Duration::from_secs(parser.value()?.parse()?),
            Opt::Long(l) if l == "stalled-download-timeout" => self.config.transport.stall_timeout = Duration::from_secs(parser.value()?.parse()?),
            Opt::Short('v') => log::set_level(log::level() + 1),
            Opt::Long(l) if l == "verbose" => log::set_level(log::level() + 1),
            _ => return Ok(false),
        }
        Ok(true)
    }
}

fn help() -> Result<(), CliError> {
    print!("{HELP}");
    Ok(())
}

pub fn run(args: Vec<OsString>) -> Result<(), CliError> {
    let mut parser = lexopt::Parser::from_args(args);
    let Some(cmd) = super::subcommand(&mut parser, HELP, "'nixbucket s3' needs a command: ls, get, put, rm, head or presign")? else { return Ok(()) };
    let mut common = Common::new();
    let mut positional: Vec<String> = Vec::new();
    let mut expires: u64 = 3600;
    let mut method = "GET";
    let mut content_type: Option<String> = None;
    let mut content_encoding: Option<String> = None;
    while let Some(arg) = parser.next()? {
        let opt = match arg {
            Short(c) => Opt::Short(c),
            Long(l) => Opt::Long(l.to_string()),
            Value(v) => Opt::Value(v),
        };
        if common.take(&opt, &mut parser)? {
            continue;
        }
        match opt {
            Opt::Short('h') => return help(),
            Opt::Long(l) if l == "help" => return help(),
            Opt::Long(l) if l == "expires" && cmd == "presign" => expires = parser.value()?.parse()?,
            Opt::Long(l) if l == "method" && cmd == "presign" => {
                method = match parser.value()?.string()?.to_ascii_lowercase().as_str() {
                    "get" => "GET",
                    "put" => "PUT",
                    other => return Err(CliError::usage(format!("--method must be get or put, not '{other}'"))),
                }
            }
            Opt::Long(l) if l == "content-type" && cmd == "put" => content_type = Some(parser.value()?.string()?),
            Opt::Long(l) if l == "content-encoding" && cmd == "put" => content_encoding = Some(parser.value()?.string()?),
            Opt::Value(v) => positional.push(v.string()?),
            Opt::Short(c) => return Err(CliError::usage(format!("unknown option '-{c}' for 's3 {cmd}'"))),
            Opt::Long(l) => return Err(CliError::usage(format!("unknown option '--{l}' for 's3 {cmd}'"))),
        }
    }
    let want = |n: std::ops::RangeInclusive<usize>, usage: &str| -> Result<(), CliError> {
        if n.contains(&positional.len()) {
            Ok(())
        } else {
            Err(CliError::usage(format!("usage: nixbucket s3 {usage}")))
        }
    };
    match cmd.as_str() {
        "ls" => {
            want(1..=1, "ls URL")?;
            ls(&positional[0], &common)
        }
        "get" => {
            want(1..=2, "get URL [FILE]")?;
            get(&positional[0], positional.get(1).map(String::as_str), &common)
        }
        "put" => {
            want(2..=2, "put FILE|- URL")?;
            let opts = PutOptions { content_type, content_encoding, storage_class: None };
            put(&positional[0], &positional[1], opts, &common)
        }
        "rm" => {
            want(1..=1, "rm URL")?;
            let (url, client) = open(&positional[0], &common, true)?;
            client.delete_object(&url.path)?;
            Ok(())
        }
        "head" => {
            want(1..=1, "head URL")?;
            let (url, client) = open(&positional[0], &common, true)?;
            let m = client.head_object(&url.path)?;
            let mut out = io::stdout().lock();
            let mut line = |k: &str, v: Option<String>| -> io::Result<()> {
                match v {
                    Some(v) => writeln!(out, "{k}: {v}"),
                    None => Ok(()),
                }
            };
            (|| -> io::Result<()> {
                line("key", Some(url.path.clone()))?;
                line("size", m.size.map(|s| s.to_string()))?;
                line("etag", m.etag.clone())?;
                line("content-type", m.content_type.clone())?;
                line("content-encoding", m.content_encoding.clone())?;
                line("last-modified", m.last_modified.clone())?;
                line("storage-class", m.storage_class.clone())
            })()
            .map_err(|e| CliError::failure(format!("writing to stdout: {e}")))
        }
        "presign" => {
            want(1..=1, "presign URL [--expires SECS] [--method get|put]")?;
            if expires == 0 || expires > nixbucket::s3::sigv4::MAX_PRESIGN_EXPIRES {
                return Err(CliError::usage(format!("--expires must be between 1 and {} seconds (7 days)", nixbucket::s3::sigv4::MAX_PRESIGN_EXPIRES)));
            }
            let (url, client) = open(&positional[0], &common, true)?;
            let signed = client.presign(method, &url.path, expires, time::OffsetDateTime::now_utc())?;
            println!("{signed}");
            Ok(())
        }
        other => Err(CliError::usage(format!("unknown s3 command '{other}' (ls, get, put, rm, head, presign)"))),
    }
}

fn open(url: &str, common: &Common, need_key: bool) -> Result<(S3Url, Client), CliError> {
    let parsed = parse_s3_url(url).map_err(|e| CliError::usage(e.to_string()))?;
    for w in &parsed.warnings {
        log::warn(w);
    }
    if need_key && parsed.path.is_empty() {
        return Err(CliError::usage(format!("'{url}' names no key (s3://BUCKET/KEY)")));
    }
    let client = Client::new(&parsed, Arc::new(OsEnv), common.config.clone())?;
    Ok((parsed, client))
}

fn ls(url: &str, common: &Common) -> Result<(), CliError> {
    let (parsed, client) = open(url, common, false)?;
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut write_err = None;
    client.list_objects(&parsed.path, None, None, |page| {
        for o in &page.objects {
            if let Err(e) = writeln!(out, "{:>12}  {}", o.size, o.key) {
                write_err.get_or_insert(e);
            }
        }
        Ok(())
    })?;
    if let Some(e) = write_err.or_else(|| out.flush().err()) {
        return Err(CliError::failure(format!("writing to stdout: {e}")));
    }
    Ok(())
}

fn get(url: &str, file: Option<&str>, common: &Common) -> Result<(), CliError> {
    let (parsed, client) = open(url, common, true)?;
    match file {
        None | Some("-") => {
            let stdout = io::stdout();
            let mut out = BufWriter::with_capacity(256 * 1024, stdout.lock());
            client.get_object_to(&parsed.path, None, &mut out)?;
            out.flush().map_err(|e| CliError::failure(format!("writing to stdout: {e}")))
        }
        Some(path) => {
            let dest = Path::new(path);
            let tmp = temp_sibling(dest);
            let result = (|| -> Result<(), CliError> {
                let f = File::create(&tmp).map_err(|e| CliError::failure(format!("creating {}: {e}", tmp.display())))?;
                let mut w = BufWriter::with_capacity(256 * 1024, f);
                client.get_object_to(&parsed.path, None, &mut w)?;
                let f = w.into_inner().map_err(|e| CliError::failure(format!("writing {}: {}", tmp.display(), e.error())))?;
                f.sync_all().map_err(|e| CliError::failure(format!("writing {}: {e}", tmp.display())))?;
                std::fs::rename(&tmp, dest).map_err(|e| CliError::failure(format!("renaming {} to {}: {e}", tmp.display(), dest.display())))
            })();
            if result.is_err() {
                let _ = std::fs::remove_file(&tmp);
            }
            result
        }
    }
}

/// `DIR/.NAME.nixbucket-PID`, next to `dest` so that the rename is atomic.
fn temp_sibling(dest: &Path) -> PathBuf {
    let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "download".into());
    dest.with_file_name(format!(".{name}.nixbucket-{}", std::process::id()))
}

fn put(source: &str, url: &str, opts: PutOptions, common: &Common) -> Result<(), CliError> {
    let (parsed, client) = open(url, common, true)?;
    let key = parsed.path.as_str();
    if source == "-" {
        // Unknown length: keep up to the threshold in memory; beyond it, go multipart with
        // what was read followed by the rest of stdin.
        let threshold = parsed.s3.multipart_threshold;
        let mut head = Vec::new();
        let stdin = io::stdin();
        let mut lock = stdin.lock();
        (&mut lock).take(threshold + 1).read_to_end(&mut head).map_err(|e| CliError::failure(format!("reading stdin: {e}")))?;
        if head.len() as u64 <= threshold || !parsed.s3.use_multipart(head.len() as u64) {
            if parsed.s3.multipart_upload == Some(false) {
                // multipart-upload=false: everything in one PUT, as Nix does.
                lock.read_to_end(&mut head).map_err(|e| CliError::failure(format!("reading stdin: {e}")))?;
            }
            client.put_object(key, PutBody::Bytes(&head), &opts)?;
        } else {
            let mut body = io::Cursor::new(head).chain(lock);
            multipart::upload(&client, key, &mut body, None, &opts)?;
        }
        return Ok(());
    }
    let mut f = File::open(source).map_err(|e| CliError::failure(format!("opening {source}: {e}")))?;
    let size = f.metadata().map_err(|e| CliError::failure(format!("reading {source}: {e}")))?.len();
    if parsed.s3.use_multipart(size) {
        multipart::upload(&client, key, &mut f, Some(size), &opts)?;
    } else {
        if size > nixbucket::s3::url::MAX_PART_SIZE {
            return Err(CliError::failure(format!("{source} is {size} bytes; a single PUT takes at most 5 GiB (remove multipart-upload=false)")));
        }
        f.rewind().map_err(|e| CliError::failure(format!("reading {source}: {e}")))?;
        client.put_object(key, PutBody::Reader { reader: &mut f, len: size, sha256: None, md5: None }, &opts)?;
    }
    Ok(())
}
