//! Where and how to call the API: the profiles (base URL, path, header), the
//! base-URL rules that keep the key off plain HTTP, the key itself (never
//! shown), and the extra CA certificates a corporate proxy needs.

use crate::error::{Error, usage};
use crate::secret;
use clap::ValueEnum;
use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;
use std::path::Path;
use url::{Host, Url};

/// Which API generation to call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Profile {
    /// https://new-prod.vocera.ai, /test_framework/v1/runs-external/bulk/, X-VOCERA-API-KEY
    Vocera,
    /// https://api.cekura.ai, /test_framework/v2/runs/bulk/, X-CEKURA-API-KEY
    Cekura,
}

/// The API key. Its `Debug` hides the value, and it has no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey {
    key: String,
    /// Where it came from (`--api-key`, `VOCERA_API_KEY`, ...), for messages.
    source: &'static str,
    /// How to find it in the API's text, in any form; `None` for a key too
    /// short to look for.
    pattern: Option<secret::Pattern>,
}

impl ApiKey {
    /// The key, and the flag or variable it came from.
    pub fn from_source(key: String, source: &'static str) -> ApiKey {
        let pattern = secret::Pattern::new(&key);
        ApiKey {
            key,
            source,
            pattern,
        }
    }

    /// The flag or variable the key came from.
    pub fn source(&self) -> &'static str {
        self.source
    }

    pub fn expose(&self) -> &str {
        &self.key
    }

    /// `text` with the key, in any form (see [`secret`]), replaced by
    /// `[the API key]` wherever it occurs, and every other secret the gate
    /// knows too; borrowed when absent.
    pub fn hide<'a>(&self, text: &'a str) -> Cow<'a, str> {
        secret::installed().hide_also(text, self.pattern.as_ref())
    }

    /// At most `max` characters of `text`, the key hidden before the cut.
    pub fn cut(&self, text: &str, max: usize) -> String {
        secret::cut(text, max, self.pattern.as_ref())
    }

    /// [`hide`](ApiKey::hide), owned.
    pub fn hide_in(&self, text: &str) -> String {
        self.hide(text).into_owned()
    }

    /// The most bytes the key can span in the API's text, encoded.
    pub fn longest_form(&self) -> usize {
        self.pattern
            .as_ref()
            .map_or(self.key.len(), secret::Pattern::widest)
            .max(secret::installed().widest())
    }
}

/// Whether `text` holds `key` in any form (a key too short is not looked
/// for).
pub fn shows_key(text: &str, key: &str) -> bool {
    secret::Pattern::new(key).is_some_and(|p| p.found_in(text))
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
    /// The base URL the profile's paths are joined to.
    pub base: Url,
    pub profile: Profile,
    pub header: &'static str,
    pub key: ApiKey,
}

impl Profile {
    /// The header that carries the key.
    pub fn header(self) -> &'static str {
        match self {
            Profile::Vocera => "X-VOCERA-API-KEY",
            Profile::Cekura => "X-CEKURA-API-KEY",
        }
    }

    /// The start-runs path (`POST`).
    fn start_path(self) -> &'static str {
        match self {
            Profile::Vocera => "/test_framework/v1/scenarios-external/run_scenarios/",
            Profile::Cekura => "/test_framework/v2/scenarios/run_scenarios/",
        }
    }

    /// The Tests-as-Code start path (`POST`, `run_scenarios_json`).
    fn suite_path(self) -> &'static str {
        match self {
            Profile::Vocera => "/test_framework/v1/scenarios-external/run_scenarios_json/",
            Profile::Cekura => "/test_framework/v2/scenarios/run_scenarios_json/",
        }
    }

    /// The path of a result's end-calls action (`POST`).
    fn end_calls_path(self, id: u64) -> String {
        match self {
            Profile::Vocera => format!("/test_framework/v1/results-external/{id}/end_calls/"),
            Profile::Cekura => format!("/test_framework/v2/results/{id}/end_calls/"),
        }
    }

    /// The path of a result (`GET`); the platform marks the v1 one
    /// deprecated.
    fn result_path(self, id: u64) -> Option<String> {
        match self {
            Profile::Vocera => Some(format!("/test_framework/v1/results-external/{id}/")),
            Profile::Cekura => Some(format!("/test_framework/v2/results/{id}/")),
        }
    }
}

impl Endpoint {
    pub fn for_profile(
        profile: Profile,
        base_url: Option<&str>,
        key: ApiKey,
    ) -> Result<Endpoint, Error> {
        let base = checked_base(profile, base_url)?;
        let path = match profile {
            Profile::Vocera => "/test_framework/v1/runs-external/bulk/",
            Profile::Cekura => "/test_framework/v2/runs/bulk/",
        };
        Ok(Endpoint {
            url: joined(&base, path),
            base,
            profile,
            header: profile.header(),
            key,
        })
    }

