//! `emailoutlier sample`: realistic `tstats` output to try the detection without Splunk.
//!
//! One row per destination per day (`dest_ip,_time,bytes_out`), `_time` at UTC midnight, the
//! last day being the day of `now`. The same seed gives the same bytes; a destination's rows do
//! not depend on how many destinations are generated.
//!
//! # The default model
//!
//! Each destination gets a log-normal typical daily volume (median 150 MB, σ = 1), weekends
//! carry 35 % of it, each day varies by a log-normal factor (σ = 0.25), today's row holds only
//! the part of the day before `now`, and 2 % of past days are missing (`--missing-percent`).
//! About 0.5 % of destinations (and always at least one) receive an exfiltration of 20–80 GB
//! today. This output is pinned by a golden hash: it never changes.
//!
//! # Harder data, for telling methods apart
//!
//! Each feature has its own flag (a [`SampleSpec`] field); `--hard` ([`SampleSpec::hard`])
//! turns them all on with the values in brackets, and flags given beside it override it.
//!
//! | flag | field | [hard] | what it does |
//! |---|---|---|---|
//! | `--volume-decades D` | `volume_decades` | 4 | typical volumes log-uniform over D decades around 150 MB (4: 1.5 MB to 15 GB a day) instead of log-normal σ = 1 |
//! | `--day-sigma-max S` | `day_sigma_max` | 0.6 | each host's day-to-day log-normal σ is uniform in [0.05, S] instead of 0.25 for all |
//! | `--weekend-percent P` | `weekend_percent` | 80 | only P % of hosts have weekends at 35 %; the others are flat (default 100) |
//! | `--missing-percent P` | `missing_percent` | 5 | P % of past days missing (default 2) |
//! | `--late-percent P` | `late_percent` | 10 | P % of hosts appear late: their first row is on a uniform day from the 2nd to the last of the window |
//! | `--burst-percent P` | `burst_percent` | 1 | each host-day has a P % chance of a benign burst: 3–10 × the usual volume, **not** labelled |
//! | `--campaign-percent P` | `campaign_percent` | 2 | replaces the default's today-only exfiltration: P % of hosts (and always at least one) suffer one campaign of 1–5 consecutive days (uniform) starting on any day of the host's window (cut at today), moving a mailbox of 0.2–50 GB (log-uniform) in equal daily parts on top of the usual volume; campaign days are never missing |
//!
//! The features draw from random streams of their own, so turning one on leaves the others'
//! values as they were (the campaign test relies on it).
//!
//! # Labels
//!
//! [`write_labelled_sample`] also writes the ground truth: `dest_ip,_time,kind` with one row per
//! exfiltration host-day (`kind` = `exfiltration`), `_time` as in the data. In the default
//! model these are the injected today rows.

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
/// Widest `--volume-decades`.
pub const MAX_VOLUME_DECADES: f64 = 8.0;
/// Smallest per-host day-to-day σ, and so the least `--day-sigma-max`.
pub const MIN_DAY_SIGMA: f64 = 0.05;
/// Largest `--day-sigma-max`.
pub const MAX_DAY_SIGMA: f64 = 2.0;
/// Header of the labels file.
pub const LABELS_HEADER: &str = "dest_ip,_time,kind";
/// The `kind` of an exfiltration host-day.
pub const EXFILTRATION: &str = "exfiltration";

const SECONDS_PER_DAY: i64 = 86_400;
const MEDIAN_DAILY_BYTES: f64 = 150e6;
const HOST_SIGMA: f64 = 1.0;
const DAY_SIGMA: f64 = 0.25;
const WEEKEND_FACTOR: f64 = 0.35;
/// One destination in this many gets an exfiltration day.
const SPIKE_ONE_IN: u64 = 200;
const SPIKE_BYTES: (f64, f64) = (20e9, 80e9);
/// A benign burst multiplies the day's volume by a factor uniform in this range.
const BURST_FACTOR: (f64, f64) = (3.0, 10.0);
/// Mailbox sizes moved by a campaign, log-uniform in this range.
const CAMPAIGN_BYTES: (f64, f64) = (0.2e9, 50e9);
/// Longest campaign, in days.
const MAX_CAMPAIGN_DAYS: u64 = 5;
/// Random streams of the optional features, added to the host number (below 2^24).
const FEATURE_STREAM: u64 = 1 << 40;
const BURST_STREAM: u64 = 2 << 40;
const CAMPAIGN_STREAM: u64 = 3 << 40;
/// Output is handed to the writer in pieces of about this size.
const FLUSH_BYTES: usize = 1 << 20;

