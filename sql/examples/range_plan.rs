//! Runs the range plan on a directory of Parquet part files and prints the
//! wall time, for profiling the plan (`GONGFU_RANGE_TRACE=1` adds the time
//! of each step):
//!
//! ```sh
//! cargo run --example range_plan -- DIR [BY] [MEASURES] [MEMORY_BYTES] [RANGES]
//! ```

use gongfu_compute::Spec;
use gongfu_sql::{EngineOptions, FileColumns, InputFormat, compute_files};
use std::path::Path;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = args
        .first()
        .ok_or("usage: range_plan DIR [BY] [MEASURES] [MEMORY] [RANGES]")?;
    let by: Vec<&str> = args
        .get(1)
        .map_or(vec![], |b| b.split(',').filter(|s| !s.is_empty()).collect());
    let measures = args.get(2).map_or("gini,median,arpr", String::as_str);
    let memory_limit = args.get(3).map(|m| m.parse()).transpose()?;
    let ranges = args.get(4).map(|r| r.parse()).transpose()?.unwrap_or(256);
    let spec = Spec::parse(measures, &by)?;
    let t = Instant::now();
    let report = compute_files(
        Path::new(dir),
        InputFormat::Parquet,
        FileColumns {
            income: "pc_income",
            weight: None,
            strata: None,
            psu: None,
        },
        &spec,
        EngineOptions {
            ranges,
            memory_limit,
        },
    )?;
    println!(
        "{} values in {:.2} s",
        report.results.len(),
        t.elapsed().as_secs_f64()
    );
    Ok(())
}
