//! The SQL functions' test suite (`sql/`: DataFusion functions, and the
//! same on a Ballista cluster of a scheduler and two executor processes), built by
//! `ci/build-sql.sh` in the target directory it keeps between runs
//! (`$GONGFU_SQL_TARGET`, by default `~/.cache/gongfu/sql-target`) and run
//! here with `cargo test --manifest-path sql/Cargo.toml --workspace` (one
//! feature set for DataFusion, so the build script's artifacts serve).
//!
//! Without that build the test says so and passes, so that `cargo test`
//! needs only the root workspace; with `GONGFU_REQUIRE_SQL=1` (CI, after
//! running the build script) a missing build is a failure.

use std::path::PathBuf;
use std::process::Command;

fn target_dir() -> Option<PathBuf> {
    match std::env::var_os("GONGFU_SQL_TARGET") {
        Some(t) => Some(PathBuf::from(t)),
        None => std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/gongfu/sql-target")),
    }
}

#[test]
fn sql_functions_tests() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let root = root.canonicalize().unwrap_or(root);
    let required = std::env::var("GONGFU_REQUIRE_SQL").is_ok_and(|v| v == "1");
    let target = target_dir().filter(|t| t.join("debug").is_dir());
    let Some(target) = target else {
        assert!(
            !required,
            "GONGFU_REQUIRE_SQL=1 but sql/ has not been built: run ci/build-sql.sh first"
        );
        println!(
            "sql tests did not run: sql/ has not been built (run ci/build-sql.sh; \
             GONGFU_REQUIRE_SQL=1 makes this a failure)"
        );
        return;
    };
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args([
            "test",
            "--manifest-path",
            "sql/Cargo.toml",
            "--workspace",
            "--offline",
        ])
        .current_dir(&root)
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .expect("cannot run cargo");
    assert!(status.success(), "cargo test in sql/ failed ({status})");
}
