//! Releases: the list, a release whole, filtered views of its sections, and
//! publishing.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use gongfu_store::Outcome;
use std::collections::BTreeMap;

use serde_json::Value;
use serde_json::value::RawValue;

use crate::error::ApiError;
use crate::routes::Caller;
use crate::state::{AppState, Doc, list_body};

/// A JSON response from bytes already serialised.
pub(crate) fn json_bytes(status: StatusCode, body: Bytes) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

type RawParams = Result<Query<Vec<(String, String)>>, QueryRejection>;

/// Query parameters, checked against those a route takes.
#[derive(Debug)]
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    /// Refuses unknown and repeated parameters (a misspelt filter must not
    /// silently return everything).
    pub fn parse(raw: RawParams, allowed: &[&str]) -> Result<Params, ApiError> {
        let Query(pairs) =
            raw.map_err(|e| ApiError::bad_parameter(format!("bad query string: {e}")))?;
        for (i, (k, _)) in pairs.iter().enumerate() {
            if !allowed.contains(&k.as_str()) {
                let takes = if allowed.is_empty() {
                    "this route takes no parameters".to_string()
                } else {
                    format!("this route takes {}", allowed.join(", "))
                };
                return Err(ApiError::bad_parameter(format!(
                    "unknown parameter {k:?} ({takes})"
                )));
            }
            if pairs[..i].iter().any(|(k2, _)| k2 == k) {
                return Err(ApiError::bad_parameter(format!(
                    "parameter {k:?} given twice (give several values as a comma-separated list)"
                )));
            }
        }
        Ok(Params(pairs))
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A comma-separated list of values.
    pub fn list(&self, key: &str) -> Option<Vec<&str>> {
        self.get(key).map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect()
        })
    }

    /// The parameters in a canonical order, to key cached responses.
    pub fn canonical(&self) -> String {
        let mut pairs: Vec<String> = self.0.iter().map(|(k, v)| format!("{k}={v}")).collect();
        pairs.sort_unstable();
        pairs.join("&")
    }
}

/// A filter on one field of the objects of an array.
enum Match<'a> {
    Text(&'static str, Vec<&'a str>),
    Int(&'static str, Vec<i64>),
}

impl Match<'_> {
    fn accepts(&self, row: &Value) -> bool {
        match self {
            Match::Text(field, wanted) => row
                .get(field)
                .and_then(Value::as_str)
                .is_some_and(|v| wanted.contains(&v)),
            Match::Int(field, wanted) => row
                .get(field)
                .and_then(Value::as_i64)
                .is_some_and(|v| wanted.contains(&v)),
        }
    }
}

/// The filters of `params`: text fields and year-like integer fields.
fn matches<'a>(
    params: &'a Params,
    text: &[&'static str],
    ints: &[&'static str],
) -> Result<Vec<Match<'a>>, ApiError> {
    let mut out = Vec::new();
    for &f in text {
        if let Some(v) = params.list(f) {
            out.push(Match::Text(f, v));
        }
    }
    for &f in ints {
        if let Some(v) = params.list(f) {
            let years = v
                .iter()
                .map(|s| {
                    s.parse::<i64>().map_err(|_| {
                        ApiError::bad_parameter(format!("{f}: {s:?} is not an integer"))
                    })
                })
                .collect::<Result<Vec<i64>, ApiError>>()?;
            out.push(Match::Int(f, years));
        }
    }
    Ok(out)
}

