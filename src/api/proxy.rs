//! The proxy between the gate and the API, chosen once from the usual
//! variables (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`, either
//! case). The gate talks to one origin only (redirects elsewhere are not
//! followed), so the choice is made here rather than per request by the HTTP
//! client, and a connection error can then say whether the proxy or the API
//! was out of reach.
//!
//! The rules are the ones curl and reqwest follow: the scheme's own variable,
//! upper case first, then `ALL_PROXY`; `NO_PROXY` lists hosts (a domain also
//! covers its subdomains, a leading `.` or `*.` is ignored), IP addresses,
//! CIDR blocks, or `*` for every host. A proxy without a scheme is HTTP.

use crate::error::{Error, usage};
use std::net::IpAddr;
use url::{Host, Url};

/// The proxy variables, as the environment gave them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxyVars(pub Vec<(&'static str, String)>);

impl ProxyVars {
    pub const NAMES: [&'static str; 8] = [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
    ];

    pub fn from_process() -> ProxyVars {
        ProxyVars(
            Self::NAMES
                .iter()
                .filter_map(|&name| std::env::var(name).ok().map(|v| (name, v)))
                .collect(),
        )
    }

    /// The first of `names` that is set to something.
    fn first(&self, names: &[&'static str]) -> Option<(&'static str, &str)> {
        names.iter().find_map(|&name| {
            self.0
                .iter()
                .find(|(n, v)| *n == name && !v.trim().is_empty())
                .map(|(n, v)| (*n, v.trim()))
        })
    }
}

/// The proxy the gate goes through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proxy {
    /// The proxy's URL, credentials included (never shown).
    pub url: Url,
    /// The variable that named it.
    pub variable: &'static str,
}

impl Proxy {
    /// What messages show: scheme, host and port, never the credentials.
    pub fn shown(&self) -> String {
        self.url.origin().ascii_serialization()
    }
}

/// The proxy for requests to `target`, if any.
pub fn choose(target: &Url, vars: &ProxyVars) -> Result<Option<Proxy>, Error> {
    let own: &[&'static str] = match target.scheme() {
        "https" => &["HTTPS_PROXY", "https_proxy"],
        _ => &["HTTP_PROXY", "http_proxy"],
    };
    let Some((variable, value)) = vars
        .first(own)
        .or_else(|| vars.first(&["ALL_PROXY", "all_proxy"]))
    else {
        return Ok(None);
    };
    if let Some((_, list)) = vars.first(&["NO_PROXY", "no_proxy"])
        && let Some(host) = target.host()
        && bypasses(list, &host)
    {
        return Ok(None);
    }
    let text = if value.contains("://") {
        value.to_owned()
    } else {
        format!("http://{value}")
    };
    // The value may hold a password: it is never quoted.
    let url = Url::parse(&text)
        .ok()
        .filter(|u| u.host().is_some())
        .ok_or_else(|| {
            usage(format!(
                "{variable} is not a proxy URL; set it to http://HOST:PORT, or unset it"
            ))
        })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(usage(format!(
            "{variable} names a {} proxy; the gate speaks only to HTTP and HTTPS proxies",
            url.scheme()
        )));
    }
    Ok(Some(Proxy { url, variable }))
}

/// Whether `NO_PROXY`'s `list` covers `host`.
fn bypasses(list: &str, host: &Host<&str>) -> bool {
    let ip: Option<IpAddr> = match host {
        Host::Ipv4(a) => Some((*a).into()),
        Host::Ipv6(a) => Some((*a).into()),
        Host::Domain(_) => None,
    };
    list.split(',')
        .map(str::trim)
        .any(|entry| match (entry, ip, host) {
            ("*", _, _) => true,
            ("", _, _) => false,
            (entry, Some(ip), _) => in_block(entry, ip),
            (entry, None, Host::Domain(name)) => {
                let entry = entry.trim_start_matches("*.").trim_start_matches('.');
                let name = name.trim_end_matches('.');
                name.eq_ignore_ascii_case(entry)
                    || (name.len() > entry.len()
                        && name.as_bytes()[name.len() - entry.len() - 1] == b'.'
                        && name[name.len() - entry.len()..].eq_ignore_ascii_case(entry))
            }
            _ => false,
        })
}

