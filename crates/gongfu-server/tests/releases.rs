//! Releases through the API: publishing, the list, a release whole and its
//! filtered views, supersession, caching, and errors.

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use common::{Api, demo_release, id_of, other_release};
use gongfu_server::ServerConfig;
use serde_json::Value;

const JSON: &str = "application/json";

/// Asserts equality without printing whole releases.
#[track_caller]
fn same(got: &Value, want: &Value, what: &str) {
    if got != want {
        let (g, w) = (got.to_string(), want.to_string());
        let at = g.bytes().zip(w.bytes()).take_while(|(a, b)| a == b).count();
        let from = at.saturating_sub(80);
        panic!(
            "{what}: differs at byte {at} (lengths {} and {}):\n got …{}…\nwant …{}…",
            g.len(),
            w.len(),
            &g[from..(at + 80).min(g.len())],
            &w[from..(at + 80).min(w.len())]
        );
    }
}

fn parsed() -> Value {
    serde_json::from_str(demo_release()).unwrap()
}

/// The rows of `section` of the demo release accepted by `keep`.
fn rows(section: &str, keep: impl Fn(&Value) -> bool) -> Vec<Value> {
    parsed()[section]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| keep(r))
        .cloned()
        .collect()
}

#[tokio::test]
async fn publish_list_and_read_a_release() {
    let api = Api::new().await;
    let id = id_of(demo_release());
    // nothing yet
    let list = api.get("/api/v1/releases", &api.viewer).await;
    assert_eq!(list.json(), serde_json::json!({"releases": []}));
    let latest = api.get("/api/v1/releases/latest", &api.viewer).await;
    assert_eq!(latest.status, StatusCode::NOT_FOUND);
    assert_eq!(latest.code(), "not_found");

    let reply = api
        .post(
            "/api/v1/releases",
            &api.analyst,
            JSON,
            demo_release().to_string(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let body = reply.json();
    assert_eq!(body["outcome"], "published");
    assert_eq!(body["release"]["id"], id.as_str());
    assert_eq!(body["release"]["province"], "330000");
    let analyst = api
        .store
        .tokens()
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.label == "analyst")
        .unwrap();
    assert_eq!(
        body["release"]["published_by"],
        format!("analyst (token {})", analyst.id)
    );
    assert_eq!(
        reply.header("location"),
        Some(format!("/api/v1/releases/{id}").as_str())
    );
    let n_values = parsed()["values"].as_array().unwrap().len();
    assert_eq!(body["release"]["values"], n_values);
    // again: nothing written
    let again = api
        .post(
            "/api/v1/releases",
            &api.analyst,
            JSON,
            demo_release().to_string(),
        )
        .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json()["outcome"], "already_published");
    assert_eq!(again.json()["release"], body["release"]);

    let list = api.get("/api/v1/releases", &api.viewer).await.json();
    assert_eq!(list["releases"].as_array().unwrap().len(), 1);
    let info = &list["releases"][0];
    assert_eq!(info["id"], id.as_str());
    assert_eq!(info["years"], parsed()["meta"]["years"]);
    assert_eq!(info["created"], parsed()["meta"]["created"]);
    assert_eq!(info["version"], parsed()["meta"]["version"]);
    assert_eq!(info["supersedes"], Value::Null);
    assert_eq!(info["superseded_by"], Value::Null);
    let filtered = api
        .get("/api/v1/releases?province=320000", &api.viewer)
        .await;
    assert_eq!(filtered.json()["releases"], serde_json::json!([]));
    let filtered = api
        .get("/api/v1/releases?province=330000", &api.viewer)
        .await;
    assert_eq!(filtered.json()["releases"].as_array().unwrap().len(), 1);

    // whole, byte for byte, by id and as latest
    for path in [
        format!("/api/v1/releases/{id}"),
        "/api/v1/releases/latest".to_string(),
    ] {
        let reply = api.get(&path, &api.viewer).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert_eq!(reply.text(), demo_release(), "{path}");
    }
}

