//! The store's behaviour, written once and run on SQLite always and on
//! PostgreSQL when `GONGFU_TEST_POSTGRES_URL` is set (see `common`).

mod common;

use common::release;
use gongfu_store::{Backend, Outcome, Role, Store, StoreError, ValueFilter};

/// Runs `scenario(url)` as `NAME::sqlite` and `NAME::postgres`.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = crate::common::sqlite();
                super::$name(&db.url).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let test = concat!(stringify!($name), "::postgres");
                if let Some(db) = crate::common::postgres(test).await {
                    super::$name(&db.url).await;
                    db.cleanup().await;
                }
            }
        }
    )*};
}

on_both_backends!(
    publish_then_read,
    same_id_is_a_no_op_and_other_values_conflict,
    newer_release_supersedes_per_province,
    invalid_releases_leave_nothing,
    tokens_are_hashed_listed_and_revoked,
    data_survives_reopening,
    concurrent_publishers_keep_one_current_release,
);

async fn publish_then_read(url: &str) {
    let store = Store::open(url).await.unwrap();
    assert_eq!(
        store.backend(),
        if url.starts_with("postgres") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    );
    assert!(store.list().await.unwrap().is_empty());
    assert!(store.latest(None).await.unwrap().is_none());
    let doc = release("a1b2c3d4e5f60718", "330000", 240, 1.0);
    let p = store.publish(&doc, "analyst one").await.unwrap();
    assert_eq!(p.outcome, Outcome::Published);
    let r = &p.release;
    assert_eq!(r.id, "a1b2c3d4e5f60718");
    assert_eq!(r.province, "330000");
    assert_eq!(r.years, [2020, 2025]);
    assert_eq!(r.version, "0.1.0");
    assert_eq!(r.created, "2026-02-01T09:30:00Z");
    assert_eq!(r.published_by, "analyst one");
    assert_eq!(r.values, 240);
    assert_eq!(
        (r.supersedes.as_deref(), r.superseded_by.as_deref()),
        (None, None)
    );
    assert_eq!(r.published_at.len(), 20, "{}", r.published_at);

    // the document comes back byte for byte
    assert_eq!(store.release_json(&r.id).await.unwrap().unwrap(), doc);
    assert!(store.release_json("0000").await.unwrap().is_none());
    assert_eq!(store.info(&r.id).await.unwrap().as_ref(), Some(r));
    assert_eq!(store.list().await.unwrap(), vec![r.clone()]);

    // values: all, in order, and filtered like the document
    let all = store.values(&r.id, &ValueFilter::default()).await.unwrap();
    assert_eq!(all.len(), 240);
    let parsed: serde_json::Value = serde_json::from_str(&doc).unwrap();
    for (row, json) in all.iter().zip(parsed["values"].as_array().unwrap()) {
        assert_eq!(row.indicator, json["indicator"].as_str().unwrap());
        assert_eq!(row.region, json["region"].as_str().unwrap());
        assert_eq!(i64::from(row.year), json["year"].as_i64().unwrap());
        assert_eq!(row.value, json["value"].as_f64());
        assert_eq!(row.se, json["se"].as_f64());
        assert_eq!(row.ci_lo, json["ci"].get(0).and_then(|v| v.as_f64()));
        assert_eq!(row.ci_hi, json["ci"].get(1).and_then(|v| v.as_f64()));
        assert_eq!(row.n, json["n"].as_i64());
        assert_eq!(row.population, json["population"].as_f64());
    }
    let filter = ValueFilter {
        indicator: Some("gini".into()),
        scope: Some("county".into()),
        year: Some(2023),
        ..ValueFilter::default()
    };
    let some = store.values(&r.id, &filter).await.unwrap();
    let expected: Vec<_> = all
        .iter()
        .filter(|v| v.indicator == "gini" && v.scope == "county" && v.year == 2023)
        .cloned()
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(some, expected);
    let region = ValueFilter {
        region: Some(all[30].region.clone()),
        ..ValueFilter::default()
    };
    let by_region = store.values(&r.id, &region).await.unwrap();
    assert!(by_region.iter().all(|v| v.region == all[30].region));
    assert_eq!(
        by_region.len(),
        all.iter().filter(|v| v.region == all[30].region).count()
    );
    assert!(
        store
            .values("no-such-release", &ValueFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
    store.close().await;
}

async fn same_id_is_a_no_op_and_other_values_conflict(url: &str) {
    let store = Store::open(url).await.unwrap();
    let doc = release("feedc0de00000001", "330000", 30, 1.0);
    let first = store.publish(&doc, "first").await.unwrap();
    // the same release again, even re-serialised (created and timings may
    // differ between runs of the same inputs): nothing is written
    let mut again: serde_json::Value = serde_json::from_str(&doc).unwrap();
    again["meta"]["created"] = "2026-03-01T00:00:00Z".into();
    let again = serde_json::to_string(&again).unwrap();
    let second = store.publish(&again, "second").await.unwrap();
    assert_eq!(second.outcome, Outcome::AlreadyPublished);
    assert_eq!(second.release, first.release);
    assert_eq!(
        store
            .release_json("feedc0de00000001")
            .await
            .unwrap()
            .unwrap(),
        doc
    );
    // the same id with other figures is refused
    let other = release("feedc0de00000001", "330000", 30, 1.5);
    let err = store.publish(&other, "third").await.unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { ref id } if id == "feedc0de00000001"),
        "{err}"
    );
    assert!(err.to_string().contains("immutable"));
    assert_eq!(store.list().await.unwrap(), vec![first.release.clone()]);
    let values = store
        .values("feedc0de00000001", &ValueFilter::default())
        .await
        .unwrap();
    assert_eq!(values.len(), 30);
    assert_eq!(values[3].value, Some(1003.0));
    store.close().await;
}

