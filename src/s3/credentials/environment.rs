//! Keys from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`.

use super::{Context, Credentials, CredentialsError, Provider};

/// The environment provider.
pub struct EnvironmentProvider;

impl Provider for EnvironmentProvider {
    fn name(&self) -> &str {
        "environment"
    }

    fn provide(&self, ctx: &Context<'_>) -> Result<Option<Credentials>, CredentialsError> {
        let id = ctx.env.var_nonempty("AWS_ACCESS_KEY_ID");
        let secret = ctx.env.var_nonempty("AWS_SECRET_ACCESS_KEY");
        match (id, secret) {
            (Some(id), Some(secret)) => Ok(Some(Credentials::new(id, secret, ctx.env.var_nonempty("AWS_SESSION_TOKEN"), "environment"))),
            (Some(_), None) => Err(CredentialsError::new("environment", "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")),
            (None, Some(_)) => Err(CredentialsError::new("environment", "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not")),
            (None, None) => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::FakeEnv;

    fn ctx(env: &FakeEnv) -> Context<'_> {
        Context { env, profile: None, now: time::OffsetDateTime::UNIX_EPOCH }
    }

    #[test]
    fn reads_keys_and_token() {
        let env = FakeEnv::new().with_var("AWS_ACCESS_KEY_ID", "AK").with_var("AWS_SECRET_ACCESS_KEY", "SK").with_var("AWS_SESSION_TOKEN", "T");
        let c = EnvironmentProvider.provide(&ctx(&env)).unwrap().unwrap();
        assert_eq!(c.access_key_id, "AK");
        assert_eq!(c.secret_access_key.expose(), "SK");
        assert_eq!(c.session_token.unwrap().expose(), "T");
    }

    #[test]
    fn absent_or_half_set() {
        assert!(EnvironmentProvider.provide(&ctx(&FakeEnv::new())).unwrap().is_none());
        let env = FakeEnv::new().with_var("AWS_ACCESS_KEY_ID", "AK");
        let e = EnvironmentProvider.provide(&ctx(&env)).unwrap_err();
        assert!(e.to_string().contains("AWS_SECRET_ACCESS_KEY"));
    }
}
