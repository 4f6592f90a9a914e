//! The man page: clap's sections for the flags, and our own for what clap
//! cannot say well. clap_mangen's full page lists each subcommand as a page
//! of its own (`vocera-gate-completions(1)`, which does not exist), has no
//! ENVIRONMENT section, and reflows the exit-code table into one paragraph.

use crate::exit;

/// The environment variables the gate reads, and what for.
const ENVIRONMENT: [(&str, &str); 12] = [
    (
        "VOCERA_API_KEY",
        "the API key, like --api-key (the Vocera profile's own)",
    ),
    (
        "CEKURA_API_KEY",
        "the API key (the Cekura profile's own; used first with --api cekura)",
    ),
    ("VOCERA_API", "the API profile, like --api"),
    ("VOCERA_BASE_URL", "the base URL, like --base-url"),
    (
        "VOCERA_CA_CERT",
        "extra trusted CA certificates, like --ca-cert",
    ),
    (
        "GITHUB_STEP_SUMMARY",
        "the Markdown summary is appended to this file when set",
    ),
    (
        "GITHUB_OUTPUT",
        "the step outputs are appended to this file when set",
    ),
    (
        "GITHUB_ACTIONS",
        "true: failing runs are also printed as ::error annotations",
    ),
    ("NO_COLOR", "set: no colour with --color auto"),
    ("TERM", "dumb: no colour and no progress bar"),
    (
        "HTTPS_PROXY, HTTP_PROXY, ALL_PROXY",
        "the proxy to reach the API through (either case; the scheme's own first)",
    ),
    (
        "NO_PROXY",
        "hosts, addresses and CIDR blocks reached without the proxy",
    ),
];

/// The page in roff; `examples` is the help's examples block.
pub fn render(cmd: clap::Command, examples: &str) -> Vec<u8> {
    let man = clap_mangen::Man::new(cmd);
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = man.render_title(&mut out);
    let _ = man.render_name_section(&mut out);
    let _ = man.render_synopsis_section(&mut out);
    let _ = man.render_description_section(&mut out);
    let _ = man.render_options_section(&mut out);
    out.extend_from_slice(sections(examples).as_bytes());
    let _ = man.render_version_section(&mut out);
    out
}

fn sections(examples: &str) -> String {
    let mut s = String::from(".SH COMMANDS\n");
    for (usage, what) in [
        (
            "vocera-gate completions SHELL",
            "print a shell completion script (bash, zsh, fish, elvish, powershell)",
        ),
        ("vocera-gate man", "print this page"),
    ] {
        s.push_str(&format!(".TP\n\\fB{}\\fR\n{}\n", roff(usage), roff(what)));
    }
    s.push_str(".SH ENVIRONMENT\n");
    for (name, what) in ENVIRONMENT {
        s.push_str(&format!(".TP\n\\fB{}\\fR\n{}\n", roff(name), roff(what)));
    }
    s.push_str(".SH EXIT STATUS\n.nf\n");
    for line in exit::HELP.lines().skip(1) {
        s.push_str(&roff(line));
        s.push('\n');
    }
    s.push_str(".fi\n.SH EXAMPLES\n.nf\n");
    for line in examples.lines().skip(1) {
        s.push_str(&roff(line));
        s.push('\n');
    }
    s.push_str(".fi\n");
    s
}

/// Text made literal in roff: backslashes and hyphens escaped, and a line
/// that starts with a control character kept as text.
fn roff(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with(['.', '\'']) {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}
