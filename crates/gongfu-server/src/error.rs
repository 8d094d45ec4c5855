//! Errors: [`ServerError`] for starting and running the server, and the JSON
//! error responses of the API (`{"error": {"code": "...", "message": "..."}}`).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use gongfu_store::StoreError;
use serde_json::json;

/// What can stop the server from starting or serving.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// A CORS origin that is not a valid `scheme://host[:port]`.
    #[error("--cors-origin {origin:?}: {message}")]
    CorsOrigin {
        /// The origin as given.
        origin: String,
        /// What is wrong with it.
        message: String,
    },
    /// Serving failed (the listener, a socket).
    #[error("serving: {0}")]
    Io(#[from] std::io::Error),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An error response of the API: a status and a JSON body naming what went
/// wrong, never internals.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// The input column the error is about, for bad uploads.
    pub column: Option<String>,
    /// The 1-based data row the error is about, for bad uploads.
    pub row: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            column: None,
            row: None,
        }
    }

    pub fn bad_parameter(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_parameter", message)
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    /// A failure of the server itself: the details go to the server's log,
    /// the caller learns only that it happened.
    pub fn internal(context: &str, detail: impl std::fmt::Display) -> ApiError {
        eprintln!("gongfu serve: {context}: {detail}");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; see the server's log",
        )
    }

    pub fn body(&self) -> serde_json::Value {
        let mut e = json!({"code": self.code, "message": self.message});
        if let Some(c) = &self.column {
            e["column"] = c.clone().into();
        }
        if let Some(r) = self.row {
            e["row"] = r.into();
        }
        json!({ "error": e })
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::InvalidRelease(m) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_release", m)
            }
            e @ StoreError::Conflict { .. } => {
                ApiError::new(StatusCode::CONFLICT, "conflict", e.to_string())
            }
            e @ (StoreError::InvalidRole(_) | StoreError::InvalidLabel(_)) => {
                ApiError::new(StatusCode::BAD_REQUEST, "bad_request", e.to_string())
            }
            other => ApiError::internal("store", other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.body()).unwrap_or_default();
        let mut r = (self.status, body).into_response();
        let h = r.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if self.status == StatusCode::UNAUTHORIZED {
            h.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"gongfu\""),
            );
        }
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            h.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        r
    }
}