async fn newer_release_supersedes_per_province(url: &str) {
    let store = Store::open(url).await.unwrap();
    let a = store
        .publish(&release("aaaa000000000001", "330000", 12, 1.0), "x")
        .await
        .unwrap()
        .release;
    let b = store
        .publish(&release("bbbb000000000002", "320000", 12, 1.0), "x")
        .await
        .unwrap()
        .release;
    let c = store
        .publish(&release("cccc000000000003", "330000", 18, 2.0), "x")
        .await
        .unwrap()
        .release;
    assert_eq!(c.supersedes.as_deref(), Some("aaaa000000000001"));
    assert_eq!(c.superseded_by, None);
    // another province is untouched
    assert_eq!(b.supersedes, None);
    let a_now = store.info(&a.id).await.unwrap().unwrap();
    assert_eq!(a_now.superseded_by.as_deref(), Some("cccc000000000003"));
    assert_eq!(
        store.info(&b.id).await.unwrap().unwrap().superseded_by,
        None
    );
    // latest per province and overall
    assert_eq!(
        store.latest(Some("330000")).await.unwrap().unwrap().id,
        c.id
    );
    assert_eq!(
        store.latest(Some("320000")).await.unwrap().unwrap().id,
        b.id
    );
    assert_eq!(store.latest(None).await.unwrap().unwrap().id, c.id);
    assert!(store.latest(Some("110000")).await.unwrap().is_none());
    // the superseded release stays readable, whole
    assert_eq!(
        store.release_json(&a.id).await.unwrap().unwrap(),
        release("aaaa000000000001", "330000", 12, 1.0)
    );
    assert_eq!(
        store
            .values(&a.id, &ValueFilter::default())
            .await
            .unwrap()
            .len(),
        12
    );
    // newest publication first
    let ids: Vec<String> = store
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(ids, [c.id.clone(), b.id.clone(), a.id.clone()]);
    // a fourth one for 330000 supersedes c, not a
    let d = store
        .publish(&release("dddd000000000004", "330000", 6, 3.0), "x")
        .await
        .unwrap()
        .release;
    assert_eq!(d.supersedes.as_deref(), Some("cccc000000000003"));
    assert_eq!(
        store
            .info(&a.id)
            .await
            .unwrap()
            .unwrap()
            .superseded_by
            .as_deref(),
        Some("cccc000000000003")
    );
    store.close().await;
}

