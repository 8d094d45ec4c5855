//! Reading what the store needs out of a release document: the provenance of
//! `meta` and the rows of `values`, each checked with a message naming the
//! field.

use serde::Serialize;
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

use crate::StoreError;

/// The longest release id accepted.
pub const MAX_ID_LEN: usize = 128;

/// A release as listed: its provenance and its place in the province's
/// sequence of releases (everything but the document itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReleaseInfo {
    /// The release id (`meta.release_id`).
    pub id: String,
    /// When it was computed (`meta.created`).
    pub created: String,
    /// When it was published (UTC, RFC 3339).
    pub published_at: String,
    /// Who published it: the token's label, or the command-line user.
    pub published_by: String,
    /// The program version that computed it (`meta.version`).
    pub version: String,
    /// The province code (`meta.province`).
    pub province: String,
    /// First and last year monitored (`meta.years`).
    pub years: [i32; 2],
    /// Rows of its `values` array.
    pub values: i64,
    /// The release of the same province it superseded, if any.
    pub supersedes: Option<String>,
    /// The release of the same province that superseded it; `None` while it
    /// is the province's current release.
    pub superseded_by: Option<String>,
}

/// One figure of a release, as stored in the `release_values` table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueRow {
    /// Indicator id.
    pub indicator: String,
    /// Region code, or group id for scope `group`.
    pub region: String,
    /// `province`, `city`, `county` or `group`.
    pub scope: String,
    /// Year.
    pub year: i32,
    /// The estimate.
    pub value: Option<f64>,
    /// Its standard error.
    pub se: Option<f64>,
    /// Lower end of the confidence interval.
    pub ci_lo: Option<f64>,
    /// Upper end of the confidence interval.
    pub ci_hi: Option<f64>,
    /// Observations behind it.
    pub n: Option<i64>,
    /// Weighted population behind it.
    pub population: Option<f64>,
}

/// Which values to read; `None` fields match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValueFilter {
    /// Indicator id.
    pub indicator: Option<String>,
    /// Region code or group id.
    pub region: Option<String>,
    /// Scope.
    pub scope: Option<String>,
    /// Year.
    pub year: Option<i32>,
}

/// The parts of a release document the store keeps in columns.
#[derive(Debug)]
pub(crate) struct Parsed {
    pub id: String,
    pub created: String,
    pub version: String,
    pub province: String,
    pub years: [i32; 2],
    pub values: Vec<ValueRow>,
    pub values_sha256: String,
}

fn bad(msg: String) -> StoreError {
    StoreError::InvalidRelease(msg)
}

fn kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

fn string(v: Option<&Json>, path: &str) -> Result<String, StoreError> {
    match v {
        Some(Json::String(s)) => Ok(s.clone()),
        Some(other) => Err(bad(format!(
            "{path}: expected a string, found {}",
            kind(other)
        ))),
        None => Err(bad(format!("{path}: missing"))),
    }
}

fn int(v: Option<&Json>, path: &str) -> Result<i64, StoreError> {
    match v {
        Some(Json::Number(n)) => n
            .as_i64()
            .ok_or_else(|| bad(format!("{path}: expected an integer, found {n}"))),
        Some(other) => Err(bad(format!(
            "{path}: expected an integer, found {}",
            kind(other)
        ))),
        None => Err(bad(format!("{path}: missing"))),
    }
}

fn opt_f64(v: Option<&Json>, path: &str) -> Result<Option<f64>, StoreError> {
    match v {
        None | Some(Json::Null) => Ok(None),
        Some(Json::Number(n)) => n
            .as_f64()
            .map(Some)
            .ok_or_else(|| bad(format!("{path}: {n} is not a finite number"))),
        Some(other) => Err(bad(format!(
            "{path}: expected a number or null, found {}",
            kind(other)
        ))),
    }
}

