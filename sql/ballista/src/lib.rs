//! gongfu's SQL aggregate functions (`gongfu-sql`: `gini`, `median`, `arpr`,
//! `fgt`, … as exact DataFusion UDAFs) on an
//! [Apache DataFusion Ballista](https://datafusion.apache.org/ballista/)
//! cluster: one scheduler, any number of executors, and clients that submit
//! SQL to the scheduler.
//!
//! A query names a function by its name only; every process that plans or
//! runs part of it turns the name back into the function from its own
//! registry. So the functions (all that [`gongfu_sql::register`] registers)
//! must be registered in three places, and this crate does each:
//!
//! * the **scheduler**, which plans the query: [`scheduler_config`] sets
//!   `SchedulerConfig::override_session_builder` to [`session_state`]
//!   (Ballista's default session with the functions added);
//! * every **executor**, which runs the plan's tasks: [`executor_config`]
//!   sets `ExecutorProcessConfig::override_function_registry` to
//!   [`function_registry`] (DataFusion's built-in functions and gongfu's);
//! * the **client**, which parses the SQL: [`connect`] opens the remote
//!   session and only then registers the functions (opening the session
//!   replaces its list of aggregate functions, so functions registered on a
//!   state handed to `remote_with_state` would be lost).
//!
//! [`serve_scheduler`] and [`serve_executor`] run the two servers until the
//! process ends; the `gongfu-ballista` binary wraps them (`gongfu-ballista
//! scheduler`, `gongfu-ballista executor`, `gongfu-ballista query`).
//!
//! The measures are exact: a group's partial states (its incomes and
//! weights) are shuffled to the task that evaluates the group, which builds
//! the group's sorted distribution as `gongfu-measures` does, so a result
//! does not depend on how the rows were split over files, tasks or
//! executors.
//!
//! ```no_run
//! # async fn run() -> Result<(), gongfu_ballista::Error> {
//! let ctx = gongfu_ballista::connect("df://scheduler.example:50050").await?;
//! ctx.register_parquet("hh", "/shared/households/", Default::default())
//!     .await?;
//! let rows = gongfu_sql::query(
//!     &ctx,
//!     "SELECT county, gini(income, weight) FROM hh GROUP BY county",
//! )
//! .await?;
//! print!("{}", gongfu_sql::render(&rows, gongfu_sql::Format::Table)?);
//! # Ok(())
//! # }
//! ```

#![deny(missing_docs)]

use ballista::prelude::SessionContextExt;
use ballista_core::error::BallistaError;
use ballista_core::registry::BallistaFunctionRegistry;
use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::start_server;
use datafusion::error::DataFusionError;
use datafusion::execution::SessionState;
use datafusion::execution::context::SessionContext;
use datafusion::execution::registry::FunctionRegistry;
use datafusion::logical_expr::{AggregateUDF, ScalarUDF, WindowUDF};
use datafusion::prelude::SessionConfig;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

