//! Multipart uploads: a body of any size, read once, sent as parts by a fixed number of threads
//! with a fixed memory budget.
//!
//! The calling thread reads the body part by part into buffers; worker threads sign each part
//! with its SHA-256 and upload it. A rendezvous channel hands a filled buffer to an idle
//! worker, so at most `threads + 1` part buffers exist at once, and used buffers are recycled.
//! On any failure (a part, the completion, or reading the body) the upload is aborted, so no
//! partial object becomes visible and no parts are left behind.

use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Mutex};

use crate::log;
use crate::s3::client::{Client, PutOptions, PutResult};
use crate::s3::error::Error;
use crate::s3::url::MAX_PARTS;

/// How many threads and how large parts are for one upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// Bytes per part (the last may be shorter).
    pub part_size: u64,
    /// Uploading threads.
    pub threads: usize,
}

/// The plan for a body of `size` bytes (`None`: unknown, then at most 10000 × the configured
/// chunk size can be sent).
pub fn plan(client: &Client, size: Option<u64>) -> Plan {
    let part_size = client.params.part_size(size.unwrap_or(0));
    let budget = client.config.upload_memory as u64;
    let by_memory = (budget / part_size).saturating_sub(1).max(1) as usize;
    Plan { part_size, threads: client.config.upload_threads.clamp(1, by_memory) }
}

/// Upload everything `body` yields to `key` in parts. `size` (if known) sizes the parts so
/// that they fit S3's 10000-part limit.
pub fn upload(client: &Client, key: &str, body: &mut dyn Read, size: Option<u64>, opts: &PutOptions) -> Result<PutResult, Error> {
    upload_observed(client, key, body, size, opts, &mut |_| {})
}

/// [`upload`], calling `on_created` with the upload id as soon as the upload exists.
pub fn upload_observed(
    client: &Client,
    key: &str,
    body: &mut dyn Read,
    size: Option<u64>,
    opts: &PutOptions,
    on_created: &mut dyn FnMut(&str),
) -> Result<PutResult, Error> {
    let plan = plan(client, size);
    let upload_id = client.create_multipart_upload(key, opts)?;
    on_created(&upload_id);
    log::debug(&format!("multipart upload of {key}: {} byte parts, {} threads", plan.part_size, plan.threads));
    match send_parts(client, key, &upload_id, body, plan) {
        Ok(parts) => match client.complete_multipart_upload(key, &upload_id, &parts) {
            Ok(etag) => Ok(PutResult { etag, parts: parts.len() as u32 }),
            Err(e) => Err(abort(client, key, &upload_id, e)),
        },
        Err(e) => Err(abort(client, key, &upload_id, e)),
    }
}

fn abort(client: &Client, key: &str, upload_id: &str, cause: Error) -> Error {
    if let Err(e) = client.abort_multipart_upload(key, upload_id) {
        log::warn(&format!(
            "could not abort the failed multipart upload {upload_id} of {key}: {e}; a lifecycle rule for incomplete uploads will remove its parts"
        ));
    }
    cause
}

fn fill(body: &mut dyn Read, buf: &mut Vec<u8>, want: usize) -> std::io::Result<()> {
    buf.clear();
    let mut filled = 0;
    buf.resize(want, 0);
    while filled < want {
        match body.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    buf.truncate(filled);
    Ok(())
}

fn send_parts(client: &Client, key: &str, upload_id: &str, body: &mut dyn Read, plan: Plan) -> Result<Vec<(u32, String)>, Error> {
    let failed = AtomicBool::new(false);
    let first_error: Mutex<Option<Error>> = Mutex::new(None);
    let done: Mutex<Vec<(u32, String)>> = Mutex::new(Vec::new());
    let part_size = usize::try_from(plan.part_size).unwrap_or(usize::MAX);
    let (work_tx, work_rx) = mpsc::sync_channel::<(u32, Vec<u8>)>(0);
    let work_rx = Mutex::new(work_rx);
    let (free_tx, free_rx) = mpsc::channel::<Vec<u8>>();
    let read_result = std::thread::scope(|s| {
        for _ in 0..plan.threads {
            let free_tx = free_tx.clone();
            let (work_rx, failed, first_error, done) = (&work_rx, &failed, &first_error, &done);
            s.spawn(move || loop {
                let next = work_rx.lock().unwrap_or_else(|e| e.into_inner()).recv();
                let Ok((n, buf)) = next else { return };
                if failed.load(Ordering::Relaxed) {
                    continue;
                }
                match client.upload_part(key, upload_id, n, &buf) {
                    Ok(etag) => done.lock().unwrap_or_else(|e| e.into_inner()).push((n, etag)),
                    Err(e) => {
                        failed.store(true, Ordering::Relaxed);
                        first_error.lock().unwrap_or_else(|e| e.into_inner()).get_or_insert(e);
                    }
                }
                let _ = free_tx.send(buf);
            });
        }
        drop(free_tx);
        let mut number: u32 = 0;
        let result = loop {
            if failed.load(Ordering::Relaxed) {
                break Ok(());
            }
            let mut buf = free_rx.try_recv().unwrap_or_default();
            if let Err(e) = fill(body, &mut buf, part_size) {
                break Err(Error::io("reading the upload body", e));
            }
            if buf.is_empty() && number > 0 {
                break Ok(());
            }
            number += 1;
            if u64::from(number) > MAX_PARTS {
                break Err(Error::Response {
                    op: "UploadPart",
                    message: format!("the body is larger than {MAX_PARTS} parts of {} bytes; raise multipart-chunk-size", plan.part_size),
                });
            }
            let last = buf.len() < part_size;
            if work_tx.send((number, buf)).is_err() || last {
                break Ok(());
            }
        };
        drop(work_tx);
        result
    });
    if let Some(e) = first_error.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(e);
    }
    read_result?;
    let mut parts = done.into_inner().unwrap_or_else(|e| e.into_inner());
    parts.sort_by_key(|p| p.0);
    Ok(parts)
}
