//! The database: an sqlx pool over the `Any` driver, so the same queries run on the embedded
//! SQLite file (the default) and, once its migrations and sqlx's `postgres` feature are added,
//! on PostgreSQL by URL. Every statement is a `&'static str` with `$N` parameters — sqlx 0.9
//! refuses a query built from run-time text unless it is wrapped in `AssertSqlSafe` — so
//! values reach SQL only as bound parameters. The one exception is [`insert_many`], whose text
//! is generated from `&'static str` table and column names and `$N` placeholders only.
//!
//! SQLite runs in WAL mode (readers never block the one writer) with `synchronous=NORMAL`: a
//! commit survives the host process being killed (`kill -9`); a power cut may lose the last
//! transactions, which `--sqlite-synchronous full` prevents at the cost of an fsync per commit.

use std::borrow::Cow;
use std::str::FromStr;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{Executor, SqlSafeStr};

/// The database driver (runtime-selected by URL).
pub type Db = sqlx::Any;
/// A connection pool.
pub type Pool = sqlx::AnyPool;
/// One connection (a transaction dereferences to one).
pub type Conn = sqlx::AnyConnection;
/// A transaction.
pub type Tx = sqlx::Transaction<'static, Db>;

/// The SQLite migrations, in order (embedded at build time).
const SQLITE_MIGRATIONS: &[(i64, &str, &str)] = &[(
    1,
    "marketplace",
    include_str!("../migrations/sqlite/0001_marketplace.sql"),
)];

/// How SQLite commits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Synchronous {
    /// Durable against a killed process (WAL default).
    #[default]
    Normal,
    /// Durable against power loss too (an fsync per commit).
    Full,
}

/// A database URL for `db`: a URL (`sqlite://…`, `postgres://…`) as given, a plain path as a
/// SQLite file created when missing.
pub fn url_for(db: &str) -> String {
    if db.contains("://") || db.starts_with("sqlite:") {
        return db.to_owned();
    }
    let mut path = String::with_capacity(db.len());
    for c in db.chars() {
        match c {
            '%' => path.push_str("%25"),
            '?' => path.push_str("%3F"),
            '#' => path.push_str("%23"),
            ' ' => path.push_str("%20"),
            c => path.push(c),
        }
    }
    format!("sqlite://{path}?mode=rwc")
}

/// The text of a multi-row `INSERT INTO table (columns) VALUES ($1, …), …` for `rows` rows:
/// built from the static names and numbered placeholders only (never from data), so every value
/// is still a bound parameter. Portable to PostgreSQL (`$N`); keep `rows × columns` ≤ 32,766
/// (SQLite's parameter limit).
pub fn insert_many(
    table: &'static str,
    columns: &[&'static str],
    rows: usize,
) -> sqlx::AssertSqlSafe<String> {
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    let mut n = 0;
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..columns.len() {
            n += 1;
            sql.push_str(&format!("{}${n}", if c == 0 { "" } else { ", " }));
        }
        sql.push(')');
    }
    sqlx::AssertSqlSafe(sql)
}

/// Opens the pool, sets SQLite's journal and sync modes on every connection, and applies the
/// migrations. Rejects a backend without migrations here.
pub async fn open(db: &str, max_connections: u32, sync: Synchronous) -> Result<Pool, sqlx::Error> {
    sqlx::any::install_default_drivers();
    let url = url_for(db);
    let options = AnyConnectOptions::from_str(&url)?;
    let pool = AnyPoolOptions::new()
        .max_connections(max_connections.max(1))
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                if conn.backend_name() == "SQLite" {
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute(match sync {
                        Synchronous::Normal => "PRAGMA synchronous = NORMAL",
                        Synchronous::Full => "PRAGMA synchronous = FULL",
                    })
                    .await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                }
                Ok(())
            })
        })
        .connect_with(options)
        .await?;
    migrate(&pool).await?;
    Ok(pool)
}

/// Applies the backend's migrations (recorded in `_sqlx_migrations`).
pub async fn migrate(pool: &Pool) -> Result<(), sqlx::Error> {
    let backend = pool.acquire().await?.backend_name().to_owned();
    let list = match backend.as_str() {
        "SQLite" => SQLITE_MIGRATIONS,
        other => {
            return Err(sqlx::Error::Configuration(
                format!(
                    "no migrations for the {other} backend: add migrations/<backend>/ and \
                     enable its sqlx feature"
                )
                .into(),
            ));
        }
    };
    let migrations = list
        .iter()
        .map(|(version, name, sql)| {
            Migration::new(
                *version,
                Cow::Borrowed(*name),
                MigrationType::Simple,
                sql.into_sql_str(),
                false,
            )
        })
        .collect();
    Migrator::with_migrations(migrations)
        .run(pool)
        .await
        .map_err(|e| sqlx::Error::Migrate(Box::new(e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_row_inserts_number_their_parameters() {
        assert_eq!(
            insert_many("t", &["a", "b"], 2).0,
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)"
        );
    }

    #[test]
    fn paths_become_sqlite_urls() {
        assert_eq!(url_for("a b/x.db"), "sqlite://a%20b/x.db?mode=rwc");
        assert_eq!(url_for("/tmp/x.db"), "sqlite:///tmp/x.db?mode=rwc");
        assert_eq!(url_for("sqlite::memory:"), "sqlite::memory:");
        assert_eq!(url_for("postgres://h/db"), "postgres://h/db");
    }
}
