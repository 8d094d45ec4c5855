//! The gongfu dashboard: one browser app, its static assets embedded in the
//! binary, and the self-contained offline report.
//!
//! The app (`assets/app.js`, plain JavaScript without a build step) draws a
//! monitoring release — the JSON of `gongfu monitor` — with the vendored
//! ECharts (`assets/vendor/echarts.min.js`, pinned in `web/package.json`).
//! It has two data sources:
//!
//! - **served** (`gongfu serve`): the server answers `GET /` with
//!   [`asset`]`("index.html")` and `GET /assets/{path}` with [`asset`]`(path)`;
//!   the app reads the releases from the HTTP API;
//! - **embedded** ([`report_html`]): one HTML file with the app, its style,
//!   ECharts and the release inlined, which opens from `file://` with no
//!   server and no network.
//!
//! ```
//! let (html, content_type) = gongfu_dashboard::asset("index.html").unwrap();
//! assert_eq!(content_type, "text/html; charset=utf-8");
//! assert!(std::str::from_utf8(html).unwrap().contains("/assets/app.js"));
//!
//! let release = r#"{"meta": {"release_id": "0123456789abcdef", "province": "33"},
//!                   "regions": {"regions": []}, "indicators": [], "values": []}"#;
//! let report = gongfu_dashboard::report_html(release).unwrap();
//! assert!(report.contains(r#"<script type="application/json" id="release">"#));
//! assert!(report.contains("0123456789abcdef"));
//! assert!(!report.contains("/assets/app.js"));
//! ```

#![deny(missing_docs)]

use serde_json::Value as Json;

/// The version of ECharts vendored in `assets/vendor/echarts.min.js`; equal
/// to the version pinned in `web/package.json` (checked by the tests).
pub const ECHARTS_VERSION: &str = "6.1.0";

const INDEX_HTML: &str = include_str!("../assets/index.html");
const APP_JS: &str = include_str!("../assets/app.js");
const STYLE_CSS: &str = include_str!("../assets/style.css");
const ECHARTS_JS: &str = include_str!("../assets/vendor/echarts.min.js");

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";

/// Every asset: its path under `/assets/`, its bytes and its content type.
const ASSETS: &[(&str, &[u8], &str)] = &[
    ("index.html", INDEX_HTML.as_bytes(), HTML),
    ("app.js", APP_JS.as_bytes(), JS),
    ("style.css", STYLE_CSS.as_bytes(), CSS),
    ("vendor/echarts.min.js", ECHARTS_JS.as_bytes(), JS),
    (
        "vendor/echarts.LICENSE.txt",
        include_bytes!("../assets/vendor/echarts.LICENSE.txt"),
        TEXT,
    ),
    (
        "vendor/echarts.NOTICE.txt",
        include_bytes!("../assets/vendor/echarts.NOTICE.txt"),
        TEXT,
    ),
];

/// The tags of `index.html` that load the style and scripts from the server;
/// [`report_html`] replaces each with the file's content inline.
const STYLE_TAG: &str = r#"<link rel="stylesheet" href="/assets/style.css">"#;
const ECHARTS_TAG: &str = r#"<script src="/assets/vendor/echarts.min.js"></script>"#;
const APP_TAG: &str = r#"<script src="/assets/app.js"></script>"#;

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DashboardError {
    /// The release is not valid JSON.
    #[error("the release is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The JSON is not a monitoring release.
    #[error("not a monitoring release: {0}")]
    NotARelease(String),
}

/// A static asset of the dashboard by its path (`"index.html"`, `"app.js"`,
/// `"style.css"`, `"vendor/echarts.min.js"`, …; a leading `/` or `/assets/`
/// is ignored): its bytes and content type, or `None` for an unknown path.
///
/// `index.html` loads the others from `/assets/…`, so a server answers
/// `GET /` with `asset("index.html")` and `GET /assets/{path}` with
/// `asset(path)`.
pub fn asset(path: &str) -> Option<(&'static [u8], &'static str)> {
    let path = path.trim_start_matches('/');
    let path = path.strip_prefix("assets/").unwrap_or(path);
    ASSETS
        .iter()
        .find(|(p, _, _)| *p == path)
        .map(|&(_, bytes, ty)| (bytes, ty))
}

/// The paths of every asset, for listings and checks.
pub fn asset_paths() -> impl Iterator<Item = &'static str> {
    ASSETS.iter().map(|&(p, _, _)| p)
}

