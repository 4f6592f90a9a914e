//! Which API key to use, and the mistakes around it that must fail before
//! any request: an empty key variable that swallowed the next flag, no key,
//! a key with a control character.

use crate::api::{ApiKey, Profile};
use crate::cli::Args;
use crate::config::Env;
use crate::error::{Error, usage};
use crate::secret::{self, Redactor};
use std::ffi::OsString;

/// Refuses `--api-key` followed by one of our flags. `--api-key` takes
/// values that start with '-' (keys may), so with an empty key variable
/// (`--api-key $KEY --report-only`) it would take the next flag as the key
/// and drop that flag.
pub fn refuse_swallowed_flag(api_key: Option<&str>) -> Result<(), Error> {
    match api_key.filter(|k| names_a_flag(k)) {
        Some(flag) => Err(usage(format!(
            "--api-key was followed by the flag {flag} instead of a key; is the key variable empty? Set VOCERA_API_KEY or pass --api-key KEY"
        ))),
        None => Ok(()),
    }
}

/// Every secret the gate knows, from the environment and the raw command
/// line (read before clap, so its own errors are covered too): the key
/// variables, each `--api-key` value, and the password of each proxy
/// variable. Built once, before anything is printed.
pub fn redactor(env: &Env, argv: impl IntoIterator<Item = OsString>) -> Redactor {
    let argv: Vec<String> = argv
        .into_iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let mut flagged: Vec<&str> = Vec::new();
    for (i, arg) in argv.iter().enumerate() {
        if arg == "--" {
            break;
        }
        if arg == "--api-key" {
            flagged.extend(argv.get(i + 1).map(String::as_str));
        } else if let Some(value) = arg.strip_prefix("--api-key=") {
            flagged.push(value);
        }
    }
    // A flag after an empty key variable is no key (and is refused).
    flagged.retain(|k| !names_a_flag(k));
    let passwords: Vec<String> = env
        .proxies
        .0
        .iter()
        .filter(|(name, _)| !name.eq_ignore_ascii_case("NO_PROXY"))
        .filter_map(|(_, value)| proxy_password(value))
        .collect();
    let keys = [env.vocera_key.as_deref(), env.cekura_key.as_deref()]
        .into_iter()
        .flatten()
        .chain(flagged)
        .map(|k| (k, secret::HIDDEN));
    let passwords = passwords
        .iter()
        .map(|p| (p.as_str(), secret::HIDDEN_PASSWORD));
    let token = (env.github.token.as_deref())
        .map(str::trim)
        .map(|t| (t, secret::HIDDEN_TOKEN));
    Redactor::new(keys.chain(passwords).chain(token))
}

/// The password in a proxy variable's URL, percent-decoded.
fn proxy_password(value: &str) -> Option<String> {
    let value = value.trim();
    let text = if value.contains("://") {
        value.to_owned()
    } else {
        format!("http://{value}")
    };
    let url = url::Url::parse(&text).ok()?;
    let raw = url.password()?;
    let mut bytes = Vec::with_capacity(raw.len());
    let mut rest = raw.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        let decoded = (b == b'%')
            .then(|| std::str::from_utf8(tail.get(..2)?).ok())
            .flatten()
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match decoded {
            Some(v) => {
                bytes.push(v);
                rest = &tail[2..];
            }
            None => {
                bytes.push(b);
                rest = tail;
            }
        }
    }
    Some(String::from_utf8(bytes).unwrap_or_else(|_| raw.to_owned()))
}

/// The key values in play, trimmed, for hiding them in messages.
pub fn candidates<'a>(api_key: Option<&'a str>, cekura_key: Option<&'a str>) -> Vec<&'a str> {
    [api_key, cekura_key]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .collect()
}

/// Where a key can come from, as clap and the environment give them.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sources<'a> {
    /// `--api-key`, or `VOCERA_API_KEY` through clap's `env`.
    pub api_key: Option<&'a str>,
    /// `VOCERA_API_KEY` as set in the environment.
    pub vocera_env: Option<&'a str>,
    /// `CEKURA_API_KEY` as set in the environment.
    pub cekura_env: Option<&'a str>,
}

