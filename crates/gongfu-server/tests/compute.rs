//! `POST /api/v1/compute`: CSV and Parquet uploads give what
//! `gongfu-compute` gives on the same columns; bad uploads give JSON errors
//! naming the column and row; the limits hold.

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use common::Api;
use gongfu_compute::{Columns, KeyColumn, Spec, VarianceSpec};
use gongfu_io::{OutColumn, OutKind, TableWriter};
use gongfu_server::ServerConfig;

const CSV: &str = "text/csv";
const PARQUET: &str = "application/vnd.apache.parquet";

/// A small survey: income, weight, stratum, PSU, urban flag, household size.
struct Survey {
    income: Vec<f64>,
    weight: Vec<f64>,
    stratum: Vec<String>,
    psu: Vec<String>,
    urban: Vec<String>,
    size: Vec<f64>,
}

fn survey(n: usize) -> Survey {
    let mut s = Survey {
        income: Vec::new(),
        weight: Vec::new(),
        stratum: Vec::new(),
        psu: Vec::new(),
        urban: Vec::new(),
        size: Vec::new(),
    };
    let mut x: u64 = 12345;
    for i in 0..n {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let u = (x >> 11) as f64 / (1u64 << 53) as f64;
        s.income.push((20_000.0 + 180_000.0 * u * u).round());
        s.weight.push(100.0 + (i % 7) as f64 * 25.0);
        s.stratum.push(format!("s{}", i % 4));
        s.psu.push(format!("p{}", i % 20));
        s.urban
            .push(if i % 3 == 0 { "rural" } else { "urban" }.into());
        s.size.push(1.0 + (i % 5) as f64);
    }
    s
}

fn csv_text(s: &Survey) -> String {
    let mut out = String::from("hh_income,pweight,stratum,psu,urban,hh_size\n");
    for i in 0..s.income.len() {
        out.push_str(&format!(
            "{},{},{},{},{},{}\n",
            s.income[i], s.weight[i], s.stratum[i], s.psu[i], s.urban[i], s.size[i]
        ));
    }
    out
}

fn parquet_bytes(s: &Survey) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("survey.parquet");
    let schema: Vec<(String, OutKind)> = [
        ("hh_income", OutKind::F64),
        ("pweight", OutKind::F64),
        ("stratum", OutKind::Str),
        ("psu", OutKind::Str),
        ("urban", OutKind::Str),
        ("hh_size", OutKind::F64),
    ]
    .into_iter()
    .map(|(n, k)| (n.to_string(), k))
    .collect();
    let mut w = TableWriter::create(&path, None, &schema).unwrap();
    w.write_batch(vec![
        OutColumn::F64(s.income.clone()),
        OutColumn::F64(s.weight.clone()),
        OutColumn::Str(s.stratum.clone()),
        OutColumn::Str(s.psu.clone()),
        OutColumn::Str(s.urban.clone()),
        OutColumn::F64(s.size.clone()),
    ])
    .unwrap();
    w.finish().unwrap();
    std::fs::read(&path).unwrap()
}

fn key(name: &str, labels: &[String]) -> KeyColumn {
    let refs: Vec<&str> = labels.iter().map(String::as_str).collect();
    KeyColumn::from_labels(name, &refs)
}

const QUERY: &str = "/api/v1/compute?income=hh_income&weight=pweight&measures=mean,gini,arpr,median&by=urban&se=true&strata=stratum&psu=psu";

#[tokio::test]
async fn csv_and_parquet_uploads_give_the_library_results() {
    let api = Api::new().await;
    let s = survey(2_000);
    let csv = api.post(QUERY, &api.analyst, CSV, csv_text(&s)).await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.text());
    let parquet = api
        .post(QUERY, &api.analyst, PARQUET, parquet_bytes(&s))
        .await;
    assert_eq!(parquet.status, StatusCode::OK, "{}", parquet.text());
    let (csv, parquet) = (csv.json(), parquet.json());
    assert_eq!(csv["results"], parquet["results"]);

    // the same computation through the library
    let mut spec = Spec::parse("mean,gini,arpr,median", &["urban"]).unwrap();
    spec.variance = Some(VarianceSpec::default());
    let cols = Columns {
        income: s.income.clone(),
        weight: Some(s.weight.clone()),
        keys: vec![key("urban", &s.urban)],
        strata: Some(key("stratum", &s.stratum)),
        psu: Some(key("psu", &s.psu)),
        ..Columns::default()
    };
    let report = gongfu_compute::compute(cols, &spec).unwrap();
    let want: serde_json::Value =
        serde_json::from_str(&gongfu_compute::render_json(&report)).unwrap();
    assert_eq!(csv["results"], want["results"]);
    // SPEC §5 shape: 4 measures × (overall, rural, urban), with SEs
    let results = csv["results"].as_array().unwrap();
    assert_eq!(results.len(), 12);
    assert_eq!(results[0]["measure"], "mean");
    assert_eq!(results[0]["by"], serde_json::json!({}));
    assert!(results.iter().all(|r| r["se"].as_f64().unwrap() > 0.0));
    let mean = s
        .income
        .iter()
        .zip(&s.weight)
        .map(|(x, w)| x * w)
        .sum::<f64>()
        / s.weight.iter().sum::<f64>();
    assert!((results[0]["value"].as_f64().unwrap() / mean - 1.0).abs() < 1e-12);
    assert_eq!(csv["meta"]["income"], "hh_income");
    assert_eq!(csv["meta"]["input"], "upload");
}

