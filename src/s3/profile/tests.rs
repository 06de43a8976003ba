//! The cross-SDK vectors of `tests/data/aws-profile/` and the endpoint and selection rules.

use super::*;
use crate::env::FakeEnv;
use serde_json::{json, Map, Value};

const PARSER_TESTS: &str = include_str!("../../../tests/data/aws-profile/profile-parser-tests.json");
const LOCATION_TESTS: &str = include_str!("../../../tests/data/aws-profile/file-location-tests.json");

fn as_json<'a>(sections: impl Iterator<Item = &'a Profile>) -> Value {
    let mut out = Map::new();
    for p in sections {
        let props: Map<String, Value> = p.properties().map(|(k, v)| (k.to_string(), json!(v))).collect();
        out.insert(p.name().to_string(), Value::Object(props));
    }
    Value::Object(out)
}

#[test]
fn profile_parser_vectors() {
    let doc: Value = serde_json::from_str(PARSER_TESTS).unwrap();
    let tests = doc["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 65);
    let mut failures = Vec::new();
    for t in tests {
        let name = t["name"].as_str().unwrap();
        let config = t["input"]["configFile"].as_str().unwrap_or("");
        let credentials = t["input"]["credentialsFile"].as_str().unwrap_or("");
        let got = ProfileSet::parse(config, credentials);
        let want = &t["output"];
        match (want.get("errorContaining").and_then(Value::as_str), got) {
            (Some(fragment), Err(e)) if e.to_string().contains(fragment) => {}
            (Some(fragment), got) => failures.push(format!("{name}: want error containing {fragment:?}, got {got:?}")),
            (None, Err(e)) => failures.push(format!("{name}: unexpected error {e}")),
            (None, Ok(set)) => {
                let profiles = as_json(set.profiles());
                if profiles != want["config"]["profiles"] {
                    failures.push(format!("{name}: profiles {profiles} != {}", want["config"]["profiles"]));
                }
                // Cases without `sso_sessions` expect none as well.
                let sessions = as_json(set.sso_sessions());
                let want_sessions = want["config"].get("sso_sessions").cloned().unwrap_or(json!({}));
                if sessions != want_sessions {
                    failures.push(format!("{name}: sso_sessions {sessions} != {want_sessions}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} of 65 cases failed:\n{}", failures.len(), failures.join("\n"));
}

/// All 9 cases, the Windows ones included: home lookup is [`Env::home_dir`] on every platform
/// (`HOME`, then `USERPROFILE`, then `HOMEDRIVE` + `HOMEPATH`) and `locate` takes the path
/// separator as an argument, so the Windows cases run here with `\`.
#[test]
fn file_location_vectors() {
    let doc: Value = serde_json::from_str(LOCATION_TESTS).unwrap();
    let tests = doc["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 9);
    for t in tests {
        let name = t["name"].as_str().unwrap();
        let mut env = FakeEnv::new();
        for (k, v) in t["environment"].as_object().unwrap() {
            env = env.with_var(k, v.as_str().unwrap());
        }
        let separator = if t["platform"] == "windows" { '\\' } else { '/' };
        let home = env.home_dir().map(|h| h.to_string_lossy().into_owned());
        for (kind, field) in [(FileKind::Config, "configLocation"), (FileKind::Credentials, "credentialsLocation")] {
            let path = env.var_nonempty(kind.env_var()).unwrap_or_else(|| kind.default_path().to_string());
            let got = locate(&path, home.as_deref(), separator);
            assert_eq!(got.as_deref(), t[field].as_str(), "{name}: {field}");
            if separator == std::path::MAIN_SEPARATOR {
                let public = match kind {
                    FileKind::Config => config_file_path(&env),
                    FileKind::Credentials => credentials_file_path(&env),
                };
                assert_eq!(public, t[field].as_str().map(PathBuf::from), "{name}: {field}");
            }
        }
        if let Some(profile) = t["profile"].as_str() {
            assert_eq!(selected_profile_name(&env, None), profile, "{name}");
        }
    }
}

#[test]
fn tilde_expansion_edges() {
    assert_eq!(locate("~", Some("/h"), '/').as_deref(), Some("/h"));
    assert_eq!(locate("~/x", Some("/"), '/').as_deref(), Some("/x"));
    assert_eq!(locate("~/x", Some("/h/"), '/').as_deref(), Some("/h/x"));
    assert_eq!(locate("~x/y", Some("/h"), '/').as_deref(), Some("~x/y"));
    assert_eq!(locate("/abs/~/y", Some("/h"), '/').as_deref(), Some("/abs/~/y"));
    assert_eq!(locate("~/.aws/config", Some("C:\\u"), '\\').as_deref(), Some("C:\\u\\.aws\\config"));
    assert_eq!(locate("~\\c", Some("C:\\u"), '\\').as_deref(), Some("C:\\u\\c"));
    assert_eq!(locate("~/.aws/config", None, '/'), None);
    assert_eq!(locate("relative/config", None, '/').as_deref(), Some("relative/config"));
}

#[test]
fn profile_selection() {
    let env = FakeEnv::new();
    assert_eq!(selected_profile_name(&env, None), "default");
    assert_eq!(selected_profile_name(&env, Some("")), "default");
    let env = env.with_var("AWS_PROFILE", "env");
    assert_eq!(selected_profile_name(&env, None), "env");
    assert_eq!(selected_profile_name(&env, Some("url")), "url");
    assert_eq!(selected_profile_name(&FakeEnv::new().with_var("AWS_PROFILE", ""), None), "default");
}

#[test]
fn keys_are_case_insensitive_names_are_not() {
    let set = ProfileSet::parse("[profile Foo]\nRegion = eu-west-1\n", "").unwrap();
    let p = set.profile("Foo").unwrap();
    assert_eq!(p.get("region"), Some("eu-west-1"));
    assert_eq!(p.get("REGION"), Some("eu-west-1"));
    assert!(set.profile("foo").is_none());
}

#[test]
fn services_endpoint_rules() {
    let config = "\
[profile svc]
services = local
endpoint_url = http://global:1
[profile global]
endpoint_url = http://global:2
[profile ignored]
services = local
endpoint_url = http://global:3
ignore_configured_endpoint_urls = True
[profile other-service]
services = only-sqs
endpoint_url = http://global:4
[profile none]
region = x
[services local]
s3 =
  endpoint_url = http://127.0.0.1:3900
  addressing_style = path
[services only-sqs]
sqs =
  endpoint_url = http://sqs
";
    let set = ProfileSet::parse(config, "").unwrap();
    assert_eq!(s3_endpoint_url(&set, "svc").as_deref(), Some("http://127.0.0.1:3900"));
    assert_eq!(s3_endpoint_url(&set, "global").as_deref(), Some("http://global:2"));
    assert_eq!(s3_endpoint_url(&set, "ignored"), None);
    assert_eq!(s3_endpoint_url(&set, "other-service").as_deref(), Some("http://global:4"));
    assert_eq!(s3_endpoint_url(&set, "none"), None);
    assert_eq!(s3_endpoint_url(&set, "missing"), None);
    let local = set.services("local").unwrap();
    assert_eq!(local.sub_property("s3", "addressing_style"), Some("path"));
    assert_eq!(local.sub_property("S3", "endpoint_url"), Some("http://127.0.0.1:3900"));
    assert_eq!(local.sub_property("s3", "ENDPOINT_URL"), None);
}

#[test]
fn credentials_file_wins_and_sections_are_kept_apart() {
    let config = "[default]\nregion = a\naws_access_key_id = config\n[sso-session s]\nsso_region = r\n[plugins p]\nx = 1\n";
    let credentials = "[default]\naws_access_key_id = creds\n[profile nope]\nx = 1\n[sso-session s]\nx = 1\n";
    let set = ProfileSet::parse(config, credentials).unwrap();
    let d = set.profile("default").unwrap();
    assert_eq!(d.get("aws_access_key_id"), Some("creds"));
    assert_eq!(d.get("region"), Some("a"));
    assert_eq!(set.sso_session("s").unwrap().get("sso_region"), Some("r"));
    assert!(set.sso_session("s").unwrap().get("x").is_none());
    assert_eq!(set.section("plugins", "p").unwrap().get("x"), Some("1"));
    assert_eq!(set.profiles().count(), 1);
    assert_eq!(set.warnings().len(), 2, "{:?}", set.warnings());
}

#[test]
fn load_missing_files_is_empty() {
    let env = FakeEnv::new().with_var("HOME", "/home/u");
    let set = ProfileSet::load(&env).unwrap();
    assert!(set.is_empty());
    assert_eq!(set.config_file(), Some(&SourceFile { path: "/home/u/.aws/config".into(), found: false }));
    // No home directory: the default paths cannot be expanded, nothing is read.
    let set = ProfileSet::load(&FakeEnv::new()).unwrap();
    assert!(set.is_empty() && set.config_file().is_none());
}

#[test]
fn load_reads_overridden_and_default_paths() {
    let env = FakeEnv::new()
        .with_var("HOME", "/home/u")
        .with_var("AWS_CONFIG_FILE", "~/cfg")
        .with_file("/home/u/cfg", "[profile a]\nregion = r\n")
        .with_file("/home/u/.aws/credentials", "[a]\nregion = s\n");
    let set = ProfileSet::load(&env).unwrap();
    assert_eq!(set.profile("a").unwrap().get("region"), Some("s"));
    assert!(set.config_file().unwrap().found && set.credentials_file().unwrap().found);
}

#[test]
fn load_errors_name_file_and_line() {
    let env = FakeEnv::new().with_var("HOME", "/home/u").with_file("/home/u/.aws/config", "[default]\nregion = x\noops\n");
    let e = ProfileSet::load(&env).unwrap_err();
    assert_eq!(e.to_string(), "AWS config file /home/u/.aws/config, line 3: Expected an '=' sign defining a property");
    assert_eq!((e.line(), e.kind()), (Some(3), FileKind::Config));

    let env = FakeEnv::new().with_var("HOME", "/home/u").with_file("/home/u/.aws/credentials", b"[default]\nk = \xff\n".to_vec());
    let e = ProfileSet::load(&env).unwrap_err();
    assert_eq!(e.to_string(), "AWS credentials file /home/u/.aws/credentials, line 2: is not valid UTF-8");

    let e = ProfileSet::parse("", "k = v").unwrap_err();
    assert_eq!(e.to_string(), "AWS credentials file, line 1: Expected a profile definition");
}

#[test]
fn unreadable_file_is_an_error_with_source() {
    use std::error::Error;
    struct Broken;
    impl Env for Broken {
        fn var(&self, name: &str) -> Option<String> {
            (name == "HOME").then(|| "/h".to_string())
        }
        fn read_file(&self, _: &Path) -> io::Result<Vec<u8>> {
            Err(io::Error::new(io::ErrorKind::PermissionDenied, "permission denied"))
        }
    }
    let e = ProfileSet::load(&Broken).unwrap_err();
    assert_eq!(e.to_string(), "AWS config file /h/.aws/config: cannot be read: permission denied");
    assert!(e.source().is_some());
}
