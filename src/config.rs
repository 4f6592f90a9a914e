//! Raw flags become a checked [`Config`] before any network call or wait:
//! IDs, durations, weights, the base URL and the output paths are all
//! validated here, so a typo costs a second, not a 30-minute deadline.

use crate::cli::{Args, ColorWhen, Profile};
use crate::error::{Error, usage};
use crate::files::{Target, folder_of, target};
use crate::model::Keep;
use crate::policy::{Policy, Weights};
use std::fmt;
use std::io::Read;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use url::{Host, Url};

/// The API key. Its `Debug` hides the value, and it has no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with the key replaced by `[the API key]` wherever it occurs.
    pub fn hide_in(&self, text: &str) -> String {
        if shows_key(text, &self.0) {
            text.replace(&self.0, "[the API key]")
        } else {
            text.to_owned()
        }
    }
}

/// Whether `text` holds `key`. A key shorter than 4 characters is not looked
/// for: hiding every `a` of a message for a test key `a` would garble it,
/// and real keys are long.
pub fn shows_key(text: &str, key: &str) -> bool {
    key.len() >= 4 && text.contains(key)
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<hidden>)")
    }
}

/// Where and how to call the API.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// The bulk-runs URL without a query.
    pub url: Url,
    pub header: &'static str,
    pub key: ApiKey,
}

impl Endpoint {
    pub fn for_profile(
        profile: Profile,
        base_url: Option<&str>,
        key: ApiKey,
    ) -> Result<Endpoint, Error> {
        let (default_base, path, header) = match profile {
            Profile::Vocera => (
                "https://new-prod.vocera.ai",
                "/test_framework/v1/runs-external/bulk/",
                "X-VOCERA-API-KEY",
            ),
            Profile::Cekura => (
                "https://api.cekura.ai",
                "/test_framework/v2/runs/bulk/",
                "X-CEKURA-API-KEY",
            ),
        };
        let base = base_url.unwrap_or(default_base).trim();
        let mut url = Url::parse(base).map_err(|e| {
            usage(format!(
                "--base-url {base:?} is not a URL ({e}); use e.g. https://api.example.com"
            ))
        })?;
        if url.cannot_be_a_base() || url.host_str().is_none() {
            return Err(usage(format!(
                "--base-url {base:?} has no host; use e.g. https://api.example.com"
            )));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(usage(
                "--base-url must not carry a user name or password; the key goes in --api-key",
            ));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(usage(format!(
                "--base-url {base:?} must not have a query or fragment"
            )));
        }
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            "http" => {
                return Err(usage(format!(
                    "--base-url {base:?} uses plain http to a non-loopback host, which would send the API key unencrypted; use https://"
                )));
            }
            other => {
                return Err(usage(format!(
                    "--base-url scheme {other:?} is not supported; use https://"
                )));
            }
        }
        let joined = format!("{}{}", url.path().trim_end_matches('/'), path);
        url.set_path(&joined);
        Ok(Endpoint { url, header, key })
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// How long to wait, and how often to look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waiting {
    pub timeout: Duration,
    pub poll_interval: Duration,
    pub max_poll_interval: Duration,
}

/// Where the runs come from.
#[derive(Debug, Clone)]
pub enum Source {
    Api {
        endpoint: Endpoint,
        /// Trusted on top of the system's certificate store.
        ca_certs: Vec<reqwest::Certificate>,
    },
    /// A saved response, replayed without network.
    File(PathBuf),
}

/// How much to print on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

/// Where the Markdown summary goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryTarget {
    pub path: PathBuf,
    /// Append (GitHub's step summary file, shared by the step) instead of
    /// replacing the file atomically.
    pub append: bool,
}

/// The environment variables the gate reads besides clap's.
#[derive(Debug, Clone, Default)]
pub struct Env {
    /// `CEKURA_API_KEY`, the fallback for the key.
    pub cekura_key: Option<String>,
    /// `GITHUB_STEP_SUMMARY`, the default summary file.
    pub github_step_summary: Option<PathBuf>,
    /// `GITHUB_ACTIONS=true`: print annotations.
    pub github_actions: bool,
    /// `NO_COLOR` is set to something (no-color.org).
    pub no_color: bool,
    /// Standard output / error are terminals (and `TERM` is not `dumb`).
    pub stdout_tty: bool,
    pub stderr_tty: bool,
}

impl Env {
    pub fn from_process() -> Env {
        use std::io::IsTerminal;
        let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
        Env {
            cekura_key: std::env::var("CEKURA_API_KEY").ok(),
            github_step_summary: std::env::var_os("GITHUB_STEP_SUMMARY")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
            github_actions: std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true"),
            no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
            stdout_tty: std::io::stdout().is_terminal() && !dumb,
            stderr_tty: std::io::stderr().is_terminal() && !dumb,
        }
    }
}

