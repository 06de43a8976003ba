//! Credentials from a profile of the AWS config and credentials files (SPEC §3, step 2).
//!
//! The profile is `profile=` from the store URL, else `AWS_PROFILE`, else `default`
//! ([`selected_profile_name`]). Inside it, in this order:
//!
//! 1. `role_arn` (assume role), `web_identity_token_file` (web identity) and `sso_*` keys (IAM
//!    Identity Center) select providers that are not built yet: the provider answers with an
//!    error naming them rather than falling through to other keys or to anonymous requests.
//! 2. `credential_process`: run the command (see [`super::process`]).
//! 3. `aws_access_key_id` + `aws_secret_access_key` (+ `aws_session_token`): static keys.
//!
//! The provider does not apply (`Ok(None)`) when the files do not exist, or when the `default`
//! profile was chosen by default and is absent, or when the profile has none of these keys.
//! A profile named explicitly (URL or `AWS_PROFILE`) that is in neither file is an error.

use super::process::run_process;
use super::{Context, Credentials, CredentialsError, Provider};
use crate::s3::profile::{selected_profile_name, Profile, ProfileSet};

/// The profile provider.
pub struct ProfileProvider;

/// Keys that select providers not implemented yet, with the provider's name.
const NOT_YET: &[(&str, &str)] = &[("role_arn", "assume role (STS AssumeRole)"), ("web_identity_token_file", "web identity (STS AssumeRoleWithWebIdentity)")];

impl Provider for ProfileProvider {
    fn name(&self) -> &str {
        "profile"
    }

    fn provide(&self, ctx: &Context<'_>) -> Result<Option<Credentials>, CredentialsError> {
        let name = selected_profile_name(ctx.env, ctx.profile);
        let provider = format!("profile {name}");
        let set = ProfileSet::load(ctx.env).map_err(|e| CredentialsError::new(&provider, e.to_string()).with_source(e))?;
        let Some(profile) = set.profile(&name) else {
            return match explicit_source(ctx) {
                Some(source) => Err(CredentialsError::new(&provider, format!("profile `{name}` (from {source}) is not defined in {}", searched(&set)))),
                None => Ok(None),
            };
        };
        profile_credentials(profile, ctx)
    }
}

/// Where the profile name came from, when it was chosen explicitly.
fn explicit_source(ctx: &Context<'_>) -> Option<&'static str> {
    if ctx.profile.is_some_and(|p| !p.is_empty()) {
        Some("the store URL's profile= parameter")
    } else if ctx.env.var_nonempty("AWS_PROFILE").is_some() {
        Some("AWS_PROFILE")
    } else {
        None
    }
}

/// The files that were looked at, for the "not defined" message.
fn searched(set: &ProfileSet) -> String {
    let files: Vec<String> = [set.config_file(), set.credentials_file()]
        .into_iter()
        .flatten()
        .map(|f| if f.found { f.path.display().to_string() } else { format!("{} (missing)", f.path.display()) })
        .collect();
    if files.is_empty() {
        "any file (no home directory, and neither AWS_CONFIG_FILE nor AWS_SHARED_CREDENTIALS_FILE is set)".to_string()
    } else {
        files.join(" or ")
    }
}

/// Credentials from one profile, in the order of the module docs.
fn profile_credentials(profile: &Profile, ctx: &Context<'_>) -> Result<Option<Credentials>, CredentialsError> {
    let name = profile.name();
    let provider = format!("profile {name}");
    for (key, what) in NOT_YET {
        if profile.get(key).is_some() {
            return Err(not_supported(&provider, name, key, what));
        }
    }
    if let Some((key, _)) = profile.properties().find(|(k, _)| k.starts_with("sso_")) {
        return Err(not_supported(&provider, name, key, "SSO (IAM Identity Center)"));
    }

    if let Some(command) = nonempty(profile, "credential_process") {
        let provider = format!("profile {name} (credential_process)");
        return match run_process(command, ctx.now) {
            Ok(c) => Ok(Some(Credentials { provider, ..c })),
            Err(e) => Err(CredentialsError::new(provider, e.to_string()).with_source(e)),
        };
    }

    let id = nonempty(profile, "aws_access_key_id");
    let secret = nonempty(profile, "aws_secret_access_key");
    let (id, secret) = match (id, secret) {
        (Some(id), Some(secret)) => (id, secret),
        (None, None) => return Ok(None),
        (Some(_), None) => return Err(half_set(&provider, name, "aws_access_key_id", "aws_secret_access_key")),
        (None, Some(_)) => return Err(half_set(&provider, name, "aws_secret_access_key", "aws_access_key_id")),
    };
    let token = nonempty(profile, "aws_session_token");
    for (key, value) in [("aws_access_key_id", Some(id)), ("aws_secret_access_key", Some(secret)), ("aws_session_token", token)] {
        // Continuation lines can put a newline into a value; it would break the signed headers.
        if value.is_some_and(|v| v.chars().any(char::is_control)) {
            return Err(CredentialsError::new(&provider, format!("{key} in profile `{name}` spans several lines or contains a control character")));
        }
    }
    Ok(Some(Credentials::new(id, secret, token.map(str::to_string), provider)))
}

fn nonempty<'a>(profile: &'a Profile, key: &str) -> Option<&'a str> {
    profile.get(key).filter(|v| !v.is_empty())
}

