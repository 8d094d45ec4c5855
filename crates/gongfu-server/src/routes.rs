//! The one table of API routes: method, path, minimum role and handler. The
//! router is built from it, and the tests check the OpenAPI document and the
//! authorisation of every route against it.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, on};
use gongfu_store::Role;

use crate::error::ApiError;
use crate::state::AppState;
use crate::{compute, releases, tokens};

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone: the route returns no data (the OpenAPI document).
    Public,
    /// A bearer token with at least this role.
    Token(Role),
}

/// One route of the API.
#[derive(Debug, Clone)]
pub struct Route {
    /// The HTTP method.
    pub method: Method,
    /// The path, with `{name}` parameters (as in OpenAPI).
    pub path: &'static str,
    /// Who may call it.
    pub access: Access,
    /// What it does, in a line.
    pub summary: &'static str,
    handler: fn(MethodFilter) -> MethodRouter<AppState>,
}

const fn route(
    method: Method,
    path: &'static str,
    access: Access,
    summary: &'static str,
    handler: fn(MethodFilter) -> MethodRouter<AppState>,
) -> Route {
    Route {
        method,
        path,
        access,
        summary,
        handler,
    }
}

const VIEWER: Access = Access::Token(Role::Viewer);
const ANALYST: Access = Access::Token(Role::Analyst);
const ADMIN: Access = Access::Token(Role::Admin);

/// Every API route. `{id}` is a release id or `latest` (the most recently
/// published release that is not superseded).
pub static ROUTES: &[Route] = &[
    route(
        Method::GET,
        "/api/v1/releases",
        VIEWER,
        "List the published releases",
        |m| on(m, releases::list),
    ),
    route(
        Method::POST,
        "/api/v1/releases",
        ANALYST,
        "Publish a release",
        |m| on(m, releases::publish),
    ),
    route(
        Method::GET,
        "/api/v1/releases/latest",
        VIEWER,
        "The current release",
        |m| on(m, releases::latest),
    ),
    route(
        Method::GET,
        "/api/v1/releases/{id}",
        VIEWER,
        "A release, whole",
        |m| on(m, releases::whole),
    ),
    route(
        Method::GET,
        "/api/v1/releases/{id}/values",
        VIEWER,
        "A release's figures, filtered",
        |m| on(m, releases::values),
    ),
    route(
        Method::GET,
        "/api/v1/releases/{id}/progress",
        VIEWER,
        "Progress towards the targets",
        |m| on(m, releases::progress),
    ),
    route(
        Method::GET,
        "/api/v1/releases/{id}/index",
        VIEWER,
        "The county composite index",
        |m| on(m, releases::index),
    ),
    route(
        Method::GET,
        "/api/v1/releases/{id}/convergence",
        VIEWER,
        "Convergence of the counties",
        |m| on(m, releases::convergence),
    ),
    route(
        Method::GET,
        "/api/v1/releases/{id}/schools",
        VIEWER,
        "School balance by county",
        |m| on(m, releases::schools),
    ),
    route(
        Method::GET,
        "/api/v1/releases/{id}/distribution",
        VIEWER,
        "Income distributions: Lorenz curves and quintile means",
        |m| on(m, releases::distribution),
    ),
    route(
        Method::GET,
        "/api/v1/releases/{id}/indicators",
        VIEWER,
        "The indicator catalogue",
        |m| on(m, releases::indicators),
    ),
    route(
        Method::GET,
        "/api/v1/releases/{id}/regions",
        VIEWER,
        "The region registry",
        |m| on(m, releases::regions),
    ),
    route(
        Method::POST,
        "/api/v1/compute",
        ANALYST,
        "Compute measures from uploaded microdata",
        |m| on(m, compute::compute),
    ),
    route(
        Method::GET,
        "/api/v1/tokens",
        ADMIN,
        "List the tokens",
        |m| on(m, tokens::list),
    ),
    route(
        Method::POST,
        "/api/v1/tokens",
        ADMIN,
        "Create a token",
        |m| on(m, tokens::create),
    ),
    route(
        Method::DELETE,
        "/api/v1/tokens/{id}",
        ADMIN,
        "Revoke a token",
        |m| on(m, tokens::revoke),
    ),
    route(
        Method::GET,
        "/api/v1/openapi.json",
        Access::Public,
        "This API's OpenAPI document",
        |m| on(m, crate::openapi_handler),
    ),
];

fn filter(method: &Method) -> MethodFilter {
    match *method {
        Method::POST => MethodFilter::POST,
        Method::DELETE => MethodFilter::DELETE,
        Method::PUT => MethodFilter::PUT,
        Method::PATCH => MethodFilter::PATCH,
        _ => MethodFilter::GET,
    }
}

/// The bearer secret of a request, if it has one.
fn bearer(req: &Request) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, secret) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| secret.trim())
        .filter(|s| !s.is_empty())
}

/// The verified token of the caller, for handlers that record who acted.
#[derive(Debug, Clone)]
pub(crate) struct Caller(pub gongfu_store::TokenInfo);

/// Refuses a request without a valid token (401) or with too low a role
/// (403), before anything else of the request is looked at.
async fn authorize(
    State((state, need)): State<(AppState, Role)>,
    mut req: Request,
    next: Next,
) -> Response {
    let Some(secret) = bearer(&req) else {
        return ApiError::unauthorized("this route needs a token: Authorization: Bearer <secret>")
            .into_response();
    };
    match state.authenticate(secret).await {
        Ok(Some(token)) if token.role >= need => {
            req.extensions_mut().insert(Caller(token));
            next.run(req).await
        }
        Ok(Some(_)) => ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "forbidden",
            format!("this route needs the {need} role"),
        )
        .into_response(),
        Ok(None) => ApiError::unauthorized("unknown or revoked token").into_response(),
        Err(e) => e.into_response(),
    }
}

/// The API routes of the table, each behind its authorisation.
pub(crate) fn api_router(state: &AppState) -> Router<AppState> {
    let mut router = Router::new();
    for r in ROUTES {
        let mut handler = (r.handler)(filter(&r.method));
        if let Access::Token(role) = r.access {
            handler = handler.route_layer(middleware::from_fn_with_state(
                (state.clone(), role),
                authorize,
            ));
        }
        router = router.route(r.path, handler);
    }
    router
}
