//! Reading the recorded responses under `tests/data/s3-xml/` (test-only).

/// A response recorded as `HTTP <status>`, header lines, an empty line, then the body verbatim.
pub struct Http {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Http {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Split a captured `.http` file; checks `content-length` against the body when present.
pub fn http(raw: &[u8]) -> Http {
    let split = raw.windows(2).position(|w| w == b"\n\n").expect("no empty line after the headers");
    let head = std::str::from_utf8(&raw[..split]).expect("headers are not UTF-8");
    let body = raw[split + 2..].to_vec();
    let mut lines = head.lines();
    let status_line = lines.next().expect("no status line");
    let status = status_line.strip_prefix("HTTP ").and_then(|s| s.trim().parse().ok()).expect("bad status line");
    let headers: Vec<(String, String)> = lines
        .map(|l| {
            let (n, v) = l.split_once(':').expect("header without ':'");
            (n.trim().to_owned(), v.trim().to_owned())
        })
        .collect();
    let response = Http { status, headers, body };
    if let Some(len) = response.header("content-length") {
        assert_eq!(len.parse::<usize>().unwrap(), response.body.len(), "content-length of a fixture");
    }
    response
}

/// An aws-c-s3 mock server response file: `(status, body)`, the body being its `body` lines
/// joined with `\n` as `mock_s3_server.py` sends them.
pub fn mock_json(json: &str) -> (u16, Vec<u8>) {
    let v: serde_json::Value = serde_json::from_str(json).expect("fixture JSON");
    let status = v["status"].as_u64().expect("status") as u16;
    let lines: Vec<&str> = v["body"].as_array().expect("body").iter().map(|l| l.as_str().expect("body line")).collect();
    (status, lines.join("\n").into_bytes())
}

/// A botocore expected-output JSON file.
pub fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).expect("fixture JSON")
}

/// A string field of a JSON object, `None` when absent.
pub fn opt_str(v: &serde_json::Value, field: &str) -> Option<String> {
    v.get(field).map(|x| x.as_str().expect("string field").to_owned())
}
