//! The `pgway` command line: parses arguments and hands over to the library.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Arg, ArgMatches, Args, FromArgMatches, Parser, Subcommand};
use pgway::app::App;
use pgway::config::{Config, KEYS, Sources};
use pgway::{demo, server};

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
    /// Print the GraphQL schema (SDL).
    Schema(ServeArgs),
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
        Some(Command::Schema(args)) => print_graphql_schema(args).await,
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("pgway: {message}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(format!("pgway={level},tower_http={level}"))
    });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

async fn start(config: &Config) -> Result<Arc<App>, String> {
    App::start(config)
        .await
        .map(Arc::new)
        .map_err(|e| e.to_string())
}

async fn serve(args: ServeArgs) -> Result<(), String> {
    let config = args.config().map_err(|e| e.to_string())?;
    init_logging(&config.log_level);
    let app = start(&config).await?;
    let address = (config.host, config.port).into();
    let listener = server::bind(address)
        .await
        .map_err(|e| format!("cannot listen on {address}: {e}"))?;
    server::serve(server::router(app), listener, server::shutdown_signal())
        .await
        .map_err(|e| format!("serving on {address} failed: {e}"))
}

async fn run_demo(port: u16) -> Result<(), String> {
    init_logging("info");
    let demo = demo::Demo::start(port).await.map_err(|e| e.to_string())?;
    let app = start(&demo.config).await?;
    let address = (demo.config.host, demo.config.port).into();
    let listener = server::bind(address)
        .await
        .map_err(|e| format!("cannot listen on {address}: {e}"))?;
    println!("{}", demo.banner());
    let served = server::serve(server::router(app), listener, server::shutdown_signal()).await;
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