/// The key and where it came from: `--api-key` when given; else the
/// profile's own variable (`CEKURA_API_KEY` for `--api cekura`), else the
/// other one. An empty variable (a CI template's "not set") does not hide
/// the next; an empty `--api-key` is an error, not "no key".
pub fn choose(profile: Profile, sources: Sources<'_>) -> Result<ApiKey, Error> {
    fn given(k: Option<&str>) -> Option<&str> {
        k.map(str::trim).filter(|k| !k.is_empty())
    }
    // clap fills `api_key` from VOCERA_API_KEY; a different value is the flag's.
    let flag = sources.api_key.filter(|k| Some(*k) != sources.vocera_env);
    let (key, source) = match flag {
        Some(k) if given(Some(k)).is_none() => {
            let set: Vec<&str> = [
                ("VOCERA_API_KEY", sources.vocera_env),
                ("CEKURA_API_KEY", sources.cekura_env),
            ]
            .into_iter()
            .filter_map(|(name, value)| given(value).map(|_| name))
            .collect();
            let hint = match set.as_slice() {
                [] => "pass the key, or set VOCERA_API_KEY".to_owned(),
                names => format!("leave the flag out to use {}", names.join(" or ")),
            };
            return Err(usage(format!("--api-key is empty; {hint}")));
        }
        Some(k) => (k.trim(), "--api-key"),
        None => {
            let vocera = ("VOCERA_API_KEY", given(sources.vocera_env));
            let cekura = ("CEKURA_API_KEY", given(sources.cekura_env));
            let order = match profile {
                Profile::Vocera => [vocera, cekura],
                Profile::Cekura => [cekura, vocera],
            };
            order
                .into_iter()
                .find_map(|(name, value)| value.map(|v| (v, name)))
                .ok_or_else(|| {
                    usage("no API key; set VOCERA_API_KEY (or CEKURA_API_KEY) or pass --api-key")
                })?
        }
    };
    if key.chars().any(|c| c.is_control()) {
        return Err(usage(format!(
            "the API key from {source} holds a control character (a stray line break?); copy it again from the dashboard"
        )));
    }
    Ok(ApiKey::from_source(key.to_owned(), source))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn sources<'a>(
        flag: Option<&'a str>,
        vocera: Option<&'a str>,
        cekura: Option<&'a str>,
    ) -> Sources<'a> {
        // clap hands VOCERA_API_KEY over as --api-key when the flag is absent.
        Sources {
            api_key: flag.or(vocera),
            vocera_env: vocera,
            cekura_env: cekura,
        }
    }

    #[test]
    fn an_empty_key_does_not_hide_the_fallback() {
        let key = choose(
            Profile::Vocera,
            sources(None, Some("  "), Some("ck_123456")),
        )
        .expect("fallback");
        assert_eq!(
            (key.expose(), key.source()),
            ("ck_123456", "CEKURA_API_KEY")
        );
        let err = choose(Profile::Vocera, sources(None, Some(""), None)).expect_err("no key");
        assert!(err.to_string().starts_with("no API key"), "{err}");
        let err =
            choose(Profile::Vocera, sources(Some("ab\ncd"), None, None)).expect_err("control");
        assert!(
            err.to_string()
                .contains("from --api-key holds a control character"),
            "{err}"
        );
    }

    #[test]
    fn the_profiles_own_variable_wins_and_an_empty_flag_is_named() {
        let both = |p| choose(p, sources(None, Some("vk_1234"), Some("ck_5678"))).expect("a key");
        assert_eq!(both(Profile::Vocera).source(), "VOCERA_API_KEY");
        assert_eq!(both(Profile::Cekura).source(), "CEKURA_API_KEY");
        assert_eq!(both(Profile::Cekura).expose(), "ck_5678");
        let flag = choose(
            Profile::Cekura,
            sources(Some("k_flag"), Some("vk_1234"), Some("ck_5678")),
        );
        assert_eq!(flag.expect("flag").source(), "--api-key");
        let err =
            choose(Profile::Vocera, sources(Some(""), Some("vk_1234"), None)).expect_err("empty");
        assert_eq!(
            err.to_string(),
            "--api-key is empty; leave the flag out to use VOCERA_API_KEY"
        );
    }

    #[test]
    fn every_secret_known_is_in_the_redactor() {
        let env = Env {
            vocera_key: Some(" vk_env_1234 ".into()),
            cekura_key: Some("ck_env_5678".into()),
            proxies: crate::api::ProxyVars(vec![
                ("HTTPS_PROXY", "http://user:p%40ss-word@proxy:3128".into()),
                ("NO_PROXY", "u:not-a-secret@x".into()),
            ]),
            github: crate::github::GithubEnv {
                token: Some("ghs_tok_9876 ".into()),
                ..Default::default()
            },
            ..Env::default()
        };
        let argv = [
            "vocera-gate",
            "--api-key",
            "k_flag_1",
            "--api-key=k_flag_2",
            "--",
            "--api-key=k_no",
        ];
        let redactor = redactor(&env, argv.map(OsString::from));
        let text = "vk_env_1234 ck_env_5678 k_flag_1 k_flag_2 p@ss-word k_no not-a-secret --report-only ghs_tok_9876";
        assert_eq!(
            redactor.hide(text),
            "[the API key] [the API key] [the API key] [the API key] [the proxy password] k_no not-a-secret --report-only [the GitHub token]"
        );
    }

    #[test]
    fn a_flag_after_api_key_is_named() {
        for flag in ["--max-score", "--junit=r.xml", "-q", "-qv", "--"] {
            assert!(refuse_swallowed_flag(Some(flag)).is_err(), "{flag}");
        }
        for key in ["-abc123-real-key", "--not-our-flag", "vk_x"] {
            assert!(refuse_swallowed_flag(Some(key)).is_ok(), "{key}");
        }
    }
}
