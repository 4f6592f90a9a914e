//! docs/reference.md's list of flags, written from the command line itself:
//! each option once, under its help heading, with the commands that take
//! it, its values, default and environment variable, and its `long_help`.
//! The doc comments in `cli/` are the one copy; tests/docs.rs fails when
//! the page differs from this text (and rewrites it with VOCERA_BLESS=1).

use super::Args;
use clap::CommandFactory;
use std::fmt::Write;

/// The headings in the order the page gives them; options under another
/// heading follow, in the order the commands declare them.
const HEADINGS: [&str; 6] = ["Input", "Start runs", "API", "Waiting", "Policy", "Output"];

/// The commands that choose runs; each has its own options.
const COMMANDS: [&str; 5] = ["gate", "replay", "result", "start", "suite"];

/// One documented argument: the same flag, however many commands take it.
struct Entry {
    title: String,
    heading: String,
    commands: Vec<String>,
    details: String,
}

/// The markdown between docs/reference.md's generated markers.
pub fn reference_markdown() -> String {
    let mut cmd = Args::command();
    cmd.build();
    let mut out = String::new();
    out.push_str("### Commands\n\n");
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        if sub.get_name() == "help" {
            continue;
        }
        let about = sub.get_long_about().or(sub.get_about());
        let about = about.map(|a| a.to_string()).unwrap_or_default();
        let _ = writeln!(out, "- `{}`: {}", sub.get_name(), markdown(&about));
    }
    let entries = entries(&cmd);
    let mut headings: Vec<String> = HEADINGS.iter().map(|h| (*h).to_owned()).collect();
    for entry in &entries {
        if !headings.contains(&entry.heading) {
            headings.push(entry.heading.clone());
        }
    }
    for heading in headings {
        let under: Vec<&Entry> = entries.iter().filter(|e| e.heading == heading).collect();
        if under.is_empty() {
            continue;
        }
        let _ = write!(out, "\n### {heading}\n");
        for entry in under {
            let commands: Vec<String> = entry.commands.iter().map(|c| format!("`{c}`")).collect();
            let taken_by = match commands.len() {
                0 => "The flat form only: `vocera-gate [OPTIONS] [RUN_IDS]...`.".to_owned(),
                1 => format!("Command: {}.", commands[0]),
                _ => format!("Commands: {}.", commands.join(", ")),
            };
            let _ = write!(
                out,
                "\n#### {}\n\n{taken_by}\n{}\n",
                entry.title, entry.details
            );
        }
    }
    out
}

/// Every visible argument of the run-choosing commands, then the flat
/// form's own flags (hidden, taken by no command), in declaration order.
fn entries(cmd: &clap::Command) -> Vec<Entry> {
    let mut entries: Vec<(String, Entry)> = Vec::new();
    for sub in cmd.get_subcommands() {
        let name = sub.get_name();
        if !COMMANDS.contains(&name) {
            continue;
        }
        for arg in sub.get_arguments() {
            if arg.is_hide_set() || matches!(arg.get_long(), Some("help" | "version")) {
                continue;
            }
            let details = details(arg);
            // The same argument with the same text is one entry (replay's
            // FILE and suite's FILE are two).
            let key = format!("{}\n{details}", arg.get_id());
            match entries.iter_mut().find(|(k, _)| *k == key) {
                Some((_, entry)) => entry.commands.push(name.to_owned()),
                None => entries.push((
                    key,
                    Entry {
                        title: title(arg, name),
                        heading: heading(arg),
                        commands: vec![name.to_owned()],
                        details,
                    },
                )),
            }
        }
    }
    for (_, entry) in &mut entries {
        // A positional taken by several commands: named without one.
        let first = format!("`{} ", entry.commands[0]);
        if let (true, Some(value)) = (entry.commands.len() > 1, entry.title.strip_prefix(&first)) {
            entry.title = format!("`{value}");
        }
    }
    for arg in cmd.get_arguments() {
        let details = details(arg);
        let key = format!("{}\n{details}", arg.get_id());
        if arg
            .get_long()
            .is_none_or(|l| matches!(l, "help" | "version"))
            || entries.iter().any(|(k, _)| *k == key)
        {
            continue;
        }
        entries.push((
            key,
            Entry {
                title: title(arg, ""),
                heading: "Flat form".to_owned(),
                commands: Vec::new(),
                details,
            },
        ));
    }
    entries.into_iter().map(|(_, e)| e).collect()
}

