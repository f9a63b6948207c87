//! Lays out `dist/emailoutlier/` as Splunk expects an app folder.
//!
//! The binary goes to `linux_x86_64/bin/` only: splunkd looks there first for a chunked
//! command, so a second copy in `bin/` would only double the package. `bin/` stays the
//! admin's fallback for a binary built for another platform (see `bin/README`).
//!
//! The alert action `emailoutlier_risk` needs a file named after it in the root `bin/`
//! (AppInspect's `check_alert_actions_exe_exist` looks only there, and its cloud checks refuse
//! a `.path` pointer in `alert.execute.cmd`): [`ALERT_WRAPPER`], a shell script that execs the
//! same binary, is the only file shipped in `bin/`. `app/README/` (the `.conf.spec` files) and
//! `app/appserver/` (the action's icon) ship as `README/` and `appserver/`.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::project::{Project, APP_ID};
use crate::Error;

/// Mode of every regular file but the binary.
pub const FILE_MODE: u32 = 0o644;
/// Mode of directories and of the binary.
pub const EXEC_MODE: u32 = 0o755;

/// The alert action's wrapper in the repository's and the package's `bin/`.
pub const ALERT_WRAPPER: &str = "bin/emailoutlier_risk.sh";

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
    copy_tree(&root.join("app/README"), &app.join("README"))?;
    copy_tree(&root.join("app/appserver"), &app.join("appserver"))?;
    make_dir(&app.join("bin"))?;
    copy_file(
        &root.join(ALERT_WRAPPER),
        &app.join(ALERT_WRAPPER),
        EXEC_MODE,
    )?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, relative: &str, text: &str) {
        let path = root.join(relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn ships_the_alert_wrapper_specs_and_icon_once_each() {
        let root = std::env::temp_dir().join(format!("xtask-assemble-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        for file in [
            "default/alert_actions.conf",
            "app/metadata/default.meta",
            "app/static/appIcon.png",
            "app/README/alert_actions.conf.spec",
            "app/README/savedsearches.conf.spec",
            "app/appserver/static/emailoutlier_risk.png",
            "app/README.txt",
            "app/app.manifest",
            "bin/README",
        ] {
            write(&root, file, "x");
        }
        write(&root, ALERT_WRAPPER, "#!/bin/sh\n");
        write(&root, "built/emailoutlier", "\x7fELF");
        let project = Project {
            root: root.clone(),
            target_dir: root.join("target"),
            version: "0.0.0".into(),
        };
        let app = assemble(&project, &root.join("built/emailoutlier")).unwrap();
        assert_eq!(mode(&app.join("bin/emailoutlier_risk.sh")), EXEC_MODE);
        assert_eq!(mode(&app.join("linux_x86_64/bin/emailoutlier")), EXEC_MODE);
        for file in [
            "README/alert_actions.conf.spec",
            "README/savedsearches.conf.spec",
            "appserver/static/emailoutlier_risk.png",
            "default/alert_actions.conf",
        ] {
            assert_eq!(mode(&app.join(file)), FILE_MODE, "{file}");
        }
        let bin: Vec<String> = fs::read_dir(app.join("bin"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            bin,
            ["emailoutlier_risk.sh"],
            "one file in bin/, no second binary"
        );
        fs::remove_dir_all(&root).unwrap();
    }
}
