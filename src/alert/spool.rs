//! The file-system edge: one spool file per run, complete or absent.
//!
//! Splunk's default `inputs.conf` has `[batch://$SPLUNK_HOME/var/spool/splunk]` with
//! `move_policy = sinkhole`: splunkd indexes and deletes *every* file in that tree, whatever
//! its name, possibly while it is still being written. So the events are written to a file
//! under `$SPLUNK_HOME/var/run/splunk/emailoutlier_risk/` (same file system, not watched),
//! flushed and `fsync`ed, then renamed into `var/spool/splunk/` under a name ending
//! `.stash_new` (rename is atomic on one file system), and the spool folder is `fsync`ed so
//! the rename survives a crash. A run that fails, or panics, removes its temporary file
//! ([`PendingFile`]'s `Drop`); a crash before the rename leaves a file only under
//! `var/run/splunk/emailoutlier_risk/`, which nothing indexes.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Folder splunkd's `stash_new` batch input reads, under `$SPLUNK_HOME`.
pub const SPOOL_DIR: &str = "var/spool/splunk";
/// Folder of the temporary files, under `$SPLUNK_HOME` (its parent must exist).
pub const TEMP_DIR: &str = "var/run/splunk/emailoutlier_risk";

/// A spool that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SpoolError {
    /// A folder is missing or not a folder.
    #[error("{path} is not a folder ({reason}); is $SPLUNK_HOME the Splunk installation?")]
    NotAFolder {
        /// The folder.
        path: String,
        /// What the file system said.
        reason: String,
    },
    /// The temporary folder and the spool are on different file systems.
    #[error("{temp} and {spool} are on different file systems, so a file cannot be renamed atomically from one to the other")]
    DifferentFileSystems {
        /// The temporary folder.
        temp: String,
        /// The spool folder.
        spool: String,
    },
    /// A file-system operation failed (permissions, disk full, …).
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The path.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// The spool of one Splunk installation.
#[derive(Debug, Clone)]
pub struct Spool {
    spool_dir: PathBuf,
    temp_dir: PathBuf,
}

impl Spool {
    /// Checks `$SPLUNK_HOME/var/spool/splunk` and creates the temporary folder if needed.
    ///
    /// It does not check that the folders are writable: that shows when the temporary file is
    /// created ([`Spool::create`]) or renamed in ([`PendingFile::commit`]), so only in a run
    /// with events to write. A probe file in the spool would be indexed by splunkd, and mode
    /// bits do not answer the question (root, ACLs, read-only mounts).
    ///
    /// # Errors
    ///
    /// [`SpoolError`] when a folder is missing, cannot be created, or the two are on
    /// different file systems.
    pub fn open(splunk_home: &Path) -> Result<Spool, SpoolError> {
        let spool_dir = splunk_home.join(SPOOL_DIR);
        let temp_dir = splunk_home.join(TEMP_DIR);
        let spool_meta = folder(&spool_dir)?;
        if let Some(parent) = temp_dir.parent() {
            folder(parent)?;
        }
        match std::fs::create_dir(&temp_dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(source) => return Err(io("create", &temp_dir, source)),
        }
        let temp_meta = folder(&temp_dir)?;
        if temp_meta.dev() != spool_meta.dev() {
            return Err(SpoolError::DifferentFileSystems {
                temp: temp_dir.display().to_string(),
                spool: spool_dir.display().to_string(),
            });
        }
        Ok(Spool {
            spool_dir,
            temp_dir,
        })
    }

    /// The spool folder.
    pub fn dir(&self) -> &Path {
        &self.spool_dir
    }

    /// Starts the file that will be `<stem>.stash_new` in the spool.
    ///
    /// # Errors
    ///
    /// [`SpoolError::Io`] when the temporary file cannot be created.
    pub fn create(&self, stem: &str) -> Result<PendingFile, SpoolError> {
        let temp_path = self.temp_dir.join(format!("{stem}.tmp"));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp_path)
            .map_err(|e| io("create", &temp_path, e))?;
        Ok(PendingFile {
            writer: Some(BufWriter::with_capacity(256 * 1024, file)),
            final_path: self.spool_dir.join(format!("{stem}.stash_new")),
            temp_path,
            spool_dir: self.spool_dir.clone(),
        })
    }
}

/// A spool file being written; it reaches the spool only through [`PendingFile::commit`].
#[derive(Debug)]
pub struct PendingFile {
    writer: Option<BufWriter<File>>,
    temp_path: PathBuf,
    final_path: PathBuf,
    spool_dir: PathBuf,
}

