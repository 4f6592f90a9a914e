//! Writing reports: whole or not at all. Each file is written to a temporary
//! file in the same folder and renamed over the target, so a reader (or a CI
//! artifact upload after a kill) never sees half a report. Errors are plain
//! `io::Error`s; the caller names the path and the flag. Every secret the
//! gate knows is hidden from what is written (see [`crate::secret`]).

use std::borrow::Cow;
use std::io::{self, Write};
use std::path::Path;

/// What an output path leads to.
#[derive(Debug, PartialEq, Eq)]
pub enum Target<'a> {
    /// A regular file, or none yet: replaced atomically. A symbolic link is
    /// followed, so the link stays and the file it names is replaced.
    File(Cow<'a, Path>),
    /// A character device or a pipe (`/dev/null`, `>(cat)`): written into,
    /// never replaced (a rename would put a regular file in its place).
    Stream,
    /// A folder, a block device, a socket: no place for a report.
    Unusable(&'static str),
}

/// Classifies an output path by what it leads to.
pub fn target(path: &Path) -> Target<'_> {
    let Ok(meta) = std::fs::metadata(path) else {
        // Nothing there yet, or a link to nothing yet: the file it names.
        return Target::File(link_target(path));
    };
    if meta.is_dir() {
        return Target::Unusable("a folder");
    }
    if meta.is_file() {
        let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
        return match std::fs::canonicalize(path) {
            Ok(real) if is_link => Target::File(Cow::Owned(real)),
            _ => Target::File(Cow::Borrowed(path)),
        };
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let kind = meta.file_type();
        if kind.is_block_device() {
            return Target::Unusable("a block device");
        }
        if kind.is_socket() {
            return Target::Unusable("a socket");
        }
    }
    Target::Stream
}

/// Writes `bytes` to `path` atomically. A path that leads to no place for a
/// file is an `InvalidInput` error.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let bytes = crate::secret::installed().hide_bytes(bytes);
    let bytes = bytes.as_ref();
    let file = match target(path) {
        Target::File(file) => file,
        Target::Unusable(what) => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("it is {what}; give a file path"),
            ));
        }
        // Opening a pipe waits for its reader, as with any program.
        Target::Stream => {
            return std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .and_then(|mut f| f.write_all(bytes));
        }
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".vocera-gate-")
        .suffix(".tmp")
        .tempfile_in(folder_of(&file))?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // tempfile creates 0600; reports are meant to be read by CI tooling.
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644))?;
    }
    tmp.persist(&file).map_err(|e| e.error)?;
    Ok(())
}

/// Adds to a file others write too (GitHub's step summary), in one write.
pub fn append(path: &Path, text: &str) -> io::Result<()> {
    let text = crate::secret::hide(text);
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
}

/// A heredoc delimiter for GitHub's output file that run data cannot guess:
/// `ghadelimiter_` and 32 hex digits from std's randomly keyed hasher (keys
/// from the OS) over the clock.
pub fn random_delimiter() -> String {
    use std::hash::{BuildHasher, Hasher};
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mut text = String::from("ghadelimiter_");
    for round in 0..2u8 {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u128(nanos);
        hasher.write_u8(round);
        text.push_str(&format!("{:016x}", hasher.finish()));
    }
    text
}

/// An I/O error without the path our temporary file had (tempfile adds
/// `at path ".vocera-gate-check2IxZSt"`, a name nobody asked about): the
/// system's message, or the kind of error.
pub fn plain(e: &io::Error) -> String {
    if let Some(code) = e.raw_os_error() {
        return io::Error::from_raw_os_error(code).to_string();
    }
    // tempfile's own error keeps the system's message and adds the path;
    // its `source` skips the system's error, so the text is cut instead.
    let text = e.to_string();
    match text.split_once(" at path ") {
        Some((message, _)) => message.to_owned(),
        None => text,
    }
}

/// Where a path leads: symbolic links followed, also to a file that does
/// not exist yet (at most 40 of them, like the kernel).
pub fn link_target(path: &Path) -> Cow<'_, Path> {
    let mut current = Cow::Borrowed(path);
    for _ in 0..40 {
        let Ok(next) = std::fs::read_link(&current) else {
            break;
        };
        let next = if next.is_absolute() {
            next
        } else {
            folder_of(&current).join(next)
        };
        current = Cow::Owned(next);
    }
    current
}

/// The folder a file path is in (`.` for a bare name).
pub fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}