#[tokio::test]
async fn views_filter_the_release() {
    let api = Api::with_demo().await;
    let id = id_of(demo_release());
    let get = |path: String| {
        let api = &api;
        async move {
            let reply = api.get(&path, &api.viewer).await;
            assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text());
            reply.json()
        }
    };
    // values: every filter, lists, by id and as latest
    let want = rows("values", |v| {
        v["indicator"] == "income_pc" && v["scope"] == "county"
    });
    assert!(want.len() >= 90 * 6, "{}", want.len());
    for base in [
        format!("/api/v1/releases/{id}"),
        "/api/v1/releases/latest".into(),
    ] {
        let got = get(format!("{base}/values?indicator=income_pc&scope=county")).await;
        assert_eq!(got["release"], id.as_str());
        same(&got["values"], &Value::Array(want.clone()), "values");
    }
    let got = get(format!(
        "/api/v1/releases/{id}/values?indicator=income_pc,gini&region=330000&year=2021,2025"
    ))
    .await;
    let want = rows("values", |v| {
        (v["indicator"] == "income_pc" || v["indicator"] == "gini")
            && v["region"] == "330000"
            && (v["year"] == 2021 || v["year"] == 2025)
    });
    assert_eq!(want.len(), 4);
    same(&got["values"], &Value::Array(want), "values");
    let all = get(format!("/api/v1/releases/{id}/values")).await;
    same(&all["values"], &parsed()["values"], "all values");
    // every figure exactly as published: the same tokens, only the white space differs
    let text = api
        .get(&format!("/api/v1/releases/{id}/values"), &api.viewer)
        .await
        .text();
    let sections: std::collections::BTreeMap<String, Box<serde_json::value::RawValue>> =
        serde_json::from_str(demo_release()).unwrap();
    let published: String = {
        let raw = sections["values"].get();
        let (mut out, mut in_string, mut escaped) = (String::new(), false, false);
        for c in raw.chars() {
            if in_string {
                out.push(c);
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    in_string = false;
                }
            } else if !c.is_whitespace() {
                in_string = c == '"';
                out.push(c);
            }
        }
        out
    };
    assert!(
        text == format!("{{\"release\":\"{id}\",\"values\":{published}}}"),
        "values differ from the published text"
    );
    let none = get(format!("/api/v1/releases/{id}/values?indicator=no_such")).await;
    assert_eq!(none["values"], serde_json::json!([]));

    // progress, schools, indicators
    let got = get("/api/v1/releases/latest/progress?indicator=income_pc".into()).await;
    let want = rows("progress", |p| p["indicator"] == "income_pc");
    assert!(!want.is_empty());
    same(&got["progress"], &Value::Array(want), "progress");
    let county = parsed()["schools"][0]["county"]
        .as_str()
        .unwrap()
        .to_string();
    let got = get(format!(
        "/api/v1/releases/latest/schools?county={county}&year=2025"
    ))
    .await;
    let want = rows("schools", |s| {
        s["county"] == county.as_str() && s["year"] == 2025
    });
    assert!(!want.is_empty());
    same(&got["schools"], &Value::Array(want), "schools");
    let got = get("/api/v1/releases/latest/indicators".into()).await;
    same(&got["indicators"], &parsed()["indicators"], "indicators");
    let got = get("/api/v1/releases/latest/indicators?source=admin".into()).await;
    same(
        &got["indicators"],
        &Value::Array(rows("indicators", |i| i["source"] == "admin")),
        "admin indicators",
    );

    // sections that are one object
    let got = get("/api/v1/releases/latest/index".into()).await;
    same(&got["index"], &parsed()["index"], "index");
    assert!(got["index"]["units"].as_array().unwrap().len() >= 90);
    let got = get("/api/v1/releases/latest/convergence".into()).await;
    same(&got["convergence"], &parsed()["convergence"], "convergence");
    assert!(got["convergence"].is_object());

    // regions: filtered regions, all groups and pairings
    let got = get("/api/v1/releases/latest/regions?level=county".into()).await;
    let counties = got["regions"].as_array().unwrap();
    assert_eq!(counties.len(), 90);
    assert!(counties.iter().all(|r| r["level"] == "county"));
    same(&got["groups"], &parsed()["regions"]["groups"], "groups");
    same(
        &got["pairings"],
        &parsed()["regions"]["pairings"],
        "pairings",
    );
    let got = get("/api/v1/releases/latest/regions?level=city".into()).await;
    assert_eq!(got["regions"].as_array().unwrap().len(), 11);

    // distributions: whatever the release has, filtered
    let got = get("/api/v1/releases/latest/distribution?region=330000&year=2025".into()).await;
    let want = match parsed().get("distributions") {
        Some(Value::Array(_)) => rows("distributions", |d| {
            d["region"] == "330000" && d["year"] == 2025
        }),
        _ => Vec::new(),
    };
    same(&got["distributions"], &Value::Array(want), "distributions");
}

