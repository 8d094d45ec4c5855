//! `gongfu token create|list|revoke`: API tokens in the store. A secret is
//! printed once, when it is created; the store keeps only its SHA-256.

use anyhow::{Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use gongfu_store::{Role, Store};

use crate::serve::{DEFAULT_STORE, block_on};

#[derive(Debug, Args)]
pub struct TokenArgs {
    #[command(subcommand)]
    command: TokenCommand,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum RoleArg {
    /// Reads published releases.
    Viewer,
    /// Also computes from uploads and publishes releases.
    Analyst,
    /// Also manages tokens.
    Admin,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::Viewer => Role::Viewer,
            RoleArg::Analyst => Role::Analyst,
            RoleArg::Admin => Role::Admin,
        }
    }
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Create a token and print its secret (shown only this once).
    Create {
        /// What the token may do.
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Who or what uses it.
        #[arg(long, default_value = "")]
        label: String,
        /// The store: sqlite://PATH, a file path or postgres://… .
        #[arg(long, value_name = "URL", default_value = DEFAULT_STORE)]
        store: String,
    },
    /// List the tokens (never their secrets).
    List {
        /// The store: sqlite://PATH, a file path or postgres://… .
        #[arg(long, value_name = "URL", default_value = DEFAULT_STORE)]
        store: String,
    },
    /// Revoke a token: its secret stops working (within seconds on a running server).
    Revoke {
        /// The token's id (from `gongfu token list`).
        id: String,
        /// The store: sqlite://PATH, a file path or postgres://… .
        #[arg(long, value_name = "URL", default_value = DEFAULT_STORE)]
        store: String,
    },
}

pub fn run(a: TokenArgs) -> Result<()> {
    block_on(async move {
        match a.command {
            TokenCommand::Create { role, label, store } => {
                let store = Store::open(&store).await?;
                let t = store.create_token(role.into(), &label).await?;
                store.close().await;
                eprintln!(
                    "gongfu token: created {} ({}{}); the secret below is shown only now",
                    t.info.id,
                    t.info.role,
                    if t.info.label.is_empty() {
                        String::new()
                    } else {
                        format!(", {:?}", t.info.label)
                    }
                );
                println!("{}", t.secret);
            }
            TokenCommand::List { store } => {
                let store = Store::open(&store).await?;
                let tokens = store.tokens().await?;
                store.close().await;
                println!(
                    "{:<12}  {:<7}  {:<20}  {:<20}  label",
                    "id", "role", "created", "revoked"
                );
                for t in tokens {
                    println!(
                        "{:<12}  {:<7}  {:<20}  {:<20}  {}",
                        t.id,
                        t.role.as_str(),
                        t.created,
                        t.revoked.as_deref().unwrap_or("-"),
                        t.label
                    );
                }
            }
            TokenCommand::Revoke { id, store } => {
                let store = Store::open(&store).await?;
                let revoked = store.revoke_token(&id).await?;
                store.close().await;
                match revoked {
                    Some(t) => println!(
                        "gongfu token: {} ({}) revoked at {}",
                        t.id,
                        t.role,
                        t.revoked.unwrap_or_default()
                    ),
                    None => bail!("no token {id:?} (see gongfu token list)"),
                }
            }
        }
        Ok(())
    })
}
