//! The output paths, checked before any request: each must be writable, no
//! two may name one file, and none may name a file the gate reads (its
//! inputs: `--from-file`, `--baseline`, `--trigger-json`, `--run-ids-file`,
//! `--ca-cert`), by the same path or through a link, symbolic or hard.

use crate::cli::Args;
use crate::error::{Error, usage};
use crate::files::{Target, folder_of, link_target, plain, target};
use crate::outputs::{Mode, Output, Reports, StepFiles};
use std::path::Path;

/// The reports asked for (see [`crate::outputs::ROWS`]), every output path
/// checked. Without `--summary`, the summary is appended to the step's
/// summary file when set; without `--github-output`, the outputs to the
/// step's output file.
pub fn reports(args: &Args, step: &StepFiles) -> Result<Reports, Error> {
    let reports = Reports::asked(args, step);
    check(&reports.outputs, &inputs(args))?;
    Ok(reports)
}

/// The files the gate reads, with the flag that names each (`-`, standard
/// input, is no file).
pub fn inputs(args: &Args) -> Vec<Input<'_>> {
    [
        // "would overwrite the replay FILE input"
        (
            args.form.from_file().trim_start_matches("the "),
            args.from_file.as_deref(),
        ),
        ("--baseline", args.baseline.as_deref()),
        ("--trigger-json", args.start.trigger_json.as_deref()),
        ("--run-ids-file", args.run_ids_file.as_deref()),
        ("--ca-cert", args.connection.ca_cert.as_deref()),
    ]
    .into_iter()
    .filter_map(|(flag, path)| Some((flag, path?)))
    .filter(|(_, path)| !path.as_os_str().is_empty() && path.as_os_str() != "-")
    .collect()
}

/// An input file and the flag that named it.
pub type Input<'a> = (&'static str, &'a Path);

