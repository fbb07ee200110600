//! Who is calling: session secrets for users, bearer tokens for agents.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::HeaderMap;

use super::error::ApiError;
use super::AppState;
use crate::config::Role;
use crate::desk::Agent;

/// The token in `Authorization: Bearer <token>`.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// An authenticated agent or admin (401 without a known token).
pub struct AnyAgent(pub Agent);

/// Proof that the caller is an admin (401 without a known token, 403 for agents).
pub struct Admin;

impl FromRequestParts<AppState> for AnyAgent {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<AnyAgent, ApiError> {
        let token = bearer(&parts.headers)
            .ok_or_else(|| ApiError::unauthorized("the agent API needs Authorization: Bearer <agent token>"))?;
        let account = app
            .settings
            .agent_by_token(token)
            .ok_or_else(|| ApiError::unauthorized("unknown agent token"))?;
        Ok(AnyAgent(Agent {
            name: account.name.clone(),
            role: account.role,
        }))
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Admin, ApiError> {
        let AnyAgent(agent) = AnyAgent::from_request_parts(parts, app).await?;
        if agent.role != Role::Admin {
            return Err(ApiError::forbidden("this needs the admin role"));
        }
        Ok(Admin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer(&h), None);
        h.insert(AUTHORIZATION, "Bearer abc".parse().unwrap());
        assert_eq!(bearer(&h), Some("abc"));
        h.insert(AUTHORIZATION, "bearer  abc ".parse().unwrap());
        assert_eq!(bearer(&h), Some("abc"));
        h.insert(AUTHORIZATION, "Basic abc".parse().unwrap());
        assert_eq!(bearer(&h), None);
        h.insert(AUTHORIZATION, "Bearer ".parse().unwrap());
        assert_eq!(bearer(&h), None);
    }
}
