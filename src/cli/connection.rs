//! Where and how to reach the API: the connection flags, shared by every
//! command that calls it (`gate`, `result`, `start`, `suite`).

use crate::api::Profile;
use clap::ValueEnum;
use std::path::PathBuf;

/// Where and how to reach the API.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "API")]
pub struct Connection {
    /// API key (also read from CEKURA_API_KEY); never printed.
    #[arg(
        long,
        value_name = "KEY",
        env = "VOCERA_API_KEY",
        hide_env_values = true,
        // A key may start with '-': taken as the value, not echoed by clap
        // as an unknown flag.
        allow_hyphen_values = true
    )]
    pub api_key: Option<String>,

    /// API profile: vocera (v1 endpoint) or cekura (v2 endpoint).
    #[arg(
        long,
        env = "VOCERA_API",
        // CI templates set "" for "not set": `[env: VOCERA_API=]` in --help
        // would read as a setting.
        hide_env_values = true,
        default_value = "vocera",
        value_parser = ProfileParser,
        ignore_case = true
    )]
    pub api: Profile,

    /// Override the profile's base URL (https://, or http:// on loopback).
    #[arg(
        long,
        value_name = "URL",
        env = "VOCERA_BASE_URL",
        hide_env_values = true
    )]
    pub base_url: Option<String>,

    /// Extra trusted CA certificates (PEM), e.g. a corporate proxy's.
    #[arg(
        long,
        value_name = "PATH",
        env = "VOCERA_CA_CERT",
        hide_env_values = true,
        // Accept an empty value (CI templates set "" for "not set"); config
        // treats it as unset.
        value_parser = clap::builder::TypedValueParser::map(clap::builder::OsStringValueParser::new(), PathBuf::from)
    )]
    pub ca_cert: Option<PathBuf>,
}

impl Connection {
    /// No connection: what a replay, which calls nothing, hands on.
    pub(super) fn none() -> Connection {
        Connection {
            api_key: None,
            api: Profile::Vocera,
            base_url: None,
            ca_cert: None,
        }
    }
}

/// Reads `--api` / `VOCERA_API` like a value enum (case-insensitive), but
/// takes an empty value as the default: CI templates set "" for "not set".
#[derive(Debug, Clone, Copy)]
struct ProfileParser;

impl clap::builder::TypedValueParser for ProfileParser {
    type Value = Profile;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<Profile, clap::Error> {
        if value.is_empty() {
            return Ok(Profile::Vocera);
        }
        clap::builder::EnumValueParser::<Profile>::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            Profile::value_variants()
                .iter()
                .filter_map(ValueEnum::to_possible_value),
        ))
    }
}
