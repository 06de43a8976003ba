//! `credential_process`: credentials printed as JSON by an external command.
//!
//! The profile's command runs as `sh -c COMMAND` with stdin from `/dev/null`; it must exit with
//! status 0 and print, within [`MAX_PROCESS_OUTPUT`] bytes:
//!
//! ```json
//! {"Version": 1, "AccessKeyId": "...", "SecretAccessKey": "...",
//!  "SessionToken": "...", "Expiration": "2030-01-01T00:00:00Z"}
//! ```
//!
//! `SessionToken` and `Expiration` (RFC 3339) are optional, other fields are ignored. Errors
//! never contain the command line or the process's standard output, since either may hold
//! secrets; a failing process is described by its exit status and the last line it wrote to
//! stderr. No timeout is applied: the SDKs apply none either, and a command may legitimately
//! wait for a person (an MFA prompt on the terminal).

use std::fmt;
use std::io::{self, Read};
use std::process::{Command, Stdio};

use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::{Credentials, Secret};

/// Cap on what the process may print on stdout.
pub const MAX_PROCESS_OUTPUT: usize = 1024 * 1024;
/// How much of the end of the process's stderr is kept for error messages.
pub const MAX_STDERR_KEPT: usize = 64 * 1024;
/// Cap on the stderr line quoted in an error.
const MAX_STDERR_LINE: usize = 500;

/// Why `credential_process` did not give credentials.
#[derive(Debug)]
pub enum ProcessError {
    /// `sh` could not be started.
    Spawn(io::Error),
    /// Reading the process's output or waiting for it failed.
    Io(io::Error),
    /// The process printed more than [`MAX_PROCESS_OUTPUT`] bytes (it was killed).
    OutputTooLarge,
    /// The process exited unsuccessfully.
    Failed {
        /// The exit status as the OS reports it (`exit status: 3`, `signal: 9 (SIGKILL)`).
        status: String,
        /// The last non-empty line of its stderr, if any.
        stderr: Option<String>,
    },
    /// The output is not JSON (the parser's position, never the text).
    InvalidJson(serde_json::Error),
    /// The output is JSON but not an object.
    NotAnObject,
    /// `Version` is missing or not 1.
    UnsupportedVersion,
    /// A required field is absent (or `null`).
    MissingField(&'static str),
    /// A field has the wrong JSON type.
    NotAString(&'static str),
    /// A required string field is empty.
    EmptyField(&'static str),
    /// A field contains a control character (it would end up in an HTTP header).
    ControlCharacter(&'static str),
    /// `Expiration` is not an RFC 3339 timestamp.
    InvalidExpiration(time::error::Parse),
    /// The credentials expired at this time.
    Expired(OffsetDateTime),
}

impl fmt::Display for ProcessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProcessError::Spawn(e) => write!(f, "cannot run sh: {e}"),
            ProcessError::Io(e) => write!(f, "reading the process output failed: {e}"),
            ProcessError::OutputTooLarge => write!(f, "the process printed more than {MAX_PROCESS_OUTPUT} bytes"),
            ProcessError::Failed { status, stderr: Some(line) } => write!(f, "the process failed ({status}): {line}"),
            ProcessError::Failed { status, stderr: None } => write!(f, "the process failed ({status}) and wrote nothing to stderr"),
            ProcessError::InvalidJson(e) => write!(f, "the output is not valid JSON: {e}"),
            ProcessError::NotAnObject => f.write_str("the output is not a JSON object"),
            ProcessError::UnsupportedVersion => f.write_str("the output must have \"Version\": 1"),
            ProcessError::MissingField(name) => write!(f, "the output has no \"{name}\""),
            ProcessError::NotAString(name) => write!(f, "\"{name}\" in the output is not a string"),
            ProcessError::EmptyField(name) => write!(f, "\"{name}\" in the output is empty"),
            ProcessError::ControlCharacter(name) => write!(f, "\"{name}\" in the output contains a control character"),
            ProcessError::InvalidExpiration(e) => write!(f, "\"Expiration\" in the output is not an RFC 3339 time: {e}"),
            ProcessError::Expired(at) => {
                let at = at.format(&Rfc3339).unwrap_or_else(|_| at.to_string());
                write!(f, "the credentials it returned expired at {at}")
            }
        }
    }
}

impl std::error::Error for ProcessError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ProcessError::Spawn(e) | ProcessError::Io(e) => Some(e),
            ProcessError::InvalidJson(e) => Some(e),
            ProcessError::InvalidExpiration(e) => Some(e),
            _ => None,
        }
    }
}

