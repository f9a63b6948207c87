//! Where things are: the workspace root, the target dir and the package version, from
//! `cargo metadata` (which honours `CARGO_TARGET_DIR`).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::Error;

/// The app's folder name, `[package] id` in app.conf and the binary's name.
pub const APP_ID: &str = "emailoutlier";

/// The workspace as packaging needs it.
pub struct Project {
    /// Workspace root (holds `Cargo.toml`, `default/`, `app/`).
    pub root: PathBuf,
    /// Cargo's target directory.
    pub target_dir: PathBuf,
    /// Version of the `emailoutlier` package in the root `Cargo.toml`.
    pub version: String,
}

impl Project {
    /// Asks cargo for the workspace layout and the package version.
    pub fn load() -> Result<Self, Error> {
        let cargo = cargo();
        let output = Command::new(&cargo)
            .args(["metadata", "--no-deps", "--format-version", "1"])
            .output()
            .map_err(|e| format!("cannot run `{cargo} metadata`: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "`cargo metadata` failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            )
            .into());
        }
        let meta: serde_json::Value = serde_json::from_slice(&output.stdout)?;
        let text = |key: &str| -> Result<PathBuf, Error> {
            meta[key]
                .as_str()
                .map(PathBuf::from)
                .ok_or_else(|| format!("`cargo metadata` has no {key}").into())
        };
        let version = meta["packages"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["name"] == APP_ID)
            .and_then(|p| p["version"].as_str())
            .ok_or_else(|| format!("no package {APP_ID} in the workspace"))?
            .to_owned();
        Ok(Self {
            root: text("workspace_root")?,
            target_dir: text("target_directory")?,
            version,
        })
    }

    /// `dist/` under the workspace root.
    pub fn dist_dir(&self) -> PathBuf {
        self.root.join("dist")
    }

    /// Refuses to package when app.conf or app.manifest carry another version than
    /// Cargo.toml (tests/app_conf.rs checks the same on every test run).
    pub fn check_app_versions(&self) -> Result<(), Error> {
        let conf_path = self.root.join("default/app.conf");
        let conf = read(&conf_path)?;
        let conf_versions: Vec<&str> = conf
            .lines()
            .filter_map(|l| l.split_once('='))
            .filter(|(k, _)| k.trim() == "version")
            .map(|(_, v)| v.trim())
            .collect();
        if conf_versions.len() != 2 || conf_versions.iter().any(|v| *v != self.version) {
            return Err(format!(
                "{} has versions {conf_versions:?}; [launcher] and [id] must both say {}",
                conf_path.display(),
                self.version
            )
            .into());
        }
        let manifest_path = self.root.join("app/app.manifest");
        let manifest: serde_json::Value = serde_json::from_str(&read(&manifest_path)?)
            .map_err(|e| format!("{} is not strict JSON: {e}", manifest_path.display()))?;
        let manifest_version = &manifest["info"]["id"]["version"];
        if manifest_version != self.version.as_str() {
            return Err(format!(
                "{} has info.id.version {manifest_version}, Cargo.toml has {}",
                manifest_path.display(),
                self.version
            )
            .into());
        }
        Ok(())
    }
}

/// The cargo that runs us (`CARGO`), or `cargo` from PATH.
pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

fn read(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()).into())
}
