//! `gongfu`: the command-line front end. Thin: it parses flags, reads files
//! through `gongfu-io`, computes through `gongfu-compute` and writes results.

mod compute;
mod config;
mod demo;
mod grouped;
mod monitor;
mod publish;
mod report;
mod serve;
mod sql;
mod synth;
mod token;

use clap::{Parser, Subcommand};

/// Freed blocks are reused rather than unmapped: the transient n-vectors of a
/// run (influence values, domain splits) then cost no fresh page faults.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::process::ExitCode;

/// Common-prosperity monitoring: income levels and gaps, inequality, poverty
/// and the middle-income group from household microdata.
#[derive(Debug, Parser)]
#[command(name = "gongfu", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Compute measures from a CSV or Parquet file (SPEC §5).
    Compute(Box<compute::ComputeArgs>),
    /// The headline figures of the embedded demo province (no files needed).
    Demo(demo::DemoArgs),
    /// Measures from a published group table (quintile or decile means) via parametric Lorenz curves.
    Grouped(Box<grouped::GroupedArgs>),
    /// Monitor the province: every indicator for every region and year, targets,
    /// school balance, the county index and convergence, as one release.
    Monitor(Box<monitor::MonitorArgs>),
    /// The dashboard as one self-contained HTML file showing a release (opens offline).
    Report(report::ReportArgs),
    /// Write the synthetic demo province: a survey sample or the full population.
    Synth(synth::SynthArgs),
    /// List every measure of the catalogue with its parameters.
    Measures,
    /// Serve the HTTP API (and the dashboard) over a release store.
    Serve(Box<serve::ServeArgs>),
    /// Create, list or revoke API tokens in a store.
    Token(token::TokenArgs),
    /// Publish a release into a store (as an analyst does through the API).
    Publish(publish::PublishArgs),
    /// A SQL query over Parquet/CSV files with the measures as aggregate
    /// functions (needs the `datafusion` build feature).
    Sql(Box<sql::SqlArgs>),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Compute(a) => compute::run(*a),
        Command::Demo(a) => demo::run(a),
        Command::Grouped(a) => grouped::run(*a),
        Command::Synth(a) => synth::run(a),
        Command::Monitor(a) => monitor::run(*a),
        Command::Report(a) => report::run(a),
        Command::Serve(a) => serve::run(*a),
        Command::Token(a) => token::run(a),
        Command::Publish(a) => publish::run(a),
        Command::Sql(a) => sql::run(*a),
        Command::Measures => {
            print!("{}", gongfu_measures::catalogue_text());
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gongfu: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
