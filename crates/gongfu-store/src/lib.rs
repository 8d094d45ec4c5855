//! The release store: published monitoring releases with their provenance,
//! every figure of each in a table SQL users can query, and the API tokens —
//! in SQLite (one file, the embedded default) or PostgreSQL, behind one
//! interface, [`Store`].
//!
//! - **URLs**: `sqlite://PATH` or a plain file path (SQLite; the file is
//!   created on first use), `postgres://user:password@host:port/database`.
//!   The schema is created and brought up to date on opening (migrations
//!   embedded in the crate, one set per back end).
//! - **Releases are immutable.** A release is stored under its
//!   `meta.release_id` (a hash of the program version, the configuration and
//!   the input files). Publishing an id already stored with the same values
//!   stores nothing and returns the stored release
//!   ([`Outcome::AlreadyPublished`]); with different values it is
//!   [`StoreError::Conflict`].
//! - **Supersession.** A newly published release supersedes the province's
//!   current one ([`ReleaseInfo::supersedes`], [`ReleaseInfo::superseded_by`]);
//!   the old one stays readable. Order is publication order.
//! - **Transactions.** A release, its values and the supersession are written
//!   in one transaction: a publisher that dies half-way leaves the store as it
//!   was.
//! - **Tokens** are kept as the SHA-256 of their secret ([`hash_secret`]);
//!   the secret is shown once, when the token is created.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use gongfu_store::{Outcome, Role, Store, ValueFilter};
//!
//! let dir = tempfile::tempdir()?;
//! let url = format!("sqlite://{}", dir.path().join("gongfu.sqlite").display());
//! let store = Store::open(&url).await?;
//!
//! let release = r#"{
//!   "meta": {"release_id": "5c1e0a7d3b9f2e48", "created": "2026-01-15T08:00:00Z",
//!            "version": "0.1.0", "province": "330000", "years": [2020, 2025]},
//!   "values": [
//!     {"indicator": "income_pc", "region": "330000", "scope": "province", "year": 2025,
//!      "value": 70021.4, "se": 412.7, "ci": [69212.0, 70830.8], "n": 5000, "population": 6.577e7}
//!   ]
//! }"#;
//! let published = store.publish(release, "analyst").await?;
//! assert_eq!(published.outcome, Outcome::Published);
//! // the same release again: nothing is written
//! assert_eq!(store.publish(release, "analyst").await?.outcome, Outcome::AlreadyPublished);
//!
//! let latest = store.latest(Some("330000")).await?.unwrap();
//! assert_eq!(latest.id, "5c1e0a7d3b9f2e48");
//! assert_eq!(store.release_json(&latest.id).await?.as_deref(), Some(release));
//! let filter = ValueFilter { indicator: Some("income_pc".into()), ..ValueFilter::default() };
//! assert_eq!(store.values(&latest.id, &filter).await?[0].se, Some(412.7));
//!
//! let token = store.create_token(Role::Viewer, "dashboard").await?;
//! let who = store.authenticate(&token.secret).await?.unwrap();
//! assert_eq!(who.role, Role::Viewer);
//! store.revoke_token(&who.id).await?;
//! assert!(store.authenticate(&token.secret).await?.is_none());
//! store.close().await;
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

mod error;
mod release;
mod token;

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::time::Duration;

use sqlx::QueryBuilder;
use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use error::{StoreError, redact};
pub use release::{MAX_ID_LEN, ReleaseInfo, ValueFilter, ValueRow, valid_release_id};
pub use token::{MAX_LABEL_LEN, NewToken, Role, TokenInfo, hash_secret};

/// The database behind a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite: one file (`sqlite://PATH` or a plain path).
    Sqlite,
    /// PostgreSQL (`postgres://…`).
    Postgres,
}

/// What publishing did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The release was stored (and superseded the province's previous one).
    Published,
    /// A release with this id and the same values was already stored;
    /// nothing was written.
    AlreadyPublished,
}

/// The result of [`Store::publish`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// The stored release.
    pub release: ReleaseInfo,
    /// Whether it was stored now or before.
    pub outcome: Outcome,
}

