//! Authorisation of every route of the table, the OpenAPI document against
//! the table, and the headers every response carries.

mod common;

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::Api;
use gongfu_server::{Access, OPENAPI, ROUTES, ServerConfig, ServerError};
use gongfu_store::Role;

/// A concrete path for a route: `{id}` is `latest` for releases and an
/// unknown id for tokens.
fn concrete(path: &str) -> String {
    if path.starts_with("/api/v1/tokens/") {
        path.replace("{id}", "0123456789ab")
    } else {
        path.replace("{id}", "latest")
    }
}

fn request(method: &Method, path: &str, token: Option<&str>) -> Request<Body> {
    let mut r = Request::builder()
        .method(method.clone())
        .uri(concrete(path));
    if let Some(t) = token {
        r = r.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    if *method == Method::POST {
        r = r.header(header::CONTENT_TYPE, "application/json");
    }
    r.body(Body::from(if *method == Method::POST { "{}" } else { "" }))
        .unwrap()
}

/// What an unauthenticated or unauthorised caller may see: one JSON error,
/// nothing of a release, no internals.
fn assert_bare_error(reply: &common::Reply, code: &str, release_id: &str, what: &str) {
    assert_eq!(reply.code(), code, "{what}: {}", reply.text());
    let body = reply.json();
    assert_eq!(body.as_object().unwrap().len(), 1, "{what}: {body}");
    let text = reply.text();
    for leak in [
        release_id,
        "330000",
        "income_pc",
        "panicked",
        ".rs:",
        "src/",
        "sqlx",
        "backtrace",
    ] {
        assert!(
            !text.contains(leak),
            "{what}: the error shows {leak:?}: {text}"
        );
    }
    assert_eq!(
        reply.header("content-type"),
        Some("application/json"),
        "{what}"
    );
}

#[tokio::test]
async fn every_route_refuses_without_a_token_and_with_too_low_a_role() {
    let api = Api::with_demo().await;
    let id = common::id_of(common::demo_release());
    let revoked = api.store.create_token(Role::Admin, "gone").await.unwrap();
    api.store.revoke_token(&revoked.info.id).await.unwrap();
    let secret = |role: Role| match role {
        Role::Viewer => api.viewer.clone(),
        Role::Analyst => api.analyst.clone(),
        Role::Admin => api.admin.clone(),
    };
    let mut protected = 0;
    for route in ROUTES {
        let what = format!("{} {}", route.method, route.path);
        let Access::Token(need) = route.access else {
            let reply = api.send(request(&route.method, route.path, None)).await;
            assert_eq!(reply.status, StatusCode::OK, "{what} is public");
            continue;
        };
        protected += 1;
        // no token, a malformed header, an unknown token, a revoked token: 401
        let none = api.send(request(&route.method, route.path, None)).await;
        assert_eq!(
            none.status,
            StatusCode::UNAUTHORIZED,
            "{what} without a token"
        );
        assert!(
            none.header("www-authenticate")
                .unwrap()
                .starts_with("Bearer")
        );
        assert_bare_error(&none, "unauthorized", &id, &what);
        let mut basic = request(&route.method, route.path, None);
        basic.headers_mut().insert(
            header::AUTHORIZATION,
            "Basic YWRtaW46YWRtaW4=".parse().unwrap(),
        );
        let basic = api.send(basic).await;
        assert_eq!(
            basic.status,
            StatusCode::UNAUTHORIZED,
            "{what} with Basic auth"
        );
        for bad in [
            "gf_0000000000000000000000000000000000000000000000000000000000000000",
            revoked.secret.as_str(),
        ] {
            let reply = api
                .send(request(&route.method, route.path, Some(bad)))
                .await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{what} with {bad}");
            assert_bare_error(&reply, "unauthorized", &id, &what);
        }
        // every role below the route's: 403
        for role in Role::ALL.into_iter().filter(|r| *r < need) {
            let reply = api
                .send(request(&route.method, route.path, Some(&secret(role))))
                .await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{what} as {role}");
            assert_bare_error(&reply, "forbidden", &id, &what);
            assert!(
                reply.text().contains(need.as_str()),
                "{what}: {}",
                reply.text()
            );
        }
        // the route's role and those above it get through
        for role in Role::ALL.into_iter().filter(|r| *r >= need) {
            let reply = api
                .send(request(&route.method, route.path, Some(&secret(role))))
                .await;
            assert!(
                reply.status != StatusCode::UNAUTHORIZED && reply.status != StatusCode::FORBIDDEN,
                "{what} as {role}: {} {}",
                reply.status,
                reply.text()
            );
        }
    }
    assert!(protected >= 15, "only {protected} protected routes");
}

#[tokio::test]
async fn every_route_of_the_table_is_routed() {
    let api = Api::with_demo().await;
    for route in ROUTES {
        let what = format!("{} {}", route.method, route.path);
        let reply = api
            .send(request(&route.method, route.path, Some(&api.admin)))
            .await;
        assert_ne!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{what}");
        assert!(
            !reply.text().contains("no such route"),
            "{what}: {}",
            reply.text()
        );
        assert_eq!(
            reply.header("content-type"),
            Some("application/json"),
            "{what}"
        );
    }
    // and nothing else is
    let reply = api.get("/api/v1/nothing", &api.admin).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.code(), "not_found");
    let put = api
        .send(
            Request::put("/api/v1/releases")
                .header(header::AUTHORIZATION, format!("Bearer {}", api.admin))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(put.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[test]
fn the_openapi_document_describes_exactly_the_routes_of_the_table() {
    let doc: serde_json::Value = serde_json::from_str(OPENAPI).expect("valid JSON");
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1."));
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let role = op["x-gongfu-role"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path}: no x-gongfu-role"));
            // the security requirement agrees with the role
            let secured = !op["security"].as_array().unwrap().is_empty();
            assert_eq!(secured, role != "public", "{method} {path}");
            // every path parameter is declared
            for name in path
                .split('{')
                .skip(1)
                .map(|s| s.split('}').next().unwrap())
            {
                assert!(
                    op["parameters"].as_array().is_some_and(|ps| ps
                        .iter()
                        .any(|p| p["name"] == name && p["in"] == "path")),
                    "{method} {path}: parameter {name} not declared"
                );
            }
            documented.insert((method.to_uppercase(), path.clone(), role.to_string()));
        }
    }
    let routed: BTreeSet<(String, String, String)> = ROUTES
        .iter()
        .map(|r| {
            let role = match r.access {
                Access::Public => "public".to_string(),
                Access::Token(role) => role.to_string(),
            };
            (r.method.to_string(), r.path.to_string(), role)
        })
        .collect();
    assert_eq!(documented, routed);
    // every reference resolves
    let text = OPENAPI;
    for r in text.split("\"$ref\": \"#/").skip(1) {
        let pointer = format!("/{}", r.split('"').next().unwrap());
        assert!(doc.pointer(&pointer).is_some(), "dangling $ref {pointer}");
    }
}

#[tokio::test]
async fn the_openapi_document_is_served_without_a_token() {
    let api = Api::new().await;
    let reply = api
        .send(
            Request::get("/api/v1/openapi.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.text(), OPENAPI);
}

#[tokio::test]
async fn responses_carry_security_headers_and_no_store() {
    let api = Api::with_demo().await;
    for (path, token) in [
        ("/api/v1/releases", api.viewer.as_str()),
        (
            "/api/v1/releases/latest/values?indicator=income_pc",
            api.viewer.as_str(),
        ),
        ("/api/v1/releases/latest", ""),
        ("/api/v1/nothing", api.viewer.as_str()),
    ] {
        let reply = api.get(path, token).await;
        assert_eq!(
            reply.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(reply.header("x-frame-options"), Some("DENY"), "{path}");
        assert_eq!(
            reply.header("referrer-policy"),
            Some("no-referrer"),
            "{path}"
        );
        if path != "/api/v1/nothing" {
            assert_eq!(reply.header("cache-control"), Some("no-store"), "{path}");
        }
    }
}

#[tokio::test]
async fn cors_is_closed_unless_configured() {
    let preflight = |origin: &str| {
        Request::builder()
            .method(Method::OPTIONS)
            .uri("/api/v1/releases")
            .header(header::ORIGIN, origin)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "GET")
            .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "authorization")
            .body(Body::empty())
            .unwrap()
    };
    let closed = Api::new().await;
    let reply = closed.send(preflight("https://dash.example.org")).await;
    assert_eq!(reply.header("access-control-allow-origin"), None);
    let mut get = Request::get("/api/v1/releases")
        .header(header::ORIGIN, "https://dash.example.org")
        .header(header::AUTHORIZATION, format!("Bearer {}", closed.viewer))
        .body(Body::empty())
        .unwrap();
    let reply = closed.send(get).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("access-control-allow-origin"), None);

    let open = Api::with(ServerConfig {
        cors_origins: vec!["https://dash.example.org".into()],
        ..ServerConfig::default()
    })
    .await;
    let reply = open.send(preflight("https://dash.example.org")).await;
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some("https://dash.example.org")
    );
    assert!(
        reply
            .header("access-control-allow-headers")
            .unwrap()
            .contains("authorization")
    );
    let reply = open.send(preflight("https://evil.example.com")).await;
    assert_eq!(reply.header("access-control-allow-origin"), None);
    get = Request::get("/api/v1/releases")
        .header(header::ORIGIN, "https://dash.example.org")
        .header(header::AUTHORIZATION, format!("Bearer {}", open.viewer))
        .body(Body::empty())
        .unwrap();
    let reply = open.send(get).await;
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some("https://dash.example.org")
    );

    // a malformed origin is refused when the server is built
    let dir = tempfile::tempdir().unwrap();
    let store = gongfu_store::Store::open(dir.path().join("s.sqlite").to_str().unwrap())
        .await
        .unwrap();
    for bad in [
        "dash.example.org",
        "https://dash.example.org/path",
        "ftp://x",
    ] {
        let err = gongfu_server::router(
            store.clone(),
            ServerConfig {
                cors_origins: vec![bad.into()],
                ..ServerConfig::default()
            },
        )
        .unwrap_err();
        assert!(
            matches!(err, ServerError::CorsOrigin { .. }),
            "{bad}: {err}"
        );
    }
}

