//! Lays out `dist/emailoutlier/` as Splunk expects an app folder.
//!
//! The binary goes to `linux_x86_64/bin/` only: splunkd looks there first for a chunked
//! command, so a second copy in `bin/` would only double the package. `bin/` stays the
//! admin's fallback for a binary built for another platform (see `bin/README`).

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::project::{Project, APP_ID};
use crate::Error;

/// Mode of every regular file but the binary.
pub const FILE_MODE: u32 = 0o644;
/// Mode of directories and of the binary.
pub const EXEC_MODE: u32 = 0o755;

/// Builds `dist/emailoutlier/` afresh and returns its path.
pub fn assemble(project: &Project, binary: &Path) -> Result<PathBuf, Error> {
    let app = project.dist_dir().join(APP_ID);
    if app.exists() {
        fs::remove_dir_all(&app).map_err(|e| format!("cannot clear {}: {e}", app.display()))?;
    }
    let root = &project.root;
    copy_tree(&root.join("default"), &app.join("default"))?;
    copy_tree(&root.join("app/metadata"), &app.join("metadata"))?;
    copy_tree(&root.join("app/static"), &app.join("static"))?;
    copy_file(
        &root.join("app/README.txt"),
        &app.join("README.txt"),
        FILE_MODE,
    )?;
    copy_file(
        &root.join("app/app.manifest"),
        &app.join("app.manifest"),
        FILE_MODE,
    )?;
    let bin_dir = app.join("linux_x86_64/bin");
    make_dir(&app.join("linux_x86_64"))?;
    make_dir(&bin_dir)?;
    copy_file(binary, &bin_dir.join(APP_ID), EXEC_MODE)?;
    println!("xtask: assembled {}", app.display());
    Ok(app)
}

/// Copies a folder's visible files and sub-folders; refuses what must never ship.
fn copy_tree(src: &Path, dst: &Path) -> Result<(), Error> {
    make_dir(dst)?;
    let mut entries = fs::read_dir(src)
        .map_err(|e| format!("cannot read {}: {e}", src.display()))?
        .collect::<Result<Vec<_>, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') {
            continue;
        }
        if name == "local" || name == "local.meta" {
            return Err(format!("{} must not ship in the app", entry.path().display()).into());
        }
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &dst.join(&*name))?;
        } else {
            copy_file(&entry.path(), &dst.join(&*name), FILE_MODE)?;
        }
    }
    Ok(())
}

fn copy_file(src: &Path, dst: &Path, mode: u32) -> Result<(), Error> {
    fs::copy(src, dst)
        .map_err(|e| format!("cannot copy {} to {}: {e}", src.display(), dst.display()))?;
    fs::set_permissions(dst, fs::Permissions::from_mode(mode))?;
    Ok(())
}

fn make_dir(dir: &Path) -> Result<(), Error> {
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    fs::set_permissions(dir, fs::Permissions::from_mode(EXEC_MODE))?;
    Ok(())
}