#[derive(Debug, Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same code on either pool: the body is compiled once per back end.
macro_rules! with_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.pool {
            Pool::Sqlite($pool) => $body,
            Pool::Postgres($pool) => $body,
        }
    };
}

/// Values are inserted this many rows per statement (12 parameters a row,
/// well under SQLite's and PostgreSQL's limits).
const BATCH: usize = 1000;

const INFO_COLUMNS: &str = "id, created, published_at, published_by, version, province, \
     first_year, last_year, value_count, supersedes, superseded_by";

type InfoTuple = (
    String,
    String,
    String,
    String,
    String,
    String,
    i32,
    i32,
    i64,
    Option<String>,
    Option<String>,
);

fn info(t: InfoTuple) -> ReleaseInfo {
    ReleaseInfo {
        id: t.0,
        created: t.1,
        published_at: t.2,
        published_by: t.3,
        version: t.4,
        province: t.5,
        years: [t.6, t.7],
        values: t.8,
        supersedes: t.9,
        superseded_by: t.10,
    }
}

type TokenTuple = (String, String, String, String, Option<String>);

fn token_info(t: TokenTuple) -> Result<TokenInfo, StoreError> {
    Ok(TokenInfo {
        id: t.0,
        role: t.1.parse()?,
        label: t.2,
        created: t.3,
        revoked: t.4,
    })
}

type ValueTuple = (
    String,
    String,
    String,
    i32,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<i64>,
    Option<f64>,
);

/// The schema, one set of migrations per back end.
#[derive(Debug)]
struct Embedded(Backend);

const SQLITE_MIGRATIONS: &[(i64, &str, &str)] = &[(
    1,
    "releases",
    include_str!("../migrations/sqlite/0001_releases.sql"),
)];

const POSTGRES_MIGRATIONS: &[(i64, &str, &str)] = &[(
    1,
    "releases",
    include_str!("../migrations/postgres/0001_releases.sql"),
)];

impl<'s> MigrationSource<'s> for Embedded {
    fn resolve(
        self,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send + 's>> {
        let set = match self.0 {
            Backend::Sqlite => SQLITE_MIGRATIONS,
            Backend::Postgres => POSTGRES_MIGRATIONS,
        };
        Box::pin(async move {
            Ok(set
                .iter()
                .map(|&(version, description, sql)| {
                    Migration::new(
                        version,
                        Cow::Borrowed(description),
                        MigrationType::Simple,
                        Cow::Borrowed(sql),
                        false,
                    )
                })
                .collect())
        })
    }
}

/// The current UTC time in RFC 3339 with seconds (`2026-11-29T05:40:12Z`).
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as i64;
    // days since 1970-01-01 to the civil date (H. Hinnant's algorithm)
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        (s / 60) % 60,
        s % 60
    )
}

/// A store of releases and tokens. Cheap to clone (the connection pool is
/// shared).
#[derive(Debug, Clone)]
pub struct Store {
    pool: Pool,
    backend: Backend,
    url: String,
}