#[tokio::test]
async fn welfare_and_household_units_are_read_from_their_columns() {
    let api = Api::new().await;
    let s = survey(500);
    let reply = api
        .post(
            "/api/v1/compute?income=hh_income&weight=pweight&welfare=per_capita&hh_size=hh_size&measures=mean",
            &api.analyst,
            "text/csv; charset=utf-8",
            csv_text(&s),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    // per capita: Σ w·size·(x/size) / Σ w·size
    let num: f64 = (0..500).map(|i| s.weight[i] * s.income[i]).sum();
    let den: f64 = (0..500).map(|i| s.weight[i] * s.size[i]).sum();
    let got = reply.json()["results"][0]["value"].as_f64().unwrap();
    assert!((got / (num / den) - 1.0).abs() < 1e-12, "{got}");
}

#[tokio::test]
async fn bad_uploads_name_the_column_and_row() {
    let api = Api::new().await;
    let post = |query: &'static str, ct: &'static str, body: String| {
        let api = &api;
        async move { api.post(query, &api.analyst, ct, body).await }
    };
    let good = csv_text(&survey(50));

    // a value that is not a number, row 3
    let mut lines: Vec<String> = good.lines().map(str::to_string).collect();
    let fields: Vec<String> = lines[3].split(',').map(str::to_string).collect();
    lines[3] = format!("{},abc,{}", fields[0], fields[2..].join(","));
    let r = post(QUERY, CSV, lines.join("\n")).await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "bad_input"),
        "{}",
        r.text()
    );
    let e = &r.json()["error"];
    assert_eq!(e["column"], "pweight");
    assert_eq!(e["row"], 3);
    let msg = e["message"].as_str().unwrap();
    assert!(
        msg.starts_with("upload: column \"pweight\", row 3"),
        "{msg}"
    );
    assert!(!msg.contains("/tmp"), "{msg}");

    // a missing column, with the closest names
    let r = post(
        "/api/v1/compute?income=income&measures=mean",
        CSV,
        good.clone(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["column"], "income");
    assert!(r.text().contains("did you mean"), "{}", r.text());

    // a negative weight, found by the computation
    let mut lines: Vec<String> = good.lines().map(str::to_string).collect();
    let fields: Vec<String> = lines[5].split(',').map(str::to_string).collect();
    lines[5] = format!("{},-3,{}", fields[0], fields[2..].join(","));
    let r = post(
        "/api/v1/compute?income=hh_income&weight=pweight&measures=mean",
        CSV,
        lines.join("\n"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["error"]["column"], "pweight");
    assert_eq!(r.json()["error"]["row"], 5);

    // a Parquet body that is not Parquet
    let r = post(
        "/api/v1/compute?income=hh_income&measures=mean",
        PARQUET,
        "PAR1 not really".into(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(
        r.text().contains("not a valid Parquet file"),
        "{}",
        r.text()
    );

    // a measure that needs positive incomes
    let zero = "hh_income\n0\n100\n200\n".to_string();
    let r = post("/api/v1/compute?income=hh_income&measures=mld", CSV, zero).await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "compute_error"),
        "{}",
        r.text()
    );
    assert_eq!(r.json()["error"]["column"], "hh_income");
}

#[tokio::test]
async fn bad_requests_are_refused_before_reading() {
    let api = Api::new().await;
    let body = csv_text(&survey(20));
    let cases: [(&str, &str, StatusCode, &str); 8] = [
        (
            "/api/v1/compute?measures=mean",
            CSV,
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/api/v1/compute?income=hh_income",
            CSV,
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/api/v1/compute?income=hh_income&measures=nonsense(",
            CSV,
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/api/v1/compute?income=hh_income&measures=mean&se=maybe",
            CSV,
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/api/v1/compute?income=hh_income&measures=mean&level=1.5",
            CSV,
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/api/v1/compute?income=hh_income&measures=mean&incom=x",
            CSV,
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/api/v1/compute?income=hh_income&measures=mean",
            "application/json",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            "/api/v1/compute?income=hh_income&measures=mean&welfare=rich",
            CSV,
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
    ];
    for (query, ct, status, code) in cases {
        let r = api.post(query, &api.analyst, ct, body.clone()).await;
        assert_eq!(r.status, status, "{query}: {}", r.text());
        assert_eq!(r.code(), code, "{query}");
    }
    let r = api
        .post(
            "/api/v1/compute?income=hh_income&measures=mean",
            &api.analyst,
            CSV,
            "",
        )
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::BAD_REQUEST, "bad_request")
    );
}

#[tokio::test]
async fn uploads_over_the_size_limit_are_413() {
    let api = Api::with(ServerConfig {
        body_limit: 10_000,
        ..ServerConfig::default()
    })
    .await;
    let big = csv_text(&survey(2_000));
    assert!(big.len() > 10_000);
    let r = api
        .post(
            "/api/v1/compute?income=hh_income&measures=mean",
            &api.analyst,
            CSV,
            big,
        )
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, "too_large")
    );
    // announced larger than the limit: refused before reading
    let announced = axum::http::Request::post("/api/v1/compute?income=hh_income&measures=mean")
        .header("authorization", format!("Bearer {}", api.analyst))
        .header("content-type", CSV)
        .header("content-length", "20000")
        .body(axum::body::Body::from(csv_text(&survey(2_000))))
        .unwrap();
    let r = api.send(announced).await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, "too_large")
    );
    let small = csv_text(&survey(100));
    assert!(small.len() < 10_000);
    let r = api
        .post(
            "/api/v1/compute?income=hh_income&measures=mean",
            &api.analyst,
            CSV,
            small,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn a_computation_over_the_time_limit_is_504() {
    let api = Api::with(ServerConfig {
        compute_timeout: Duration::ZERO,
        ..ServerConfig::default()
    })
    .await;
    let r = api
        .post(QUERY, &api.analyst, CSV, csv_text(&survey(20_000)))
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::GATEWAY_TIMEOUT, "timeout"),
        "{}",
        r.text()
    );
}

