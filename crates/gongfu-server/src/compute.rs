//! `POST /api/v1/compute`: measures from uploaded microdata (CSV or Parquet),
//! as `gongfu compute --format json` gives them (SPEC §5). The body is
//! written to a temporary file, read with `gongfu-io` (only the columns the
//! computation uses) and computed with `gongfu-compute` on a blocking
//! thread, under a time limit.

use std::io::Write as _;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use gongfu_compute::{
    Columns, ComputeError, EquivalenceScale, KeyColumn, LonelyPsu, ReplicateSpec, Spec,
    VarianceSpec, Welfare,
};
use gongfu_io::{Column, ColumnRequest, Format, IoError, ReadOptions};
use gongfu_measures::{Measure, NonPositive, QuantileRule};

use crate::error::ApiError;
use crate::releases::{Params, json_bytes, media_type, read_body};
use crate::state::AppState;

/// The parameters `POST /api/v1/compute` takes.
pub(crate) const PARAMETERS: &[&str] = &[
    "income",
    "weight",
    "measures",
    "by",
    "se",
    "strata",
    "psu",
    "fpc",
    "level",
    "ci",
    "lonely_psu",
    "replicates",
    "seed",
    "quantile_rule",
    "nonpositive",
    "welfare",
    "scale",
    "hh_size",
    "adults",
    "children",
    "delimiter",
];

/// What to read and compute.
#[derive(Debug)]
struct Job {
    format: Format,
    delimiter: u8,
    income: String,
    weight: Option<String>,
    hh_size: Option<String>,
    adults: Option<String>,
    children: Option<String>,
    strata: Option<String>,
    psu: Option<String>,
    fpc: Option<String>,
    spec: Spec,
}

fn bad(msg: impl Into<String>) -> ApiError {
    ApiError::bad_parameter(msg)
}

fn flag(params: &Params, key: &str) -> Result<bool, ApiError> {
    match params.get(key) {
        None => Ok(false),
        Some("true" | "1" | "yes" | "") => Ok(true),
        Some("false" | "0" | "no") => Ok(false),
        Some(other) => Err(bad(format!("{key} must be true or false, got {other:?}"))),
    }
}