/// Appends JSON text without the white space between its tokens (the
/// tokens themselves, numbers and strings, are copied as they are).
pub(crate) fn minify_into(out: &mut Vec<u8>, json: &str) {
    let (mut in_string, mut escaped) = (false, false);
    for &b in json.as_bytes() {
        if in_string {
            out.push(b);
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else {
            match b {
                b' ' | b'\n' | b'\r' | b'\t' => {}
                b'"' => {
                    in_string = true;
                    out.push(b);
                }
                _ => out.push(b),
            }
        }
    }
}

/// `{"release": ID, KEY: ` — to be closed by the caller.
fn open_envelope(doc: &Doc, key: &str) -> Result<Vec<u8>, ApiError> {
    let mut out = Vec::with_capacity(4096);
    out.extend_from_slice(b"{\"release\":");
    serde_json::to_writer(&mut out, &doc.id).map_err(|e| ApiError::internal("serialising", e))?;
    out.push(b',');
    serde_json::to_writer(&mut out, key).map_err(|e| ApiError::internal("serialising", e))?;
    out.push(b':');
    Ok(out)
}

/// The elements of a JSON array given as text (nothing if it is not one).
fn elements(text: Option<&RawValue>) -> Vec<&RawValue> {
    text.and_then(|t| serde_json::from_str::<Vec<&RawValue>>(t.get()).ok())
        .unwrap_or_default()
}

/// Appends `[rows accepted by every filter]`, each row as published.
fn filtered_array(
    out: &mut Vec<u8>,
    rows: &[&RawValue],
    filters: &[Match<'_>],
) -> Result<(), ApiError> {
    out.push(b'[');
    let mut first = true;
    for row in rows {
        if !filters.is_empty() {
            let fields: Value = serde_json::from_str(row.get())
                .map_err(|e| ApiError::internal("a stored row", e))?;
            if !filters.iter().all(|f| f.accepts(&fields)) {
                continue;
            }
        }
        if !first {
            out.push(b',');
        }
        first = false;
        minify_into(out, row.get());
    }
    out.push(b']');
    Ok(())
}

/// `{"release": ID, KEY: [...]}`: the rows of the release's array `key`
/// accepted by every filter (an absent array is empty).
fn filtered(doc: &Doc, key: &str, filters: &[Match<'_>]) -> Result<Vec<u8>, ApiError> {
    let rows = elements(doc.sections.get(key).map(|b| &**b));
    let mut out = open_envelope(doc, key)?;
    filtered_array(&mut out, &rows, filters)?;
    out.push(b'}');
    Ok(out)
}

/// A view of a release: the cached response, or one built by `make`.
async fn view(
    state: &AppState,
    id: &str,
    name: &str,
    params: &Params,
    make: impl FnOnce(&Doc) -> Result<Vec<u8>, ApiError>,
) -> Result<Response, ApiError> {
    let doc = state.doc(id).await?;
    let key = format!("{name}?{}", params.canonical());
    let body = doc.view(&key, make)?;
    Ok(json_bytes(StatusCode::OK, body))
}

/// `GET /api/v1/releases[?province=]`.
pub(crate) async fn list(
    State(state): State<AppState>,
    q: RawParams,
) -> Result<Response, ApiError> {
    let params = Params::parse(q, &["province"])?;
    let body = match params.list("province") {
        None => state.list_json().await?,
        Some(provinces) => {
            let all = state.list().await?;
            let some: Vec<_> = all
                .iter()
                .filter(|r| provinces.contains(&r.province.as_str()))
                .cloned()
                .collect();
            Bytes::from(list_body(&some)?)
        }
    };
    Ok(json_bytes(StatusCode::OK, body))
}

/// `GET /api/v1/releases/{id}`: the document as published.
pub(crate) async fn whole(
    State(state): State<AppState>,
    Path(id): Path<String>,
    q: RawParams,
) -> Result<Response, ApiError> {
    Params::parse(q, &[])?;
    let doc = state.doc(&id).await?;
    Ok(json_bytes(StatusCode::OK, doc.raw.clone()))
}

/// `GET /api/v1/releases/latest`.
pub(crate) async fn latest(
    State(state): State<AppState>,
    q: RawParams,
) -> Result<Response, ApiError> {
    Params::parse(q, &[])?;
    let doc = state.doc("latest").await?;
    Ok(json_bytes(StatusCode::OK, doc.raw.clone()))
}

/// `GET …/values?indicator=&region=&scope=&year=`.
pub(crate) async fn values(
    State(state): State<AppState>,
    Path(id): Path<String>,
    q: RawParams,
) -> Result<Response, ApiError> {
    let params = Params::parse(q, &["indicator", "region", "scope", "year"])?;
    let m = matches(&params, &["indicator", "region", "scope"], &["year"])?;
    view(&state, &id, "values", &params, |d| {
        filtered(d, "values", &m)
    })
    .await
}

/// `GET …/progress?indicator=&scope=`.
pub(crate) async fn progress(
    State(state): State<AppState>,
    Path(id): Path<String>,
    q: RawParams,
) -> Result<Response, ApiError> {
    let params = Params::parse(q, &["indicator", "scope"])?;
    let m = matches(&params, &["indicator", "scope"], &[])?;
    view(&state, &id, "progress", &params, |d| {
        filtered(d, "progress", &m)
    })
    .await
}

/// `GET …/schools?county=&year=&level=&regime=`.
pub(crate) async fn schools(
    State(state): State<AppState>,
    Path(id): Path<String>,
    q: RawParams,
) -> Result<Response, ApiError> {
    let params = Params::parse(q, &["county", "year", "level", "regime"])?;
    let m = matches(&params, &["county", "level", "regime"], &["year"])?;
    view(&state, &id, "schools", &params, |d| {
        filtered(d, "schools", &m)
    })
    .await
}

/// `GET …/distribution?region=&scope=&year=`: the release's `distributions`.
pub(crate) async fn distribution(
    State(state): State<AppState>,
    Path(id): Path<String>,
    q: RawParams,
) -> Result<Response, ApiError> {
    let params = Params::parse(q, &["region", "scope", "year"])?;
    let m = matches(&params, &["region", "scope"], &["year"])?;
    view(&state, &id, "distribution", &params, |d| {
        filtered(d, "distributions", &m)
    })
    .await
}

/// `GET …/indicators?id=&source=`.
pub(crate) async fn indicators(
    State(state): State<AppState>,
    Path(id): Path<String>,
    q: RawParams,
) -> Result<Response, ApiError> {
    let params = Params::parse(q, &["id", "source"])?;
    let m = matches(&params, &["id", "source"], &[])?;
    view(&state, &id, "indicators", &params, |d| {
        filtered(d, "indicators", &m)
    })
    .await
}

/// A section that is one object (or null).
async fn section(
    state: &AppState,
    id: &str,
    key: &'static str,
    q: RawParams,
) -> Result<Response, ApiError> {
    let params = Params::parse(q, &[])?;
    view(state, id, key, &params, |d| {
        let mut out = open_envelope(d, key)?;
        minify_into(&mut out, d.sections.get(key).map_or("null", |v| v.get()));
        out.push(b'}');
        Ok(out)
    })
    .await
}

/// `GET …/index`.
pub(crate) async fn index(
    State(state): State<AppState>,
    Path(id): Path<String>,
    q: RawParams,
) -> Result<Response, ApiError> {
    section(&state, &id, "index", q).await
}

/// `GET …/convergence`.
pub(crate) async fn convergence(
    State(state): State<AppState>,
    Path(id): Path<String>,
    q: RawParams,
) -> Result<Response, ApiError> {
    section(&state, &id, "convergence", q).await
}

/// `GET …/regions?level=&parent=`: regions, groups and pairings.
pub(crate) async fn regions(
    State(state): State<AppState>,
    Path(id): Path<String>,
    q: RawParams,
) -> Result<Response, ApiError> {
    let params = Params::parse(q, &["level", "parent"])?;
    let m = matches(&params, &["level", "parent"], &[])?;
    view(&state, &id, "regions", &params, |d| {
        let registry: BTreeMap<String, &RawValue> = d
            .sections
            .get("regions")
            .and_then(|r| serde_json::from_str(r.get()).ok())
            .unwrap_or_default();
        let mut out = open_envelope(d, "regions")?;
        filtered_array(&mut out, &elements(registry.get("regions").copied()), &m)?;
        for key in ["groups", "pairings"] {
            out.extend_from_slice(format!(",\"{key}\":").as_bytes());
            filtered_array(&mut out, &elements(registry.get(key).copied()), &[])?;
        }
        out.push(b'}');
        Ok(out)
    })
    .await
}

/// Reads a request body up to `limit` bytes: 413 beyond.
pub(crate) async fn read_body(req: Request, limit: usize) -> Result<Bytes, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("the body is larger than the limit of {limit} bytes"),
        )
    };
    if let Some(len) = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        && len > limit as u64
    {
        return Err(too_large());
    }
    axum::body::to_bytes(req.into_body(), limit)
        .await
        .map_err(|e| {
            let inner = e.into_inner();
            if inner
                .downcast_ref::<http_body_util::LengthLimitError>()
                .is_some()
            {
                too_large()
            } else {
                ApiError::bad_parameter(format!("cannot read the body: {inner}"))
            }
        })
}

