//! A publisher killed with SIGKILL in the middle of writing a release leaves
//! the store as it was: the previous release intact and current, nothing of
//! the half-written one.
//!
//! The test binary runs itself as the publisher (a child process with
//! `GONGFU_STORE_CRASH_CHILD` set): the child publishes a large release and,
//! after the first batch of values is written inside the transaction, says
//! so and waits; the parent kills it there. Run on SQLite always and on
//! PostgreSQL when `GONGFU_TEST_POSTGRES_URL` is set (required with
//! `GONGFU_REQUIRE_POSTGRES=1`). Own harness, so that the child runs no tests.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use gongfu_store::{Outcome, Store, ValueFilter};

const PROVINCE: &str = "330000";
const PREVIOUS: &str = "0ld0000000000001";
const HALF_WRITTEN: &str = "b16000000000000f";
const LARGE: usize = 20_000;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

/// The child: publishes the large release and stops inside the transaction.
fn child(url: &str) -> ExitCode {
    runtime().block_on(async {
        let store = Store::open(url).await.expect("open the store");
        let doc = common::release(HALF_WRITTEN, PROVINCE, LARGE, 7.0);
        let mut said = false;
        let result = store
            .publish_with_progress(&doc, "doomed publisher", &mut |written, total| {
                if !said && written < total {
                    said = true;
                    println!("WRITING {written} of {total}");
                    let _ = std::io::stdout().flush();
                    // the parent kills us here, mid-transaction
                    std::thread::sleep(Duration::from_secs(120));
                }
            })
            .await;
        // reached only if the parent failed to kill the child
        eprintln!("child was not killed: {result:?}");
        ExitCode::from(3)
    })
}

/// The parent: one scenario on one store URL.
fn killed_mid_publish(url: &str) {
    let rt = runtime();
    let previous_doc = common::release(PREVIOUS, PROVINCE, 300, 1.0);
    rt.block_on(async {
        let store = Store::open(url).await.unwrap();
        let p = store.publish(&previous_doc, "earlier").await.unwrap();
        assert_eq!(p.outcome, Outcome::Published);
        store.close().await;
    });

    let mut child = Command::new(std::env::current_exe().expect("the test binary"))
        .env("GONGFU_STORE_CRASH_CHILD", url)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn the publisher");
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let said = rx.recv_timeout(Duration::from_secs(120));
    child.kill().expect("SIGKILL the publisher");
    let status = child.wait().expect("wait for the publisher");
    let said = said.expect("the publisher never reached the middle of its write");
    assert!(said.starts_with("WRITING 1000 of 20000"), "{said}");
    assert_eq!(
        status.signal(),
        Some(9),
        "the publisher was not killed: {status:?}"
    );

    rt.block_on(async {
        let store = Store::open(url).await.unwrap();
        // only the previous release, current and whole
        let list = store.list().await.unwrap();
        assert_eq!(list.len(), 1, "{list:?}");
        assert_eq!(list[0].id, PREVIOUS);
        assert_eq!(list[0].superseded_by, None);
        assert_eq!(
            store.latest(Some(PROVINCE)).await.unwrap().unwrap().id,
            PREVIOUS
        );
        assert_eq!(
            store.release_json(PREVIOUS).await.unwrap().unwrap(),
            previous_doc
        );
        assert_eq!(
            store
                .values(PREVIOUS, &ValueFilter::default())
                .await
                .unwrap()
                .len(),
            300
        );
        // nothing of the half-written one
        assert!(store.info(HALF_WRITTEN).await.unwrap().is_none());
        assert!(store.release_json(HALF_WRITTEN).await.unwrap().is_none());
        assert!(
            store
                .values(HALF_WRITTEN, &ValueFilter::default())
                .await
                .unwrap()
                .is_empty()
        );
        // and the store takes the release in full afterwards
        let doc = common::release(HALF_WRITTEN, PROVINCE, LARGE, 7.0);
        let p = store.publish(&doc, "second try").await.unwrap();
        assert_eq!(p.outcome, Outcome::Published);
        assert_eq!(p.release.supersedes.as_deref(), Some(PREVIOUS));
        assert_eq!(p.release.values, LARGE as i64);
        store.close().await;
    });
}

fn main() -> ExitCode {
    if let Ok(url) = std::env::var("GONGFU_STORE_CRASH_CHILD") {
        return child(&url);
    }
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    // each scenario returns whether it ran
    let mut run = |name: &str, f: &dyn Fn() -> bool| match std::panic::catch_unwind(
        std::panic::AssertUnwindSafe(f),
    ) {
        Ok(true) => {
            println!("test {name} ... ok");
            passed += 1;
        }
        Ok(false) => {
            println!("test {name} ... not run");
            skipped += 1;
        }
        Err(_) => {
            println!("test {name} ... FAILED");
            failed += 1;
        }
    };
    run("killed_mid_publish::sqlite", &|| {
        let db = common::sqlite();
        killed_mid_publish(&db.url);
        true
    });
    run("killed_mid_publish::postgres", &|| {
        let rt = runtime();
        match rt.block_on(common::postgres("killed_mid_publish::postgres")) {
            Some(db) => {
                killed_mid_publish(&db.url);
                rt.block_on(db.cleanup());
                true
            }
            None => false,
        }
    });
    println!();
    println!("{passed} passed, {failed} failed, {skipped} skipped");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
