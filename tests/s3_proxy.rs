//! Requests go through the HTTP proxy named by `HTTP_PROXY` (a real tinyproxy from Debian, on
//! loopback, in front of real Garage), and `NO_PROXY` bypasses it.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{ok, stderr, unique, Server};

struct Tinyproxy {
    child: Child,
    port: u16,
    log: std::path::PathBuf,
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn start_tinyproxy() -> Tinyproxy {
    let dir = common::scratch_dir("tinyproxy");
    let port = free_port();
    let log = dir.join("tinyproxy.log");
    let conf = dir.join("tinyproxy.conf");
    // No ConnectPort lines: CONNECT is allowed to any port (Garage listens on 3900).
    std::fs::write(
        &conf,
        format!("Port {port}\nListen 127.0.0.1\nTimeout 60\nLogFile \"{}\"\nLogLevel Connect\nMaxClients 20\nAllow 127.0.0.1\n", log.display()),
    )
    .unwrap();
    let child = Command::new("tinyproxy")
        .args(["-d", "-c", conf.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("tinyproxy is needed for this test: run scripts/deps.sh (apt-get install tinyproxy)");
    let t = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(t.elapsed() < Duration::from_secs(10), "tinyproxy did not start on port {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
    Tinyproxy { child, port, log }
}

fn proxied_requests(p: &Tinyproxy) -> usize {
    let text = std::fs::read_to_string(&p.log).unwrap_or_default();
    text.lines().filter(|l| l.contains("Request (file descriptor")).count()
}

#[test]
fn http_proxy_is_used_and_no_proxy_bypasses_it() {
    let s = Server::garage();
    let p = start_tinyproxy();
    let proxy = format!("http://127.0.0.1:{}", p.port);
    let key = format!("proxy-{}/through", unique());
    let dir = common::scratch_dir("proxy");
    std::fs::write(dir.join("f"), b"via the proxy").unwrap();

    let before = proxied_requests(&p);
    ok(&s.cli_with(&["s3", "put", dir.join("f").to_str().unwrap(), &s.url(&key, "")], &[("HTTP_PROXY", &proxy)], None), "put via proxy");
    let o = s.cli_with(&["s3", "get", &s.url(&key, "")], &[("http_proxy", &proxy)], None);
    ok(&o, "get via proxy");
    assert_eq!(o.stdout, b"via the proxy");
    let through = proxied_requests(&p);
    assert!(through > before, "the proxy saw no request: {}", std::fs::read_to_string(&p.log).unwrap_or_default());

    // NO_PROXY names the endpoint's host: the proxy sees nothing more.
    let o = s.cli_with(&["s3", "get", &s.url(&key, "")], &[("HTTP_PROXY", &proxy), ("NO_PROXY", "localhost,127.0.0.1")], None);
    ok(&o, "get bypassing the proxy");
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(proxied_requests(&p), through, "NO_PROXY was not honoured");

    // A proxy that is down is an error naming the failure, not a silent direct connection.
    let dead = format!("http://127.0.0.1:{}", free_port());
    let o = s.cli_with(&["s3", "get", &s.url(&key, ""), "--download-attempts", "1"], &[("HTTP_PROXY", &dead)], None);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}