/// Run `command` with `sh -c` and parse what it prints (see the module docs). The returned
/// credentials' `provider` is `credential_process`; callers put their own name there.
///
/// # Errors
/// See [`ProcessError`]; nothing from stdout or the command line is in the error.
pub fn run_process(command: &str, now: OffsetDateTime) -> Result<Credentials, ProcessError> {
    let mut child =
        Command::new("sh").arg("-c").arg(command).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().map_err(ProcessError::Spawn)?;
    let (Some(stdout), Some(mut stderr)) = (child.stdout.take(), child.stderr.take()) else {
        // Both were requested as pipes; this cannot happen.
        let _ = child.kill();
        let _ = child.wait();
        return Err(ProcessError::Io(io::Error::other("no pipes to the process")));
    };
    // Drain stderr on its own thread so a chatty process cannot block on a full pipe while we
    // read stdout; keep only its tail.
    let stderr_reader = std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut chunk = [0u8; 8192];
        loop {
            match stderr.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    kept.extend_from_slice(&chunk[..n]);
                    if kept.len() > MAX_STDERR_KEPT {
                        kept.drain(..kept.len() - MAX_STDERR_KEPT);
                    }
                }
            }
        }
        kept
    });
    let mut out = Vec::new();
    let read = stdout.take(MAX_PROCESS_OUTPUT as u64 + 1).read_to_end(&mut out);
    let too_large = out.len() > MAX_PROCESS_OUTPUT;
    if too_large || read.is_err() {
        let _ = child.kill();
    }
    let status = child.wait();
    let stderr = stderr_reader.join().unwrap_or_default();
    if too_large {
        return Err(ProcessError::OutputTooLarge);
    }
    read.map_err(ProcessError::Io)?;
    let status = status.map_err(ProcessError::Io)?;
    if !status.success() {
        return Err(ProcessError::Failed { status: status.to_string(), stderr: last_line(&stderr) });
    }
    parse_process_output(&out, now)
}

/// The last non-empty line of `bytes`, lossily decoded and shortened.
fn last_line(bytes: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(bytes);
    let line = text.lines().map(str::trim).rfind(|l| !l.is_empty())?;
    let mut line: String = line.chars().filter(|c| !c.is_control()).collect();
    if line.len() > MAX_STDERR_LINE {
        let mut end = MAX_STDERR_LINE;
        while !line.is_char_boundary(end) {
            end -= 1;
        }
        line.truncate(end);
        line.push('…');
    }
    Some(line)
}

