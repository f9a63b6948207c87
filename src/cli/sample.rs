//! `emailoutlier sample`: realistic `tstats` output to try the detection without Splunk.
//!
//! One row per destination per day (`dest_ip,_time,bytes_out`), `_time` at UTC midnight, the
//! last day being the day of `now`. Each destination gets a log-normal typical daily volume
//! (median 150 MB, σ = 1), weekends carry 35 % of it, each day varies by a log-normal factor
//! (σ = 0.25), today's row holds only the part of the day before `now`, and 2 % of past days
//! are missing (`--missing-percent`). About 0.5 % of destinations (and always at least one)
//! receive an exfiltration of 20–80 GB today. The same seed gives the same bytes; a
//! destination's rows do not depend on how many destinations are generated.

use std::io::Write;

/// `now` used when `--now` is not given: 2026-01-01T12:00:00Z.
pub const DEFAULT_NOW: i64 = 1_767_268_800;
/// Destinations generated when `--hosts` is not given.
pub const DEFAULT_HOSTS: u64 = 1000;
/// Days per destination when `--days` is not given.
pub const DEFAULT_DAYS: u32 = 30;
/// Seed when `--seed` is not given.
pub const DEFAULT_SEED: u64 = 1;
/// Percentage of past days left out when `--missing-percent` is not given.
pub const DEFAULT_MISSING_PERCENT: u8 = 2;
/// Most destinations: one per address of 10.0.0.0/8.
pub const MAX_HOSTS: u64 = 1 << 24;
/// Most days (ten years).
pub const MAX_DAYS: u32 = 3660;
/// Latest `now`: the end of year 9999.
pub const MAX_NOW: i64 = 253_402_300_799;

const SECONDS_PER_DAY: i64 = 86_400;
const MEDIAN_DAILY_BYTES: f64 = 150e6;
const HOST_SIGMA: f64 = 1.0;
const DAY_SIGMA: f64 = 0.25;
const WEEKEND_FACTOR: f64 = 0.35;
/// One destination in this many gets an exfiltration day.
const SPIKE_ONE_IN: u64 = 200;
const SPIKE_BYTES: (f64, f64) = (20e9, 80e9);
/// Output is handed to the writer in pieces of about this size.
const FLUSH_BYTES: usize = 1 << 20;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SampleSpec {
    /// Number of destinations, 1..=[`MAX_HOSTS`].
    pub hosts: u64,
    /// Days per destination (today included), 1..=[`MAX_DAYS`].
    pub days: u32,
    /// Random seed.
    pub seed: u64,
    /// The moment "today" is taken from, epoch seconds, 0..=[`MAX_NOW`].
    pub now: i64,
    /// Percentage of past days left out, 0..=100 (`0` gives exactly hosts × days rows).
    pub missing_percent: u8,
}

impl Default for SampleSpec {
    fn default() -> SampleSpec {
        SampleSpec {
            hosts: DEFAULT_HOSTS,
            days: DEFAULT_DAYS,
            seed: DEFAULT_SEED,
            now: DEFAULT_NOW,
            missing_percent: DEFAULT_MISSING_PERCENT,
        }
    }
}

/// Writes the sample as CSV with a header row.
///
/// # Errors
/// The writer's error.
pub fn write_sample(spec: &SampleSpec, out: &mut dyn Write) -> std::io::Result<()> {
    let today = spec.now.div_euclid(SECONDS_PER_DAY);
    let first_day = today - i64::from(spec.days) + 1;
    #[allow(clippy::cast_precision_loss)] // below 86,400
    let today_fraction =
        (spec.now.rem_euclid(SECONDS_PER_DAY) as f64 / SECONDS_PER_DAY as f64).max(0.05);
    let missing_probability = f64::from(spec.missing_percent) / 100.0;
    let always_spiked = spec.seed % spec.hosts.max(1);
    let mut buffer = Vec::with_capacity(FLUSH_BYTES + 4096);
    buffer.extend_from_slice(b"dest_ip,_time,bytes_out\n");
    let mut address = Vec::with_capacity(16);
    for host in 0..spec.hosts {
        let mut rng = Rng::new(spec.seed, host);
        let typical = MEDIAN_DAILY_BYTES * (HOST_SIGMA * rng.normal()).exp();
        let spiked = host == always_spiked || rng.below(SPIKE_ONE_IN) == 0;
        let (low, high) = SPIKE_BYTES;
        let spike = low + (high - low) * rng.unit();
        address.clear();
        write_address(&mut address, host);
        for day in first_day..=today {
            let noise = (DAY_SIGMA * rng.normal()).exp();
            let missing = rng.unit() < missing_probability;
            let mut bytes = typical * noise * weekday_factor(day);
            if day == today {
                bytes *= today_fraction;
                if spiked {
                    bytes += spike;
                }
            } else if missing {
                continue;
            }
            buffer.extend_from_slice(&address);
            buffer.push(b',');
            write_integer(&mut buffer, day * SECONDS_PER_DAY);
            buffer.push(b',');
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            write_integer(&mut buffer, bytes.round() as i64);
            buffer.push(b'\n');
        }
        if buffer.len() >= FLUSH_BYTES {
            out.write_all(&buffer)?;
            buffer.clear();
        }
    }
    out.write_all(&buffer)?;
    out.flush()
}

