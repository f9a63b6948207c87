//! Checks the packaged binary: no glibc symbol version newer than 2.17, and a
//! position-independent executable (AppInspect's cloud checks fail a non-PIE x86-64 binary).

use std::path::Path;

use object::elf;
use object::read::elf::{FileHeader, ProgramHeader};
use object::Endianness;

use crate::zigbuild::GLIBC;
use crate::Error;

/// Verifies `binary` and prints the newest glibc version it needs.
pub fn check(binary: &Path) -> Result<(), Error> {
    let data =
        std::fs::read(binary).map_err(|e| format!("cannot read {}: {e}", binary.display()))?;
    let facts = inspect(&data).map_err(|e| format!("{}: {e}", binary.display()))?;
    let limit = parse_glibc(&format!("GLIBC_{GLIBC}")).ok_or("bad GLIBC constant")?;
    let newest = facts.glibc.iter().max().copied();
    if let Some(newest) = newest.filter(|v| *v > limit) {
        return Err(format!(
            "{} needs GLIBC_{}.{}, newer than {GLIBC}",
            binary.display(),
            newest.0,
            newest.1
        )
        .into());
    }
    if let Some(other) = facts.other_versions.first() {
        return Err(format!("{} needs symbol version {other}", binary.display()).into());
    }
    if !facts.pie {
        return Err(format!(
            "{} is not a position-independent executable",
            binary.display()
        )
        .into());
    }
    let newest = newest.map_or("none".to_owned(), |(a, b)| format!("GLIBC_{a}.{b}"));
    println!(
        "xtask: {}: PIE, newest glibc symbol version {newest}",
        binary.display()
    );
    Ok(())
}

/// What the checks need to know about an ELF file.
#[derive(Debug, PartialEq)]
struct Facts {
    /// `(major, minor)` of every `GLIBC_x.y` version the file needs.
    glibc: Vec<(u32, u32)>,
    /// Needed glibc versions that are not `GLIBC_x.y` (e.g. `GLIBC_PRIVATE`).
    other_versions: Vec<String>,
    /// ELF type ET_DYN with an interpreter: a PIE executable, not a plain shared library.
    pie: bool,
}

fn inspect(data: &[u8]) -> Result<Facts, object::read::Error> {
    let header = elf::FileHeader64::<Endianness>::parse(data)?;
    let endian = header.endian()?;
    let has_interp = header
        .program_headers(endian, data)?
        .iter()
        .any(|ph| ph.p_type(endian) == elf::PT_INTERP);
    let pie = header.e_type(endian) == elf::ET_DYN && has_interp;
    let mut facts = Facts {
        glibc: Vec::new(),
        other_versions: Vec::new(),
        pie,
    };
    let sections = header.sections(endian, data)?;
    if let Some((mut needs, link)) = sections.gnu_verneed(endian, data)? {
        let strings = sections.strings(endian, data, link)?;
        while let Some((_need, mut auxes)) = needs.next()? {
            while let Some(aux) = auxes.next()? {
                let name = String::from_utf8_lossy(aux.name(endian, strings)?);
                match parse_glibc(&name) {
                    Some(v) => facts.glibc.push(v),
                    None if name.starts_with("GLIBC_") => {
                        facts.other_versions.push(name.into_owned())
                    }
                    None => {}
                }
            }
        }
    }
    Ok(facts)
}

/// `GLIBC_2.17` → `(2, 17)`; `GLIBC_2.2.5` → `(2, 2)` (the patch level never matters here).
fn parse_glibc(name: &str) -> Option<(u32, u32)> {
    let mut parts = name.strip_prefix("GLIBC_")?.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glibc_versions_compare_numerically() {
        assert_eq!(parse_glibc("GLIBC_2.17"), Some((2, 17)));
        assert_eq!(parse_glibc("GLIBC_2.2.5"), Some((2, 2)));
        assert_eq!(parse_glibc("GLIBC_PRIVATE"), None);
        assert_eq!(parse_glibc("GCC_3.0"), None);
        assert!(parse_glibc("GLIBC_2.34") > parse_glibc("GLIBC_2.17"));
        assert!(parse_glibc("GLIBC_2.9") < parse_glibc("GLIBC_2.17"));
    }

    #[test]
    fn this_test_binary_is_a_pie_needing_glibc() {
        // The test runner itself is built by the host toolchain: PIE, glibc-linked.
        let exe = std::env::current_exe().unwrap();
        let facts = inspect(&std::fs::read(exe).unwrap()).unwrap();
        assert!(facts.pie);
        assert!(!facts.glibc.is_empty());
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(inspect(b"\x7fELF not really").is_err());
        assert!(inspect(b"").is_err());
    }
}