#[tokio::test]
async fn distributions_of_a_release_are_served_filtered() {
    // a release with a `distributions` array, as releases will carry
    let mut doc = parsed();
    doc["meta"]["release_id"] = "d15t000000000001".into();
    doc["distributions"] = serde_json::json!([
        {"region": "330000", "scope": "province", "year": 2024,
         "lorenz": [{"p": 0.2, "value": 0.07, "se": 0.001}], "quintile_means": [{"group": 1, "value": 18000.0, "se": 210.0}], "middle_share": 0.62},
        {"region": "330000", "scope": "province", "year": 2025,
         "lorenz": [{"p": 0.2, "value": 0.075, "se": 0.001}], "quintile_means": [], "middle_share": 0.64},
        {"region": "330100", "scope": "city", "year": 2025,
         "lorenz": [], "quintile_means": [], "middle_share": 0.7}
    ]);
    let api = Api::new().await;
    api.store
        .publish(&serde_json::to_string(&doc).unwrap(), "test")
        .await
        .unwrap();
    let got = api
        .get(
            "/api/v1/releases/d15t000000000001/distribution?region=330000&year=2025",
            &api.viewer,
        )
        .await
        .json();
    assert_eq!(
        got["distributions"],
        serde_json::json!([doc["distributions"][1]])
    );
    let got = api
        .get(
            "/api/v1/releases/latest/distribution?scope=province",
            &api.viewer,
        )
        .await
        .json();
    assert_eq!(got["distributions"].as_array().unwrap().len(), 2);
    let got = api
        .get("/api/v1/releases/latest/distribution", &api.viewer)
        .await
        .json();
    assert_eq!(got["distributions"], doc["distributions"]);
}