impl PendingFile {
    /// Appends bytes.
    ///
    /// # Errors
    ///
    /// [`SpoolError::Io`] when writing fails (e.g. the disk is full).
    pub fn write_all(&mut self, bytes: &[u8]) -> Result<(), SpoolError> {
        let path = &self.temp_path;
        match &mut self.writer {
            Some(writer) => writer.write_all(bytes).map_err(|e| io("write", path, e)),
            None => Ok(()),
        }
    }

    /// Flushes, `fsync`s, renames the file into the spool and `fsync`s the spool folder;
    /// returns the spool file's path.
    ///
    /// # Errors
    ///
    /// [`SpoolError::Io`] at the first step that fails; the temporary file is then removed.
    pub fn commit(mut self) -> Result<PathBuf, SpoolError> {
        let writer = self.writer.take();
        if let Some(writer) = writer {
            let file = writer
                .into_inner()
                .map_err(|e| io("write", &self.temp_path, e.into_error()))?;
            file.sync_all()
                .map_err(|e| io("fsync", &self.temp_path, e))?;
        }
        std::fs::rename(&self.temp_path, &self.final_path)
            .map_err(|e| io("move the events into", &self.spool_dir, e))?;
        // The file is in the spool now: splunkd owns it, Drop must not touch it.
        self.temp_path = PathBuf::new();
        File::open(&self.spool_dir)
            .and_then(|dir| dir.sync_all())
            .map_err(|e| io("fsync", &self.spool_dir, e))?;
        Ok(std::mem::take(&mut self.final_path))
    }
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        if !self.temp_path.as_os_str().is_empty() {
            drop(self.writer.take());
            // Best effort: a leftover is outside the spool and never indexed.
            let _ = std::fs::remove_file(&self.temp_path);
        }
    }
}

fn folder(path: &Path) -> Result<std::fs::Metadata, SpoolError> {
    let not_a_folder = |reason: String| SpoolError::NotAFolder {
        path: path.display().to_string(),
        reason,
    };
    let meta = std::fs::metadata(path).map_err(|e| not_a_folder(e.to_string()))?;
    if meta.is_dir() {
        Ok(meta)
    } else {
        Err(not_a_folder("it is a file".into()))
    }
}

fn io(action: &'static str, path: &Path, source: std::io::Error) -> SpoolError {
    SpoolError::Io {
        action,
        path: path.display().to_string(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn home() -> tempfile::TempDir {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(home.path().join(SPOOL_DIR)).unwrap();
        std::fs::create_dir_all(home.path().join("var/run/splunk")).unwrap();
        home
    }

    fn spool_files(home: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(home.join(SPOOL_DIR))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn commit_moves_a_complete_file_in() {
        let home = home();
        let spool = Spool::open(home.path()).unwrap();
        let mut file = spool.create("run1").unwrap();
        file.write_all(b"abc").unwrap();
        assert!(spool_files(home.path()).is_empty(), "nothing before commit");
        let path = file.commit().unwrap();
        assert_eq!(path, home.path().join(SPOOL_DIR).join("run1.stash_new"));
        assert_eq!(std::fs::read(&path).unwrap(), b"abc");
        assert_eq!(spool_files(home.path()), ["run1.stash_new"]);
        assert_eq!(
            std::fs::read_dir(home.path().join(TEMP_DIR))
                .unwrap()
                .count(),
            0
        );
    }

    #[test]
    fn dropped_file_leaves_nothing() {
        let home = home();
        let spool = Spool::open(home.path()).unwrap();
        let mut file = spool.create("run2").unwrap();
        file.write_all(b"partial").unwrap();
        drop(file);
        assert!(spool_files(home.path()).is_empty());
        assert_eq!(
            std::fs::read_dir(home.path().join(TEMP_DIR))
                .unwrap()
                .count(),
            0
        );
    }

    #[test]
    fn missing_folders() {
        let home = tempfile::tempdir().unwrap();
        let err = Spool::open(home.path()).unwrap_err().to_string();
        assert!(err.contains("var/spool/splunk is not a folder"), "{err}");
        std::fs::create_dir_all(home.path().join(SPOOL_DIR)).unwrap();
        let err = Spool::open(home.path()).unwrap_err().to_string();
        assert!(err.contains("var/run/splunk is not a folder"), "{err}");
    }
}