/// What can go wrong starting a process or running a query.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Ballista failed: a server could not start or stopped with an error.
    #[error("ballista: {0}")]
    Ballista(#[from] BallistaError),
    /// DataFusion refused or failed the query, or the session could not be
    /// opened.
    #[error("{0}")]
    DataFusion(#[from] DataFusionError),
    /// A query of `gongfu-sql` failed (see [`gongfu_sql::SqlError`]).
    #[error("{0}")]
    Sql(#[from] gongfu_sql::SqlError),
    /// A host and port do not form a socket address.
    #[error("invalid address {address}: {reason}")]
    Address {
        /// The address as given (`host:port`).
        address: String,
        /// Why it is not one.
        reason: std::net::AddrParseError,
    },
    /// The async runtime could not start.
    #[error("cannot start the runtime: {0}")]
    Runtime(std::io::Error),
    /// A measure list does not parse.
    #[error("--measures: {0}")]
    Measures(String),
}

/// The functions [`gongfu_sql::register`] adds to a session (the measures
/// of [`gongfu_sql::udafs`], the range function of
/// [`gongfu_sql::measures_by_ranges`], and whatever else it registers), found by
/// registering them on a plain session: so the scheduler and the executors
/// always know the same functions as the client.
#[derive(Debug, Default)]
struct Added {
    scalar: Vec<Arc<ScalarUDF>>,
    aggregate: Vec<Arc<AggregateUDF>>,
    window: Vec<Arc<WindowUDF>>,
}

fn added() -> Added {
    let plain = SessionContext::new().state();
    let ctx = SessionContext::new();
    gongfu_sql::register(&ctx);
    let state = ctx.state();
    // by name, aliases included: a name that is new, or that now names
    // another function (gongfu's `mean` and `median` replace DataFusion's);
    // each function once
    fn new<F: PartialEq>(
        all: &HashMap<String, Arc<F>>,
        before: &HashMap<String, Arc<F>>,
    ) -> Vec<Arc<F>> {
        let mut names: Vec<&String> = all
            .iter()
            .filter(|(n, f)| before.get(*n).is_none_or(|b| **b != ***f))
            .map(|(n, _)| n)
            .collect();
        names.sort();
        let mut out: Vec<Arc<F>> = Vec::new();
        for n in names {
            let f = &all[n];
            if !out.iter().any(|g| Arc::ptr_eq(g, f)) {
                out.push(Arc::clone(f));
            }
        }
        out
    }
    Added {
        scalar: new(state.scalar_functions(), plain.scalar_functions()),
        aggregate: new(state.aggregate_functions(), plain.aggregate_functions()),
        window: new(state.window_functions(), plain.window_functions()),
    }
}

/// The names of the functions gongfu adds to DataFusion's (sorted): what
/// [`session_state`] and [`function_registry`] register.
pub fn function_names() -> Vec<String> {
    let a = added();
    let mut names: Vec<String> = (a.scalar.iter().map(|f| f.name().to_string()))
        .chain(a.aggregate.iter().map(|f| f.name().to_string()))
        .chain(a.window.iter().map(|f| f.name().to_string()))
        .collect();
    names.sort();
    names
}

/// The scheduler's session for a client's configuration: Ballista's default
/// session (DataFusion's built-in functions and Ballista's optimizer rules)
/// with gongfu's functions added. The scheduler builds one per client
/// session and plans that session's queries with it.
///
/// # Errors
/// DataFusion's, when the runtime environment cannot be built.
pub fn session_state(config: SessionConfig) -> datafusion::common::Result<SessionState> {
    let mut state = ballista_core::utils::default_session_builder(config)?;
    let a = added();
    for f in a.scalar {
        state.register_udf(f)?;
    }
    for f in a.aggregate {
        state.register_udaf(f)?;
    }
    for f in a.window {
        state.register_udwf(f)?;
    }
    Ok(state)
}

/// The scheduler's configuration: it listens on `bind_host:port`, tells
/// executors to reach it at `external_host:port` (where they report task
/// status), and plans with [`session_state`]. Everything else is
/// Ballista's default (push-based scheduling, tasks placed on the executors
/// with free slots first, shuffle data of a finished job removed after
/// 300 s).
pub fn scheduler_config(bind_host: &str, external_host: &str, port: u16) -> SchedulerConfig {
    let mut config = SchedulerConfig::default()
        .with_hostname(external_host)
        .with_port(port)
        .with_override_session_builder(Arc::new(session_state));
    config.bind_host = bind_host.to_string();
    config
}

/// `host:port` as a socket address.
fn socket_address(host: &str, port: u16) -> Result<SocketAddr, Error> {
    // an IPv6 literal needs brackets in a socket address
    let address = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    address.parse().map_err(|reason| Error::Address {
        address: address.clone(),
        reason,
    })
}

/// Runs a scheduler with `config` (from [`scheduler_config`]) until the
/// process ends. Cluster state is kept in the scheduler's memory.
///
/// # Errors
/// [`Error::Address`] for a bind host that is not an IP address;
/// [`Error::Ballista`] when the server cannot start or fails.
pub async fn serve_scheduler(config: SchedulerConfig) -> Result<(), Error> {
    let address = socket_address(&config.bind_host, config.bind_port)?;
    let cluster = BallistaCluster::new_from_config(&config).await?;
    start_server(cluster, address, Arc::new(config)).await?;
    Ok(())
}

/// DataFusion's built-in functions (scalar, aggregate, window) and
/// gongfu's: what an executor resolves the functions of a plan's tasks
/// against.
pub fn function_registry() -> BallistaFunctionRegistry {
    let mut registry = BallistaFunctionRegistry::default();
    let a = added();
    for f in a.scalar {
        registry.scalar_functions.insert(f.name().to_string(), f);
    }
    for f in a.aggregate {
        registry.aggregate_functions.insert(f.name().to_string(), f);
    }
    for f in a.window {
        registry.window_functions.insert(f.name().to_string(), f);
    }
    registry
}

/// Where an executor listens and which scheduler it joins (also the flags
/// of `gongfu-ballista executor`).
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct ExecutorOptions {
    /// The scheduler's host name or address.
    #[arg(long, default_value = "localhost")]
    pub scheduler_host: String,
    /// The scheduler's port.
    #[arg(long, default_value_t = 50050)]
    pub scheduler_port: u16,
    /// The address the executor's servers listen on (0.0.0.0: every
    /// interface).
    #[arg(long, default_value = "127.0.0.1")]
    pub bind_host: String,
    /// The host name or address the scheduler, the other executors and the
    /// clients reach this executor at [default: the address the scheduler
    /// sees its connection come from].
    #[arg(long)]
    pub external_host: Option<String>,
    /// The Arrow Flight port, from which other executors and clients fetch
    /// the partitions this executor computed.
    #[arg(long, default_value_t = 50051)]
    pub port: u16,
    /// The gRPC port, on which the scheduler launches tasks.
    #[arg(long, default_value_t = 50052)]
    pub grpc_port: u16,
    /// How many tasks run at once [default: one per CPU core].
    #[arg(long)]
    pub concurrent_tasks: Option<usize>,
    /// Where shuffle files are written [default: a temporary directory].
    #[arg(long)]
    pub work_dir: Option<String>,
    /// Bytes for the operators of all running tasks together (each task
    /// slot gets its share as a spilling pool) [default: 70 % of the
    /// machine's or the container's memory].
    #[arg(long)]
    pub memory_pool_size: Option<u64>,
}

/// The executor process's configuration for `options`, with
/// [`function_registry`]; everything else is Ballista's default
/// (push-based scheduling, a memory pool of 70 % of the machine's or the
/// container's memory shared by the task slots, Ballista's shuffle
/// reader).
pub fn executor_config(options: &ExecutorOptions) -> ExecutorProcessConfig {
    let mut config = ExecutorProcessConfig {
        bind_host: options.bind_host.clone(),
        external_host: options.external_host.clone(),
        port: options.port,
        grpc_port: options.grpc_port,
        scheduler_host: options.scheduler_host.clone(),
        scheduler_port: options.scheduler_port,
        work_dir: options.work_dir.clone(),
        override_function_registry: Some(Arc::new(function_registry())),
        ..Default::default()
    };
    if let Some(n) = options.concurrent_tasks {
        config.vcores = n;
    }
    if let Some(bytes) = options.memory_pool_size {
        config.memory_pool_size = Some(bytes);
    }
    config
}

/// Runs an executor with `config` (from [`executor_config`]): it registers
/// with the scheduler and runs the tasks it is given until the process is
/// interrupted (Ctrl-C or SIGTERM: it then stops taking tasks and tells the
/// scheduler).
///
/// # Errors
/// [`Error::Ballista`] when it cannot bind its ports, reach the scheduler
/// or register.
pub async fn serve_executor(config: ExecutorProcessConfig) -> Result<(), Error> {
    start_executor_process(Arc::new(config)).await?;
    Ok(())
}

/// A client session on the cluster whose scheduler is at `scheduler_url`
/// (`df://host:port`; the port defaults to 50050), with gongfu's functions
/// registered, that can also read files named in `FROM` (`FROM
/// '/shared/province/'`; the path must be readable by the scheduler and every
/// executor). Queries are planned by the scheduler and run on the executors.
///
/// Nothing is sent until the first query: an unreachable scheduler shows
/// then.
///
/// # Errors
/// [`Error::DataFusion`] for a URL without a host.
pub async fn connect(scheduler_url: &str) -> Result<SessionContext, Error> {
    let ctx = SessionContext::remote(scheduler_url)
        .await?
        .enable_url_table();
    // after the session is opened: opening it sets the aggregate functions
    // to DataFusion's built-ins
    gongfu_sql::register(&ctx);
    Ok(ctx)
}

/// Runs one statement on the cluster at `scheduler_url` and renders the
/// result: what `gongfu-ballista query` does.
///
/// # Errors
/// [`Error`] for the connection or the query.
pub async fn query(
    scheduler_url: &str,
    sql: &str,
    format: gongfu_sql::Format,
) -> Result<String, Error> {
    let ctx = connect(scheduler_url).await?;
    let batches = gongfu_sql::query(&ctx, sql).await?;
    Ok(gongfu_sql::render(&batches, format)?)
}

/// What `gongfu-ballista ranges` evaluates: catalogue measures of an
/// income column of Parquet files, per group and overall, by the range plan.
#[derive(Debug, Clone, Copy)]
pub struct RangeJob<'a> {
    /// The file or directory of Parquet part files (the same path on every
    /// machine of a cluster).
    pub input: &'a str,
    /// The income column.
    pub income: &'a str,
    /// The weight column (every row weight 1 without).
    pub weight: Option<&'a str>,
    /// The grouping column.
    pub by: Option<&'a str>,
    /// A measure list (`gini,median,arpr`), calls of
    /// [`gongfu_sql::RANGE_MEASURES`].
    pub measures: &'a str,
    /// About how many income ranges.
    pub ranges: usize,
}

/// Runs `job` through the range plan on `ctx` (a cluster's client session
/// from [`connect`], or a local one) and returns CSV lines `group,measure,value`
/// (group empty for the whole table; the reason in place of an undefined
/// value).
///
/// # Errors
/// [`Error`] for the measure list, the files and the queries.
pub async fn ranges(ctx: &SessionContext, job: RangeJob<'_>) -> Result<String, Error> {
    let measures = gongfu_measures::Measure::parse_list(job.measures)
        .map_err(|e| Error::Measures(e.to_string()))?;
    ctx.register_parquet("gongfu_input", job.input, Default::default())
        .await?;
    let quote = gongfu_sql::quote_ident;
    let (income, weight, by) = (
        quote(job.income),
        job.weight.map_or_else(|| "1.0".to_string(), quote),
        job.by.map(quote),
    );
    let cols = gongfu_sql::RangeColumns {
        table: "gongfu_input",
        group: by.as_deref(),
        income: &income,
        weight: &weight,
        strata: None,
        psu: None,
    };
    let opts = gongfu_sql::RangeOptions {
        ranges: job.ranges,
        ..Default::default()
    };
    let results = gongfu_sql::measures_by_ranges(ctx, cols, &measures, opts).await?;
    let mut out = String::from("group,measure,value\n");
    for (group, values) in &results {
        for (m, v) in measures.iter().zip(values) {
            let value = match v {
                Ok(e) => format!("{:?}", e.value),
                Err(why) => format!("\"{}\"", why.replace('"', "\"\"")),
            };
            out.push_str(&format!(
                "{},\"{m}\",{value}\n",
                group.as_deref().unwrap_or_default()
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every function a client registers resolves to the same function on
    /// the scheduler and the executors, also where gongfu's replaces one of
    /// DataFusion's (`mean`, `median`).
    #[test]
    fn the_scheduler_and_the_executors_resolve_every_function_as_the_client() {
        let client = SessionContext::new();
        gongfu_sql::register(&client);
        let client = client.state();
        let scheduler = session_state(SessionConfig::new()).expect("state");
        let executor = function_registry();
        let names = function_names();
        let mut checked = 0;
        for f in gongfu_sql::functions() {
            let name = f.split('(').next().unwrap_or_default();
            assert!(names.iter().any(|n| n == name), "{name} not added");
            let want = &client.aggregate_functions()[name];
            assert_eq!(&scheduler.aggregate_functions()[name], want, "{name}");
            assert_eq!(&executor.aggregate_functions[name], want, "{name}");
            checked += 1;
        }
        assert!(checked >= 30 && names.iter().any(|n| n == "mean"));
        for name in &names {
            if let Some(want) = client.aggregate_functions().get(name) {
                assert_eq!(&scheduler.aggregate_functions()[name], want, "{name}");
                assert_eq!(&executor.aggregate_functions[name], want, "{name}");
            }
            if let Some(want) = client.window_functions().get(name) {
                assert_eq!(&scheduler.window_functions()[name], want, "{name}");
                assert_eq!(&executor.window_functions[name], want, "{name}");
            }
        }
        // DataFusion's own functions stay
        assert!(scheduler.aggregate_functions().contains_key("sum"));
        assert!(executor.aggregate_functions.contains_key("avg"));
        assert!(executor.scalar_functions.contains_key("abs"));
    }
}
