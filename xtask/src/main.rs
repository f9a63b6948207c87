//! Project automation, run as `cargo xtask <task>` (alias in `.cargo/config.toml`).
//!
//! `cargo xtask package` builds the release binary against glibc 2.17 with cargo-zigbuild,
//! assembles `dist/emailoutlier/` and writes `dist/emailoutlier-<version>.tgz`, then checks
//! the packaged binary (glibc symbol versions ≤ 2.17, position-independent).

mod assemble;
mod elf_check;
mod project;
mod tarball;
mod zigbuild;

use std::process::ExitCode;

/// What went wrong, one line for the terminal.
type Error = Box<dyn std::error::Error>;

const USAGE: &str = "usage: cargo xtask package";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["package"] => package(),
        ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Err(USAGE.into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask: {err}");
            ExitCode::FAILURE
        }
    }
}

fn package() -> Result<(), Error> {
    let project = project::Project::load()?;
    println!(
        "xtask: packaging {} {} from {}",
        project::APP_ID,
        project.version,
        project.root.display()
    );
    project.check_app_versions()?;
    let binary = zigbuild::build_release(&project)?;
    elf_check::check(&binary)?;
    let app_dir = assemble::assemble(&project, &binary)?;
    let tgz = project
        .dist_dir()
        .join(format!("{}-{}.tgz", project::APP_ID, project.version));
    let members = tarball::write(&app_dir, &tgz, tarball::source_date_epoch(&project.root))?;
    println!("xtask: wrote {} ({members} members)", tgz.display());
    Ok(())
}
