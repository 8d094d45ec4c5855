//! Reads columns and nothing else: the lower bound of any computation on a file.
//!
//! ```sh
//! cargo run --release -p gongfu-io --example read_columns -- province.parquet pc_income county:key
//! ```
//! Each column is `NAME` (numeric) or `NAME:key` (categorical).

use gongfu_io::{ColumnRequest, ReadOptions, read_columns};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((file, cols)) = args.split_first() else {
        eprintln!("usage: read_columns FILE COLUMN[:key]...");
        std::process::exit(2);
    };
    let req: Vec<ColumnRequest> = cols
        .iter()
        .map(|c| match c.strip_suffix(":key") {
            Some(k) => ColumnRequest::key(k),
            None => ColumnRequest::numeric(c),
        })
        .collect();
    let t = Instant::now();
    match read_columns(std::path::Path::new(file), &req, &ReadOptions::default()) {
        Ok(table) => println!(
            "read {} rows of {} column(s) in {:.3} s",
            table.nrows,
            req.len(),
            t.elapsed().as_secs_f64()
        ),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    }
}
