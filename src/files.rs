//! Writing reports: whole or not at all. Each file is written to a temporary
//! file in the same folder and renamed over the target, so a reader (or a CI
//! artifact upload after a kill) never sees half a report.

use crate::error::{Error, usage};
use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` atomically; the error names the path. A path
/// that names a device or a pipe (`/dev/null`, `/dev/stdout`) is written
/// into, never replaced: a rename would swap a regular file in for the device.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let fail = |e: std::io::Error| {
        usage(format!(
            "cannot write {}: {e}; check the folder exists and is writable",
            path.display()
        ))
    };
    if is_special(path) {
        return std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .and_then(|mut f| f.write_all(bytes))
            .map_err(fail);
    }
    let dir = folder_of(path);
    let mut tmp = tempfile::Builder::new()
        .prefix(".vocera-gate-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(fail)?;
    tmp.write_all(bytes).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // tempfile creates 0600; reports are meant to be read by CI tooling.
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644))
            .map_err(fail)?;
    }
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

/// The folder a file path is in (`.` for a bare name).
pub fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// An existing path that is neither a regular file nor a folder: a device,
/// a pipe, a socket.
pub fn is_special(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}