fn fake_asset(path: &str) -> Option<(&'static [u8], &'static str)> {
    match path {
        "index.html" => Some((
            b"<!doctype html><title>gongfu</title>",
            "text/html; charset=utf-8",
        )),
        "vendor/echarts.min.js" => Some((b"/* echarts */", "text/javascript")),
        _ => None,
    }
}

#[tokio::test]
async fn the_dashboard_is_served_without_a_token_when_configured() {
    let api = Api::with(ServerConfig {
        assets: Some(fake_asset),
        ..ServerConfig::default()
    })
    .await;
    let get = |p: &str| Request::get(p).body(Body::empty()).unwrap();
    let index = api.send(get("/")).await;
    assert_eq!(index.status, StatusCode::OK);
    assert_eq!(index.text(), "<!doctype html><title>gongfu</title>");
    assert_eq!(
        index.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(index.header("x-content-type-options"), Some("nosniff"));
    let js = api.send(get("/assets/vendor/echarts.min.js")).await;
    assert_eq!(js.status, StatusCode::OK);
    assert_eq!(js.header("content-type"), Some("text/javascript"));
    assert_eq!(js.text(), "/* echarts */");
    assert_eq!(
        api.send(get("/assets/missing.js")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        api.send(get("/assets/../../etc/passwd")).await.status,
        StatusCode::NOT_FOUND
    );
    // the API still needs its token
    assert_eq!(
        api.send(get("/api/v1/releases")).await.status,
        StatusCode::UNAUTHORIZED
    );

    // without assets there is no page
    let bare = Api::new().await;
    let reply = bare.send(get("/")).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.code(), "not_found");
}
