//! Credentials from a profile — placeholder, being written.
use super::{Context, Credentials, CredentialsError, Provider};
pub struct ProfileProvider;
impl Provider for ProfileProvider {
    fn name(&self) -> &str { "profile" }
    fn provide(&self, _ctx: &Context<'_>) -> Result<Option<Credentials>, CredentialsError> { Ok(None) }
}