/// Everything a run of the gate needs, checked.
#[derive(Debug, Clone)]
pub struct Config {
    /// Requested run IDs, deduplicated, in the order given. May be empty only
    /// with a `File` source (the file's IDs are then used).
    pub ids: Vec<u64>,
    pub source: Source,
    pub waiting: Waiting,
    pub policy: Policy,
    pub junit: PathBuf,
    pub save_response: Option<PathBuf>,
    pub json: Option<PathBuf>,
    pub summary: Option<SummaryTarget>,
    /// Print GitHub `::error` annotations.
    pub annotations: bool,
    /// Colour the verdict on stdout.
    pub color: bool,
    /// Show a live progress bar on stderr instead of one line per poll.
    pub progress_bar: bool,
    pub include_transcript: bool,
    pub report_only: bool,
    pub verbosity: Verbosity,
}

impl Config {
    /// Checks the flags. `stdin` is read when `--run-ids-file -` is given;
    /// `cekura_key` is the CEKURA_API_KEY fallback for the key.
    pub fn from_args(args: Args, stdin: &mut dyn Read, env: Env) -> Result<Config, Error> {
        // --api-key takes values that start with '-' (keys may), so with an
        // empty key variable (`--api-key $KEY --report-only`) it would take
        // the next flag as the key and drop that flag.
        if let Some(flag) = args.api_key.as_deref().filter(|k| names_a_flag(k)) {
            return Err(usage(format!(
                "--api-key was followed by the flag {flag} instead of a key; is the key variable empty? Set VOCERA_API_KEY or pass --api-key KEY"
            )));
        }
        // A key pasted where run IDs go would be echoed as the bad token.
        let keys: Vec<&str> = [args.api_key.as_deref(), env.cekura_key.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .collect();
        let hide_key = |e: Error| match e {
            // The token is quoted in the message; the key is looked for
            // anywhere in it too (a token may hold the key and more).
            Error::Usage(m)
                if keys
                    .iter()
                    .any(|k| m.contains(&format!("{k:?}")) || shows_key(&m, k)) =>
            {
                usage(
                    "a run ID argument holds the API key; pass the key with --api-key or VOCERA_API_KEY, never among the run IDs",
                )
            }
            e => e,
        };
        let mut ids = Vec::new();
        for arg in &args.run_ids {
            parse_ids(arg, &mut ids, "run ID").map_err(hide_key)?;
        }
        if let Some(path) = &args.run_ids_file {
            let text = if path.as_os_str() == "-" {
                let mut s = String::new();
                stdin
                    .read_to_string(&mut s)
                    .map_err(|e| usage(format!("cannot read run IDs from standard input: {e}")))?;
                s
            } else {
                std::fs::read_to_string(path).map_err(|e| {
                    usage(format!(
                        "cannot read --run-ids-file {}: {e}",
                        path.display()
                    ))
                })?
            };
            // Editors on Windows start files with a byte-order mark.
            let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
            parse_ids(text, &mut ids, &format!("run ID in {}", path.display()))
                .map_err(hide_key)?;
        }
        let ids = dedup(ids);

        let source = match &args.from_file {
            Some(path) => Source::File(path.clone()),
            None => {
                if ids.is_empty() {
                    return Err(usage(
                        "no run IDs given; pass them as arguments (181,180), with --run-ids-file, or replay a saved response with --from-file",
                    ));
                }
                // An empty VOCERA_API_KEY (a CI template's "not set") must
                // not hide CEKURA_API_KEY.
                let given = |k: &Option<String>| {
                    k.as_deref()
                        .map(str::trim)
                        .filter(|k| !k.is_empty())
                        .map(str::to_owned)
                };
                let key = given(&args.api_key)
                    .or_else(|| given(&env.cekura_key))
                    .ok_or_else(|| {
                        usage(
                            "no API key; set VOCERA_API_KEY (or CEKURA_API_KEY) or pass --api-key",
                        )
                    })?;
                if key.chars().any(|c| c.is_control()) {
                    return Err(usage(
                        "the API key holds a control character (a stray line break?); copy it again from the dashboard",
                    ));
                }
                let endpoint =
                    Endpoint::for_profile(args.api, set(args.base_url.as_deref()), ApiKey(key))?;
                // CI templates often set variables to "" for "not set".
                let ca_cert = args
                    .ca_cert
                    .as_deref()
                    .filter(|p| !p.as_os_str().is_empty());
                let ca_certs = match ca_cert {
                    Some(path) => read_ca_certs(path)?,
                    None => Vec::new(),
                };
                Source::Api { endpoint, ca_certs }
            }
        };

        let waiting = Waiting {
            timeout: parse_duration("--timeout", &args.timeout)?,
            poll_interval: parse_duration("--poll-interval", &args.poll_interval)?,
            max_poll_interval: parse_duration("--max-poll-interval", &args.max_poll_interval)?,
        };
        if waiting.timeout.is_zero() {
            return Err(usage(
                "--timeout must be more than 0: the first poll needs time to be answered; use e.g. 30m",
            ));
        }
        if waiting.poll_interval.is_zero() {
            return Err(usage("--poll-interval must be more than 0; use e.g. 2s"));
        }
        if waiting.max_poll_interval < waiting.poll_interval {
            return Err(usage(format!(
                "--max-poll-interval {} is shorter than --poll-interval {}; raise it or lower --poll-interval",
                args.max_poll_interval, args.poll_interval
            )));
        }

        let mut weights = Weights::default();
        for spec in &args.weights {
            let (priority, weight) = parse_weight(spec)?;
            weights.set(&priority, weight);
        }

        let summary = match (args.summary, env.github_step_summary) {
            (Some(path), _) => Some(SummaryTarget {
                path,
                append: false,
            }),
            (None, Some(path)) => Some(SummaryTarget { path, append: true }),
            (None, None) => None,
        };
        let mut outputs: Vec<(&str, &Path)> = vec![("--junit", &args.junit)];
        outputs.extend(
            args.save_response
                .as_deref()
                .map(|p| ("--save-response", p)),
        );
        outputs.extend(args.json.as_deref().map(|p| ("--json", p)));
        outputs.extend(
            summary
                .as_ref()
                .filter(|s| !s.append)
                .map(|s| ("--summary", s.path.as_path())),
        );
        for (i, (flag, path)) in outputs.iter().enumerate() {
            check_writable(flag, path)?;
            if let Some((other, _)) = outputs[..i].iter().find(|(_, p)| same_file(p, path)) {
                return Err(usage(format!(
                    "{other} and {flag} name the same file; give them different paths"
                )));
            }
            if let Some(input) = args
                .from_file
                .as_deref()
                .filter(|input| same_file(input, path))
            {
                return Err(usage(format!(
                    "{flag} {} would overwrite the --from-file input; give another path",
                    input.display()
                )));
            }
        }

        Ok(Config {
            ids,
            source,
            waiting,
            policy: Policy {
                weights,
                max_score: args.max_score,
                max_failed_runs: args.max_failed_runs,
            },
            junit: args.junit,
            save_response: args.save_response,
            json: args.json,
            summary,
            annotations: env.github_actions,
            color: match args.color {
                ColorWhen::Always => true,
                ColorWhen::Never => false,
                ColorWhen::Auto => env.stdout_tty && !env.no_color,
            },
            progress_bar: env.stderr_tty && !args.quiet,
            include_transcript: args.include_transcript,
            report_only: args.report_only,
            verbosity: if args.quiet {
                Verbosity::Quiet
            } else if args.verbose {
                Verbosity::Verbose
            } else {
                Verbosity::Normal
            },
        })
    }
}

/// An optional value, with an empty or blank one meaning unset.
fn set(value: Option<&str>) -> Option<&str> {
    value.filter(|v| !v.trim().is_empty())
}

fn read_ca_certs(path: &Path) -> Result<Vec<reqwest::Certificate>, Error> {
    let pem = std::fs::read(path)
        .map_err(|e| usage(format!("cannot read --ca-cert {}: {e}", path.display())))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
        usage(format!(
            "--ca-cert {} is not a PEM certificate bundle: {e}",
            path.display()
        ))
    })?;
    if certs.is_empty() {
        return Err(usage(format!(
            "--ca-cert {} holds no PEM certificate",
            path.display()
        )));
    }
    // PEM armour can wrap bytes that are no certificate; only setting up
    // TLS finds out, and the flag to blame is this one.
    reqwest::Client::builder()
        .tls_certs_merge(certs.clone())
        .build()
        .map_err(|e| {
            let cause = std::error::Error::source(&e).map_or(e.to_string(), ToString::to_string);
            usage(format!(
                "--ca-cert {} holds a certificate TLS cannot use ({cause}); export the CA again as PEM",
                path.display()
            ))
        })?;
    Ok(certs)
}

