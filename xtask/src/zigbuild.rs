//! The portable release build: `cargo zigbuild` against glibc 2.17, installing
//! cargo-zigbuild and zig from PyPI into `.venv-build/` when cargo-zigbuild is not on PATH.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::project::{self, Project, APP_ID};
use crate::Error;

/// Rust target triple of the packaged binary (Splunk's `linux_x86_64` platform).
pub const TARGET: &str = "x86_64-unknown-linux-gnu";
/// Oldest glibc the binary must run on (RHEL/CentOS 7).
pub const GLIBC: &str = "2.17";

/// Builds the release binary and returns its path.
pub fn build_release(project: &Project) -> Result<PathBuf, Error> {
    let path = path_with_zigbuild(project)?;
    let target = format!("{TARGET}.{GLIBC}");
    println!("xtask: cargo zigbuild --release --target {target} -p {APP_ID} --bin {APP_ID}");
    let started = Instant::now();
    run(Command::new(project::cargo())
        .args(["zigbuild", "--release", "--target", &target])
        .args(["-p", APP_ID, "--bin", APP_ID])
        .current_dir(&project.root)
        .env("PATH", path))?;
    println!("xtask: build took {:.0?}", started.elapsed());
    let binary = project.target_dir.join(TARGET).join("release").join(APP_ID);
    if !binary.is_file() {
        return Err(format!("the build did not produce {}", binary.display()).into());
    }
    Ok(binary)
}

/// PATH under which `cargo zigbuild` works: the current one if cargo-zigbuild is on it,
/// otherwise with `.venv-build/bin` in front (created and filled on first use).
fn path_with_zigbuild(project: &Project) -> Result<OsString, Error> {
    let current = std::env::var_os("PATH").unwrap_or_default();
    if works(Command::new("cargo-zigbuild").arg("--version")) {
        println!("xtask: using cargo-zigbuild from PATH");
        return Ok(current);
    }
    let venv = project.root.join(".venv-build");
    let bin = venv.join("bin");
    if !bin.join("cargo-zigbuild").is_file() {
        install(&venv)?;
    } else {
        println!("xtask: using cargo-zigbuild from {}", bin.display());
    }
    let mut dirs = vec![bin];
    dirs.extend(std::env::split_paths(&current));
    Ok(std::env::join_paths(dirs)?)
}

fn install(venv: &Path) -> Result<(), Error> {
    println!(
        "xtask: cargo-zigbuild not found; installing ziglang and cargo-zigbuild from PyPI into {}",
        venv.display()
    );
    let started = Instant::now();
    run(Command::new("python3").arg("-m").arg("venv").arg(venv))?;
    run(Command::new(venv.join("bin/pip")).args([
        "install",
        "--quiet",
        "ziglang",
        "cargo-zigbuild",
    ]))?;
    println!("xtask: install took {:.0?}", started.elapsed());
    Ok(())
}

fn works(command: &mut Command) -> bool {
    command
        .output()
        .map(|out| out.status.success())
        .unwrap_or(false)
}

fn run(command: &mut Command) -> Result<(), Error> {
    let status = command
        .status()
        .map_err(|e| format!("cannot run {command:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} failed: {status}").into())
    }
}