/// Parse `credential_process` output (see the module docs). Pure and total: it never panics,
/// whatever the input.
///
/// # Errors
/// Output over [`MAX_PROCESS_OUTPUT`], invalid JSON, `Version` other than 1, a missing, empty or
/// non-string `AccessKeyId`/`SecretAccessKey`, a non-string `SessionToken`, a bad or past
/// `Expiration` (`now` or earlier counts as expired).
pub fn parse_process_output(json: &[u8], now: OffsetDateTime) -> Result<Credentials, ProcessError> {
    if json.len() > MAX_PROCESS_OUTPUT {
        return Err(ProcessError::OutputTooLarge);
    }
    let value: Value = serde_json::from_slice(json).map_err(ProcessError::InvalidJson)?;
    let Value::Object(fields) = value else {
        return Err(ProcessError::NotAnObject);
    };
    let version_ok = fields.get("Version").is_some_and(|v| v.as_u64() == Some(1) || v.as_f64() == Some(1.0));
    if !version_ok {
        return Err(ProcessError::UnsupportedVersion);
    }
    let string = |name: &'static str| -> Result<Option<&str>, ProcessError> {
        match fields.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.chars().any(char::is_control) => Err(ProcessError::ControlCharacter(name)),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(ProcessError::NotAString(name)),
        }
    };
    let required = |name: &'static str| match string(name)? {
        None => Err(ProcessError::MissingField(name)),
        Some("") => Err(ProcessError::EmptyField(name)),
        Some(s) => Ok(s),
    };
    let access_key_id = required("AccessKeyId")?;
    let secret_access_key = required("SecretAccessKey")?;
    let session_token = string("SessionToken")?.filter(|t| !t.is_empty());
    let expiration = match string("Expiration")?.filter(|e| !e.is_empty()) {
        None => None,
        Some(e) => {
            let at = OffsetDateTime::parse(e, &Rfc3339).map_err(ProcessError::InvalidExpiration)?;
            if at <= now {
                return Err(ProcessError::Expired(at));
            }
            Some(at)
        }
    };
    Ok(Credentials {
        access_key_id: access_key_id.to_string(),
        secret_access_key: Secret::new(secret_access_key),
        session_token: session_token.map(Secret::new),
        expiration,
        provider: "credential_process".to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2025-06-01 12:00 UTC);

    fn parse(s: &str) -> Result<Credentials, ProcessError> {
        parse_process_output(s.as_bytes(), NOW)
    }

    #[test]
    fn minimal_and_full_output() {
        let c = parse(r#"{"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"SECRET"}"#).unwrap();
        assert_eq!((c.access_key_id.as_str(), c.secret_access_key.expose()), ("AKID", "SECRET"));
        assert!(c.session_token.is_none() && c.expiration.is_none());
        assert_eq!(c.provider, "credential_process");

        let c = parse(
            r#" {"Version": 1, "AccessKeyId": "ASIA", "SecretAccessKey": "S", "SessionToken": "T",
                "Expiration": "2025-06-01T13:00:00+00:00", "AccountId": "123"}
            "#,
        )
        .unwrap();
        assert_eq!(c.session_token.unwrap().expose(), "T");
        assert_eq!(c.expiration, Some(datetime!(2025-06-01 13:00 UTC)));

        let c = parse(r#"{"Version":1.0,"AccessKeyId":"A","SecretAccessKey":"S","SessionToken":null,"Expiration":null}"#).unwrap();
        assert!(c.session_token.is_none() && c.expiration.is_none());
    }

    #[test]
    fn bad_output_names_the_problem() {
        let cases: &[(&str, &str)] = &[
            ("", "not valid JSON"),
            ("not json", "not valid JSON"),
            ("[1]", "not a JSON object"),
            (r#"{"AccessKeyId":"A","SecretAccessKey":"S"}"#, "\"Version\": 1"),
            (r#"{"Version":2,"AccessKeyId":"A","SecretAccessKey":"S"}"#, "\"Version\": 1"),
            (r#"{"Version":"1","AccessKeyId":"A","SecretAccessKey":"S"}"#, "\"Version\": 1"),
            (r#"{"Version":1,"SecretAccessKey":"S"}"#, "no \"AccessKeyId\""),
            (r#"{"Version":1,"AccessKeyId":"A"}"#, "no \"SecretAccessKey\""),
            (r#"{"Version":1,"AccessKeyId":"","SecretAccessKey":"S"}"#, "\"AccessKeyId\" in the output is empty"),
            (r#"{"Version":1,"AccessKeyId":5,"SecretAccessKey":"S"}"#, "\"AccessKeyId\" in the output is not a string"),
            (r#"{"Version":1,"AccessKeyId":"A","SecretAccessKey":"S","SessionToken":7}"#, "\"SessionToken\" in the output is not a string"),
            (r#"{"Version":1,"AccessKeyId":"A\nB","SecretAccessKey":"S"}"#, "control character"),
            (r#"{"Version":1,"AccessKeyId":"A","SecretAccessKey":"S","Expiration":"tomorrow"}"#, "not an RFC 3339 time"),
            (r#"{"Version":1,"AccessKeyId":"A","SecretAccessKey":"S","Expiration":"2025-06-01T12:00:00Z"}"#, "expired at 2025-06-01T12:00:00Z"),
            (r#"{"Version":1,"AccessKeyId":"A","SecretAccessKey":"S","Expiration":"2022-05-02T18:36:00+00:00"}"#, "expired at 2022-05-02T18:36:00Z"),
        ];
        for (input, want) in cases {
            let e = parse(input).map(|_| ()).unwrap_err().to_string();
            assert!(e.contains(want), "{input}: {e:?} should contain {want:?}");
        }
    }

    #[test]
    fn errors_never_show_the_secret() {
        let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
        for input in [
            format!(r#"{{"Version":2,"AccessKeyId":"A","SecretAccessKey":"{secret}"}}"#),
            format!(r#"{{"Version":1,"SecretAccessKey":"{secret}"}}"#),
            format!(r#"{{"Version":1,"AccessKeyId":"A","SecretAccessKey":"{secret}","Expiration":"2000-01-01T00:00:00Z"}}"#),
            format!(r#"{{"Version":1,"AccessKeyId":"A","SecretAccessKey":"{secret}""#),
            format!(r#"{{"Version":1,"AccessKeyId":"A","SecretAccessKey":"{secret}" x}}"#),
            secret.to_string(),
        ] {
            let e = parse(&input).map(|_| ()).unwrap_err();
            assert!(!format!("{e} {e:?}").contains("EXAMPLEKEY"), "{e}");
        }
    }

    #[test]
    fn never_panics_on_truncations_and_noise() {
        let good = br#"{"Version":1,"AccessKeyId":"A","SecretAccessKey":"S","SessionToken":"T","Expiration":"2030-01-01T00:00:00Z"}"#;
        for end in 0..=good.len() {
            let _ = parse_process_output(&good[..end], NOW);
        }
        // A small deterministic byte soup built from the document's own bytes.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..2000 {
            let mut input = good.to_vec();
            for _ in 0..4 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let at = (state % input.len() as u64) as usize;
                input[at] = (state >> 32) as u8;
            }
            let _ = parse_process_output(&input, NOW);
        }
        let deep = "[".repeat(100_000);
        assert!(parse_process_output(deep.as_bytes(), NOW).is_err());
        let big = vec![b' '; MAX_PROCESS_OUTPUT + 1];
        assert!(matches!(parse_process_output(&big, NOW), Err(ProcessError::OutputTooLarge)));
        let far = br#"{"Version":1,"AccessKeyId":"A","SecretAccessKey":"S","Expiration":"9999-12-31T23:59:60+23:59"}"#;
        let _ = parse_process_output(far, NOW);
    }

    #[test]
    fn runs_the_command_with_sh() {
        let c = run_process(r#"printf '{"Version":1,"AccessKeyId":"%s","SecretAccessKey":"S"}' "$((40 + 2))""#, NOW).unwrap();
        assert_eq!(c.access_key_id, "42");
        // stdin is /dev/null: `cat` ends at once instead of waiting.
        let e = run_process("cat", NOW).unwrap_err();
        assert!(matches!(e, ProcessError::InvalidJson(_)), "{e}");
    }

    #[test]
    fn failure_reports_status_and_last_stderr_line() {
        let e = run_process("echo first >&2; echo 'the last words' >&2; echo SECRETOUT; exit 3", NOW).unwrap_err();
        assert_eq!(e.to_string(), "the process failed (exit status: 3): the last words");
        let e = run_process("exit 1", NOW).unwrap_err();
        assert_eq!(e.to_string(), "the process failed (exit status: 1) and wrote nothing to stderr");
    }

    #[test]
    fn huge_output_is_cut_off() {
        let e = run_process("yes", NOW).unwrap_err();
        assert!(matches!(e, ProcessError::OutputTooLarge), "{e}");
        // Lots of stderr does not block the process.
        let c = run_process(r#"head -c 3000000 /dev/zero >&2; printf '{"Version":1,"AccessKeyId":"A","SecretAccessKey":"S"}'"#, NOW).unwrap();
        assert_eq!(c.access_key_id, "A");
    }

    #[test]
    fn last_line_is_trimmed_and_bounded() {
        assert_eq!(last_line(b"a\nb\n\n  \n"), Some("b".into()));
        assert_eq!(last_line(b""), None);
        assert_eq!(last_line(b"x\x1b[31m"), Some("x[31m".into()));
        let long = "é".repeat(600);
        let l = last_line(long.as_bytes()).unwrap();
        assert!(l.len() <= MAX_STDERR_LINE + 3 && l.ends_with('…'));
    }
}