fn opt_i64(v: Option<&Json>, path: &str) -> Result<Option<i64>, StoreError> {
    match v {
        None | Some(Json::Null) => Ok(None),
        Some(_) => int(v, path).map(Some),
    }
}

fn year(v: Option<&Json>, path: &str) -> Result<i32, StoreError> {
    let y = int(v, path)?;
    i32::try_from(y).map_err(|_| bad(format!("{path}: year {y} is out of range")))
}

/// Whether `id` can name a release: 1 to 128 characters of ASCII letters,
/// digits, `.`, `_` and `-`, starting with a letter or digit, and not
/// `latest` (which the API reserves for the current release).
pub fn valid_release_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id != "latest"
        && id.as_bytes()[0].is_ascii_alphanumeric()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Hex digits of a SHA-256 digest.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Checks a release document and extracts its provenance and values.
pub(crate) fn parse(text: &str) -> Result<Parsed, StoreError> {
    let doc: Json = serde_json::from_str(text).map_err(|e| {
        bad(format!(
            "not valid JSON (line {}, column {}): {e}",
            e.line(),
            e.column()
        ))
    })?;
    let Json::Object(top) = &doc else {
        return Err(bad(format!(
            "expected a JSON object with `meta` and `values`, found {}",
            kind(&doc)
        )));
    };
    let meta = match top.get("meta") {
        Some(Json::Object(m)) => m,
        Some(other) => {
            return Err(bad(format!(
                "meta: expected an object, found {}",
                kind(other)
            )));
        }
        None => return Err(bad("meta: missing".into())),
    };
    let id = string(meta.get("release_id"), "meta.release_id")?;
    if !valid_release_id(&id) {
        return Err(bad(format!(
            "meta.release_id: {id:?} is not a release id (1 to {MAX_ID_LEN} letters, digits, \
             '.', '_' or '-', starting with a letter or digit, and not \"latest\")"
        )));
    }
    let created = string(meta.get("created"), "meta.created")?;
    let version = string(meta.get("version"), "meta.version")?;
    let province = string(meta.get("province"), "meta.province")?;
    if province.trim().is_empty() {
        return Err(bad("meta.province: empty".into()));
    }
    let years = match meta.get("years") {
        Some(Json::Array(a)) if a.len() == 2 => [
            year(a.first(), "meta.years[0]")?,
            year(a.get(1), "meta.years[1]")?,
        ],
        Some(other) => {
            return Err(bad(format!(
                "meta.years: expected [first, last], found {}",
                kind(other)
            )));
        }
        None => return Err(bad("meta.years: missing".into())),
    };
    if years[0] > years[1] {
        return Err(bad(format!(
            "meta.years: the first year {} is after the last {}",
            years[0], years[1]
        )));
    }
    let (values, values_sha256) = match top.get("values") {
        None | Some(Json::Null) => (Vec::new(), sha256_hex(b"[]")),
        Some(Json::Array(rows)) => {
            let mut out = Vec::with_capacity(rows.len());
            for (i, row) in rows.iter().enumerate() {
                out.push(value_row(row, i)?);
            }
            let canonical = serde_json::to_string(&rows).map_err(|e| bad(e.to_string()))?;
            (out, sha256_hex(canonical.as_bytes()))
        }
        Some(other) => {
            return Err(bad(format!(
                "values: expected an array, found {}",
                kind(other)
            )));
        }
    };
    Ok(Parsed {
        id,
        created,
        version,
        province,
        years,
        values,
        values_sha256,
    })
}

