//! A TCP proxy on loopback in front of a real S3 server that breaks chosen connections, to test
//! retries, body rewinding and download resumption against the real server behind it.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// What to do to the next new connection.
#[derive(Debug, Clone, Copy)]
pub enum Fault {
    /// Read this many request bytes, then close without answering.
    CutRequestAfter(usize),
    /// Forward the request, but only this many response bytes, then close.
    CutResponseAfter(usize),
    /// Answer `503 SlowDown` with `Retry-After: 1` and close.
    SlowDown,
}

/// The proxy; dropped at the end of the test (its threads end with the process).
pub struct FaultProxy {
    /// `http://127.0.0.1:PORT`
    pub endpoint: String,
    faults: Arc<Mutex<VecDeque<Fault>>>,
    /// Connections accepted.
    pub connections: Arc<AtomicUsize>,
    /// Faults injected.
    pub injected: Arc<AtomicUsize>,
    /// Response bytes passed to the client.
    pub bytes_down: Arc<AtomicU64>,
}

impl FaultProxy {
    /// A proxy forwarding to `upstream` (`http://host:port`).
    pub fn start(upstream: &str) -> FaultProxy {
        let upstream = upstream.trim_start_matches("http://").trim_end_matches('/').to_string();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let faults: Arc<Mutex<VecDeque<Fault>>> = Arc::default();
        let connections = Arc::new(AtomicUsize::new(0));
        let injected = Arc::new(AtomicUsize::new(0));
        let bytes_down = Arc::new(AtomicU64::new(0));
        let (f, c, i, b) = (faults.clone(), connections.clone(), injected.clone(), bytes_down.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                c.fetch_add(1, Ordering::SeqCst);
                let fault = f.lock().unwrap().pop_front();
                if fault.is_some() {
                    i.fetch_add(1, Ordering::SeqCst);
                }
                let (upstream, b) = (upstream.clone(), b.clone());
                std::thread::spawn(move || handle(client, &upstream, fault, &b));
            }
        });
        FaultProxy { endpoint, faults, connections, injected, bytes_down }
    }

    /// Queue faults for the next new connections.
    pub fn push(&self, fault: Fault, times: usize) {
        let mut q = self.faults.lock().unwrap();
        for _ in 0..times {
            q.push_back(fault);
        }
    }

    /// Faults still queued.
    pub fn pending(&self) -> usize {
        self.faults.lock().unwrap().len()
    }
}

fn read_request_head(client: &mut TcpStream) -> Vec<u8> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match client.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    head
}

fn handle(mut client: TcpStream, upstream: &str, fault: Option<Fault>, bytes_down: &AtomicU64) {
    match fault {
        Some(Fault::CutRequestAfter(n)) => {
            // Take up to n bytes; a request that is shorter (the client then waits for an
            // answer) is cut once nothing more arrives for half a second.
            let _ = client.set_read_timeout(Some(std::time::Duration::from_millis(500)));
            let mut buf = vec![0u8; 64 * 1024];
            let mut got = 0;
            while got < n {
                match client.read(&mut buf[..(n - got).min(64 * 1024)]) {
                    Ok(0) | Err(_) => break,
                    Ok(k) => got += k,
                }
            }
            let _ = client.shutdown(Shutdown::Both);
        }
        Some(Fault::SlowDown) => {
            let head = read_request_head(&mut client);
            let text = String::from_utf8_lossy(&head).to_ascii_lowercase();
            let len: u64 = text.lines().find_map(|l| l.strip_prefix("content-length:")).and_then(|v| v.trim().parse().ok()).unwrap_or(0);
            let _ = std::io::copy(&mut (&mut client).take(len), &mut std::io::sink());
            let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>fault-proxy</RequestId></Error>";
            let _ = write!(
                client,
                "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Type: application/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = client.shutdown(Shutdown::Both);
        }
        other => {
            let Ok(server) = TcpStream::connect(upstream) else { return };
            let limit = match other {
                Some(Fault::CutResponseAfter(n)) => n as u64,
                _ => u64::MAX,
            };
            let (mut c_read, mut s_write) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut c_read, &mut s_write);
                let _ = s_write.shutdown(Shutdown::Write);
            });
            let mut s_read = server;
            let mut buf = vec![0u8; 64 * 1024];
            let mut sent: u64 = 0;
            loop {
                let n = match s_read.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                let n = (n as u64).min(limit - sent) as usize;
                if client.write_all(&buf[..n]).is_err() {
                    break;
                }
                sent += n as u64;
                bytes_down.fetch_add(n as u64, Ordering::SeqCst);
                if sent >= limit {
                    break;
                }
            }
            let _ = client.shutdown(Shutdown::Both);
            let _ = s_read.shutdown(Shutdown::Both);
        }
    }
}
