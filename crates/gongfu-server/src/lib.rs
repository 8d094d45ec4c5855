//! The HTTP API of gongfu over the release store ([`gongfu_store::Store`]):
//! published releases and filtered views of them for the dashboard and
//! reports, publishing, computation on uploaded microdata (SPEC §5 JSON),
//! and token management — all under `/api/v1/`, described by an OpenAPI 3.1
//! document at `/api/v1/openapi.json`.
//!
//! Every route is one row of [`ROUTES`] (method, path, who may call it,
//! handler); the router is built from that table and the tests check the
//! OpenAPI document and the authorisation of every route against it.
//!
//! - **Auth**: `Authorization: Bearer <secret>`. Roles are ordered: viewer
//!   (read releases) < analyst (also compute and publish) < admin (also
//!   manage tokens). No token or an unknown one is 401, too low a role 403,
//!   before anything else of the request is looked at.
//! - **Caching**: releases are immutable, so a release is parsed once and
//!   each view of it serialised once; the current release, the list and
//!   verified tokens are trusted for [`ServerConfig::cache_ttl`] (a publish
//!   or a revocation through this server takes effect at once).
//! - **Limits**: bodies up to [`ServerConfig::body_limit`] (413 beyond);
//!   computations on a blocking thread for at most
//!   [`ServerConfig::compute_timeout`] (504 beyond), at most
//!   [`ServerConfig::compute_concurrency`] at a time (503 beyond).
//! - **Errors** are JSON: `{"error": {"code": "...", "message": "..."}}`,
//!   with `column` and `row` for bad uploads; never internals.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use gongfu_server::{ServerConfig, router};
//! use gongfu_store::{Role, Store};
//! use tower::ServiceExt;
//!
//! let dir = tempfile::tempdir()?;
//! let store = Store::open(dir.path().join("gongfu.sqlite").to_str().unwrap()).await?;
//! let token = store.create_token(Role::Viewer, "docs").await?;
//! let app = router(store, ServerConfig::default())?;
//!
//! let request = axum::http::Request::get("/api/v1/releases")
//!     .header("authorization", format!("Bearer {}", token.secret))
//!     .body(axum::body::Body::empty())?;
//! let response = app.oneshot(request).await?;
//! assert_eq!(response.status(), 200);
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

mod compute;
mod error;
mod releases;
mod routes;
mod state;
mod tokens;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use gongfu_store::Store;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;

pub use error::ServerError;
pub use routes::{Access, ROUTES, Route};

/// Looks up a static asset of the dashboard by its path (`"index.html"`,
/// `"app.js"`, `"vendor/echarts.min.js"`): its bytes and content type.
pub type AssetFn = fn(&str) -> Option<(&'static [u8], &'static str)>;

/// How the server behaves.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Largest request body accepted (uploads, releases), bytes. Default 64 MiB.
    pub body_limit: usize,
    /// Longest a computation may run. Default 30 s.
    pub compute_timeout: Duration,
    /// Computations at a time. Default: the number of CPUs.
    pub compute_concurrency: usize,
    /// Origins allowed to call the API from a browser (CORS); none by default.
    pub cors_origins: Vec<String>,
    /// The dashboard's assets, served at `/` and `/assets/{path}` without a
    /// token (the page holds no data; it calls the API with a token from its
    /// URL fragment). `None`: no dashboard.
    pub assets: Option<AssetFn>,
    /// How long the current release, the list and verified tokens are
    /// trusted before the store is asked again. Default 2 s: a release
    /// published or a token revoked by another process (the command line)
    /// is seen within that time.
    pub cache_ttl: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            body_limit: 64 << 20,
            compute_timeout: Duration::from_secs(30),
            compute_concurrency: std::thread::available_parallelism().map_or(2, |n| n.get()),
            cors_origins: Vec::new(),
            assets: None,
            cache_ttl: Duration::from_secs(2),
        }
    }
}

/// The OpenAPI 3.1 document of the API, as served at `/api/v1/openapi.json`.
pub const OPENAPI: &str = include_str!("openapi.json");

async fn openapi_handler() -> Response {
    releases::json_bytes(StatusCode::OK, Bytes::from_static(OPENAPI.as_bytes()))
}

async fn not_found() -> Response {
    error::ApiError::not_found(
        "no such route (the API is under /api/v1/; see /api/v1/openapi.json)",
    )
    .into_response()
}

fn asset_response(assets: AssetFn, path: &str) -> Response {
    match assets(path) {
        Some((bytes, content_type)) => {
            let mut r = (StatusCode::OK, Bytes::from_static(bytes)).into_response();
            let h = r.headers_mut();
            if let Ok(ct) = HeaderValue::from_str(content_type) {
                h.insert(header::CONTENT_TYPE, ct);
            }
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            r
        }
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

fn cors(origins: &[String]) -> Result<Option<CorsLayer>, ServerError> {
    if origins.is_empty() {
        return Ok(None);
    }
    let mut values = Vec::new();
    for o in origins {
        let bad = |message: &str| ServerError::CorsOrigin {
            origin: o.clone(),
            message: message.to_string(),
        };
        let trimmed = o.trim_end_matches('/');
        if !(trimmed.starts_with("http://") || trimmed.starts_with("https://"))
            || trimmed
                .split_once("://")
                .is_some_and(|(_, rest)| rest.is_empty() || rest.contains('/'))
        {
            return Err(bad(
                "expected scheme://host[:port], e.g. https://dashboard.example.org",
            ));
        }
        values.push(HeaderValue::from_str(trimmed).map_err(|_| bad("not a valid header value"))?);
    }
    Ok(Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(values))
            .allow_methods([Method::GET, Method::POST, Method::DELETE])
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
            .max_age(Duration::from_secs(600)),
    ))
}

/// The whole application: the API routes of [`ROUTES`], the dashboard's
/// assets when configured, JSON 404s, CORS when configured, security
/// headers on every response and `Cache-Control: no-store` on the API's.
///
/// # Errors
/// [`ServerError::CorsOrigin`] for a CORS origin that is not
/// `scheme://host[:port]`.
pub fn router(store: Store, config: ServerConfig) -> Result<Router, ServerError> {
    let cors = cors(&config.cors_origins)?;
    let assets = config.assets;
    let state = Arc::new(state::Inner::new(store, config));
    let api = routes::api_router(&state)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .with_state(state);
    let mut app: Router = api;
    if let Some(assets) = assets {
        app = app
            .route(
                "/",
                get(move || async move { asset_response(assets, "index.html") }),
            )
            .route(
                "/assets/{*path}",
                get(move |Path(path): Path<String>| async move { asset_response(assets, &path) }),
            );
    }
    let mut app = app
        .fallback(not_found)
        .layer(CatchPanicLayer::custom(|_| {
            error::ApiError::internal("request", "a handler panicked").into_response()
        }))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("cross-origin-resource-policy"),
            HeaderValue::from_static("same-origin"),
        ));
    if let Some(cors) = cors {
        app = app.layer(cors);
    }
    Ok(app)
}

/// Serves `app` on `listener` until `shutdown` completes, then finishes the
/// requests in flight.
///
/// # Errors
/// [`ServerError::Io`].
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}