fn value_row(row: &Json, i: usize) -> Result<ValueRow, StoreError> {
    let p = |field: &str| format!("values[{i}].{field}");
    let Json::Object(o) = row else {
        return Err(bad(format!(
            "values[{i}]: expected an object, found {}",
            kind(row)
        )));
    };
    let (ci_lo, ci_hi) = match o.get("ci") {
        None | Some(Json::Null) => (None, None),
        Some(Json::Array(a)) if a.len() == 2 => (
            opt_f64(a.first(), &p("ci[0]"))?,
            opt_f64(a.get(1), &p("ci[1]"))?,
        ),
        Some(other) => {
            return Err(bad(format!(
                "{}: expected [lo, hi] or null, found {}",
                p("ci"),
                kind(other)
            )));
        }
    };
    Ok(ValueRow {
        indicator: string(o.get("indicator"), &p("indicator"))?,
        region: string(o.get("region"), &p("region"))?,
        scope: string(o.get("scope"), &p("scope"))?,
        year: year(o.get("year"), &p("year"))?,
        value: opt_f64(o.get("value"), &p("value"))?,
        se: opt_f64(o.get("se"), &p("se"))?,
        ci_lo,
        ci_hi,
        n: opt_i64(o.get("n"), &p("n"))?,
        population: opt_f64(o.get("population"), &p("population"))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(meta: &str, values: &str) -> String {
        format!(r#"{{"meta": {meta}, "values": {values}}}"#)
    }

    const META: &str = r#"{"release_id": "ab12", "created": "2026-01-01T00:00:00Z", "version": "0.1.0", "province": "330000", "years": [2020, 2025]}"#;

    #[test]
    fn a_valid_document_is_read() {
        let p = parse(&doc(
            META,
            r#"[{"indicator": "income_pc", "region": "330000", "scope": "province", "year": 2022,
                "value": 60000.5, "se": 120.0, "ci": [59800, 60200], "n": 3000, "population": 6.5e7},
               {"indicator": "gini", "region": "330100", "scope": "city", "year": 2022,
                "value": 0.31, "se": null, "ci": null, "n": null, "population": null}]"#,
        ))
        .unwrap();
        assert_eq!(p.id, "ab12");
        assert_eq!(p.years, [2020, 2025]);
        assert_eq!(p.values.len(), 2);
        assert_eq!(p.values[0].ci_hi, Some(60200.0));
        assert_eq!(p.values[0].n, Some(3000));
        assert_eq!(p.values[1].se, None);
        assert_eq!(p.values_sha256.len(), 64);
    }

    #[test]
    fn errors_name_the_field() {
        let e = |d: String| parse(&d).unwrap_err().to_string();
        assert_eq!(
            e("[1]".into()),
            "invalid release: expected a JSON object with `meta` and `values`, found an array"
        );
        assert!(e("{".into()).starts_with("invalid release: not valid JSON (line 1, column 1)"));
        assert_eq!(
            e(doc("{}", "[]")),
            "invalid release: meta.release_id: missing"
        );
        assert!(e(doc(&META.replace("ab12", "latest"), "[]")).contains("is not a release id"));
        assert!(e(doc(&META.replace("ab12", "a/b"), "[]")).contains("is not a release id"));
        assert_eq!(
            e(doc(&META.replace("2020", "2030"), "[]")),
            "invalid release: meta.years: the first year 2030 is after the last 2025"
        );
        assert_eq!(
            e(doc(
                META,
                r#"[{"indicator": "x", "region": "r", "scope": "county", "year": "2022"}]"#
            )),
            "invalid release: values[0].year: expected an integer, found a string"
        );
        assert_eq!(
            e(doc(
                META,
                r#"[{"indicator": "x", "region": "r", "scope": "county", "year": 2022, "ci": [1]}]"#
            )),
            "invalid release: values[0].ci: expected [lo, hi] or null, found an array"
        );
        assert_eq!(
            e(doc(META, r#"{"a": 1}"#)),
            "invalid release: values: expected an array, found an object"
        );
    }

    #[test]
    fn release_ids() {
        assert!(valid_release_id("8f3a9c0e1d2b4a67"));
        assert!(valid_release_id("2025-q4.v2_final"));
        for bad in [
            "",
            "latest",
            "-x",
            ".x",
            "a b",
            "a/b",
            "é",
            &"a".repeat(129),
        ] {
            assert!(!valid_release_id(bad), "{bad:?}");
        }
    }
}
