//! The Python package's test suite (`python/tests`, pytest), run from the
//! repository root with the interpreter of `.venv-ci` (made by
//! `ci/install-python.sh`, which also builds and installs the extension).
//!
//! Without `.venv-ci` the test says so and passes, so that `cargo test`
//! needs only the Rust toolchain; with `GONGFU_REQUIRE_PYTHON=1` (CI, after
//! running the install script) a missing environment is a failure.

use std::path::PathBuf;
use std::process::Command;

#[test]
fn python_package_tests() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let root = root.canonicalize().unwrap_or(root);
    let python = root.join(".venv-ci/bin/python");
    let required = std::env::var("GONGFU_REQUIRE_PYTHON").is_ok_and(|v| v == "1");
    if !python.exists() {
        assert!(
            !required,
            "GONGFU_REQUIRE_PYTHON=1 but {} does not exist: run ci/install-python.sh first",
            python.display()
        );
        println!(
            "python tests did not run: {} does not exist (run ci/install-python.sh; \
             GONGFU_REQUIRE_PYTHON=1 makes this a failure)",
            python.display()
        );
        return;
    }
    let status = Command::new(&python)
        .args(["-m", "pytest", "python/tests", "-q"])
        .current_dir(&root)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .status()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    assert!(status.success(), "pytest python/tests failed ({status})");
}
