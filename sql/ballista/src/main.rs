//! `gongfu-ballista`: a Ballista scheduler or executor with gongfu's SQL
//! functions registered, or a client that runs one query on such a cluster.

use clap::{Parser, Subcommand, ValueEnum};
use gongfu_ballista::{Error, ExecutorOptions};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "gongfu-ballista",
    version,
    about = "gongfu's SQL aggregate functions on an Apache DataFusion Ballista cluster",
    long_about = "gongfu's SQL aggregate functions on an Apache DataFusion Ballista cluster.\n\n\
        Run one scheduler, then executors that join it, then queries. The functions \
        (gini, median, arpr, fgt, ...) are registered in each of these processes.\n\
        Logging: RUST_LOG (default: info for the servers, warn for a query)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the scheduler: it plans queries and hands their tasks to executors.
    Scheduler {
        /// Address to listen on (0.0.0.0: every interface).
        #[arg(long, default_value = "127.0.0.1")]
        bind_host: String,
        /// Port for clients and executors (gRPC).
        #[arg(long, default_value_t = 50050)]
        port: u16,
        /// Host name or address executors reach this scheduler at [default:
        /// the bind host, or localhost when binding every interface].
        #[arg(long)]
        external_host: Option<String>,
    },
    /// Run an executor: it joins the scheduler and runs the tasks it is given.
    Executor(ExecutorOptions),
    /// Run one SQL statement on the cluster and print the result.
    Query {
        /// The scheduler, as df://HOST:PORT.
        #[arg(long, default_value = "df://localhost:50050")]
        scheduler: String,
        /// The statement; files named in FROM ('dir/', 'dir/*.parquet') are
        /// read by the scheduler and the executors, so the path must be the
        /// same on every machine.
        sql: String,
        /// How to print the result.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Evaluate measures by the range plan (docs/sql.md) on Parquet files,
    /// on the cluster or, without --scheduler, in this process; prints CSV
    /// lines group,measure,value.
    Ranges {
        /// The scheduler, as df://HOST:PORT; without it DataFusion alone in
        /// this process.
        #[arg(long)]
        scheduler: Option<String>,
        /// The Parquet file or directory of part files.
        #[arg(long)]
        input: String,
        /// The income column.
        #[arg(long)]
        income: String,
        /// The weight column [default: every row weight 1].
        #[arg(long)]
        weight: Option<String>,
        /// The grouping column.
        #[arg(long)]
        by: Option<String>,
        /// Measure calls of the range plan, comma-separated.
        #[arg(long, default_value = "gini,median,arpr")]
        measures: String,
        /// About how many income ranges.
        #[arg(long, default_value_t = 256)]
        ranges: usize,
        /// Bytes for DataFusion's operators in this process (without
        /// --scheduler); beyond them sorts and aggregates spill to disk.
        #[arg(long)]
        memory_limit: Option<usize>,
    },
    /// Run one SQL statement in this process on DataFusion alone (no
    /// cluster; as `gongfu sql`), for comparison with the cluster.
    Local {
        /// The statement; files may be named in FROM.
        sql: String,
        /// How to print the result.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    /// An aligned text table.
    Table,
    /// CSV with a header line.
    Csv,
}

impl From<Format> for gongfu_sql::Format {
    fn from(f: Format) -> Self {
        match f {
            Format::Table => gongfu_sql::Format::Table,
            Format::Csv => gongfu_sql::Format::Csv,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // the servers say what they do; a query prints only its result
    let level = match cli.command {
        Command::Query { .. } | Command::Local { .. } | Command::Ranges { .. } => "warn",
        _ => "info",
    };
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or(level)).init();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gongfu-ballista: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> Result<(), Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Error::Runtime)?;
    runtime.block_on(async {
        match command {
            Command::Scheduler {
                bind_host,
                port,
                external_host,
            } => {
                let external = external_host.unwrap_or_else(|| match bind_host.as_str() {
                    "0.0.0.0" | "::" | "[::]" => "localhost".to_string(),
                    host => host.to_string(),
                });
                let config = gongfu_ballista::scheduler_config(&bind_host, &external, port);
                gongfu_ballista::serve_scheduler(config).await
            }
            Command::Executor(options) => {
                gongfu_ballista::serve_executor(gongfu_ballista::executor_config(&options)).await
            }
            Command::Query {
                scheduler,
                sql,
                format,
            } => {
                let text = gongfu_ballista::query(&scheduler, &sql, format.into()).await?;
                print!("{text}");
                Ok(())
            }
            Command::Ranges {
                scheduler,
                input,
                income,
                weight,
                by,
                measures,
                ranges,
                memory_limit,
            } => {
                let ctx = match scheduler {
                    Some(url) => gongfu_ballista::connect(&url).await?,
                    None => gongfu_sql::session(memory_limit)?,
                };
                let job = gongfu_ballista::RangeJob {
                    input: &input,
                    income: &income,
                    weight: weight.as_deref(),
                    by: by.as_deref(),
                    measures: &measures,
                    ranges,
                };
                print!("{}", gongfu_ballista::ranges(&ctx, job).await?);
                Ok(())
            }
            Command::Local { sql, format } => {
                let ctx = gongfu_sql::context();
                let rows = gongfu_sql::query(&ctx, &sql).await?;
                print!("{}", gongfu_sql::render(&rows, format.into())?);
                Ok(())
            }
        }
    })
}
