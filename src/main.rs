//! The `pgway` command line: parses arguments and hands over to the library.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Arg, ArgMatches, Args, FromArgMatches, Parser, Subcommand};
use pgway::app::App;
use pgway::config::{Config, KEYS, Sources};
use pgway::demo;
use pgway::reload::{Hooks, Reload, Reloader, SetLogLevel};
use pgway::server::{self, Shutdown, Slot};

#[derive(Parser)]
#[command(
    name = "pgway",
    version,
    about = "A PostgreSQL schema as a PostgREST-compatible REST API, GraphQL and OpenAPI"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Serve an existing database (the default).
    Serve(ServeArgs),
    /// Serve the example database from a throwaway PostgreSQL cluster.
    Demo {
        #[arg(long, default_value_t = 3000)]
        port: u16,
    },
    /// Print the OpenAPI document of the default schema.
    Openapi(ServeArgs),
    /// Print the GraphQL schema (SDL), or with `--openapi` the OpenAPI document.
    Schema {
        /// Print the GraphQL SDL (the default).
        #[arg(long, conflicts_with = "openapi")]
        graphql: bool,
        /// Print the OpenAPI document of the default schema, as `pgway openapi` does.
        #[arg(long)]
        openapi: bool,
        #[command(flatten)]
        args: ServeArgs,
    },
}

#[derive(Args, Clone)]
struct ServeArgs {
    /// A PostgREST-style config file (`key = "value"` lines).
    config_file: Option<PathBuf>,
    #[command(flatten)]
    settings: SettingFlags,
}