/// What to generate. The optional features are off in [`SampleSpec::default`].
#[derive(Debug, Clone, Copy, PartialEq)]
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
    /// Typical volumes log-uniform over this many decades (0..=[`MAX_VOLUME_DECADES`]) around
    /// 150 MB; `None`: log-normal, σ = 1.
    pub volume_decades: Option<f64>,
    /// Each host's day-to-day σ uniform in [[`MIN_DAY_SIGMA`], this]; `None`: 0.25 for all.
    pub day_sigma_max: Option<f64>,
    /// Percentage of hosts whose weekends carry 35 % (the others are flat), 0..=100.
    pub weekend_percent: f64,
    /// Percentage of hosts that start on a uniform day from the window's 2nd to its last.
    pub late_percent: f64,
    /// Chance in percent of each host-day to be a benign (unlabelled) 3–10 × burst.
    pub burst_percent: f64,
    /// `Some(P)`: P % of hosts (and at least one when P > 0) get a 1–5 day campaign of
    /// 0.2–50 GB, instead of the default's 20–80 GB today on 0.5 % of hosts (`Some(0.0)`: no
    /// exfiltration at all).
    pub campaign_percent: Option<f64>,
}

impl Default for SampleSpec {
    fn default() -> SampleSpec {
        SampleSpec {
            hosts: DEFAULT_HOSTS,
            days: DEFAULT_DAYS,
            seed: DEFAULT_SEED,
            now: DEFAULT_NOW,
            missing_percent: DEFAULT_MISSING_PERCENT,
            volume_decades: None,
            day_sigma_max: None,
            weekend_percent: 100.0,
            late_percent: 0.0,
            burst_percent: 0.0,
            campaign_percent: None,
        }
    }
}

impl SampleSpec {
    /// The default's size, seed and `now`, with every hard feature on (`--hard`): volumes over
    /// 4 decades, day σ up to 0.6, weekends for 80 % of hosts, 5 % missing days, 10 % late
    /// hosts, bursts on 1 % of host-days, campaigns on 2 % of hosts.
    pub fn hard() -> SampleSpec {
        SampleSpec {
            missing_percent: 5,
            volume_decades: Some(4.0),
            day_sigma_max: Some(0.6),
            weekend_percent: 80.0,
            late_percent: 10.0,
            burst_percent: 1.0,
            campaign_percent: Some(2.0),
            ..SampleSpec::default()
        }
    }
}

/// Writes the sample as CSV with a header row.
///
/// # Errors
/// The writer's error.
pub fn write_sample(spec: &SampleSpec, out: &mut dyn Write) -> std::io::Result<()> {
    write_labelled_sample(spec, out, None).map_err(|e| match e {
        SampleError::Output(e) | SampleError::Labels(e) => e,
    })
}

/// Which writer of [`write_labelled_sample`] failed.
#[derive(Debug)]
pub enum SampleError {
    /// The data's writer.
    Output(std::io::Error),
    /// The labels' writer.
    Labels(std::io::Error),
}