#[tokio::test]
async fn a_newer_release_supersedes_and_the_old_one_stays_readable() {
    let api = Api::with_demo().await;
    let old = id_of(demo_release());
    let newer = other_release("5ee0000000000002", 1.1);
    let reply = api
        .post("/api/v1/releases", &api.analyst, JSON, newer.clone())
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(reply.json()["release"]["supersedes"], old.as_str());
    // seen at once: publishing through the server refreshes its caches
    let latest = api.get("/api/v1/releases/latest", &api.viewer).await;
    assert_eq!(latest.text(), newer);
    let list = api.get("/api/v1/releases", &api.viewer).await.json();
    let ids: Vec<&str> = list["releases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["5ee0000000000002", old.as_str()]);
    assert_eq!(list["releases"][1]["superseded_by"], "5ee0000000000002");
    let old_doc = api
        .get(&format!("/api/v1/releases/{old}"), &api.viewer)
        .await;
    assert_eq!(old_doc.text(), demo_release());
    let v_old = api
        .get(
            &format!("/api/v1/releases/{old}/values?indicator=income_pc&region=330000&year=2025"),
            &api.viewer,
        )
        .await
        .json();
    let v_new = api
        .get(
            "/api/v1/releases/latest/values?indicator=income_pc&region=330000&year=2025",
            &api.viewer,
        )
        .await
        .json();
    let (a, b) = (
        v_old["values"][0]["value"].as_f64().unwrap(),
        v_new["values"][0]["value"].as_f64().unwrap(),
    );
    assert!((b / a - 1.1).abs() < 1e-12, "{a} {b}");
}

#[tokio::test]
async fn releases_published_elsewhere_are_seen_within_the_cache_lifetime() {
    let api = Api::with(ServerConfig {
        cache_ttl: Duration::from_millis(200),
        ..ServerConfig::default()
    })
    .await;
    api.store.publish(demo_release(), "cli").await.unwrap();
    let first = api
        .get(
            "/api/v1/releases/latest/values?region=330000&indicator=income_pc",
            &api.viewer,
        )
        .await;
    assert_eq!(first.json()["release"], id_of(demo_release()).as_str());
    // published by another process straight into the store
    api.store
        .publish(&other_release("e15e000000000003", 2.0), "cli")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let second = api
        .get(
            "/api/v1/releases/latest/values?region=330000&indicator=income_pc",
            &api.viewer,
        )
        .await;
    assert_eq!(second.json()["release"], "e15e000000000003");
    let list = api.get("/api/v1/releases", &api.viewer).await.json();
    assert_eq!(list["releases"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn bad_reads_are_json_errors() {
    let api = Api::with_demo().await;
    let cases = [
        (
            "/api/v1/releases/0000000000000000",
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "/api/v1/releases/0000000000000000/values",
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "/api/v1/releases/..%2F..%2Fetc/values",
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "/api/v1/releases/latest/values?indicatr=income_pc",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/api/v1/releases/latest/values?year=twenty",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/api/v1/releases/latest/values?year=2020&year=2021",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/api/v1/releases/latest/index?x=1",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/api/v1/releases/latest?province=1",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
    ];
    for (path, status, code) in cases {
        let reply = api.get(path, &api.viewer).await;
        assert_eq!(reply.status, status, "{path}: {}", reply.text());
        assert_eq!(reply.code(), code, "{path}");
    }
    let long = format!("/api/v1/releases/{}", "a".repeat(5000));
    assert_eq!(
        api.get(&long, &api.viewer).await.status,
        StatusCode::NOT_FOUND
    );
    let reply = api
        .get(
            "/api/v1/releases/latest/values?indicatr=income_pc",
            &api.viewer,
        )
        .await;
    assert!(
        reply.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("indicatr")
    );
}

#[tokio::test]
async fn bad_publications_are_refused_with_json_errors() {
    let api = Api::with(ServerConfig {
        body_limit: 1 << 20,
        ..ServerConfig::default()
    })
    .await;
    let post = |ct: &'static str, body: String| {
        let api = &api;
        async move { api.post("/api/v1/releases", &api.analyst, ct, body).await }
    };
    let r = post("text/plain", "{}".into()).await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
    );
    let r = post(JSON, "{\"meta\": ".into()).await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_release")
    );
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not valid JSON")
    );
    let r = post(JSON, "{\"meta\": {\"release_id\": 7}}".into()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.json()["error"]["message"],
        "meta.release_id: expected a string, found a number"
    );
    // larger than the limit (the demo release is several MB)
    let r = post(JSON, demo_release().to_string()).await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, "too_large")
    );
    // the same id with other values
    let small = {
        let mut d = parsed();
        d["values"] = serde_json::json!([d["values"][0]]);
        for k in ["index", "convergence", "schools", "progress", "regions"] {
            d[k] = Value::Null;
        }
        serde_json::to_string(&d).unwrap()
    };
    assert_eq!(post(JSON, small.clone()).await.status, StatusCode::CREATED);
    let mut changed: Value = serde_json::from_str(&small).unwrap();
    changed["values"][0]["value"] = 1.0.into();
    let r = post(JSON, serde_json::to_string(&changed).unwrap()).await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::CONFLICT, "conflict")
    );
    // not UTF-8
    let r = api
        .post(
            "/api/v1/releases",
            &api.analyst,
            JSON,
            vec![0xffu8, 0xfe, 0x00],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(api.store.list().await.unwrap().len(), 1);
}