fn column(params: &Params, key: &str) -> Option<String> {
    params
        .get(key)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// The job of a request: its parameters and the body's media type.
fn job(params: &Params, media: Option<&str>) -> Result<Job, ApiError> {
    let format = match media {
        Some("text/csv") => Format::Csv,
        Some("application/vnd.apache.parquet" | "application/x-parquet") => Format::Parquet,
        other => {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                format!(
                    "send the microdata as Content-Type: text/csv or \
                     application/vnd.apache.parquet (got {})",
                    other.map_or("none".to_string(), |m| format!("{m:?}"))
                ),
            ));
        }
    };
    let income = column(params, "income")
        .ok_or_else(|| bad("income: give the income column, e.g. ?income=pc_income"))?;
    let list = params
        .get("measures")
        .filter(|m| !m.trim().is_empty())
        .ok_or_else(|| bad("measures: give the measures, e.g. ?measures=mean,gini,arpr"))?;
    let measures = Measure::parse_list(list).map_err(|e| bad(format!("measures {list:?}: {e}")))?;
    let delimiter = match params.get("delimiter") {
        None => b',',
        Some("\\t" | "tab") => b'\t',
        Some(d) if d.len() == 1 => d.as_bytes()[0],
        Some(d) => return Err(bad(format!("delimiter must be one character, got {d:?}"))),
    };
    let rule: QuantileRule = match params.get("quantile_rule") {
        Some(r) => r.parse().map_err(|e| bad(format!("quantile_rule: {e}")))?,
        None => QuantileRule::default(),
    };
    let nonpositive = match params.get("nonpositive") {
        None | Some("error") => NonPositive::Error,
        Some("exclude") => NonPositive::Exclude,
        Some(o) => {
            return Err(bad(format!(
                "nonpositive must be error or exclude, got {o:?}"
            )));
        }
    };
    let welfare = match (params.get("welfare"), params.get("scale")) {
        (None | Some("as_is"), _) => Welfare::AsIs,
        (Some("per_capita"), _) => Welfare::PerCapita,
        (Some("equivalised" | "equivalized"), None | Some("oecd")) => {
            Welfare::Equivalised(EquivalenceScale::ModifiedOecd)
        }
        (Some("equivalised" | "equivalized"), Some("sqrt")) => {
            Welfare::Equivalised(EquivalenceScale::Sqrt)
        }
        (Some("equivalised" | "equivalized"), Some(s)) => {
            return Err(bad(format!("scale must be oecd or sqrt, got {s:?}")));
        }
        (Some(o), _) => {
            return Err(bad(format!(
                "welfare must be as_is, per_capita or equivalised, got {o:?}"
            )));
        }
    };
    let level = match params.get("level") {
        None => 0.95,
        Some(l) => l
            .parse::<f64>()
            .ok()
            .filter(|l| *l > 0.0 && *l < 1.0)
            .ok_or_else(|| bad(format!("level must be between 0 and 1, got {l:?}")))?,
    };
    let replicates = match params.get("replicates") {
        None => None,
        Some("jkn") => Some(ReplicateSpec::Jkn { mse: false }),
        Some(b) if b.starts_with("bootstrap") => {
            let r = match b.split_once(':') {
                Some((_, r)) => r
                    .parse::<usize>()
                    .ok()
                    .filter(|r| (2..=10_000).contains(r))
                    .ok_or_else(|| {
                        bad(format!(
                            "replicates bootstrap:R needs R from 2 to 10000, got {b:?}"
                        ))
                    })?,
                None => 500,
            };
            let seed = match params.get("seed") {
                None => 1,
                Some(s) => s
                    .parse()
                    .map_err(|_| bad(format!("seed must be a whole number, got {s:?}")))?,
            };
            Some(ReplicateSpec::Bootstrap {
                replicates: r,
                seed,
                mse: false,
            })
        }
        Some(o) => {
            return Err(bad(format!(
                "replicates must be jkn or bootstrap:R, got {o:?}"
            )));
        }
    };
    let variance = if flag(params, "se")? || replicates.is_some() {
        let lonely = match params.get("lonely_psu") {
            None => LonelyPsu::Fail,
            Some(r) => r.parse().map_err(|e| bad(format!("lonely_psu: {e}")))?,
        };
        let normal = match params.get("ci") {
            None | Some("t") => false,
            Some("normal") => true,
            Some(o) => return Err(bad(format!("ci must be t or normal, got {o:?}"))),
        };
        Some(VarianceSpec {
            lonely,
            level,
            normal,
            replicates,
        })
    } else {
        None
    };
    let by: Vec<String> = params
        .list("by")
        .unwrap_or_default()
        .into_iter()
        .map(str::to_string)
        .collect();
    let se = variance.is_some();
    Ok(Job {
        format,
        delimiter,
        income,
        weight: column(params, "weight"),
        hh_size: column(params, "hh_size"),
        adults: column(params, "adults"),
        children: column(params, "children"),
        strata: column(params, "strata").filter(|_| se),
        psu: column(params, "psu").filter(|_| se),
        fpc: column(params, "fpc").filter(|_| se),
        spec: Spec {
            measures,
            by,
            rule,
            nonpositive,
            welfare,
            variance,
            skip_undefined: false,
        },
    })
}

/// The name of the upload in messages.
const UPLOAD: &str = "upload";

/// An input error: 422 naming the column and row.
fn io_error(e: &IoError, path: &str) -> ApiError {
    let mut err = ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "bad_input",
        e.to_string().replace(path, UPLOAD),
    );
    err.column = e.column().map(str::to_string);
    err.row = e.row();
    err
}

