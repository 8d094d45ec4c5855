//! Token management for admins: create (the secret is shown once), list,
//! revoke.

use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use gongfu_store::Role;
use serde::Deserialize;

use crate::error::ApiError;
use crate::releases::{json_bytes, media_type, read_body};
use crate::state::AppState;

/// The body of `POST /api/v1/tokens`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewTokenRequest {
    role: String,
    #[serde(default)]
    label: String,
}

fn to_json(v: &serde_json::Value) -> Result<Bytes, ApiError> {
    serde_json::to_vec(v)
        .map(Bytes::from)
        .map_err(|e| ApiError::internal("serialising", e))
}

/// `GET /api/v1/tokens`.
pub(crate) async fn list(State(state): State<AppState>) -> Result<Response, ApiError> {
    let tokens = state.store.tokens().await?;
    Ok(json_bytes(
        StatusCode::OK,
        to_json(&serde_json::json!({ "tokens": tokens }))?,
    ))
}

/// `POST /api/v1/tokens` with `{"role": "viewer", "label": "..."}`.
pub(crate) async fn create(
    State(state): State<AppState>,
    req: Request,
) -> Result<Response, ApiError> {
    if media_type(&req).as_deref() != Some("application/json") {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send {\"role\": ..., \"label\": ...} as Content-Type: application/json",
        ));
    }
    let body = read_body(req, 64 * 1024).await?;
    let ask: NewTokenRequest = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!(
                "expected {{\"role\": \"viewer\"|\"analyst\"|\"admin\", \"label\": \"...\"}}: {e}"
            ),
        )
    })?;
    let role: Role = ask.role.parse()?;
    let token = state.store.create_token(role, &ask.label).await?;
    let mut v =
        serde_json::to_value(&token.info).map_err(|e| ApiError::internal("serialising", e))?;
    v["secret"] = token.secret.into();
    Ok(json_bytes(StatusCode::CREATED, to_json(&v)?))
}

/// `DELETE /api/v1/tokens/{id}`.
pub(crate) async fn revoke(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let token = state
        .store
        .revoke_token(&id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no token {id:?}")))?;
    state.tokens_changed();
    Ok(json_bytes(
        StatusCode::OK,
        to_json(&serde_json::json!({ "token": token }))?,
    ))
}
