//! `dixon-cloud`: serve the Dixon cloud, migrate its schema, and manage shops and their
//! counters. The database comes from `--database-url` or `$DATABASE_URL`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use dixon_cloud::{connect_as_app, server, Admin};

#[derive(Parser)]
#[command(name = "dixon-cloud", version, about = "The Dixon cloud server")]
struct Cli {
    /// postgres://USER@HOST:PORT/DATABASE (the schema's owner for migrate and shop commands).
    #[arg(long, env = "DATABASE_URL", global = true, default_value = "")]
    database_url: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (counters enroll and sync here).
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8787")]
        listen: String,
    },
    /// Create or update the schema.
    Migrate,
    /// Shops.
    #[command(subcommand)]
    Shop(ShopCommand),
    /// Counters (devices) of a shop.
    #[command(subcommand)]
    Device(DeviceCommand),
    /// What outside services sign their calls to a shop with.
    #[command(subcommand)]
    Relay(RelayCommand),
}

#[derive(Subcommand)]
enum ShopCommand {
    /// A new shop: prints its id and a one-time enrollment code for its first counter.
    Create { name: String },
    /// Another one-time enrollment code for a shop (valid 7 days).
    EnrollCode { shop: uuid::Uuid },
}

#[derive(Subcommand)]
enum RelayCommand {
    /// Sets a shop's secret for stripe (webhook signing secret), twilio (auth token) or sendgrid
    /// (event-webhook public key), read from the standard input so it never lands in a shell's history.
    Set { shop: uuid::Uuid, provider: String },
}

#[derive(Subcommand)]
enum DeviceCommand {
    /// Stop a counter from syncing (a stolen or replaced PC).
    Revoke { shop: uuid::Uuid, device: uuid::Uuid },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    let cli = Cli::parse();
    if cli.database_url.is_empty() {
        eprintln!("Give the database with --database-url postgres://… or $DATABASE_URL.");
        return ExitCode::from(2);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    match cli.command {
        Command::Serve { listen } => {
            let pool = connect_as_app(&cli.database_url, 32).await?;
            let listener = tokio::net::TcpListener::bind(&listen).await?;
            println!("LISTENING {}", listener.local_addr()?);
            server::serve_until(listener, pool, async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        }
        Command::Migrate => {
            Admin::connect(&cli.database_url).await?.migrate().await?;
            println!("The schema is up to date.");
        }
        Command::Shop(ShopCommand::Create { name }) => {
            let (shop, code) = Admin::connect(&cli.database_url).await?.create_shop(&name).await?;
            println!("shop {shop}\nenrollment code {} (one counter, valid 7 days)", code.0);
        }
        Command::Shop(ShopCommand::EnrollCode { shop }) => {
            let code = Admin::connect(&cli.database_url).await?.enrollment_code(shop).await?;
            println!("enrollment code {} (one counter, valid 7 days)", code.0);
        }
        Command::Relay(RelayCommand::Set { shop, provider }) => {
            let mut secret = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut secret)?;
            Admin::connect(&cli.database_url).await?.set_relay_secret(shop, &provider, &secret).await?;
            println!("{provider} calls to shop {shop} are now checked with the secret given; they go to /v1/relay/{shop}/{provider}");
        }
        Command::Device(DeviceCommand::Revoke { shop, device }) => {
            if Admin::connect(&cli.database_url).await?.revoke_device(shop, device).await? {
                println!("Device {device} can no longer sync.");
            } else {
                return Err(format!("Shop {shop} has no active device {device}.").into());
            }
        }
    }
    Ok(())
}