async fn invalid_releases_leave_nothing(url: &str) {
    let store = Store::open(url).await.unwrap();
    let good = release("0123456789abcdef", "330000", 10, 1.0);
    let cases = [
        ("{not json".to_string(), "not valid JSON"),
        ("[]".to_string(), "expected a JSON object"),
        (
            good.replace("\"province\": \"330000\"", "\"province\": 330000"),
            "meta.province: expected a string",
        ),
        (
            good.replace("\"year\": 2024", "\"year\": \"2024\""),
            "values[4].year: expected an integer",
        ),
        (
            good.replace("0123456789abcdef", "../etc"),
            "meta.release_id",
        ),
    ];
    for (doc, expected) in &cases {
        let err = store.publish(doc, "x").await.unwrap_err();
        assert!(matches!(err, StoreError::InvalidRelease(_)), "{err}");
        assert!(err.to_string().contains(expected), "{err} lacks {expected}");
    }
    assert!(store.list().await.unwrap().is_empty());
    assert!(
        store
            .values("0123456789abcdef", &ValueFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
    let label = store.publish(&good, "bad\u{7}label").await.unwrap_err();
    assert!(matches!(label, StoreError::InvalidLabel(_)), "{label}");
    assert!(store.list().await.unwrap().is_empty());
    store.close().await;
}

async fn tokens_are_hashed_listed_and_revoked(url: &str) {
    let store = Store::open(url).await.unwrap();
    let viewer = store.create_token(Role::Viewer, "dashboard").await.unwrap();
    let analyst = store.create_token(Role::Analyst, " bureau ").await.unwrap();
    let admin = store.create_token(Role::Admin, "").await.unwrap();
    assert_eq!(analyst.info.label, "bureau");
    assert!(!format!("{viewer:?}").contains(&viewer.secret));
    for t in [&viewer, &analyst, &admin] {
        let who = store.authenticate(&t.secret).await.unwrap().unwrap();
        assert_eq!(who, t.info);
    }
    assert!(store.authenticate("gf_0000").await.unwrap().is_none());
    assert!(store.authenticate("").await.unwrap().is_none());
    let listed = store.tokens().await.unwrap();
    assert_eq!(listed.len(), 3);
    let mut ids: Vec<&str> = listed.iter().map(|t| t.id.as_str()).collect();
    ids.sort_unstable();
    let mut want = vec![&viewer.info.id, &analyst.info.id, &admin.info.id];
    want.sort_unstable();
    assert_eq!(ids, want);

    // revoke: the secret stops working, the token stays listed
    let revoked = store.revoke_token(&viewer.info.id).await.unwrap().unwrap();
    let when = revoked.revoked.clone().expect("a revocation time");
    assert!(store.authenticate(&viewer.secret).await.unwrap().is_none());
    assert!(store.authenticate(&analyst.secret).await.unwrap().is_some());
    // revoking again changes nothing
    let again = store.revoke_token(&viewer.info.id).await.unwrap().unwrap();
    assert_eq!(again.revoked.as_deref(), Some(when.as_str()));
    assert!(store.revoke_token("000000000000").await.unwrap().is_none());
    let listed = store.tokens().await.unwrap();
    assert_eq!(
        listed.iter().filter(|t| t.revoked.is_some()).count(),
        1,
        "{listed:?}"
    );
    let err = store
        .create_token(Role::Viewer, &"x".repeat(201))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidLabel(_)));

    // only the hash of a secret is kept
    let stored = common_raw_strings(url, "SELECT secret_sha256 FROM tokens").await;
    assert_eq!(stored.len(), 3);
    for t in [&viewer, &analyst, &admin] {
        assert!(!stored.contains(&t.secret));
        assert!(stored.contains(&gongfu_store::hash_secret(&t.secret)));
    }
    store.close().await;
}

/// The first column of `sql`'s rows, as strings, read outside the store.
async fn common_raw_strings(url: &str, sql: &str) -> Vec<String> {
    if url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        let rows: Vec<(String,)> = sqlx::query_as(sql).fetch_all(&pool).await.unwrap();
        pool.close().await;
        rows.into_iter().map(|r| r.0).collect()
    } else {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        let rows: Vec<(String,)> = sqlx::query_as(sql).fetch_all(&pool).await.unwrap();
        pool.close().await;
        rows.into_iter().map(|r| r.0).collect()
    }
}