/// Writes the sample as CSV with a header row, and the ground truth to `labels` when given
/// (see the module doc).
///
/// # Errors
/// The first writer error, saying which writer failed.
pub fn write_labelled_sample(
    spec: &SampleSpec,
    out: &mut dyn Write,
    mut labels: Option<&mut dyn Write>,
) -> Result<(), SampleError> {
    use SampleError::{Labels, Output};
    let today = spec.now.div_euclid(SECONDS_PER_DAY);
    let first_day = today - i64::from(spec.days) + 1;
    #[allow(clippy::cast_precision_loss)] // below 86,400
    let today_fraction =
        (spec.now.rem_euclid(SECONDS_PER_DAY) as f64 / SECONDS_PER_DAY as f64).max(0.05);
    let missing_probability = f64::from(spec.missing_percent) / 100.0;
    let burst_probability = spec.burst_percent / 100.0;
    let always_spiked = spec.seed % spec.hosts.max(1);
    let mut buffer = Vec::with_capacity(FLUSH_BYTES + 4096);
    buffer.extend_from_slice(b"dest_ip,_time,bytes_out\n");
    let mut label_buffer = Vec::new();
    if labels.is_some() {
        label_buffer.extend_from_slice(LABELS_HEADER.as_bytes());
        label_buffer.push(b'\n');
    }
    let mut address = Vec::with_capacity(16);
    for host in 0..spec.hosts {
        // The default model's draws, in their original order.
        let mut rng = Rng::new(spec.seed, host);
        let host_normal = rng.normal();
        let spiked = host == always_spiked || rng.below(SPIKE_ONE_IN) == 0;
        let (low, high) = SPIKE_BYTES;
        let spike = low + (high - low) * rng.unit();
        let plan = HostPlan::new(
            spec,
            host,
            host_normal,
            first_day,
            today,
            host == always_spiked,
        );
        let spike = if plan.campaign.is_none() && spec.campaign_percent.is_none() && spiked {
            Some(spike)
        } else {
            None
        };
        let mut bursts = Rng::new(spec.seed, host + BURST_STREAM);
        address.clear();
        write_address(&mut address, host);
        for day in first_day..=today {
            let noise = (plan.day_sigma * rng.normal()).exp();
            let missing = rng.unit() < missing_probability;
            let burst = burst_probability > 0.0 && bursts.unit() < burst_probability;
            let burst_factor = if burst {
                let (low, high) = BURST_FACTOR;
                low + (high - low) * bursts.unit()
            } else {
                1.0
            };
            if day < plan.first_day {
                continue;
            }
            let mut bytes = plan.typical * noise * burst_factor;
            if plan.seasonal {
                bytes *= weekday_factor(day);
            }
            let exfiltration = match plan.campaign {
                Some(campaign) if (campaign.start..=campaign.end).contains(&day) => {
                    Some(campaign.daily_bytes)
                }
                _ if day == today => spike,
                _ => None,
            };
            if day == today {
                bytes *= today_fraction;
            } else if missing && exfiltration.is_none() {
                continue;
            }
            if let Some(extra) = exfiltration {
                bytes += extra;
                if labels.is_some() {
                    label_buffer.extend_from_slice(&address);
                    label_buffer.push(b',');
                    write_integer(&mut label_buffer, day * SECONDS_PER_DAY);
                    label_buffer.push(b',');
                    label_buffer.extend_from_slice(EXFILTRATION.as_bytes());
                    label_buffer.push(b'\n');
                }
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
            out.write_all(&buffer).map_err(Output)?;
            buffer.clear();
        }
        if let Some(labels) = labels.as_deref_mut() {
            if label_buffer.len() >= FLUSH_BYTES {
                labels.write_all(&label_buffer).map_err(Labels)?;
                label_buffer.clear();
            }
        }
    }
    out.write_all(&buffer).map_err(Output)?;
    out.flush().map_err(Output)?;
    if let Some(labels) = labels {
        labels.write_all(&label_buffer).map_err(Labels)?;
        labels.flush().map_err(Labels)?;
    }
    Ok(())
}

/// One destination's parameters.
#[derive(Debug, Clone, Copy)]
struct HostPlan {
    typical: f64,
    day_sigma: f64,
    seasonal: bool,
    /// The first day with a row (late hosts start after the window's first day).
    first_day: i64,
    campaign: Option<Campaign>,
}

/// Days `start..=end` each carry `daily_bytes` of exfiltration.
#[derive(Debug, Clone, Copy)]
struct Campaign {
    start: i64,
    end: i64,
    daily_bytes: f64,
}

impl HostPlan {
    /// The default model's values, changed by each feature the spec turns on, each from its
    /// own stream.
    fn new(
        spec: &SampleSpec,
        host: u64,
        host_normal: f64,
        first_day: i64,
        today: i64,
        always: bool,
    ) -> HostPlan {
        let mut features = Rng::new(spec.seed, host + FEATURE_STREAM);
        let typical = match spec.volume_decades {
            Some(decades) => MEDIAN_DAILY_BYTES * 10f64.powf(decades * (features.unit() - 0.5)),
            None => MEDIAN_DAILY_BYTES * (HOST_SIGMA * host_normal).exp(),
        };
        let day_sigma = match spec.day_sigma_max {
            Some(max) => MIN_DAY_SIGMA + (max - MIN_DAY_SIGMA).max(0.0) * features.unit(),
            None => DAY_SIGMA,
        };
        let seasonal =
            spec.weekend_percent >= 100.0 || features.unit() * 100.0 < spec.weekend_percent;
        let late = spec.late_percent > 0.0 && features.unit() * 100.0 < spec.late_percent;
        let span = today - first_day; // days after the first
        let first_day = if late && span > 0 {
            first_day + 1 + uniform_below(&mut features, span)
        } else {
            first_day
        };
        let campaign = spec.campaign_percent.and_then(|percent| {
            let mut rng = Rng::new(spec.seed, host + CAMPAIGN_STREAM);
            if percent <= 0.0 || !(always || rng.unit() * 100.0 < percent) {
                return None;
            }
            let start = first_day + uniform_below(&mut rng, today - first_day + 1);
            let length = 1 + rng.below(MAX_CAMPAIGN_DAYS);
            let end = (start + i64::try_from(length).unwrap_or(1) - 1).min(today);
            let (low, high) = CAMPAIGN_BYTES;
            let mailbox = low * (high / low).powf(rng.unit());
            #[allow(clippy::cast_precision_loss)] // at most 5 days
            let daily_bytes = mailbox / (end - start + 1) as f64;
            Some(Campaign {
                start,
                end,
                daily_bytes,
            })
        });
        HostPlan {
            typical,
            day_sigma,
            seasonal,
            first_day,
            campaign,
        }
    }
}

/// Uniform in `0..n` (`n` ≥ 1; 0 for anything less).
fn uniform_below(rng: &mut Rng, n: i64) -> i64 {
    match u64::try_from(n) {
        Ok(n) if n > 0 => i64::try_from(rng.below(n)).unwrap_or(0),
        _ => 0,
    }
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

    /// FNV-1a, 64 bits: enough to pin bytes in a test without a dependency.
    fn fnv1a(bytes: &[u8]) -> u64 {
        bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
            (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
    }

    #[test]
    fn default_output_is_unchanged() {
        // Hashes of the output before the hard features existed (`emailoutlier sample` gave
        // sha256 f1f9d477…ec29f6, 915,359 bytes); the default model must never change.
        let cases = [
            (SampleSpec::default(), 0xbb33_4406_936e_a2b8, 915_359),
            (
                SampleSpec {
                    hosts: 40,
                    ..SampleSpec::default()
                },
                0x8b18_b346_e20f_685c,
                35_704,
            ),
            (
                SampleSpec {
                    hosts: 300,
                    days: 7,
                    seed: 5,
                    missing_percent: 0,
                    ..SampleSpec::default()
                },
                0x5ba4_a494_e74d_19f2,
                64_989,
            ),
            (
                SampleSpec {
                    hosts: 100,
                    days: 60,
                    now: 1_700_000_000,
                    missing_percent: 10,
                    ..SampleSpec::default()
                },
                0xeba3_2104_436e_a24c,
                164_689,
            ),
        ];
        for (spec, hash, length) in cases {
            let mut out = Vec::new();
            write_sample(&spec, &mut out).unwrap();
            assert_eq!((fnv1a(&out), out.len()), (hash, length), "{spec:?}");
            // With labels: the same data.
            let (mut again, mut labels) = (Vec::new(), Vec::new());
            write_labelled_sample(&spec, &mut again, Some(&mut labels)).unwrap();
            assert_eq!(again, out);
        }
    }

    /// (host, time) → bytes of a sample.
    fn rows_of(text: &str) -> std::collections::HashMap<(String, i64), i64> {
        text.lines()
            .skip(1)
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                (
                    (f[0].to_owned(), f[1].parse().unwrap()),
                    f[2].parse().unwrap(),
                )
            })
            .collect()
    }

    fn labelled(spec: &SampleSpec) -> (String, Vec<(String, i64)>) {
        let (mut out, mut labels) = (Vec::new(), Vec::new());
        write_labelled_sample(spec, &mut out, Some(&mut labels)).unwrap();
        let labels = String::from_utf8(labels).unwrap();
        let mut lines = labels.lines();
        assert_eq!(lines.next(), Some(LABELS_HEADER));
        let labels = lines
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                assert_eq!(f.len(), 3);
                assert_eq!(f[2], EXFILTRATION);
                (f[0].to_owned(), f[1].parse().unwrap())
            })
            .collect();
        (String::from_utf8(out).unwrap(), labels)
    }

    #[test]
    fn default_labels_are_the_injected_days() {
        let (text, labels) = labelled(&SampleSpec::default());
        let rows = rows_of(&text);
        let today = DEFAULT_NOW - DEFAULT_NOW % SECONDS_PER_DAY;
        // 1000 hosts: about 0.5 % plus the one always spiked; all today, all 20 GB or more.
        assert!((2..=15).contains(&labels.len()), "{}", labels.len());
        for key in &labels {
            assert_eq!(key.1, today);
            assert!(rows[key] > 20_000_000_000, "{key:?}");
        }
        // No other today's row is that large.
        let large = rows
            .iter()
            .filter(|(k, &b)| k.1 == today && b > 20_000_000_000);
        assert_eq!(large.count(), labels.len());
    }

    #[test]
    fn hard_labels_name_exactly_the_rows_with_exfiltration() {
        let spec = SampleSpec {
            hosts: 2000,
            days: 60,
            ..SampleSpec::hard()
        };
        let (text, labels) = labelled(&spec);
        // The same data without campaigns: every other feature draws from its own stream.
        let (clean, none) = labelled(&SampleSpec {
            campaign_percent: Some(0.0),
            ..spec
        });
        assert!(none.is_empty());
        let (rows, clean) = (rows_of(&text), rows_of(&clean));
        // 2 % of 2000 hosts, 1–5 days each.
        assert!((20..=300).contains(&labels.len()), "{}", labels.len());
        let today = DEFAULT_NOW - DEFAULT_NOW % SECONDS_PER_DAY;
        let labelled: std::collections::HashSet<_> = labels.iter().cloned().collect();
        assert_eq!(labelled.len(), labels.len(), "a host-day labelled twice");
        assert!(labels.iter().any(|l| l.1 < today - 10 * SECONDS_PER_DAY));
        for (key, bytes) in &rows {
            if labelled.contains(key) {
                // At least the smallest daily part, 0.2 GB over 5 days, on top of the usual
                // volume (a campaign day that was to be missing has only the exfiltration).
                let usual = clean.get(key).copied().unwrap_or(0);
                assert!(bytes - usual >= 39_999_999, "{key:?}: {bytes} vs {usual}");
            } else {
                assert_eq!(Some(bytes), clean.get(key), "{key:?}");
            }
        }
        // Campaign days are never missing, so the labelled data has at least the clean rows.
        assert!(clean.keys().all(|k| rows.contains_key(k)));
    }

    #[test]
    fn hard_features_show_in_the_data() {
        let spec = SampleSpec {
            hosts: 2000,
            days: 90,
            ..SampleSpec::hard()
        };
        let text = sample(&spec);
        let rows = rows_of(&text);
        let mut by_host: std::collections::HashMap<&str, Vec<(i64, i64)>> = Default::default();
        for ((host, time), bytes) in &rows {
            by_host.entry(host).or_default().push((*time, *bytes));
        }
        assert_eq!(by_host.len(), 2000);
        let first = DEFAULT_NOW - DEFAULT_NOW % SECONDS_PER_DAY - 89 * SECONDS_PER_DAY;
        let late = by_host
            .values()
            .filter(|days| days.iter().all(|&(t, _)| t > first))
            .count();
        // 10 % late hosts, and 5 % of the others miss their first day: about 300.
        assert!((200..=400).contains(&late), "{late}");
        // Volumes over four decades: medians from below 5 MB to above 5 GB.
        let mut medians: Vec<i64> = by_host
            .values()
            .map(|days| {
                let mut b: Vec<i64> = days.iter().map(|d| d.1).collect();
                b.sort_unstable();
                b[b.len() / 2]
            })
            .collect();
        medians.sort_unstable();
        assert!(medians[20] < 5_000_000 && medians[1980] > 5_000_000_000);
        // 5 % missing of about 2000 × 85 past days, give or take the late hosts.
        assert!(rows.len() < 2000 * 90 * 96 / 100, "{}", rows.len());
        // Days over 5× the host's median: about 1,100 with bursts on 1 % of host-days, 180
        // without (noisy hosts' own days and campaigns).
        let bursts: usize = by_host
            .values()
            .map(|days| {
                let mut b: Vec<i64> = days.iter().map(|d| d.1).collect();
                b.sort_unstable();
                let median = b[b.len() / 2];
                b.iter().filter(|&&x| x > 5 * median).count()
            })
            .sum();
        assert!((700..=1600).contains(&bursts), "{bursts}");
        // Not every host has weekends: some have weekend days as large as their weekdays.
        let flat = by_host
            .values()
            .filter(|days| {
                let mean = |weekend: bool| {
                    let v: Vec<f64> = days
                        .iter()
                        .filter(|d| {
                            matches!((d.0 / SECONDS_PER_DAY + 4).rem_euclid(7), 0 | 6) == weekend
                        })
                        .map(|d| d.1 as f64)
                        .collect();
                    v.iter().sum::<f64>() / v.len().max(1) as f64
                };
                mean(true) > 0.7 * mean(false)
            })
            .count();
        assert!((200..=700).contains(&flat), "{flat}");
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
