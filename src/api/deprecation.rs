//! One warning per run of the gate when the platform says an endpoint is on
//! its way out: any answer with a `Deprecation` header, or the endpoints
//! the platform marks deprecated (the v1 bulk read and the v1 result read,
//! `--api vocera`). The warning names the newer profile, `--api cekura`.
//!
//! The client only notes it; whoever reports to the user (the waiting loop,
//! `launch`) takes it with [`Client::take_warning`], so a progress bar is
//! never written across.

use super::{Client, Profile};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// How many characters of a `Deprecation` header a warning quotes.
const SHOWN: usize = 60;

/// Whether the warning was given, and the one not yet taken.
#[derive(Debug, Default)]
pub struct Deprecation {
    noted: AtomicBool,
    pending: Mutex<Option<String>>,
}

impl Client {
    /// Notes the warning, once per run, if `response` says its endpoint is
    /// deprecated, or came from one the platform marks so (`marked`).
    fn note_deprecation(&self, response: &reqwest::Response, marked: bool) {
        let header = response
            .headers()
            .get("deprecation")
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        if header.is_none() && !marked {
            return;
        }
        if self.deprecation.noted.swap(true, Ordering::SeqCst) {
            return;
        }
        let said = header.map_or_else(String::new, |value| {
            let value: String = value
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            format!(
                " (Deprecation: {})",
                self.endpoint.key.cut(value.trim(), SHOWN)
            )
        });
        let path = response.url().path();
        let text = match self.endpoint.profile {
            Profile::Vocera => format!(
                "the platform marks the v1 API deprecated ({path} answered{said}); switch to the newer profile, --api cekura (https://api.cekura.ai, key header X-CEKURA-API-KEY), before it is retired"
            ),
            Profile::Cekura => format!(
                "the API marks {path} deprecated{said}; --api cekura is the newest profile this gate knows, so look for a newer vocera-gate"
            ),
        };
        if let Ok(mut pending) = self.deprecation.pending.lock() {
            *pending = Some(text);
        }
    }

    /// The deprecation warning noted and not yet given, if any.
    pub fn take_warning(&self) -> Option<String> {
        self.deprecation.pending.lock().ok()?.take()
    }

    /// Notes a deprecation seen on `response` of an endpoint that is not
    /// itself marked deprecated (a start, ending calls, a v2 read).
    pub(super) fn watch_deprecation(&self, response: &reqwest::Response) {
        let marked = self.endpoint.profile == Profile::Vocera
            && response.url().path().contains("/test_framework/v1/")
            && (response.url().path().contains("/runs-external/bulk/")
                || response.url().path().contains("/results-external/"))
            && !response.url().path().ends_with("/end_calls/");
        self.note_deprecation(response, marked);
    }
}