/// `--db-uri`, `--db-schemas`, …: one flag per configuration key.
#[derive(Clone, Default)]
struct SettingFlags(Vec<(&'static str, String)>);

impl FromArgMatches for SettingFlags {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        Ok(SettingFlags(
            KEYS.iter()
                .filter_map(|k| {
                    matches
                        .get_one::<String>(k.name)
                        .map(|v| (k.name, v.clone()))
                })
                .collect(),
        ))
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Args for SettingFlags {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        KEYS.iter().fold(cmd, |cmd, key| {
            cmd.arg(
                Arg::new(key.name)
                    .long(key.name)
                    .value_name("VALUE")
                    .help(key.help),
            )
        })
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

impl ServeArgs {
    fn config(&self) -> Result<Config, pgway::config::ConfigError> {
        let mut sources = Sources::default();
        if let Some(file) = &self.config_file {
            sources.file(file)?;
        }
        sources.env(std::env::vars());
        for (key, value) in &self.settings.0 {
            sources.set(key, value)?;
        }
        Config::from_sources(&sources)
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        None => serve(cli.serve).await,
        Some(Command::Serve(args)) => serve(args).await,
        Some(Command::Demo { port }) => run_demo(port).await,
        Some(Command::Openapi(args)) => print_openapi(args).await,
        Some(Command::Schema {
            graphql,
            openapi,
            args,
        }) => match (graphql, openapi) {
            (false, true) => print_openapi(args).await,
            _ => print_graphql_schema(args).await,
        },
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("pgway: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Logs to stderr at `log-level` (`RUST_LOG`, when set, wins); returns what changes the level.
fn init_logging(level: &str) -> SetLogLevel {
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let from_env = tracing_subscriber::EnvFilter::try_from_default_env().ok();
    let fixed = from_env.is_some();
    let (filter, handle) =
        tracing_subscriber::reload::Layer::new(from_env.unwrap_or_else(|| level_filter(level)));
    tracing_subscriber::registry()
        .with(filter)
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .init();
    Box::new(move |level| {
        if !fixed {
            let _ = handle.modify(|filter| *filter = level_filter(level));
        }
    })
}

/// PostgREST's levels (crit, error, warn, info, debug) for pgway's own logs.
fn level_filter(level: &str) -> tracing_subscriber::EnvFilter {
    let level = match level {
        "crit" => "error",
        other => other,
    };
    tracing_subscriber::EnvFilter::new(format!("pgway={level}"))
}

/// How long closing the pool may take at exit.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// Serves at once, answering 503 until the database is reachable and the schema cache loaded;
/// on SIGTERM or SIGINT, finishes in-flight requests (within the grace period), closes the
/// pool and returns.
async fn serve(args: ServeArgs) -> Result<(), String> {
    let config = args.config().map_err(|e| e.to_string())?;
    let set_log_level = init_logging(&config.log_level);
    let shutdown = Shutdown::on_signals();
    let slot = Slot::default();
    let grace = config.shutdown_grace_period;
    let address = SocketAddr::new(config.host, config.port);
    let listener = server::bind(address, "API")
        .await
        .map_err(|e| format!("cannot listen on {address}: {e}"))?;
    let mut servers = vec![tokio::spawn(server::serve(
        slot.router(),
        listener,
        shutdown.clone(),
        grace,
    ))];
    if let Some(address) = config.admin {
        let listener = server::bind(address, "admin server")
            .await
            .map_err(|e| format!("cannot listen on {address}: {e}"))?;
        servers.push(tokio::spawn(server::serve(
            server::admin::router(slot.clone()),
            listener,
            shutdown.clone(),
            grace,
        )));
    }
    let app = tokio::select! {
        started = App::start_when_reachable(&config) => Arc::new(started.map_err(|e| e.to_string())?),
        () = shutdown.clone().requested() => return stopped(servers).await,
    };
    slot.fill(app.clone());
    let read_config = args.clone();
    let reloader = Reloader::spawn(
        app.clone(),
        config.channel.clone(),
        Hooks {
            read_config: Some(Box::new(move || read_config.config())),
            set_log_level: Some(set_log_level),
        },
    );
    reload_on_signals(&reloader, shutdown).await?;
    let stopped = stopped(servers).await;
    // Past the grace period, requests may still run: end them, which cancels their statements.
    app.cut_requests();
    drop(reloader);
    if tokio::time::timeout(CLOSE_TIMEOUT, app.db.close())
        .await
        .is_err()
    {
        tracing::warn!("closing the connection pool timed out");
    }
    stopped
}

/// SIGUSR1 reloads the schema cache, SIGUSR2 the configuration, until shutdown.
async fn reload_on_signals(reloader: &Reloader, shutdown: Shutdown) -> Result<(), String> {
    use tokio::signal::unix::{SignalKind, signal};
    let listen = |kind| signal(kind).map_err(|e| format!("cannot listen for signals: {e}"));
    let mut schema = listen(SignalKind::user_defined1())?;
    let mut config = listen(SignalKind::user_defined2())?;
    let requested = shutdown.requested();
    tokio::pin!(requested);
    loop {
        tokio::select! {
            _ = schema.recv() => reloader.request(Reload::Schema),
            _ = config.recv() => reloader.request(Reload::Config),
            () = &mut requested => return Ok(()),
        }
    }
}

/// Waits for the servers, which stop on shutdown.
async fn stopped(servers: Vec<tokio::task::JoinHandle<std::io::Result<()>>>) -> Result<(), String> {
    for server in servers {
        match server.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(format!("serving failed: {e}")),
            Err(e) => return Err(format!("serving failed: {e}")),
        }
    }
    Ok(())
}

async fn start(config: &Config) -> Result<Arc<App>, String> {
    App::start(config)
        .await
        .map(Arc::new)
        .map_err(|e| e.to_string())
}

async fn run_demo(port: u16) -> Result<(), String> {
    let _ = init_logging("info");
    let demo = demo::Demo::start(port).await.map_err(|e| e.to_string())?;
    let app = start(&demo.config).await?;
    let address = SocketAddr::new(demo.config.host, demo.config.port);
    let listener = server::bind(address, "API")
        .await
        .map_err(|e| format!("cannot listen on {address}: {e}"))?;
    println!("{}", demo.banner());
    let served = server::serve(
        server::router(app.clone()),
        listener,
        Shutdown::on_signals(),
        demo.config.shutdown_grace_period,
    )
    .await;
    app.db.close().await;
    drop(demo);
    served.map_err(|e| format!("serving on {address} failed: {e}"))
}

async fn print_openapi(args: ServeArgs) -> Result<(), String> {
    let config = args.config().map_err(|e| e.to_string())?;
    let app = start(&config).await?;
    let api = app.api();
    let schema = api.cache.schemas.first().ok_or("no schema is exposed")?;
    println!("{}", api.openapi(schema));
    Ok(())
}

async fn print_graphql_schema(args: ServeArgs) -> Result<(), String> {
    let config = args.config().map_err(|e| e.to_string())?;
    let app = start(&config).await?;
    println!("{}", app.api().graphql.sdl());
    Ok(())
}