/// One self-contained HTML file showing `release_json` (the JSON of a
/// monitoring release, as `gongfu monitor --format json` prints it): the app,
/// its style and ECharts inlined and the release embedded as
/// `<script type="application/json" id="release">`. It opens from `file://`
/// with no server and no network.
///
/// The release must be a JSON object with a `meta` object naming its
/// `release_id`. Every `<` inside the embedded JSON is written as `\u003c`,
/// so no string of the release can close the script element.
pub fn report_html(release_json: &str) -> Result<String, DashboardError> {
    let release: Json = serde_json::from_str(release_json)?;
    let meta = release
        .get("meta")
        .and_then(Json::as_object)
        .ok_or_else(|| DashboardError::NotARelease("no \"meta\" object".into()))?;
    let id = meta
        .get("release_id")
        .and_then(Json::as_str)
        .ok_or_else(|| DashboardError::NotARelease("no \"meta.release_id\" string".into()))?;
    for key in ["regions", "indicators", "values"] {
        if release.get(key).is_none() {
            return Err(DashboardError::NotARelease(format!("no \"{key}\"")));
        }
    }
    let title = format!("gongfu — release {}", escape_text(id));
    // The text itself, not a re-serialisation: every number stays exactly
    // as the release wrote it.
    let data = embed_json(release_json.trim());

    let mut html = String::with_capacity(
        INDEX_HTML.len() + APP_JS.len() + STYLE_CSS.len() + ECHARTS_JS.len() + data.len() + 256,
    );
    html.push_str(INDEX_HTML);
    replace_once(
        &mut html,
        "<title>gongfu</title>",
        &format!("<title>{title}</title>"),
    );
    replace_once(
        &mut html,
        STYLE_TAG,
        &format!("<style>\n{}\n</style>", STYLE_CSS),
    );
    replace_once(
        &mut html,
        ECHARTS_TAG,
        &format!("<script>\n{}\n</script>", inline_script(ECHARTS_JS)),
    );
    replace_once(
        &mut html,
        APP_TAG,
        &format!(
            "<script type=\"application/json\" id=\"release\">{data}</script>\n<script>\n{}\n</script>",
            inline_script(APP_JS)
        ),
    );
    Ok(html)
}

/// JSON text safe inside a `<script>` element: `<` never appears literally
/// (in JSON it can only occur inside strings, where `\u003c` means the same).
fn embed_json(json: &str) -> String {
    json.replace('<', "\\u003c")
}