impl Config {
    /// What parsing must keep of each run for the reports asked for.
    pub fn keep(&self) -> Keep {
        Keep {
            raw: self.save_response.is_some(),
            transcript: self.include_transcript,
        }
    }
}

/// Whether `value` is one of our flags (`--max-score`, `--junit=r.xml`,
/// `-q`, `-qv`) or the end-of-options marker `--`.
fn names_a_flag(value: &str) -> bool {
    use clap::CommandFactory;
    let mut cmd = Args::command();
    cmd.build();
    if value == "--" {
        return true;
    }
    if let Some(long) = value.strip_prefix("--") {
        let name = long.split('=').next().unwrap_or(long);
        return cmd.get_arguments().any(|a| a.get_long() == Some(name));
    }
    let shorts: Vec<char> = cmd.get_arguments().filter_map(|a| a.get_short()).collect();
    value
        .strip_prefix('-')
        .is_some_and(|s| (1..=3).contains(&s.len()) && s.chars().all(|c| shorts.contains(&c)))
}

/// Appends the IDs in `text` (separated by commas and/or whitespace).
pub fn parse_ids(text: &str, ids: &mut Vec<u64>, what: &str) -> Result<(), Error> {
    for token in text
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
    {
        let id = token
            .parse::<u64>()
            .ok()
            .filter(|id| *id > 0 && token.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| {
                usage(format!(
                    "{what} {token:?} is not a positive integer; give IDs like 181,180"
                ))
            })?;
        ids.push(id);
    }
    Ok(())
}

