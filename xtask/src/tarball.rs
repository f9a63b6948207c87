//! Writes the app folder as a reproducible `.tgz`: one top folder, no `./` members, no
//! dot-files, sorted members, fixed owner and mtime, directories and executables 0755,
//! other files 0644.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use flate2::write::GzEncoder;
use flate2::{Compression, GzBuilder};

use crate::assemble::{EXEC_MODE, FILE_MODE};
use crate::Error;

/// Writes `app_dir` (its last path component becomes the top folder) to `tgz`; returns the
/// number of members.
pub fn write(app_dir: &Path, tgz: &Path, mtime: u64) -> Result<usize, Error> {
    let top = app_dir
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| format!("{} has no folder name", app_dir.display()))?;
    let file = File::create(tgz).map_err(|e| format!("cannot create {}: {e}", tgz.display()))?;
    let gz: GzEncoder<BufWriter<File>> = GzBuilder::new()
        .mtime(0)
        .write(BufWriter::new(file), Compression::best());
    let mut tar = tar::Builder::new(gz);
    let mut members = 0;
    append_dir(&mut tar, app_dir, top, mtime, &mut members)?;
    let mut out = tar.into_inner()?.finish()?;
    out.flush()?;
    Ok(members)
}

fn append_dir<W: Write>(
    tar: &mut tar::Builder<W>,
    dir: &Path,
    name: &str,
    mtime: u64,
    members: &mut usize,
) -> Result<(), Error> {
    let mut header = new_header(mtime, EXEC_MODE, 0);
    header.set_entry_type(tar::EntryType::Directory);
    tar.append_data(&mut header, format!("{name}/"), std::io::empty())?;
    *members += 1;
    let mut entries = fs::read_dir(dir)?.collect::<Result<Vec<_>, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let file_name = entry.file_name();
        let file_name = file_name
            .to_str()
            .ok_or_else(|| format!("{} is not UTF-8", entry.path().display()))?;
        if file_name.starts_with('.') {
            continue;
        }
        let member = format!("{name}/{file_name}");
        let meta = entry.metadata()?;
        if meta.is_dir() {
            append_dir(tar, &entry.path(), &member, mtime, members)?;
        } else if meta.is_file() {
            let executable = meta.permissions().mode() & 0o111 != 0;
            let mode = if executable { EXEC_MODE } else { FILE_MODE };
            let mut header = new_header(mtime, mode, meta.len());
            header.set_entry_type(tar::EntryType::Regular);
            tar.append_data(&mut header, &member, File::open(entry.path())?)?;
            *members += 1;
        } else {
            return Err(
                format!("{} is neither a file nor a folder", entry.path().display()).into(),
            );
        }
    }
    Ok(())
}

fn new_header(mtime: u64, mode: u32, size: u64) -> tar::Header {
    let mut header = tar::Header::new_ustar();
    header.set_mtime(mtime);
    header.set_mode(mode);
    header.set_size(size);
    header.set_uid(0);
    header.set_gid(0);
    header
}

/// Timestamp for every member: `SOURCE_DATE_EPOCH` if set, else the last commit's time,
/// else 0, so the same sources give the same bytes.
pub fn source_date_epoch(root: &Path) -> u64 {
    if let Some(epoch) = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse().ok())
    {
        return epoch;
    }
    Command::new("git")
        .args(["log", "-1", "--format=%ct"])
        .current_dir(root)
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn sample_app(root: &Path) -> std::path::PathBuf {
        let app = root.join("emailoutlier");
        fs::create_dir_all(app.join("default")).unwrap();
        fs::create_dir_all(app.join("linux_x86_64/bin")).unwrap();
        fs::write(app.join("default/app.conf"), "[id]\n").unwrap();
        fs::write(app.join(".hidden"), "x").unwrap();
        let bin = app.join("linux_x86_64/bin/emailoutlier");
        fs::write(&bin, "#!").unwrap();
        fs::set_permissions(&bin, fs::Permissions::from_mode(0o700)).unwrap();
        app
    }

    #[test]
    fn members_are_sorted_under_one_folder_with_sane_modes_and_no_dot_files() {
        let root = std::env::temp_dir().join(format!("xtask-tarball-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        let app = sample_app(&root);
        let tgz = root.join("out.tgz");
        assert_eq!(write(&app, &tgz, 1_700_000_000).unwrap(), 6);
        let mut archive =
            tar::Archive::new(flate2::read::GzDecoder::new(File::open(&tgz).unwrap()));
        let got: Vec<(String, u32, u64)> = archive
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let h = e.header();
                (
                    e.path().unwrap().to_string_lossy().into_owned(),
                    h.mode().unwrap(),
                    h.mtime().unwrap(),
                )
            })
            .collect();
        let want = [
            ("emailoutlier/", 0o755),
            ("emailoutlier/default/", 0o755),
            ("emailoutlier/default/app.conf", 0o644),
            ("emailoutlier/linux_x86_64/", 0o755),
            ("emailoutlier/linux_x86_64/bin/", 0o755),
            ("emailoutlier/linux_x86_64/bin/emailoutlier", 0o755),
        ];
        let want: Vec<(String, u32, u64)> = want
            .iter()
            .map(|(p, m)| (p.to_string(), *m, 1_700_000_000))
            .collect();
        assert_eq!(got, want);

        // Same input, same bytes.
        let again = root.join("again.tgz");
        write(&app, &again, 1_700_000_000).unwrap();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        File::open(&tgz).unwrap().read_to_end(&mut a).unwrap();
        File::open(&again).unwrap().read_to_end(&mut b).unwrap();
        assert_eq!(a, b);
        fs::remove_dir_all(&root).unwrap();
    }
}