fn not_supported(provider: &str, name: &str, key: &str, what: &str) -> CredentialsError {
    CredentialsError::new(
        provider,
        format!("profile `{name}` sets {key}, which selects the {what} provider; nixbucket does not support that provider yet (use static keys or credential_process)"),
    )
}

fn half_set(provider: &str, name: &str, present: &str, missing: &str) -> CredentialsError {
    CredentialsError::new(provider, format!("profile `{name}` sets {present} but not {missing}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::FakeEnv;
    use time::macros::datetime;
    use time::OffsetDateTime;

    const NOW: OffsetDateTime = datetime!(2025-06-01 12:00 UTC);
    const CONFIG: &str = "/home/u/.aws/config";
    const CREDENTIALS: &str = "/home/u/.aws/credentials";

    fn home() -> FakeEnv {
        FakeEnv::new().with_var("HOME", "/home/u")
    }

    fn provide(env: &FakeEnv, profile: Option<&str>) -> Result<Option<Credentials>, CredentialsError> {
        ProfileProvider.provide(&Context { env, profile, now: NOW })
    }

    #[test]
    fn static_keys() {
        let env = home().with_file(CREDENTIALS, "[default]\naws_access_key_id = AKID\naws_secret_access_key = SECRET\naws_session_token = TOKEN\n");
        let c = provide(&env, None).unwrap().unwrap();
        assert_eq!((c.access_key_id.as_str(), c.secret_access_key.expose()), ("AKID", "SECRET"));
        assert_eq!(c.session_token.unwrap().expose(), "TOKEN");
        assert_eq!(c.provider, "profile default");
    }

    #[test]
    fn key_names_are_case_insensitive() {
        let env = home().with_file(CREDENTIALS, "[default]\nAWS_ACCESS_KEY_ID = correct_key\nAWS_SECRET_ACCESS_KEY = correct_secret\n");
        assert_eq!(provide(&env, None).unwrap().unwrap().access_key_id, "correct_key");
    }

    #[test]
    fn credentials_file_wins_over_config() {
        let env = home()
            .with_file(CONFIG, "[default]\naws_access_key_id = CONFIG_ID\naws_secret_access_key = CONFIG_SECRET\nregion = r\n")
            .with_file(CREDENTIALS, "[default]\naws_access_key_id = CREDS_ID\n");
        let c = provide(&env, None).unwrap().unwrap();
        assert_eq!((c.access_key_id.as_str(), c.secret_access_key.expose()), ("CREDS_ID", "CONFIG_SECRET"));
    }

    #[test]
    fn selection_by_aws_profile_and_url() {
        let config = "[default]\naws_access_key_id = D\naws_secret_access_key = d\n\
                      [profile some-thing:long/the_one%only.foo@bar+]\naws_access_key_id = E\naws_secret_access_key = e\n\
                      [profile url]\naws_access_key_id = U\naws_secret_access_key = u\n";
        let env = home().with_file(CONFIG, config);
        assert_eq!(provide(&env, None).unwrap().unwrap().access_key_id, "D");
        let env = env.with_var("AWS_PROFILE", "some-thing:long/the_one%only.foo@bar+");
        let c = provide(&env, None).unwrap().unwrap();
        assert_eq!((c.access_key_id.as_str(), c.provider.as_str()), ("E", "profile some-thing:long/the_one%only.foo@bar+"));
        assert_eq!(provide(&env, Some("url")).unwrap().unwrap().access_key_id, "U");
    }

    #[test]
    fn missing_profile() {
        // Nothing configured at all: the provider does not apply.
        assert!(provide(&home(), None).unwrap().is_none());
        // Files exist but have no `default`: does not apply either.
        let env = home().with_file(CONFIG, "[profile other]\nregion = r\n");
        assert!(provide(&env, None).unwrap().is_none());
        // Named explicitly: an error naming the profile and the files.
        let e = provide(&env, Some("nope")).unwrap_err().to_string();
        assert_eq!(
            e,
            "credentials from profile nope: profile `nope` (from the store URL's profile= parameter) is not defined in \
             /home/u/.aws/config or /home/u/.aws/credentials (missing)"
        );
        let e = provide(&home().with_var("AWS_PROFILE", "ghost"), None).unwrap_err().to_string();
        assert!(e.contains("profile `ghost` (from AWS_PROFILE)") && e.contains("/home/u/.aws/config (missing)"), "{e}");
    }

    #[test]
    fn profile_without_keys_does_not_apply() {
        let env = home().with_file(CONFIG, "[default]\nregion = eu-west-1\n");
        assert!(provide(&env, None).unwrap().is_none());
    }

    #[test]
    fn half_set_keys_are_an_error() {
        let env = home().with_file(CREDENTIALS, "[work]\naws_access_key_id = AKID\n");
        let e = provide(&env, Some("work")).unwrap_err();
        assert_eq!(e.to_string(), "credentials from profile work: profile `work` sets aws_access_key_id but not aws_secret_access_key");
        let env = home().with_file(CREDENTIALS, "[default]\naws_secret_access_key = SECRET\n");
        let e = provide(&env, None).unwrap_err().to_string();
        assert!(e.contains("sets aws_secret_access_key but not aws_access_key_id") && !e.contains("SECRET"), "{e}");
    }

    #[test]
    fn multi_line_key_is_an_error() {
        let env = home().with_file(CREDENTIALS, "[default]\naws_access_key_id = A\naws_secret_access_key = S\naws_session_token = T\n  more\n");
        let e = provide(&env, None).unwrap_err().to_string();
        assert!(e.contains("aws_session_token") && !e.contains("more"), "{e}");
    }

    #[test]
    fn malformed_file_is_an_error_naming_file_and_line() {
        let env = home().with_file(CONFIG, "[default]\n= us-east-1\n");
        let e = provide(&env, None).unwrap_err();
        assert_eq!(e.to_string(), "credentials from profile default: AWS config file /home/u/.aws/config, line 2: Property did not have a name");
        assert!(std::error::Error::source(&e).is_some());
    }

    #[test]
    fn unsupported_providers_are_named() {
        for (body, key, what) in [
            ("role_arn = arn:aws:iam::1:role/r\nsource_profile = base", "role_arn", "assume role"),
            ("web_identity_token_file = /t\nrole_arn_x = y", "web_identity_token_file", "web identity"),
            ("sso_session = s\nsso_account_id = 1", "sso_", "SSO"),
        ] {
            let env = home().with_file(CONFIG, format!("[default]\n{body}\naws_access_key_id = A\naws_secret_access_key = S\n"));
            let e = provide(&env, None).unwrap_err().to_string();
            assert!(e.contains(key) && e.contains(what) && e.contains("not support"), "{e}");
        }
        // `source_profile` alone (as in the SDK's credential_process case) selects nothing.
        let env = home().with_file(CONFIG, "[default]\nsource_profile = base\naws_access_key_id = A\naws_secret_access_key = S\n");
        assert_eq!(provide(&env, None).unwrap().unwrap().access_key_id, "A");
    }

    #[test]
    fn credential_process_end_to_end() {
        let config = "[profile proc]\n\
            credential_process = printf '{\"Version\":1,\"AccessKeyId\":\"ASIAPROC\",\"SecretAccessKey\":\"PROCSECRET\",\"SessionToken\":\"PROCTOKEN\",\"Expiration\":\"2030-01-01T00:00:00Z\"}'\n\
            aws_access_key_id = STATIC\n\
            aws_secret_access_key = STATIC\n";
        let env = home().with_file(CONFIG, config);
        let c = provide(&env, Some("proc")).unwrap().unwrap();
        assert_eq!(c.access_key_id, "ASIAPROC");
        assert_eq!(c.secret_access_key.expose(), "PROCSECRET");
        assert_eq!(c.session_token.unwrap().expose(), "PROCTOKEN");
        assert_eq!(c.expiration, Some(datetime!(2030-01-01 0:00 UTC)));
        assert_eq!(c.provider, "profile proc (credential_process)");
    }

    #[test]
    fn credential_process_failure_carries_stderr() {
        let env =
            home().with_file(CONFIG, "[default]\ncredential_process = echo 'token expired, run login' >&2; echo '{\"SecretAccessKey\":\"LEAK\"}'; exit 3\n");
        let e = provide(&env, None).unwrap_err();
        assert_eq!(e.provider, "profile default (credential_process)");
        assert_eq!(e.to_string(), "credentials from profile default (credential_process): the process failed (exit status: 3): token expired, run login");
        assert!(!format!("{e:?}").contains("LEAK"));
    }

    #[test]
    fn credential_process_bad_output() {
        let env = home().with_file(CONFIG, "[default]\ncredential_process = echo 'invalid json'\n");
        let e = provide(&env, None).unwrap_err().to_string();
        assert!(e.contains("not valid JSON"), "{e}");
        let env = home().with_file(CONFIG, "[default]\ncredential_process = printf '{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\",\"Expiration\":\"2022-05-02T18:36:00+00:00\"}'\n");
        let e = provide(&env, None).unwrap_err().to_string();
        assert!(e.contains("expired at 2022-05-02T18:36:00Z"), "{e}");
    }
}