    /// Where runs are started.
    pub fn start_url(&self) -> Url {
        start_url(self.profile, &self.base)
    }

    /// Where a Tests-as-Code spec is started, or with `dry_run` validated
    /// and priced (`?dry_run=true`: nothing is created or charged).
    pub fn suite_url(&self, dry_run: bool) -> Url {
        let mut url = joined(&self.base, self.profile.suite_path());
        if dry_run {
            url.set_query(Some("dry_run=true"));
        }
        url
    }

    /// Where a result's calls are ended.
    pub fn end_calls_url(&self, id: u64) -> Url {
        joined(&self.base, &self.profile.end_calls_path(id))
    }

    /// Where a result and its runs are read (both generations).
    pub fn result_url(&self, id: u64) -> Option<Url> {
        Some(joined(&self.base, &self.profile.result_path(id)?))
    }

    /// Where results are listed and searched by name; `None` for the v1
    /// API, which documents no such list.
    pub fn results_url(&self) -> Option<Url> {
        match self.profile {
            Profile::Vocera => None,
            Profile::Cekura => Some(joined(&self.base, "/test_framework/v2/results/")),
        }
    }
}

/// The start-runs URL of a profile at a checked base URL.
pub fn start_url(profile: Profile, base: &Url) -> Url {
    joined(base, profile.start_path())
}

/// `path` after the base URL's own path.
fn joined(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    let joined = format!("{}{}", base.path().trim_end_matches('/'), path);
    url.set_path(&joined);
    url
}

/// The profile's base URL, or `base_url` once checked: a URL with a host, no
/// user, query or fragment, https (or http on loopback).
pub fn checked_base(profile: Profile, base_url: Option<&str>) -> Result<Url, Error> {
    let default_base = match profile {
        Profile::Vocera => "https://new-prod.vocera.ai",
        Profile::Cekura => "https://api.cekura.ai",
    };
    let base = base_url.unwrap_or(default_base).trim();
    let url = Url::parse(base).map_err(|e| {
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
    Ok(url)
}

pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

pub fn read_ca_certs(path: &Path) -> Result<Vec<reqwest::Certificate>, Error> {
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
    super::install_tls_provider();
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

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> ApiKey {
        ApiKey::from_source("secret".to_owned(), "--api-key")
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
    fn each_profile_has_its_start_result_and_end_calls_paths() {
        let v = Endpoint::for_profile(Profile::Vocera, Some("https://p.example/v/"), key())
            .expect("vocera");
        assert_eq!(
            v.start_url().as_str(),
            "https://p.example/v/test_framework/v1/scenarios-external/run_scenarios/"
        );
        assert_eq!(
            v.end_calls_url(9876).as_str(),
            "https://p.example/v/test_framework/v1/results-external/9876/end_calls/"
        );
        assert_eq!(
            v.result_url(9876).map(String::from).as_deref(),
            Some("https://p.example/v/test_framework/v1/results-external/9876/"),
            "deprecated, but there"
        );
        let c = Endpoint::for_profile(Profile::Cekura, None, key()).expect("cekura");
        assert_eq!(
            c.start_url().as_str(),
            "https://api.cekura.ai/test_framework/v2/scenarios/run_scenarios/"
        );
        assert_eq!(
            c.result_url(9876).map(String::from).as_deref(),
            Some("https://api.cekura.ai/test_framework/v2/results/9876/")
        );
        assert_eq!(
            c.end_calls_url(9876).as_str(),
            "https://api.cekura.ai/test_framework/v2/results/9876/end_calls/"
        );
    }

    #[test]
    fn plain_http_only_on_loopback() {
        for (url, allowed) in [
            ("http://127.0.0.1:8080", true),
            ("http://localhost:1", true),
            ("http://[::1]:9", true),
            ("http://127.9.9.9", true),
            ("http://example.com", false),
            ("http://10.0.0.1", false),
            ("ftp://x", false),
            ("not a url", false),
            ("https://u:p@x.example", false),
            ("https://x.example/?a=1", false),
        ] {
            let got = Endpoint::for_profile(Profile::Vocera, Some(url), key()).is_ok();
            assert_eq!(got, allowed, "{url}");
        }
    }

    #[test]
    fn key_debug_hides_the_value() {
        assert!(!format!("{:?}", key()).contains("secret"));
    }
}
