//! Shared helpers of the integration tests: the real S3 servers started by
//! `scripts/servers.sh` (via `scripts/test.sh`), and the `nixbucket` binary.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

use nixbucket::env::FakeEnv;
use nixbucket::s3::client::ClientConfig;
use nixbucket::s3::url::parse_s3_url;
use nixbucket::s3::Client;

/// One S3 server the tests talk to.
#[derive(Debug, Clone)]
pub struct Server {
    pub name: &'static str,
    pub endpoint: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub bucket: String,
}

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: these tests need real Garage and s3s-fs servers. Run scripts/test.sh \
             (it installs and starts them), or scripts/deps.sh && scripts/servers.sh start && \
             source ${{NB_STATE:-/tmp/nixbucket-servers}}/env"
        )
    })
}

impl Server {
    pub fn garage() -> Server {
        Server {
            name: "garage",
            endpoint: var("NB_GARAGE_ENDPOINT"),
            region: var("NB_GARAGE_REGION"),
            access_key_id: var("NB_GARAGE_ACCESS_KEY_ID"),
            secret_access_key: var("NB_GARAGE_SECRET_ACCESS_KEY"),
            bucket: var("NB_GARAGE_BUCKET"),
        }
    }

    pub fn s3s_fs() -> Server {
        Server {
            name: "s3s-fs",
            endpoint: var("NB_S3SFS_ENDPOINT"),
            region: var("NB_S3SFS_REGION"),
            access_key_id: var("NB_S3SFS_ACCESS_KEY_ID"),
            secret_access_key: var("NB_S3SFS_SECRET_ACCESS_KEY"),
            bucket: var("NB_S3SFS_BUCKET"),
        }
    }

    /// `s3://BUCKET/KEY?endpoint=…&region=…` plus `extra` parameters; `key` is given
    /// already percent-encoded as it appears in the URL.
    pub fn url(&self, encoded_key: &str, extra: &str) -> String {
        let mut u = format!("s3://{}/{encoded_key}?endpoint={}&region={}", self.bucket, self.endpoint, self.region);
        if !extra.is_empty() {
            u.push('&');
            u.push_str(extra);
        }
        u
    }

    /// The environment a child process or library client sees: this server's keys and an
    /// empty home, so nothing from the developer's ~/.aws leaks in.
    pub fn env_pairs(&self) -> Vec<(String, String)> {
        vec![
            ("AWS_ACCESS_KEY_ID".into(), self.access_key_id.clone()),
            ("AWS_SECRET_ACCESS_KEY".into(), self.secret_access_key.clone()),
            ("HOME".into(), scratch_dir("home").display().to_string()),
        ]
    }

    /// Run the `nixbucket` binary with this server's credentials.
    pub fn cli(&self, args: &[&str]) -> Output {
        self.cli_with(args, &[], None)
    }

    /// Run the binary with extra environment variables and optional stdin bytes.
    pub fn cli_with(&self, args: &[&str], env: &[(&str, &str)], stdin: Option<&[u8]>) -> Output {
        let mut cmd = Command::new(binary());
        cmd.args(args).env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
        for (k, v) in self.env_pairs() {
            cmd.env(k, v);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() }).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("run nixbucket");
        if let Some(data) = stdin {
            use std::io::Write;
            let mut w = child.stdin.take().unwrap();
            let data = data.to_vec();
            std::thread::spawn(move || {
                let _ = w.write_all(&data);
            });
        }
        child.wait_with_output().expect("wait for nixbucket")
    }

    /// A library client for this server, with `extra` URL parameters.
    pub fn client(&self, extra: &str) -> Client {
        self.client_with(extra, |_| {})
    }

    /// A library client whose settings `adjust` changes first.
    pub fn client_with(&self, extra: &str, adjust: impl FnOnce(&mut ClientConfig)) -> Client {
        let url = parse_s3_url(&self.url("", extra)).unwrap();
        let mut env = FakeEnv::new();
        for (k, v) in self.env_pairs() {
            env = env.with_var(&k, &v);
        }
        let mut config = ClientConfig::default();
        config.retry.max_attempts = 3;
        config.transport.stall_timeout = std::time::Duration::from_secs(30);
        adjust(&mut config);
        Client::new(&url, Arc::new(env), config).expect("client")
    }
}

/// Both servers.
pub fn servers() -> Vec<Server> {
    vec![Server::garage(), Server::s3s_fs()]
}

/// The binary under test: `NIXBUCKET_BIN` (the static release build in CI) or cargo's.
pub fn binary() -> PathBuf {
    std::env::var_os("NIXBUCKET_BIN").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_nixbucket")))
}

/// A fresh directory under the target dir.
pub fn scratch_dir(tag: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{tag}-{}-{}", std::process::id(), unique()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A string unique to this process and call, for key prefixes.
pub fn unique() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{t:x}-{}", N.fetch_add(1, Ordering::Relaxed))
}

/// Deterministic pseudo-random bytes (xorshift), so multipart bodies are not all zeros.
pub fn pseudo_random(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// `NIX_CONFIG` for the tests that run Nix 2.8: no sandbox, no substituters (no network).
pub const NIX_CONFIG: &str = "experimental-features = nix-command\nsandbox = false\nsubstituters =";

/// A Nix command with [`NIX_CONFIG`]; panics (never skips) when Nix is not installed.
pub fn nix_command(program: &str) -> Command {
    let found = Command::new(program).arg("--version").env("NIX_CONFIG", NIX_CONFIG).output().map(|o| o.status.success()).unwrap_or(false);
    assert!(found, "'{program}' (Nix 2.8) is needed by these tests and does not run: install it with scripts/deps.sh (apt-get install -y nix-bin)");
    let mut c = Command::new(program);
    c.env("NIX_CONFIG", NIX_CONFIG);
    c
}

/// Write `data` to `path` (making its parent) with permission bits `mode`.
pub fn write_file(path: &std::path::Path, data: &[u8], mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, data).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Assert success, showing stderr otherwise.
pub fn ok(o: &Output, what: &str) {
    assert!(o.status.success(), "{what} failed with {:?}: {}", o.status.code(), stderr(o));
}

pub use nixbucket;