/// Checks every output in turn against the disk, the outputs before it and
/// the inputs.
pub fn check(outputs: &[Output], inputs: &[Input<'_>]) -> Result<(), Error> {
    for (i, out) in outputs.iter().enumerate() {
        let (flag, path) = (out.flag, out.path.as_path());
        check_writable(flag, path, out.mode == Mode::Append)?;
        // A device or pipe (`/dev/null`) is written into, so several
        // outputs may share one.
        let shared = matches!(target(path), Target::Stream);
        if let Some(other) = outputs[..i]
            .iter()
            .find(|o| !shared && same_file(&o.path, path))
        {
            return Err(usage(format!(
                "{} and {flag} name the same file; give them different paths",
                other.flag
            )));
        }
        // Writing into a pipe or device replaces no file.
        if let Some((input_flag, input)) = inputs
            .iter()
            .find(|(_, input)| !shared && same_file(input, path))
        {
            // Named otherwise (a link, `./x`), the input's path is shown too.
            let named = if *input == path {
                String::new()
            } else {
                format!(" {} (the same file)", input.display())
            };
            return Err(usage(format!(
                "{flag} {} would overwrite the {input_flag} input{named}; give another path",
                path.display()
            )));
        }
    }
    Ok(())
}

/// Fails now, not after a 30-minute wait, when a report could not be written:
/// the folder must exist and take a new file, and an existing file there must
/// be ours to replace (or, for a file appended to, open for appending). A
/// device or pipe is left unopened: opening a pipe waits for a reader, and
/// closing it would end that reader's input.
fn check_writable(flag: &str, path: &Path, append: bool) -> Result<(), Error> {
    let shown = path.display();
    if path.as_os_str().is_empty() {
        return Err(usage(format!("{flag} is empty; give a file path")));
    }
    if path.as_os_str() == "-" {
        return Err(usage(format!(
            "{flag} - would write a file named \"-\", not standard output; give a file path (or /dev/stdout)"
        )));
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
    if append && file.exists() {
        return std::fs::OpenOptions::new()
            .append(true)
            .open(&file)
            .map(drop)
            .map_err(|e| {
                usage(format!(
                    "{flag} {shown}: cannot append to it ({})",
                    plain(&e)
                ))
            });
    }
    let dir = folder_of(&file);
    let probe = tempfile::Builder::new()
        .prefix(".vocera-gate-check")
        .tempfile_in(dir)
        .map_err(|e| {
            usage(format!(
                "{flag} {shown}: cannot write in {} ({}); create the folder or pick another path",
                dir.display(),
                plain(&e)
            ))
        })?;
    #[cfg(unix)]
    {
        // In a sticky folder (/tmp) only a file's owner may replace it.
        use std::os::unix::fs::MetadataExt;
        let me = probe.as_file().metadata().map(|m| m.uid()).ok();
        let (folder, existing) = (std::fs::metadata(dir).ok(), std::fs::metadata(&file).ok());
        if let (Some(me), Some(folder), Some(existing)) = (me, folder, existing)
            && me != 0
            && folder.mode() & 0o1000 != 0
            && existing.uid() != me
            && folder.uid() != me
        {
            return Err(usage(format!(
                "{flag} {shown} belongs to another user in a sticky folder ({}), so it cannot be replaced; pick another path",
                dir.display()
            )));
        }
    }
    drop(probe);
    Ok(())
}

/// Whether two paths name one file: the same device and inode when both
/// exist (a hard link), else compared after resolving `..`, `.` and
/// symbolic links in the folder (the file itself may not exist yet).
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(a), Ok(b)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return (a.dev(), a.ino()) == (b.dev(), b.ino());
        }
    }
    let resolve = |p: &Path| {
        std::fs::canonicalize(p).unwrap_or_else(|_| {
            let p = link_target(p);
            let p = p.as_ref();
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
    use crate::outputs::Report;
    use std::path::PathBuf;

    /// A file replaced (the report's kind plays no part in the checks).
    fn replaced(flag: &'static str, path: &Path) -> Output {
        Output {
            report: Report::Junit,
            flag,
            path: path.to_path_buf(),
            mode: Mode::Replace,
        }
    }

    #[test]
    fn outputs_that_meet_are_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let a = dir.path().join("r.xml");
        let b = dir.path().join("sub/../r.xml");
        std::fs::create_dir(dir.path().join("sub")).expect("sub");
        let (junit, json) = (replaced("--junit", &a), replaced("--json", &b));
        let err = check(&[junit.clone(), json], &[]).expect_err("same file");
        assert!(
            err.to_string()
                .contains("--junit and --json name the same file"),
            "{err}"
        );
        let err = check(std::slice::from_ref(&junit), &[("--from-file", &b)])
            .expect_err("over the input");
        assert!(
            err.to_string()
                .contains("would overwrite the --from-file input"),
            "{err}"
        );
        assert!(
            check(
                &[junit, replaced("--json", &dir.path().join("r.json"))],
                &[]
            )
            .is_ok()
        );
    }

    #[cfg(unix)]
    #[test]
    fn outputs_meeting_through_a_link_to_nothing_yet_are_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let link = dir.path().join("link.xml");
        std::os::unix::fs::symlink("later.json", &link).expect("link");
        let later = dir.path().join("later.json");
        let outputs = [replaced("--junit", &link), replaced("--json", &later)];
        let err = check(&outputs, &[]).expect_err("one file");
        assert!(err.to_string().contains("name the same file"), "{err}");
        assert_eq!(
            target(&link),
            Target::File(std::borrow::Cow::Owned(later.clone())),
            "written through the link, which stays"
        );
        let null = Path::new("/dev/null");
        let both = [replaced("--junit", null), replaced("--json", null)];
        assert!(check(&both, &[]).is_ok(), "a device takes both");
    }

    #[test]
    fn folders_and_missing_folders_are_refused() {
        let dir = tempfile::tempdir().expect("dir");
        for (path, says) in [
            (dir.path().to_path_buf(), "is a folder"),
            (dir.path().join("nodir/r.xml"), "cannot write in"),
            (PathBuf::new(), "is empty"),
        ] {
            let err = check(&[replaced("--junit", &path)], &[]).expect_err(says);
            assert!(err.to_string().contains(says), "{path:?}: {err}");
        }
    }

    #[test]
    fn every_input_is_named_and_none_may_be_written() {
        use clap::Parser;
        let dir = tempfile::tempdir().expect("dir");
        let base = dir.path().join("base.json");
        std::fs::write(&base, "[]").expect("base");
        let argv = [
            "vocera-gate",
            "--from-file",
            "cur.json",
            "--baseline",
            "b.json",
            "--run-ids-file",
            "-",
            "--ca-cert",
            "ca.pem",
        ];
        let args = Args::try_parse_from(argv).expect("parses");
        let flags: Vec<&str> = inputs(&args).iter().map(|(f, _)| *f).collect();
        assert_eq!(
            flags,
            ["--from-file", "--baseline", "--ca-cert"],
            "standard input is no file"
        );
        // A start reads no saved response (the two cannot go together).
        let argv = [
            "vocera-gate",
            "--trigger-json",
            "t.json",
            "--baseline",
            "b.json",
        ];
        let args = Args::try_parse_from(argv).expect("parses");
        let flags: Vec<&str> = inputs(&args).iter().map(|(f, _)| *f).collect();
        assert_eq!(flags, ["--baseline", "--trigger-json"]);
        let err = check(
            &[replaced("--json", &base)],
            &[("--from-file", Path::new("x")), ("--ca-cert", &base)],
        )
        .expect_err("over an input");
        assert_eq!(
            err.to_string(),
            format!(
                "--json {} would overwrite the --ca-cert input; give another path",
                base.display()
            )
        );
    }

    #[cfg(unix)]
    #[test]
    fn an_input_reached_through_a_hard_link_is_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let base = dir.path().join("base.json");
        std::fs::write(&base, "[]").expect("base");
        let hard = dir.path().join("hard.xml");
        std::fs::hard_link(&base, &hard).expect("hard link");
        let err = check(&[replaced("--junit", &hard)], &[("--baseline", &base)])
            .expect_err("one file, two names");
        assert!(
            err.to_string().contains("--junit") && err.to_string().contains("the --baseline input"),
            "{err}"
        );
        let null = Path::new("/dev/null");
        assert!(
            check(&[replaced("--json", null)], &[("--baseline", null)]).is_ok(),
            "writing into a device replaces no file"
        );
    }
}