#[tokio::test]
async fn computations_beyond_the_slots_are_503() {
    let api = Api::with(ServerConfig {
        compute_concurrency: 1,
        ..ServerConfig::default()
    })
    .await;
    // an upload that has started and not finished holds the one slot
    let (mut tx, body) = http_body_util::channel::Channel::<axum::body::Bytes>::new(1);
    let slow = axum::http::Request::post("/api/v1/compute?income=hh_income&measures=mean")
        .header("authorization", format!("Bearer {}", api.analyst))
        .header("content-type", CSV)
        .body(axum::body::Body::new(body))
        .unwrap();
    let app = api.app.clone();
    let first = tokio::spawn(async move {
        use tower::ServiceExt;
        app.oneshot(slow).await.unwrap().status()
    });
    tx.send_data("hh_income\n1\n".into()).await.unwrap();
    // let it reach its body (authorised, slot taken) before anything else runs
    tokio::time::sleep(Duration::from_millis(300)).await;
    let small = csv_text(&survey(30));
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let r = api
            .post(
                "/api/v1/compute?income=hh_income&measures=mean",
                &api.analyst,
                CSV,
                small.clone(),
            )
            .await;
        if r.status == StatusCode::SERVICE_UNAVAILABLE {
            assert_eq!(r.code(), "busy");
            assert_eq!(r.header("retry-after"), Some("5"));
            break;
        }
        if first.is_finished() {
            panic!("the slow upload ended early: {:?}", first.await);
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never busy: {} {}",
            r.status,
            r.text()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // the upload ends: its computation runs, and the slot is free again
    tx.send_data("2\n".into()).await.unwrap();
    drop(tx);
    assert_eq!(first.await.unwrap(), StatusCode::OK);
    let r = api
        .post(
            "/api/v1/compute?income=hh_income&measures=mean",
            &api.analyst,
            CSV,
            small,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}
