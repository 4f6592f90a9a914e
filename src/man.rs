//! The man page: clap's rendering of each command's arguments, and our own
//! sections for what clap cannot say well. clap_mangen's full page lists
//! each subcommand as a page of its own (`vocera-gate-gate(1)`, which does
//! not exist), would repeat the shared options under every command, has no
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

/// The option groups several commands share, documented once each.
const SHARED: [&str; 4] = ["API", "Waiting", "Policy", "Output"];

/// The page in roff; `examples` is the help's examples block. Each command
/// with its own arguments, then each shared group of options once.
pub fn render(cmd: clap::Command, examples: &str) -> Vec<u8> {
    let man = clap_mangen::Man::new(cmd.clone());
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = man.render_title(&mut out);
    let _ = man.render_name_section(&mut out);
    let _ = man.render_synopsis_section(&mut out);
    let _ = man.render_description_section(&mut out);
    out.extend_from_slice(commands(&cmd).as_bytes());
    for heading in SHARED {
        let Some(sub) = cmd.get_subcommands().find(|s| {
            s.get_arguments()
                .any(|a| a.get_help_heading() == Some(heading))
        }) else {
            continue;
        };
        let text = options(sub, |h| h == Some(heading));
        let title = format!(".SH {} OPTIONS\n", heading.to_uppercase());
        out.extend_from_slice(title.as_bytes());
        out.extend_from_slice(text.as_bytes());
    }
    out.extend_from_slice(sections(examples).as_bytes());
    let _ = man.render_version_section(&mut out);
    out
}

/// Each visible command: its usage, what it does, its own arguments, and
/// which shared groups it takes.
fn commands(cmd: &clap::Command) -> String {
    let mut s = String::from(".SH COMMANDS\n");
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        if sub.get_name() == "help" {
            continue;
        }
        let usage = sub
            .clone()
            .bin_name(format!("vocera-gate {}", sub.get_name()))
            .render_usage()
            .to_string();
        let usage = usage.trim().trim_start_matches("Usage: ");
        s.push_str(&format!(".SS {}\n", sub.get_name()));
        s.push_str(&format!(".B {}\n.PP\n", roff(usage)));
        if let Some(about) = sub.get_about() {
            s.push_str(&format!("{}\n", roff(&about.to_string())));
        }
        s.push_str(&options(sub, |h| !h.is_some_and(|h| SHARED.contains(&h))));
        let groups: Vec<String> = SHARED
            .iter()
            .filter(|h| {
                sub.get_arguments()
                    .any(|a| a.get_help_heading() == Some(**h))
            })
            .map(|h| h.to_uppercase())
            .collect();
        if !groups.is_empty() {
            s.push_str(&format!(
                ".PP\nAnd the options of {} below.\n",
                groups.join(", ")
            ));
        }
    }
    s
}

/// The arguments of `sub` whose help heading `keep` accepts, as clap_mangen
/// renders them, without its section titles.
fn options(sub: &clap::Command, keep: impl Fn(Option<&str>) -> bool) -> String {
    let only = sub.clone().disable_help_flag(true).mut_args(|a| {
        let hide = !keep(a.get_help_heading());
        a.hide(hide)
    });
    let mut out = Vec::new();
    let _ = clap_mangen::Man::new(only).render_options_section(&mut out);
    String::from_utf8_lossy(&out)
        .lines()
        .filter(|l| !l.starts_with(".SH "))
        .map(|l| format!("{l}\n"))
        .collect()
}

fn sections(examples: &str) -> String {
    let mut s = String::from(".SH ENVIRONMENT\n");
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
