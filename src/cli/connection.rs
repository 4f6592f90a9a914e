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
    ///
    /// Without the flag, the profile's own variable comes first
    /// (CEKURA_API_KEY with --api cekura, else VOCERA_API_KEY), and an empty
    /// one gives way to the other; -v says which was used, and a refused
    /// key's error names it. An empty --api-key is an error. Needed by every
    /// command that calls the API (not by replay or suite --check). In CI,
    /// pass it from a secret through the environment rather than on the
    /// command line, where other processes can read it.
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
    ///
    /// The profile sets the base URL, the endpoints' generation and the key
    /// header (X-VOCERA-API-KEY or X-CEKURA-API-KEY); docs/reference.md lists
    /// its endpoints. Case-insensitive; an empty VOCERA_API means the
    /// default. With vocera, `result` reads a v1 endpoint the platform marks
    /// deprecated (one warning): prefer cekura there.
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
    ///
    /// The profile's path is appended, e.g. --base-url https://proxy.example
    /// reads runs from https://proxy.example/test_framework/v1/runs-external/bulk/.
    /// Plain http:// is refused except to a loopback address, so the key
    /// never crosses a network unencrypted. Default: the profile's
    /// (https://new-prod.vocera.ai or https://api.cekura.ai).
    #[arg(
        long,
        value_name = "URL",
        env = "VOCERA_BASE_URL",
        hide_env_values = true
    )]
    pub base_url: Option<String>,

    /// Extra trusted CA certificates (PEM), e.g. a corporate proxy's.
    ///
    /// Added to the built-in roots, not replacing them. An unreadable file,
    /// or one with no certificate, is a usage error (exit 2), also under
    /// --dry-run. An empty value (a CI template's "not set") is ignored.
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
