//! Token management through the API: the secret is shown once, works at
//! once, is never listed, and stops working when revoked.

mod common;

use axum::http::StatusCode;
use common::Api;

const JSON: &str = "application/json";

#[tokio::test]
async fn create_use_list_and_revoke_a_token() {
    let api = Api::with_demo().await;
    let created = api
        .post(
            "/api/v1/tokens",
            &api.admin,
            JSON,
            r#"{"role": "viewer", "label": "wall screen"}"#,
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let t = created.json();
    let secret = t["secret"].as_str().unwrap().to_string();
    let id = t["id"].as_str().unwrap().to_string();
    assert!(secret.starts_with("gf_") && secret.len() == 67);
    assert_eq!(t["role"], "viewer");
    assert_eq!(t["label"], "wall screen");
    assert_eq!(t["revoked"], serde_json::Value::Null);

    // it works at once, with its role only
    assert_eq!(
        api.get("/api/v1/releases", &secret).await.status,
        StatusCode::OK
    );
    let r = api
        .post("/api/v1/tokens", &secret, JSON, r#"{"role": "admin"}"#)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // listed, without any secret or hash
    let list = api.get("/api/v1/tokens", &api.admin).await;
    assert_eq!(list.status, StatusCode::OK);
    let text = list.text();
    assert!(!text.contains(&secret));
    assert!(!text.contains(&gongfu_store::hash_secret(&secret)));
    assert!(!text.contains("gf_"));
    let tokens = list.json()["tokens"].as_array().unwrap().clone();
    assert_eq!(tokens.len(), 4);
    assert!(
        tokens
            .iter()
            .any(|t| t["id"] == id.as_str() && t["label"] == "wall screen")
    );

    // revoked: refused at once, still listed
    let del = api
        .send(
            axum::http::Request::delete(format!("/api/v1/tokens/{id}"))
                .header("authorization", format!("Bearer {}", api.admin))
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(del.status, StatusCode::OK);
    assert!(del.json()["token"]["revoked"].is_string());
    let r = api.get("/api/v1/releases", &secret).await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::UNAUTHORIZED, "unauthorized")
    );
    let list = api.get("/api/v1/tokens", &api.admin).await.json();
    let revoked = list["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id.as_str())
        .unwrap()
        .clone();
    assert!(revoked["revoked"].is_string());

    let missing = api
        .send(
            axum::http::Request::delete("/api/v1/tokens/ffffffffffff")
                .header("authorization", format!("Bearer {}", api.admin))
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(
        (missing.status, missing.code().as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );
}

#[tokio::test]
async fn bad_token_requests_are_refused() {
    let api = Api::new().await;
    let cases = [
        (JSON, r#"{"role": "root"}"#, StatusCode::BAD_REQUEST),
        (JSON, r#"{"label": "x"}"#, StatusCode::BAD_REQUEST),
        (
            JSON,
            r#"{"role": "viewer", "secret": "mine"}"#,
            StatusCode::BAD_REQUEST,
        ),
        (JSON, "not json", StatusCode::BAD_REQUEST),
        (
            JSON,
            r#"{"role": "viewer", "label": "a\u0007b"}"#,
            StatusCode::BAD_REQUEST,
        ),
        (
            "text/plain",
            r#"{"role": "viewer"}"#,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
    ];
    for (ct, body, status) in cases {
        let r = api.post("/api/v1/tokens", &api.admin, ct, body).await;
        assert_eq!(r.status, status, "{body}: {}", r.text());
        assert!(!r.code().is_empty(), "{body}");
    }
    assert_eq!(api.store.tokens().await.unwrap().len(), 3);
}

#[tokio::test]
async fn a_token_with_the_longest_label_can_publish() {
    let api = Api::new().await;
    let label = "x".repeat(gongfu_store::MAX_LABEL_LEN);
    let body = serde_json::json!({"role": "analyst", "label": label}).to_string();
    let created = api.post("/api/v1/tokens", &api.admin, JSON, body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let secret = created.json()["secret"].as_str().unwrap().to_string();
    let doc = serde_json::json!({
        "meta": {"release_id": "1abe100000000001", "created": "2026-01-01T00:00:00Z",
                 "version": "0.1.0", "province": "330000", "years": [2024, 2025]},
        "values": []
    })
    .to_string();
    let r = api.post("/api/v1/releases", &secret, JSON, doc).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let by = r.json()["release"]["published_by"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        by.starts_with(&"x".repeat(160)) && by.contains("(token "),
        "{by}"
    );
}