/// Drops repeated IDs; the first occurrence keeps its place.
pub fn dedup(ids: Vec<u64>) -> Vec<u64> {
    let mut seen = std::collections::HashSet::with_capacity(ids.len());
    ids.into_iter().filter(|id| seen.insert(*id)).collect()
}

/// `200ms`, `5s`, `10m`, `1h`: a whole number and a unit.
pub fn parse_duration(flag: &str, text: &str) -> Result<Duration, Error> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let bad = || {
        usage(format!(
            "{flag} {text:?} is not a duration; use a whole number and a unit: 200ms, 5s, 10m, 1h"
        ))
    };
    let n: u64 = number.parse().map_err(|_| bad())?;
    let millis = match unit {
        "ms" => Some(n),
        "s" => n.checked_mul(1_000),
        "m" => n.checked_mul(60_000),
        "h" => n.checked_mul(3_600_000),
        _ => None,
    }
    .ok_or_else(bad)?;
    // Past a week a deadline is a typo, and Instant arithmetic must not overflow.
    if millis > 7 * 24 * 3_600_000 {
        return Err(usage(format!(
            "{flag} {text:?} is longer than a week; use e.g. 30m"
        )));
    }
    Ok(Duration::from_millis(millis))
}

/// `PRIORITY=N` with N a whole number.
pub fn parse_weight(spec: &str) -> Result<(String, u32), Error> {
    let bad = || {
        usage(format!(
            "--weight {spec:?} is not PRIORITY=N with N a whole number; e.g. --weight medium=5"
        ))
    };
    let (priority, weight) = spec.split_once('=').ok_or_else(bad)?;
    let priority = priority.trim();
    if priority.is_empty() {
        return Err(bad());
    }
    let weight = weight.trim().parse::<u32>().map_err(|_| bad())?;
    Ok((priority.to_owned(), weight))
}

/// Fails now, not after a 30-minute wait, when a report could not be written:
/// the folder must exist and take a new file, and an existing file there must
/// be ours to replace. A device or pipe is left unopened: opening a pipe
/// waits for a reader, and closing it would end that reader's input.
fn check_writable(flag: &str, path: &Path) -> Result<(), Error> {
    let shown = path.display();
    if path.as_os_str().is_empty() {
        return Err(usage(format!("{flag} is empty; give a file path")));
    }
    let ends_in_separator = path
        .as_os_str()
        .to_string_lossy()
        .chars()
        .last()
        .is_some_and(std::path::is_separator);
    if ends_in_separator {
        return Err(usage(format!(
            "{flag} {shown} is a folder; give a file path"
        )));
    }
    let file = match target(path) {
        Target::File(file) => file,
        Target::Stream => return Ok(()),
        Target::Unusable(what) => {
            return Err(usage(format!("{flag} {shown} is {what}; give a file path")));
        }
    };
    let dir = folder_of(&file);
    let probe = tempfile::Builder::new()
        .prefix(".vocera-gate-check")
        .tempfile_in(dir)
        .map_err(|e| {
            usage(format!(
                "{flag} {shown}: cannot write in {} ({e}); create the folder or pick another path",
                dir.display()
            ))
        })?;
    #[cfg(unix)]
    {
        // In a sticky folder (/tmp) only a file's owner may replace it.
        use std::os::unix::fs::MetadataExt;
        let me = probe.as_file().metadata().map(|m| m.uid()).ok();
        let (folder, existing) = (std::fs::metadata(dir).ok(), std::fs::metadata(&file).ok());
        if let (Some(me), Some(folder), Some(existing)) = (me, folder, existing) {
            if me != 0 && folder.mode() & 0o1000 != 0 && existing.uid() != me && folder.uid() != me
            {
                return Err(usage(format!(
                    "{flag} {shown} belongs to another user in a sticky folder ({}), so it cannot be replaced; pick another path",
                    dir.display()
                )));
            }
        }
    }
    drop(probe);
    Ok(())
}