impl Store {
    /// Opens the store at `url`, creating the SQLite file if needed, and
    /// brings the schema up to date.
    ///
    /// `url` is `sqlite://PATH` (also `sqlite:PATH`, `sqlite::memory:`), a
    /// plain file path (SQLite), or `postgres://` / `postgresql://` with the
    /// usual parameters (`?sslmode=…`, `?options[search_path]=…`).
    ///
    /// # Errors
    /// [`StoreError::Url`] for a URL of another kind, [`StoreError::Open`]
    /// when the database cannot be opened or reached,
    /// [`StoreError::Migrate`] when the schema cannot be migrated.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        let shown = redact(url);
        let url_err = |message: String| StoreError::Url {
            url: shown.clone(),
            message,
        };
        let open_err = |source| StoreError::Open {
            url: shown.clone(),
            source,
        };
        let (pool, backend) = if url.starts_with("postgres://") || url.starts_with("postgresql://")
        {
            let options = PgConnectOptions::from_str(url).map_err(|e| url_err(e.to_string()))?;
            let pool = PgPoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(options)
                .await
                .map_err(open_err)?;
            (Pool::Postgres(pool), Backend::Postgres)
        } else {
            let options = if url.starts_with("sqlite:") {
                SqliteConnectOptions::from_str(url).map_err(|e| url_err(e.to_string()))?
            } else if let Some((scheme, _)) = url.split_once("://") {
                return Err(url_err(format!(
                    "unsupported scheme {scheme:?} (expected sqlite://PATH, postgres://… or a file path)"
                )));
            } else if url.trim().is_empty() {
                return Err(url_err(
                    "empty (give sqlite://PATH, postgres://… or a file path)".into(),
                ));
            } else {
                SqliteConnectOptions::new().filename(url)
            };
            let memory = url.contains(":memory:") || url.contains("mode=memory");
            let options = options
                .create_if_missing(true)
                .journal_mode(if memory {
                    SqliteJournalMode::Memory
                } else {
                    SqliteJournalMode::Wal
                })
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(30));
            let pool = SqlitePoolOptions::new()
                // an in-memory database lives in its one connection
                .max_connections(if memory { 1 } else { 4 })
                .min_connections(if memory { 1 } else { 0 })
                .idle_timeout(if memory {
                    None
                } else {
                    Some(Duration::from_secs(600))
                })
                .max_lifetime(if memory {
                    None
                } else {
                    Some(Duration::from_secs(1800))
                })
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(options)
                .await
                .map_err(open_err)?;
            (Pool::Sqlite(pool), Backend::Sqlite)
        };
        let store = Store {
            pool,
            backend,
            url: shown.clone(),
        };
        let migrate_err = |source| StoreError::Migrate {
            url: shown.clone(),
            source,
        };
        let migrator = Migrator::new(Embedded(backend))
            .await
            .map_err(migrate_err)?;
        with_pool!(store, p => migrator.run(p).await.map_err(migrate_err)?);
        Ok(store)
    }

    /// The database behind the store.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The store's URL as shown in messages (password replaced by `***`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Closes every connection; waits for those in use to be returned.
    pub async fn close(&self) {
        with_pool!(self, p => p.close().await);
    }

    /// Publishes a release document (the JSON `gongfu monitor` writes) in
    /// one transaction: the release row, every row of its `values`, and the
    /// supersession of the province's current release. `published_by` names
    /// the publisher (a token label, a user).
    ///
    /// # Errors
    /// [`StoreError::InvalidRelease`] naming the field for a document that is
    /// not a release; [`StoreError::Conflict`] when its id is stored with
    /// different values; [`StoreError::Database`].
    pub async fn publish(
        &self,
        release_json: &str,
        published_by: &str,
    ) -> Result<Published, StoreError> {
        self.publish_with_progress(release_json, published_by, &mut |_, _| {})
            .await
    }

    /// [`Store::publish`], calling `progress(rows_written, rows_total)` after
    /// each batch of values written (inside the transaction: nothing is
    /// visible to readers until the whole release is).
    ///
    /// # Errors
    /// As [`Store::publish`].
    pub async fn publish_with_progress(
        &self,
        release_json: &str,
        published_by: &str,
        progress: &mut (dyn FnMut(usize, usize) + Send),
    ) -> Result<Published, StoreError> {
        let parsed = release::parse(release_json)?;
        let by = token::check_label(published_by)?;
        let now = now_rfc3339();
        let backend = self.backend;
        let total = parsed.values.len();
        let stored: Option<String> = with_pool!(self, pool => {
            // one publisher at a time: SQLite takes the write lock at BEGIN,
            // PostgreSQL locks the table against other writers (not readers)
            let mut tx = match backend {
                Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await?,
                Backend::Postgres => pool.begin().await?,
            };
            if backend == Backend::Postgres {
                sqlx::query("LOCK TABLE releases IN SHARE ROW EXCLUSIVE MODE")
                    .execute(&mut *tx)
                    .await?;
            }
            let existing: Option<(String,)> =
                sqlx::query_as("SELECT values_sha256 FROM releases WHERE id = $1")
                    .bind(&parsed.id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some((sha,)) = existing {
                tx.rollback().await?;
                Some(sha)
            } else {
                let previous: Option<(String,)> = sqlx::query_as(
                    "SELECT id FROM releases WHERE province = $1 AND superseded_by IS NULL",
                )
                .bind(&parsed.province)
                .fetch_optional(&mut *tx)
                .await?;
                let previous = previous.map(|p| p.0);
                if let Some(prev) = &previous {
                    sqlx::query("UPDATE releases SET superseded_by = $1 WHERE id = $2")
                        .bind(&parsed.id)
                        .bind(prev)
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::query(
                    "INSERT INTO releases (id, created, published_at, published_by, version, \
                     province, first_year, last_year, value_count, values_sha256, supersedes, \
                     superseded_by, release_json) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, $12)",
                )
                .bind(&parsed.id)
                .bind(&parsed.created)
                .bind(&now)
                .bind(&by)
                .bind(&parsed.version)
                .bind(&parsed.province)
                .bind(parsed.years[0])
                .bind(parsed.years[1])
                .bind(total as i64)
                .bind(&parsed.values_sha256)
                .bind(&previous)
                .bind(release_json)
                .execute(&mut *tx)
                .await?;
                let mut written = 0usize;
                for chunk in parsed.values.chunks(BATCH) {
                    let mut q = QueryBuilder::new(
                        "INSERT INTO release_values (release_id, ord, indicator, region, scope, \
                         year, value, se, ci_lo, ci_hi, n, population) ",
                    );
                    q.push_values(chunk.iter().enumerate(), |mut b, (k, v)| {
                        b.push_bind(&parsed.id)
                            .push_bind((written + k) as i32)
                            .push_bind(&v.indicator)
                            .push_bind(&v.region)
                            .push_bind(&v.scope)
                            .push_bind(v.year)
                            .push_bind(v.value)
                            .push_bind(v.se)
                            .push_bind(v.ci_lo)
                            .push_bind(v.ci_hi)
                            .push_bind(v.n)
                            .push_bind(v.population);
                    });
                    q.build().execute(&mut *tx).await?;
                    written += chunk.len();
                    progress(written, total);
                }
                tx.commit().await?;
                None
            }
        });
        let outcome = match stored {
            Some(sha) if sha != parsed.values_sha256 => {
                return Err(StoreError::Conflict { id: parsed.id });
            }
            Some(_) => Outcome::AlreadyPublished,
            None => Outcome::Published,
        };
        let release = self
            .info(&parsed.id)
            .await?
            .ok_or_else(|| sqlx::Error::RowNotFound)?;
        Ok(Published { release, outcome })
    }

    /// Every release, newest publication first.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn list(&self) -> Result<Vec<ReleaseInfo>, StoreError> {
        let sql = format!("SELECT {INFO_COLUMNS} FROM releases ORDER BY seq DESC");
        let rows: Vec<InfoTuple> = with_pool!(self, p => sqlx::query_as(&sql).fetch_all(p).await?);
        Ok(rows.into_iter().map(info).collect())
    }

    /// One release's provenance.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn info(&self, id: &str) -> Result<Option<ReleaseInfo>, StoreError> {
        let sql = format!("SELECT {INFO_COLUMNS} FROM releases WHERE id = $1");
        let row: Option<InfoTuple> =
            with_pool!(self, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await?);
        Ok(row.map(info))
    }

    /// The current release: the most recently published one that is not
    /// superseded, of `province` or of any province.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn latest(&self, province: Option<&str>) -> Result<Option<ReleaseInfo>, StoreError> {
        let row: Option<InfoTuple> = match province {
            Some(prov) => {
                let sql = format!(
                    "SELECT {INFO_COLUMNS} FROM releases WHERE superseded_by IS NULL \
                     AND province = $1 ORDER BY seq DESC LIMIT 1"
                );
                with_pool!(self, p => sqlx::query_as(&sql).bind(prov).fetch_optional(p).await?)
            }
            None => {
                let sql = format!(
                    "SELECT {INFO_COLUMNS} FROM releases WHERE superseded_by IS NULL \
                     ORDER BY seq DESC LIMIT 1"
                );
                with_pool!(self, p => sqlx::query_as(&sql).fetch_optional(p).await?)
            }
        };
        Ok(row.map(info))
    }

    /// A release document exactly as it was published.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn release_json(&self, id: &str) -> Result<Option<String>, StoreError> {
        let sql = "SELECT release_json FROM releases WHERE id = $1";
        let row: Option<(String,)> =
            with_pool!(self, p => sqlx::query_as(sql).bind(id).fetch_optional(p).await?);
        Ok(row.map(|r| r.0))
    }

    /// A release's values matching `filter`, in the release's order (empty
    /// for an unknown release).
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn values(
        &self,
        id: &str,
        filter: &ValueFilter,
    ) -> Result<Vec<ValueRow>, StoreError> {
        let rows: Vec<ValueTuple> = with_pool!(self, p => {
            let mut q = QueryBuilder::new(
                "SELECT indicator, region, scope, year, value, se, ci_lo, ci_hi, n, population \
                 FROM release_values WHERE release_id = ",
            );
            q.push_bind(id);
            if let Some(v) = &filter.indicator {
                q.push(" AND indicator = ").push_bind(v);
            }
            if let Some(v) = &filter.region {
                q.push(" AND region = ").push_bind(v);
            }
            if let Some(v) = &filter.scope {
                q.push(" AND scope = ").push_bind(v);
            }
            if let Some(v) = filter.year {
                q.push(" AND year = ").push_bind(v);
            }
            q.push(" ORDER BY ord");
            q.build_query_as().fetch_all(p).await?
        });
        Ok(rows
            .into_iter()
            .map(|t| ValueRow {
                indicator: t.0,
                region: t.1,
                scope: t.2,
                year: t.3,
                value: t.4,
                se: t.5,
                ci_lo: t.6,
                ci_hi: t.7,
                n: t.8,
                population: t.9,
            })
            .collect())
    }

    /// Creates a token; its secret is in the result and nowhere else.
    ///
    /// # Errors
    /// [`StoreError::InvalidLabel`], [`StoreError::Database`].
    pub async fn create_token(&self, role: Role, label: &str) -> Result<NewToken, StoreError> {
        let label = token::check_label(label)?;
        let (id, secret) = token::generate();
        let created = now_rfc3339();
        let hash = hash_secret(&secret);
        with_pool!(self, p => {
            sqlx::query(
                "INSERT INTO tokens (id, secret_sha256, role, label, created, revoked) \
                 VALUES ($1, $2, $3, $4, $5, NULL)",
            )
            .bind(&id)
            .bind(&hash)
            .bind(role.as_str())
            .bind(&label)
            .bind(&created)
            .execute(p)
            .await?;
        });
        Ok(NewToken {
            info: TokenInfo {
                id,
                role,
                label,
                created,
                revoked: None,
            },
            secret,
        })
    }

    /// Every token, revoked ones included, oldest first.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn tokens(&self) -> Result<Vec<TokenInfo>, StoreError> {
        let sql = "SELECT id, role, label, created, revoked FROM tokens ORDER BY created, id";
        let rows: Vec<TokenTuple> = with_pool!(self, p => sqlx::query_as(sql).fetch_all(p).await?);
        rows.into_iter().map(token_info).collect()
    }

    /// Revokes a token (revoking it again changes nothing). `None` for an
    /// unknown id.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn revoke_token(&self, id: &str) -> Result<Option<TokenInfo>, StoreError> {
        let now = now_rfc3339();
        let row: Option<TokenTuple> = with_pool!(self, p => {
            sqlx::query("UPDATE tokens SET revoked = $1 WHERE id = $2 AND revoked IS NULL")
                .bind(&now)
                .bind(id)
                .execute(p)
                .await?;
            sqlx::query_as("SELECT id, role, label, created, revoked FROM tokens WHERE id = $1")
                .bind(id)
                .fetch_optional(p)
                .await?
        });
        row.map(token_info).transpose()
    }

    /// The valid (not revoked) token whose secret this is.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn authenticate(&self, secret: &str) -> Result<Option<TokenInfo>, StoreError> {
        let hash = hash_secret(secret);
        let sql = "SELECT id, role, label, created, revoked FROM tokens \
                   WHERE secret_sha256 = $1 AND revoked IS NULL";
        let row: Option<TokenTuple> =
            with_pool!(self, p => sqlx::query_as(sql).bind(&hash).fetch_optional(p).await?);
        row.map(token_info).transpose()
    }
}