/// Saturday and Sunday carry less mail. Day 0 (1970-01-01) was a Thursday.
fn weekday_factor(day: i64) -> f64 {
    match (day + 4).rem_euclid(7) {
        0 | 6 => WEEKEND_FACTOR,
        _ => 1.0,
    }
}

/// `10.a.b.c` from the host number (below 2^24).
fn write_address(out: &mut Vec<u8>, host: u64) {
    out.extend_from_slice(b"10");
    for shift in [16, 8, 0] {
        out.push(b'.');
        write_integer(out, i64::try_from((host >> shift) & 0xff).unwrap_or(0));
    }
}

fn write_integer(out: &mut Vec<u8>, n: i64) {
    if n < 0 {
        out.push(b'-');
    }
    let mut digits = [0u8; 20];
    let mut rest = n.unsigned_abs();
    let mut start = digits.len();
    loop {
        start -= 1;
        #[allow(clippy::cast_possible_truncation)] // a digit
        let digit = (rest % 10) as u8;
        if let Some(slot) = digits.get_mut(start) {
            *slot = b'0' + digit;
        }
        rest /= 10;
        if rest == 0 || start == 0 {
            break;
        }
    }
    out.extend_from_slice(digits.get(start..).unwrap_or_default());
}

/// SplitMix64: small, fast, and fixed here so the sample never changes with a dependency.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64) -> Rng {
        let mut mixer = Rng(seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03));
        Rng(mixer.next())
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        #[allow(clippy::cast_precision_loss)] // 53 bits: exact
        let x = (self.next() >> 11) as f64;
        x * (1.0 / (1u64 << 53) as f64)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// Standard normal (Box–Muller).
    fn normal(&mut self) -> f64 {
        let radius = (-2.0 * (1.0 - self.unit()).ln()).sqrt();
        radius * (std::f64::consts::TAU * self.unit()).cos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(spec: &SampleSpec) -> String {
        let mut out = Vec::new();
        write_sample(spec, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn shape_of_the_rows() {
        let spec = SampleSpec {
            hosts: 300,
            ..SampleSpec::default()
        };
        let text = sample(&spec);
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("dest_ip,_time,bytes_out"));
        let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
        // 300 hosts × 30 days, minus about 2 % of the 29 past days.
        assert!((8500..9000).contains(&rows.len()), "{}", rows.len());
        let today = DEFAULT_NOW - DEFAULT_NOW % SECONDS_PER_DAY;
        let first = today - 29 * SECONDS_PER_DAY;
        for row in &rows {
            assert_eq!(row.len(), 3);
            let time: i64 = row[1].parse().unwrap();
            assert!((first..=today).contains(&time) && time % SECONDS_PER_DAY == 0);
            assert!(row[2].parse::<u64>().is_ok(), "{row:?}");
            assert!(row[0].starts_with("10.0."));
        }
        // Every host has today's row; the first and last addresses.
        assert_eq!(
            rows.iter().filter(|r| r[1] == today.to_string()).count(),
            300
        );
        assert_eq!(rows[0][0], "10.0.0.0");
        assert_eq!(rows[rows.len() - 1][0], "10.0.1.43");
    }

    #[test]
    fn deterministic_and_seed_dependent() {
        let spec = SampleSpec {
            hosts: 50,
            days: 7,
            ..SampleSpec::default()
        };
        assert_eq!(sample(&spec), sample(&spec));
        assert_ne!(sample(&spec), sample(&SampleSpec { seed: 2, ..spec }));
        // A host's rows do not depend on how many hosts are generated.
        let small = sample(&SampleSpec { hosts: 10, ..spec });
        assert!(sample(&spec).starts_with(&small));
        // Without missing days: exactly hosts × days rows, and the same values otherwise.
        let complete = sample(&SampleSpec {
            missing_percent: 0,
            ..spec
        });
        assert_eq!(complete.lines().count(), 1 + 50 * 7);
        assert!(sample(&spec).lines().all(|l| complete.contains(l)));
    }

    #[test]
    fn integers_and_weekdays() {
        let mut out = Vec::new();
        for n in [0, 7, -42, 1_767_225_600, i64::MAX, i64::MIN] {
            write_integer(&mut out, n);
            out.push(b' ');
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!("0 7 -42 1767225600 {} {} ", i64::MAX, i64::MIN)
        );
        // 2026-01-01 (day 20454) is a Thursday, 2026-01-03 a Saturday, 2026-01-04 a Sunday.
        assert_eq!(weekday_factor(20454), 1.0);
        assert_eq!(weekday_factor(20456), WEEKEND_FACTOR);
        assert_eq!(weekday_factor(20457), WEEKEND_FACTOR);
        assert_eq!(weekday_factor(20458), 1.0);
    }
}