/// A computation error: 422 naming the input column (not its role) and row.
fn compute_error(e: ComputeError, job: &Job) -> ApiError {
    let role_column = |role: &str| -> String {
        if role.starts_with("income") {
            job.income.clone()
        } else if role.starts_with("weight") {
            job.weight.clone().unwrap_or_else(|| "(weight)".into())
        } else if role.starts_with("household size") {
            job.hh_size.clone().unwrap_or_else(|| role.to_string())
        } else if role == "adults" {
            job.adults.clone().unwrap_or_else(|| role.to_string())
        } else if role == "children" {
            job.children.clone().unwrap_or_else(|| role.to_string())
        } else {
            role.to_string()
        }
    };
    let unprocessable =
        |msg: String| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "compute_error", msg);
    match e {
        ComputeError::Value {
            column,
            row,
            message,
        } => {
            let name = role_column(&column);
            let mut err = unprocessable(format!("{UPLOAD}: column {name:?}, row {row}: {message}"));
            err.code = "bad_input";
            err.column = Some(name);
            err.row = Some(row as u64);
            err
        }
        ComputeError::Measure { domain, source } => {
            let where_ = domain.map(|d| format!(", domain {d}")).unwrap_or_default();
            let mut err = unprocessable(format!(
                "{UPLOAD}: column {:?}{where_}: {source}",
                job.income
            ));
            err.column = Some(job.income.clone());
            err
        }
        ComputeError::MissingColumn(c) => unprocessable(format!(
            "{UPLOAD}: {c} is needed: name it with a parameter (hh_size, adults, children, …)"
        )),
        ComputeError::Design(msg) => {
            let cols: Vec<&str> = [&job.strata, &job.psu]
                .iter()
                .filter_map(|c| c.as_deref())
                .collect();
            unprocessable(format!("{UPLOAD}: design ({}): {msg}", cols.join(", ")))
        }
        other => unprocessable(format!("{UPLOAD}: {other}")),
    }
}

/// Reads the columns the job uses from the uploaded file.
fn read(job: &Job, path: &std::path::Path) -> Result<Columns, ApiError> {
    let shown = path.display().to_string();
    let mut req = vec![ColumnRequest::numeric(&job.income)];
    for c in [&job.weight, &job.hh_size, &job.adults, &job.children]
        .into_iter()
        .flatten()
    {
        req.push(ColumnRequest::numeric(c));
    }
    let keys = job.spec.key_columns();
    for k in &keys {
        req.push(ColumnRequest::key(k));
    }
    let numerics = job.spec.referenced_numerics();
    for n in &numerics {
        req.push(ColumnRequest::numeric(n));
    }
    for k in [&job.strata, &job.psu].into_iter().flatten() {
        req.push(ColumnRequest::key(k));
    }
    if let Some(f) = &job.fpc {
        req.push(ColumnRequest::numeric(f));
    }
    let opts = ReadOptions {
        format: Some(job.format),
        delimiter: job.delimiter,
        progress: false,
    };
    let table = gongfu_io::read_columns(path, &req, &opts).map_err(|e| io_error(&e, &shown))?;
    let missing = || ApiError::internal("compute", "a requested column was not returned");
    let mut cols = table.columns.into_iter();
    let mut numeric = || match cols.next() {
        Some(Column::Numeric(v)) => Ok(v),
        _ => Err(missing()),
    };
    let income = numeric()?;
    let mut opt = |name: &Option<String>| -> Result<Option<Vec<f64>>, ApiError> {
        name.as_ref().map(|_| numeric()).transpose()
    };
    let weight = opt(&job.weight)?;
    let size = opt(&job.hh_size)?;
    let adults = opt(&job.adults)?;
    let children = opt(&job.children)?;
    let mut key_col = |name: &str| -> Result<KeyColumn, ApiError> {
        match cols.next() {
            Some(Column::Key { codes, levels }) => Ok(KeyColumn {
                name: name.to_string(),
                codes,
                levels,
            }),
            _ => Err(missing()),
        }
    };
    let mut key_cols = Vec::new();
    for k in &keys {
        let kc = key_col(k)?;
        // a domain needs a label: an empty cell is an error, not a group
        if let Some(empty) = kc.levels.iter().position(|l| l.trim().is_empty()) {
            let row = kc
                .codes
                .iter()
                .position(|&c| c as usize == empty)
                .map_or(0, |r| r + 1);
            let mut err = ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "bad_input",
                format!(
                    "{UPLOAD}: column {k:?}, row {row}: empty value (every row needs a domain label)"
                ),
            );
            err.column = Some(k.clone());
            err.row = Some(row as u64);
            return Err(err);
        }
        key_cols.push(kc);
    }
    let mut num_cols = Vec::new();
    for n in &numerics {
        match cols.next() {
            Some(Column::Numeric(v)) => num_cols.push((n.clone(), v)),
            _ => return Err(missing()),
        }
    }
    let mut design = |name: &Option<String>| -> Result<Option<KeyColumn>, ApiError> {
        name.as_deref()
            .map(|n| match cols.next() {
                Some(Column::Key { codes, levels }) => Ok(KeyColumn {
                    name: n.to_string(),
                    codes,
                    levels,
                }),
                _ => Err(missing()),
            })
            .transpose()
    };
    let strata = design(&job.strata)?;
    let psu = design(&job.psu)?;
    let fpc = match &job.fpc {
        Some(_) => match cols.next() {
            Some(Column::Numeric(v)) => Some(v),
            _ => return Err(missing()),
        },
        None => None,
    };
    Ok(Columns {
        income,
        weight,
        size,
        adults,
        children,
        keys: key_cols,
        numerics: num_cols,
        strata,
        psu,
        fpc,
        replicates: Vec::new(),
    })
}

