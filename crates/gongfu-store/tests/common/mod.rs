//! Test databases: a SQLite file in a temporary directory always, and a fresh
//! schema in the PostgreSQL database of `GONGFU_TEST_POSTGRES_URL` when set.
//! Without that variable the PostgreSQL tests say they were not run, or fail
//! when `GONGFU_REQUIRE_POSTGRES=1` (CI sets both).
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};

/// A database for one test.
pub struct TestDb {
    /// The store URL.
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    schema: Option<(String, String)>,
}

impl TestDb {
    /// Drops the PostgreSQL schema of the test (nothing for SQLite).
    pub async fn cleanup(self) {
        if let Some((base, schema)) = &self.schema {
            let pool = sqlx::PgPool::connect(base)
                .await
                .expect("connect to PostgreSQL");
            sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                .execute(&pool)
                .await
                .expect("drop the test schema");
            pool.close().await;
        }
    }
}

/// A new SQLite file.
pub fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}", dir.path().join("store.sqlite").display());
    TestDb {
        url,
        _dir: Some(dir),
        schema: None,
    }
}

/// The PostgreSQL URL of the environment: `None` (with a message) when the
/// tests are not to run; a panic when they are required but not configured.
pub fn postgres_url(test: &str) -> Option<String> {
    match std::env::var("GONGFU_TEST_POSTGRES_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            if std::env::var("GONGFU_REQUIRE_POSTGRES").as_deref() == Ok("1") {
                panic!(
                    "{test}: GONGFU_REQUIRE_POSTGRES=1 but GONGFU_TEST_POSTGRES_URL is not set \
                     (source ci/install-postgres.sh)"
                );
            }
            eprintln!(
                "{test}: PostgreSQL test not run: GONGFU_TEST_POSTGRES_URL is not set \
                 (source ci/install-postgres.sh to run it)"
            );
            None
        }
    }
}

static SCHEMAS: AtomicUsize = AtomicUsize::new(0);

/// A fresh schema in the test database, as a store URL whose search path is
/// that schema; `None` when PostgreSQL tests are not to run.
pub async fn postgres(test: &str) -> Option<TestDb> {
    let base = postgres_url(test)?;
    let schema = format!(
        "gongfu_test_{}_{}_{}",
        std::process::id(),
        SCHEMAS.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos())
    );
    let pool = sqlx::PgPool::connect(&base)
        .await
        .unwrap_or_else(|e| panic!("{test}: cannot connect to GONGFU_TEST_POSTGRES_URL: {e}"));
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&pool)
        .await
        .expect("create a test schema");
    pool.close().await;
    let sep = if base.contains('?') { '&' } else { '?' };
    Some(TestDb {
        url: format!("{base}{sep}options[search_path]={schema}"),
        _dir: None,
        schema: Some((base, schema)),
    })
}

/// A synthetic release document: `values` rows over indicators, regions and
/// years; `scale` changes every value (a different release with the same id).
pub fn release(id: &str, province: &str, values: usize, scale: f64) -> String {
    let indicators = ["income_pc", "gini", "middle_share", "urban_rural_ratio"];
    let rows: Vec<serde_json::Value> = (0..values)
        .map(|i| {
            let year = 2020 + (i % 6) as i64;
            let region = format!("{}{:02}", &province[..4], (i / 24) % 100);
            let scope = if i % 24 < 6 { "province" } else { "county" };
            let v = scale * (1000.0 + i as f64);
            serde_json::json!({
                "indicator": indicators[(i / 6) % 4],
                "region": region,
                "scope": scope,
                "year": year,
                "value": v,
                "se": if i % 5 == 0 { serde_json::Value::Null } else { (v * 0.01).into() },
                "ci": if i % 5 == 0 { serde_json::Value::Null } else { serde_json::json!([v * 0.98, v * 1.02]) },
                "n": if i % 7 == 0 { serde_json::Value::Null } else { ((i % 900) as i64 + 100).into() },
                "population": 1.5e6 + i as f64,
            })
        })
        .collect();
    serde_json::to_string_pretty(&serde_json::json!({
        "meta": {
            "program": "gongfu",
            "version": "0.1.0",
            "release_id": id,
            "created": "2026-02-01T09:30:00Z",
            "years": [2020, 2025],
            "province": province,
            "inputs": [{"role": "microdata", "path": "households.parquet", "bytes": 1234, "sha256": "00ff"}],
        },
        "values": rows,
        "progress": [],
        "notes": ["synthetic"],
    }))
    .expect("serialise")
}