/// `--max-score N`, `-q`, `--quiet`, or `replay FILE` for a positional.
fn title(arg: &clap::Arg, command: &str) -> String {
    let value = arg
        .get_value_names()
        .and_then(|v| v.first())
        .map(|v| v.to_string())
        .unwrap_or_else(|| arg.get_id().as_str().to_uppercase());
    if arg.is_positional() {
        let many = if arg.get_num_args().is_some_and(|n| n.max_values() > 1) {
            "..."
        } else {
            ""
        };
        return format!("`{command} {value}{many}`");
    }
    let takes_value = arg.get_num_args().is_some_and(|n| n.takes_values());
    let long = arg.get_long().map(|l| match takes_value {
        true => format!("`--{l} {value}`"),
        false => format!("`--{l}`"),
    });
    let short = arg.get_short().map(|s| format!("`-{s}`"));
    [short, long]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ")
}

fn heading(arg: &clap::Arg) -> String {
    arg.get_help_heading().unwrap_or("Options").to_owned()
}

/// The facts clap knows (values, default, variable), then the long help.
fn details(arg: &clap::Arg) -> String {
    let mut facts = Vec::new();
    let values: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| match v.get_help() {
            Some(help) => format!("`{}` ({})", v.get_name(), markdown(&help.to_string())),
            None => format!("`{}`", v.get_name()),
        })
        .collect();
    let takes_value = arg.get_num_args().is_some_and(|n| n.takes_values());
    if takes_value && !values.is_empty() {
        facts.push(format!("Values: {}", values.join(", ")));
    }
    let defaults: Vec<String> = arg
        .get_default_values()
        .iter()
        .map(|d| format!("`{}`", d.to_string_lossy()))
        .collect();
    if takes_value && !defaults.is_empty() && !arg.is_hide_default_value_set() {
        facts.push(format!("Default: {}", defaults.join(", ")));
    }
    if let Some(env) = arg.get_env() {
        facts.push(format!("Environment: `{}`", env.to_string_lossy()));
    }
    if matches!(arg.get_action(), clap::ArgAction::Append) && !arg.is_positional() {
        facts.push("Repeatable".to_owned());
    }
    let help = arg.get_long_help().or(arg.get_help());
    let help = help.map(|h| h.to_string()).unwrap_or_default();
    let mut text = String::new();
    if !facts.is_empty() {
        let _ = writeln!(text, "{}.", facts.join(". "));
    }
    for paragraph in help.split("\n\n") {
        let _ = write!(text, "\n{}\n", markdown(paragraph.trim()));
    }
    text.trim_end().to_owned()
}

/// Help text as markdown: `<` would open an HTML tag.
fn markdown(text: &str) -> String {
    text.replace('<', "&lt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_flag_of_the_command_line_has_an_entry() {
        let page = reference_markdown();
        let mut cmd = Args::command();
        cmd.build();
        let mut seen = 0;
        let mut check = |arg: &clap::Arg| {
            if let Some(long) = arg.get_long().filter(|l| !matches!(*l, "help" | "version")) {
                let shown = format!("`--{long}");
                assert!(
                    page.contains(&format!("#### {shown}")) || page.contains(&format!(", {shown}")),
                    "{long}"
                );
                seen += 1;
            }
        };
        cmd.get_arguments().for_each(&mut check);
        for sub in cmd.get_subcommands() {
            sub.get_arguments().for_each(&mut check);
        }
        assert!(seen > 100, "{seen}");
        // Shared options once each, with every command that takes them.
        assert_eq!(page.matches("#### `--max-score N`").count(), 1, "{page}");
        assert!(page.contains(
            "#### `--max-score N`\n\nCommands: `gate`, `replay`, `result`, `start`, `suite`.\nDefault: `0`."
        ));
        assert!(
            page.contains("#### `replay FILE`\n\nCommand: `replay`."),
            "{page}"
        );
        assert!(page.contains("#### `--from-file PATH`"), "{page}");
    }

    #[test]
    fn every_flag_of_a_command_has_a_long_help() {
        // `-h` gives a line; `--help` and the man page must say the rest.
        let mut cmd = Args::command();
        cmd.build();
        let mut short_only = Vec::new();
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            for arg in sub.get_arguments() {
                let Some(long) = arg.get_long() else { continue };
                if matches!(long, "help" | "version") {
                    continue;
                }
                if arg.get_long_help().is_none() {
                    short_only.push(format!("{} --{long}", sub.get_name()));
                }
            }
        }
        short_only.sort();
        short_only.dedup();
        assert!(short_only.is_empty(), "no long help: {short_only:?}");
    }
}
