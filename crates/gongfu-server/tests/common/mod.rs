//! The API under test: a real SQLite store in a temporary directory, a real
//! release of the demo province (1,000 households) computed once per test
//! binary, tokens of every role, and requests sent in-process.
#![allow(dead_code)]

use std::sync::OnceLock;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use gongfu_server::{ServerConfig, router};
use gongfu_store::{Role, Store};
use http_body_util::BodyExt;
use tower::ServiceExt;

/// The demo province's release as `gongfu monitor --format json` writes it.
pub fn demo_release() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let config = gongfu_monitor::write_demo(dir.path(), 1_000, 20_220_601).expect("demo");
        let config = gongfu_monitor::config::load(&config).expect("config");
        gongfu_monitor::run(&config).expect("run").to_json()
    })
}

/// The demo release with another id and every value scaled: a newer release
/// of the same province.
pub fn other_release(id: &str, scale: f64) -> String {
    let mut doc: serde_json::Value = serde_json::from_str(demo_release()).unwrap();
    doc["meta"]["release_id"] = id.into();
    for v in doc["values"].as_array_mut().unwrap() {
        if let Some(x) = v["value"].as_f64() {
            v["value"] = (x * scale).into();
        }
    }
    serde_json::to_string(&doc).unwrap()
}

/// The release id of a document.
pub fn id_of(doc: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(doc).unwrap();
    v["meta"]["release_id"].as_str().unwrap().to_string()
}

/// A server over a fresh store, with a token of each role.
pub struct Api {
    pub app: Router,
    pub store: Store,
    pub viewer: String,
    pub analyst: String,
    pub admin: String,
    _dir: tempfile::TempDir,
}

impl Api {
    pub async fn new() -> Api {
        Api::with(ServerConfig::default()).await
    }

    pub async fn with(config: ServerConfig) -> Api {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("api.sqlite").display());
        let store = Store::open(&url).await.unwrap();
        let viewer = store
            .create_token(Role::Viewer, "viewer")
            .await
            .unwrap()
            .secret;
        let analyst = store
            .create_token(Role::Analyst, "analyst")
            .await
            .unwrap()
            .secret;
        let admin = store
            .create_token(Role::Admin, "admin")
            .await
            .unwrap()
            .secret;
        let app = router(store.clone(), config).unwrap();
        Api {
            app,
            store,
            viewer,
            analyst,
            admin,
            _dir: dir,
        }
    }

    /// The store with the demo release published.
    pub async fn with_demo() -> Api {
        let api = Api::new().await;
        api.store.publish(demo_release(), "test").await.unwrap();
        api
    }

    pub async fn send(&self, req: Request<Body>) -> Reply {
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.send(
            Request::get(path)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    pub async fn post(
        &self,
        path: &str,
        token: &str,
        content_type: &str,
        body: impl Into<Body>,
    ) -> Reply {
        self.send(
            Request::post(path)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, content_type)
                .body(body.into())
                .unwrap(),
        )
        .await
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The error code of a JSON error response.
    pub fn code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}