async fn data_survives_reopening(url: &str) {
    let store = Store::open(url).await.unwrap();
    let doc = release("5eed000000000001", "330000", 50, 1.0);
    store.publish(&doc, "x").await.unwrap();
    let token = store.create_token(Role::Analyst, "ci").await.unwrap();
    store.close().await;
    // opening again runs the migrations again: nothing changes
    let store = Store::open(url).await.unwrap();
    assert_eq!(store.list().await.unwrap().len(), 1);
    assert_eq!(
        store
            .release_json("5eed000000000001")
            .await
            .unwrap()
            .unwrap(),
        doc
    );
    assert_eq!(
        store
            .authenticate(&token.secret)
            .await
            .unwrap()
            .unwrap()
            .role,
        Role::Analyst
    );
    store.close().await;
}

async fn concurrent_publishers_keep_one_current_release(url: &str) {
    let store = Store::open(url).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..6 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let doc = release(
                &format!("c0ffee00000000{i:02}"),
                "330000",
                1500,
                1.0 + i as f64,
            );
            store.publish(&doc, &format!("publisher {i}")).await
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap().outcome, Outcome::Published);
    }
    let list = store.list().await.unwrap();
    assert_eq!(list.len(), 6);
    let current: Vec<_> = list.iter().filter(|r| r.superseded_by.is_none()).collect();
    assert_eq!(current.len(), 1, "{list:?}");
    // the chain runs from the newest through every release, in publication order
    let mut chain = vec![current[0].id.clone()];
    while let Some(prev) = list
        .iter()
        .find(|r| r.id == *chain.last().unwrap())
        .and_then(|r| r.supersedes.clone())
    {
        chain.push(prev);
    }
    let newest_first: Vec<String> = list.iter().map(|r| r.id.clone()).collect();
    assert_eq!(chain, newest_first);
    for r in &list {
        assert_eq!(
            store
                .values(&r.id, &ValueFilter::default())
                .await
                .unwrap()
                .len(),
            1500
        );
    }
    store.close().await;
}

#[tokio::test]
async fn urls_of_other_kinds_are_refused() {
    let err = Store::open("mysql://root:pw@localhost/db")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Url { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "store mysql://root:***@localhost/db: unsupported scheme \"mysql\" (expected sqlite://PATH, postgres://… or a file path)"
    );
    let err = Store::open("").await.unwrap_err();
    assert!(matches!(err, StoreError::Url { .. }), "{err}");
    let err = Store::open("/nonexistent-dir/for/gongfu/store.sqlite")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Open { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with("store /nonexistent-dir/for/gongfu/store.sqlite: cannot open")
    );
}

#[tokio::test]
async fn a_plain_path_is_a_sqlite_file_created_on_first_use() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plain.sqlite");
    assert!(!path.exists());
    let store = Store::open(path.to_str().unwrap()).await.unwrap();
    assert_eq!(store.backend(), Backend::Sqlite);
    store
        .publish(&release("9a9a9a9a9a9a9a9a", "330000", 5, 1.0), "x")
        .await
        .unwrap();
    store.close().await;
    assert!(path.exists());
    // the same file through a sqlite:// URL
    let store = Store::open(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    assert_eq!(store.list().await.unwrap().len(), 1);
    store.close().await;
}

#[tokio::test]
async fn a_wrong_postgres_password_is_an_open_error_without_the_password() {
    let Some(base) = common::postgres_url("a_wrong_postgres_password") else {
        return;
    };
    // replace the password (or add one) in the URL
    let rest = base.split_once("://").unwrap().1;
    let (auth, host) = rest.split_once('@').unwrap();
    let user = auth.split(':').next().unwrap();
    let url = format!("postgres://{user}:not-the-password-x9@{host}");
    let err = Store::open(&url).await.unwrap_err();
    assert!(matches!(err, StoreError::Open { .. }), "{err}");
    assert!(!err.to_string().contains("not-the-password-x9"), "{err}");
}