/// Whether `ip` is the address `entry` or lies in its CIDR block.
fn in_block(entry: &str, ip: IpAddr) -> bool {
    let entry = entry.trim_start_matches('[').trim_end_matches(']');
    let (addr, bits) = match entry.split_once('/') {
        Some((a, b)) => match b.parse::<u32>() {
            Ok(bits) => (a, Some(bits)),
            Err(_) => return false,
        },
        None => (entry, None),
    };
    let Ok(net) = addr.parse::<IpAddr>() else {
        return false;
    };
    let (net, ip, width) = match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(i)) => (u32::from(n) as u128, u32::from(i) as u128, 32),
        (IpAddr::V6(n), IpAddr::V6(i)) => (u128::from(n), u128::from(i), 128),
        _ => return false,
    };
    let bits = bits.unwrap_or(width);
    if bits > width {
        return false;
    }
    let shift = width - bits;
    let mask = if shift >= 128 { 0 } else { u128::MAX << shift };
    (net & mask) == (ip & mask)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&'static str, &str)]) -> ProxyVars {
        ProxyVars(pairs.iter().map(|(n, v)| (*n, v.to_string())).collect())
    }

    fn chosen(target: &str, pairs: &[(&'static str, &str)]) -> Option<(String, &'static str)> {
        let url = Url::parse(target).expect("test URL");
        choose(&url, &vars(pairs))
            .expect("valid variables")
            .map(|p| (p.shown(), p.variable))
    }

    #[test]
    fn the_schemes_own_variable_wins_upper_case_first() {
        let all = [
            ("https_proxy", "http://lower:1"),
            ("HTTPS_PROXY", "http://upper:2"),
            ("HTTP_PROXY", "http://plain:3"),
            ("ALL_PROXY", "http://all:4"),
        ];
        assert_eq!(
            chosen("https://api.cekura.ai/x", &all),
            Some(("http://upper:2".into(), "HTTPS_PROXY"))
        );
        assert_eq!(
            chosen("http://127.0.0.1:8080/x", &all),
            Some(("http://plain:3".into(), "HTTP_PROXY"))
        );
        assert_eq!(
            chosen("https://api.cekura.ai/", &[("all_proxy", "proxy:3128")]),
            Some(("http://proxy:3128".into(), "all_proxy"))
        );
        assert_eq!(
            chosen("https://api.cekura.ai/", &[("HTTPS_PROXY", " ")]),
            None
        );
        assert_eq!(chosen("https://api.cekura.ai/", &[]), None);
    }

    #[test]
    fn no_proxy_covers_domains_addresses_and_blocks() {
        let proxied = |target: &str, list: &str| {
            chosen(target, &[("HTTPS_PROXY", "http://p:1"), ("NO_PROXY", list)]).is_some()
        };
        assert!(!proxied("https://api.cekura.ai/", "cekura.ai"));
        assert!(!proxied("https://api.cekura.ai/", "other, .cekura.ai"));
        assert!(!proxied("https://API.cekura.ai/", "*.Cekura.ai"));
        assert!(!proxied("https://api.cekura.ai/", "*"));
        assert!(proxied("https://api.cekura.ai/", "ekura.ai"));
        assert!(proxied("https://api.cekura.ai/", "other.example"));
        assert!(!proxied("https://10.1.2.3/", "10.0.0.0/8"));
        assert!(proxied("https://11.1.2.3/", "10.0.0.0/8"));
        assert!(!proxied("https://192.168.0.5/", "192.168.0.5"));
        assert!(!proxied("https://[::1]:8443/", "::1"));
        assert!(!proxied("https://[fd00::7]/", "fd00::/8"));
        assert!(proxied("https://10.1.2.3/", "10.0.0.0/99, nonsense/x"));
    }

    #[test]
    fn a_bad_proxy_is_named_without_its_value() {
        let url = Url::parse("https://api.cekura.ai/").expect("test URL");
        let e =
            choose(&url, &vars(&[("HTTPS_PROXY", "http://user:s3cret@")])).expect_err("no host");
        let text = e.to_string();
        assert!(text.contains("HTTPS_PROXY is not a proxy URL"), "{text}");
        assert!(!text.contains("s3cret"), "{text}");
        let e = choose(&url, &vars(&[("ALL_PROXY", "socks5://p:1080")])).expect_err("socks");
        assert!(e.to_string().contains("socks5 proxy"), "{e}");
    }

    #[test]
    fn the_shown_proxy_has_no_credentials() {
        let url = Url::parse("https://api.cekura.ai/").expect("test URL");
        let p = choose(
            &url,
            &vars(&[("HTTPS_PROXY", "http://me:pw@proxy.corp:3128")]),
        )
        .expect("valid")
        .expect("a proxy");
        assert_eq!(p.shown(), "http://proxy.corp:3128");
    }
}