/// Writes the upload to a temporary file, reads it and computes.
fn run(job: &Job, body: &[u8]) -> Result<String, ApiError> {
    let suffix = match job.format {
        Format::Csv => ".csv",
        Format::Parquet => ".parquet",
    };
    let mut file = tempfile::Builder::new()
        .prefix("gongfu-upload-")
        .suffix(suffix)
        .tempfile()
        .map_err(|e| ApiError::internal("a temporary file for the upload", e))?;
    file.write_all(body)
        .and_then(|()| file.flush())
        .map_err(|e| ApiError::internal("writing the upload", e))?;
    let cols = read(job, file.path())?;
    drop(file);
    let mut report = gongfu_compute::compute(cols, &job.spec).map_err(|e| compute_error(e, job))?;
    report.meta.insert("input".into(), UPLOAD.into());
    report
        .meta
        .insert("income".into(), job.income.clone().into());
    report.meta.insert(
        "weight".into(),
        job.weight
            .clone()
            .map_or(serde_json::Value::Null, Into::into),
    );
    report.meta.insert(
        "program".into(),
        concat!("gongfu ", env!("CARGO_PKG_VERSION")).into(),
    );
    Ok(gongfu_compute::render_json(&report))
}

/// `POST /api/v1/compute?income=…&measures=…` with a CSV or Parquet body.
pub(crate) async fn compute(
    State(state): State<AppState>,
    q: Result<
        axum::extract::Query<Vec<(String, String)>>,
        axum::extract::rejection::QueryRejection,
    >,
    req: Request,
) -> Result<Response, ApiError> {
    let params = Params::parse(q, PARAMETERS)?;
    let job = job(&params, media_type(&req).as_deref())?;
    // a slot first: the uploads held in memory are bounded by the slots
    let permit = state
        .compute_slots
        .clone()
        .try_acquire_owned()
        .map_err(|_| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "every computation slot is in use; try again shortly",
            )
        })?;
    let body: Bytes = read_body(req, state.config.body_limit).await?;
    if body.is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "the body is empty: send the microdata file",
        ));
    }
    let limit = state.config.compute_timeout;
    let task = tokio::task::spawn_blocking(move || {
        // the slot is held until the computation ends, even past the time limit
        let _permit = permit;
        run(&job, &body)
    });
    match tokio::time::timeout(limit, task).await {
        Err(_) => Err(ApiError::new(
            StatusCode::GATEWAY_TIMEOUT,
            "timeout",
            format!(
                "the computation took longer than the limit of {} s; send fewer rows or measures",
                limit.as_secs_f64()
            ),
        )),
        Ok(Err(join)) => Err(ApiError::internal("compute task", join)),
        Ok(Ok(Err(e))) => Err(e),
        Ok(Ok(Ok(json))) => Ok(json_bytes(StatusCode::OK, Bytes::from(json))),
    }
}