/// Whether two paths name one file: compared after resolving `..`, `.`
/// and symbolic links in the folder (the file itself may not exist yet).
fn same_file(a: &Path, b: &Path) -> bool {
    let resolve = |p: &Path| {
        std::fs::canonicalize(p).unwrap_or_else(|_| {
            let dir =
                std::fs::canonicalize(folder_of(p)).unwrap_or_else(|_| folder_of(p).to_path_buf());
            match p.file_name() {
                Some(name) => dir.join(name),
                None => dir,
            }
        })
    };
    resolve(a) == resolve(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_split_on_commas_and_whitespace_and_dedup_in_order() {
        let mut ids = Vec::new();
        parse_ids("181,180 ", &mut ids, "run ID").expect("valid");
        parse_ids("\n179\t181,,180\n", &mut ids, "run ID").expect("valid");
        assert_eq!(dedup(ids), vec![181, 180, 179]);
    }

    #[test]
    fn bad_ids_are_named() {
        for bad in ["abc", "-5", "0", "1.5", "+3", "99999999999999999999999"] {
            let err = parse_ids(bad, &mut Vec::new(), "run ID").expect_err(bad);
            assert!(
                err.to_string().contains(&format!("{bad:?}")),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn durations_need_units() {
        assert_eq!(
            parse_duration("f", "200ms").ok(),
            Some(Duration::from_millis(200))
        );
        assert_eq!(parse_duration("f", "5s").ok(), Some(Duration::from_secs(5)));
        assert_eq!(
            parse_duration("f", "10m").ok(),
            Some(Duration::from_secs(600))
        );
        assert_eq!(
            parse_duration("f", "1h").ok(),
            Some(Duration::from_secs(3600))
        );
        for bad in ["5", "s", "1.5s", "5 s", "-1s", "10d", "", "9999h"] {
            assert!(
                parse_duration("--timeout", bad).is_err(),
                "{bad:?} rejected"
            );
        }
    }

    #[test]
    fn weights_parse() {
        assert_eq!(parse_weight("High=7").ok(), Some(("High".to_owned(), 7)));
        for bad in ["high", "=3", "high=-1", "high=x", "high=1.5"] {
            assert!(parse_weight(bad).is_err(), "{bad:?} rejected");
        }
    }

    fn key() -> ApiKey {
        ApiKey("secret".into())
    }

    #[test]
    fn profiles_give_their_endpoints() {
        let v = Endpoint::for_profile(Profile::Vocera, None, key()).expect("default");
        assert_eq!(
            v.url.as_str(),
            "https://new-prod.vocera.ai/test_framework/v1/runs-external/bulk/"
        );
        assert_eq!(v.header, "X-VOCERA-API-KEY");
        let c = Endpoint::for_profile(
            Profile::Cekura,
            Some("https://proxy.example/cekura/"),
            key(),
        )
        .expect("override");
        assert_eq!(
            c.url.as_str(),
            "https://proxy.example/cekura/test_framework/v2/runs/bulk/"
        );
        assert_eq!(c.header, "X-CEKURA-API-KEY");
    }

    #[test]
    fn plain_http_only_on_loopback() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://localhost:1",
            "http://[::1]:9",
            "http://127.9.9.9",
        ] {
            assert!(
                Endpoint::for_profile(Profile::Vocera, Some(ok), key()).is_ok(),
                "{ok} allowed"
            );
        }
        for bad in [
            "http://example.com",
            "http://10.0.0.1",
            "ftp://x",
            "not a url",
            "https://u:p@x.example",
            "https://x.example/?a=1",
        ] {
            assert!(
                Endpoint::for_profile(Profile::Vocera, Some(bad), key()).is_err(),
                "{bad} refused"
            );
        }
    }

    #[test]
    fn key_debug_hides_the_value() {
        assert!(!format!("{:?}", key()).contains("secret"));
    }
}