/// The media type of a request, lower-case, without parameters.
pub(crate) fn media_type(req: &Request) -> Option<String> {
    let v = req.headers().get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(
        v.split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase(),
    )
}

/// Who published: the token's label (its first 160 characters) and id.
pub(crate) fn publisher(caller: &Caller) -> String {
    let t = &caller.0;
    if t.label.is_empty() {
        format!("token {}", t.id)
    } else {
        let label: String = t.label.chars().take(160).collect();
        format!("{label} (token {})", t.id)
    }
}

/// `POST /api/v1/releases`: body = a release document (`application/json`).
pub(crate) async fn publish(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    req: Request,
) -> Result<Response, ApiError> {
    if media_type(&req).as_deref() != Some("application/json") {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "a release is published as Content-Type: application/json",
        ));
    }
    let body = read_body(req, state.config.body_limit).await?;
    let text = std::str::from_utf8(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("the body is not UTF-8: {e}"),
        )
    })?;
    let published = state.store.publish(text, &publisher(&caller)).await?;
    state.releases_changed();
    let (status, outcome) = match published.outcome {
        Outcome::Published => (StatusCode::CREATED, "published"),
        Outcome::AlreadyPublished => (StatusCode::OK, "already_published"),
    };
    let body = serde_json::to_vec(&serde_json::json!({
        "outcome": outcome,
        "release": published.release,
    }))
    .map_err(|e| ApiError::internal("serialising", e))?;
    let mut r = json_bytes(status, Bytes::from(body));
    if let Ok(loc) = HeaderValue::from_str(&format!("/api/v1/releases/{}", published.release.id)) {
        r.headers_mut().insert(header::LOCATION, loc);
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::minify_into;

    #[test]
    fn minifying_keeps_every_token_as_written() {
        let text =
            "{\n  \"a b\": [1.0000000000000002, -3e-7 ,\t\"x \\\" y\\\\\"],\r\n  \"c\": null }";
        let mut out = Vec::new();
        minify_into(&mut out, text);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"a b\":[1.0000000000000002,-3e-7,\"x \\\" y\\\\\"],\"c\":null}"
        );
    }
}