/// A script's text safe inline: only `</script` (any case) ends the element
/// early, and `<!--` can change how its end is found, so `<` before either is
/// escaped as a string or template literal would read it (`<\/script`). The
/// embedded assets contain neither (a test checks); this guards later edits.
fn inline_script(js: &str) -> String {
    let lower = js.to_ascii_lowercase();
    if !lower.contains("</script") && !js.contains("<!--") {
        return js.to_string();
    }
    let mut out = String::with_capacity(js.len() + 16);
    let mut rest = js;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        if tail.len() >= 8 && tail[..8].eq_ignore_ascii_case("</script") {
            out.push_str("<\\/");
            rest = &tail[2..];
        } else if tail.starts_with("<!--") {
            out.push_str("<\\!");
            rest = &tail[2..];
        } else {
            out.push('<');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

fn escape_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Replaces the first occurrence of `from`; the templates are fixed, and the
/// tests check that each tag occurs exactly once.
fn replace_once(s: &mut String, from: &str, to: &str) {
    if let Some(at) = s.find(from) {
        s.replace_range(at..at + from.len(), to);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RELEASE: &str = r#"{"meta": {"release_id": "abc123", "province": "33"},
        "regions": {"regions": [{"code": "33", "name_zh": "</script><script>alert(1)</script>",
        "name_en": "x", "parent": null, "level": "province"}]},
        "indicators": [], "values": [{"value": 52562.744556184836e0}]}"#;

    #[test]
    fn every_asset_has_its_content_type() {
        assert_eq!(asset("index.html").unwrap().1, HTML);
        assert_eq!(asset("/assets/app.js").unwrap().1, JS);
        assert_eq!(asset("/style.css").unwrap().1, CSS);
        assert_eq!(asset("vendor/echarts.min.js").unwrap().1, JS);
        assert!(asset("nope.js").is_none());
        assert!(asset("vendor/../app.js").is_none());
        assert!(asset("").is_none());
        for p in asset_paths() {
            assert!(!asset(p).unwrap().0.is_empty(), "{p} is empty");
        }
    }

    #[test]
    fn index_references_every_script_once_from_assets() {
        for tag in [STYLE_TAG, ECHARTS_TAG, APP_TAG, "<title>gongfu</title>"] {
            assert_eq!(INDEX_HTML.matches(tag).count(), 1, "{tag}");
        }
        assert!(!INDEX_HTML.contains("http://") && !INDEX_HTML.contains("https://"));
    }

    #[test]
    fn inlined_scripts_cannot_close_their_element() {
        for (name, js) in [("app.js", APP_JS), ("echarts.min.js", ECHARTS_JS)] {
            let lower = js.to_ascii_lowercase();
            assert!(!lower.contains("</script"), "{name} contains </script");
            assert!(!lower.contains("<!--"), "{name} contains <!--");
        }
        assert_eq!(inline_script("a='</script>'"), r"a='<\/script>'");
        assert_eq!(inline_script("a='</SCRIPT><!--'"), r"a='<\/SCRIPT><\!--'");
        assert_eq!(inline_script("a='</b>'"), "a='</b>'");
    }

    #[test]
    fn report_is_self_contained_and_embeds_the_release_safely() {
        let html = report_html(RELEASE).unwrap();
        assert!(html.contains("<title>gongfu — release abc123</title>"));
        // No reference to a server or the network.
        for needle in [
            "/assets/",
            "src=\"http",
            "href=\"http",
            "src=\"/",
            "href=\"/",
        ] {
            assert!(!html.contains(needle), "{needle}");
        }
        // The inlined files are there, whole.
        assert!(html.contains(ECHARTS_JS) && html.contains(APP_JS) && html.contains(STYLE_CSS));
        // The release's strings cannot end the data element: exactly one
        // closing tag follows the opening one before the app's script.
        let start = html
            .find(r#"<script type="application/json" id="release">"#)
            .unwrap();
        let body = &html[start..];
        let end = body.find("</script>").unwrap();
        let data = &body[body.find('>').unwrap() + 1..end];
        assert!(!data.contains('<'));
        let parsed: Json = serde_json::from_str(data).unwrap();
        assert_eq!(
            parsed["regions"]["regions"][0]["name_zh"],
            "</script><script>alert(1)</script>"
        );
        assert_eq!(parsed["meta"]["release_id"], "abc123");
        // Numbers are embedded as written, never re-printed.
        assert!(data.contains("52562.744556184836e0"));
    }

    #[test]
    fn report_refuses_what_is_not_a_release() {
        assert!(matches!(report_html("{"), Err(DashboardError::Json(_))));
        assert!(matches!(
            report_html("[]"),
            Err(DashboardError::NotARelease(_))
        ));
        let no_id = r#"{"meta": {}, "regions": {}, "indicators": [], "values": []}"#;
        let e = report_html(no_id).unwrap_err();
        assert!(e.to_string().contains("release_id"), "{e}");
        let no_values = r#"{"meta": {"release_id": "a"}, "regions": {}, "indicators": []}"#;
        assert!(
            report_html(no_values)
                .unwrap_err()
                .to_string()
                .contains("values")
        );
    }

    /// The version ECharts writes into its build (`t.version="6.1.0"`, the
    /// value of `echarts.version`) equals the one pinned in web/package.json
    /// and the lock file, so the vendored file is the pinned one.
    #[test]
    fn vendored_echarts_is_the_pinned_version() {
        let vendored = echarts_version(ECHARTS_JS).expect("a version in echarts.min.js");
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../web/");
        let package: Json =
            serde_json::from_str(&std::fs::read_to_string(format!("{root}package.json")).unwrap())
                .unwrap();
        let pinned = package["devDependencies"]["echarts"].as_str().unwrap();
        assert!(
            pinned.chars().all(|c| c.is_ascii_digit() || c == '.'),
            "web/package.json must pin an exact echarts version, not {pinned:?}"
        );
        let lock: Json = serde_json::from_str(
            &std::fs::read_to_string(format!("{root}package-lock.json")).unwrap(),
        )
        .unwrap();
        let locked = lock["packages"]["node_modules/echarts"]["version"]
            .as_str()
            .unwrap();
        assert_eq!(vendored, pinned, "run web/vendor.sh after changing the pin");
        assert_eq!(locked, pinned, "run npm install in web/");
        assert_eq!(ECHARTS_VERSION, pinned);
    }

    /// The value assigned to `.version` on the exported object, as the
    /// minified build writes it: `t.version="6.1.0"`.
    fn echarts_version(js: &str) -> Option<&str> {
        let at = js.find(".version=\"")? + ".version=\"".len();
        let end = js[at..].find('"')?;
        Some(&js[at..at + end])
    }

    #[test]
    fn finds_the_version_only_where_it_is_assigned() {
        assert_eq!(
            echarts_version(r#"x.y=1,t.version="5.4.3",t.z=2"#),
            Some("5.4.3")
        );
        assert_eq!(echarts_version(r#"version:"1""#), None);
    }
}
