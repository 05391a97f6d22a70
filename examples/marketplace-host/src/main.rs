//! `fairmatch-host`: serve the reference marketplace (optionally seeded with `--demo`), or
//! run the load client against one (`fairmatch-host load`).

use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};

use fairmatch_host::db::Synchronous;
use fairmatch_host::demo::DemoConfig;
use fairmatch_host::host::Rules;
use fairmatch_host::load::{self, LoadArgs};
use fairmatch_host::{Config, SystemClock, start};

/// The fairmatch reference marketplace host.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// Port on 127.0.0.1 (0 = any free port; the URL is printed).
    #[arg(long, env = "FAIRMATCH_PORT", default_value_t = 8080)]
    port: u16,
    /// SQLite file (created when missing) or database URL. Default: `fairmatch-host.sqlite`,
    /// or with `--demo` a fresh file in the temporary directory.
    #[arg(long, env = "FAIRMATCH_DB")]
    db: Option<String>,
    /// Bootstrap (or reset the password of) this admin; the password is read from the
    /// environment variable FAIRMATCH_ADMIN_PASSWORD.
    #[arg(long, env = "FAIRMATCH_ADMIN")]
    admin: Option<String>,
    /// Seed a demo marketplace (into an empty database) and print its accounts.
    #[arg(long)]
    demo: bool,
    /// Demo seed.
    #[arg(long, default_value_t = 42)]
    demo_seed: u64,
    /// Demo freelancers.
    #[arg(long, default_value_t = 5_000)]
    demo_freelancers: usize,
    /// Demo jobs.
    #[arg(long, default_value_t = 600)]
    demo_jobs: usize,
    /// Login token lifetime in hours.
    #[arg(long, env = "FAIRMATCH_TOKEN_TTL_HOURS", default_value_t = 24)]
    token_ttl_hours: i64,
    /// Seconds between timer sweeps (auto-accept, review publication, session cleanup).
    #[arg(long, default_value_t = 60)]
    timer_interval: u64,
    /// SQLite commit durability: `normal` survives a killed process, `full` also power loss.
    #[arg(long, value_enum, default_value = "normal")]
    sqlite_synchronous: Synchronous,
    /// Log level (error, warn, info, debug, trace).
    #[arg(long, env = "FAIRMATCH_LOG", default_value = "info")]
    log: tracing::Level,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a bounded load (mixed reads and writes) against a running host.
    Load {
        #[command(flatten)]
        args: LoadArgs,
        /// Print the report as JSON instead of Markdown.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_max_level(cli.log)
        .with_target(false)
        .init();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    if let Some(Command::Load { args, json }) = &cli.command {
        let report = load::run(args).await?;
        if *json {
            println!(
                "{}",
                serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
            );
        } else {
            println!("{}", report.markdown());
            for e in &report.error_samples {
                println!("error sample: {e}");
            }
        }
        return if report.errors == 0 {
            Ok(())
        } else {
            Err(format!("{} errors", report.errors))
        };
    }
    // With --demo and no --db: a fresh file in the temporary directory, removed on exit.
    let temporary = (cli.db.is_none() && cli.demo).then(|| {
        std::env::temp_dir().join(format!("fairmatch-demo-{}.sqlite", std::process::id()))
    });
    let db = match (&cli.db, &temporary) {
        (Some(db), _) => db.clone(),
        (None, Some(path)) => path.to_string_lossy().into_owned(),
        (None, None) => "fairmatch-host.sqlite".to_owned(),
    };
    let admin = match &cli.admin {
        Some(email) => {
            let pw = std::env::var("FAIRMATCH_ADMIN_PASSWORD")
                .map_err(|_| "--admin needs the password in FAIRMATCH_ADMIN_PASSWORD".to_owned())?;
            Some((email.clone(), pw))
        }
        None => None,
    };
    let config = Config {
        admin,
        rules: Rules {
            token_ttl: cli.token_ttl_hours.max(1) * 3_600,
            ..Rules::default()
        },
        timer_interval: Duration::from_secs(cli.timer_interval.max(1)),
        synchronous: cli.sqlite_synchronous,
        demo: cli.demo.then(|| DemoConfig {
            seed: cli.demo_seed,
            freelancers: cli.demo_freelancers,
            jobs: cli.demo_jobs,
            ..DemoConfig::default()
        }),
        ..Config::new(db.clone(), cli.port)
    };
    if cli.demo {
        println!(
            "preparing the demo marketplace (seed {}, {} freelancers, {} jobs) in {db} …",
            cli.demo_seed, cli.demo_freelancers, cli.demo_jobs
        );
    }
    let running = start(config, Arc::new(SystemClock)).await?;
    println!(
        "fairmatch-host: {} freelancers, {} jobs in the engine ({} journal entries replayed), database {db}",
        running.host.engine.freelancer_count(),
        running.host.engine.job_count(),
        running.replayed
    );
    if let Some(d) = &running.demo {
        if d.seeded {
            println!(
                "demo seeded in {:.1} s ({} simulated steps)",
                d.seconds, d.steps
            );
        }
        println!("demo accounts (log in at {}/login):", running.url());
        for a in &d.accounts {
            println!(
                "  {:<10} {:<32} password {}",
                a.role.as_str(),
                a.email,
                a.password
            );
        }
        println!("dashboard: {}/dashboard", running.url());
    }
    println!("listening on {}", running.url());
    let served = running
        .serve_until_signal()
        .await
        .map_err(|e| e.to_string());
    if let Some(path) = temporary {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = path.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
    served
}
