//! Arbitrary bytes as an info.csv, and as a serialized `_tz` on their own.
//!
//! Whatever zone parses must answer every question without panicking, and its start of day
//! (`@d`) must be the earliest instant on `now`'s local date, checked against the zone's own
//! transitions: no earlier instant of the 4-day window lies on that date.
#![no_main]

use emailoutlier::splunk::info::parse_info_csv;
use emailoutlier::splunk::tz::{
    SearchZone, SerializedZone, MAX_NOW_SECS, MAX_OFFSET_SECS, MIN_NOW_SECS,
};
use libfuzzer_sys::fuzz_target;

const DAY: i64 = 86_400;
/// `start_of_day` looks this far back; offsets within ±26 h keep the day inside it.
const WINDOW: i64 = 4 * DAY;

fuzz_target!(|data: &[u8]| {
    if let Ok(info) = parse_info_csv(data) {
        if let Some(now) = info.now {
            assert!(now.is_finite(), "info.csv now={now} accepted");
        }
        if let Some(zone) = info.zone {
            // `as` saturates: a huge `now` lands on the range check of start_of_day.
            check_zone(zone, info.now.map(|now| now.floor() as i64));
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(zone) = SerializedZone::parse(text) {
            check_zone(zone, None);
        }
        if let Ok(zone) = SearchZone::iana(text) {
            check_day_start(&zone, 1_434_859_155, None);
        }
    }
});

fn check_zone(zone: SerializedZone, now: Option<i64>) {
    assert!(
        !zone.types().is_empty(),
        "a zone without local time types parsed"
    );
    for t in zone.types() {
        assert!(
            t.utc_offset.abs() <= MAX_OFFSET_SECS,
            "offset {} accepted",
            t.utc_offset
        );
    }
    let transitions = zone.transitions().to_vec();
    assert!(
        transitions.windows(2).all(|w| w[0].0 < w[1].0),
        "transitions out of order accepted"
    );
    assert!(transitions.iter().all(|&(_, i)| i < zone.types().len()));
    let mut instants = vec![
        0,
        1_434_859_155,
        MIN_NOW_SECS,
        MAX_NOW_SECS,
        MIN_NOW_SECS - 1,
        MAX_NOW_SECS + 1,
        i64::MIN,
        i64::MAX,
    ];
    instants.extend(now);
    let near = transitions
        .iter()
        .take(4)
        .chain(transitions.iter().rev().take(4));
    for &(at, _) in near {
        for delta in [-DAY - 1, -1, 0, 1, DAY] {
            instants.push(at.saturating_add(delta));
        }
    }
    let zone = SearchZone::Serialized(zone);
    for now in instants {
        check_day_start(&zone, now, Some(&transitions));
    }
}

/// Local calendar day number (days since 1970-01-01 local) of `t`.
fn local_day(zone: &SearchZone, t: i64) -> i64 {
    let (offset, _) = zone.local_time_at(t);
    (t + i64::from(offset)).div_euclid(DAY)
}

fn check_day_start(zone: &SearchZone, now: i64, transitions: Option<&[(i64, usize)]>) {
    let _ = zone.describe_at(now);
    let start = zone.start_of_day(now);
    if !(MIN_NOW_SECS..=MAX_NOW_SECS).contains(&now) {
        assert!(start.is_err(), "now={now} out of range gave {start:?}");
        return;
    }
    let start = match start {
        Ok(start) => start,
        Err(e) => panic!("now={now} in range but start_of_day failed: {e}"),
    };
    let day = local_day(zone, now);
    assert!(start <= now, "start {start} after now {now}");
    assert!(
        now - start < WINDOW,
        "start {start} more than 4 days before now {now}"
    );
    assert_eq!(
        local_day(zone, start),
        day,
        "start {start} not on now's ({now}) local date"
    );
    assert_ne!(
        local_day(zone, start - 1),
        day,
        "start {start} not the first instant of its day"
    );
    // Earliest: every offset segment of [now - WINDOW, start) stays off `day`.
    let Some(transitions) = transitions else {
        return;
    };
    let lo = now - WINDOW;
    let mut bounds = vec![lo];
    let from = transitions.partition_point(|&(at, _)| at <= lo);
    let to = transitions.partition_point(|&(at, _)| at < start);
    bounds.extend(
        transitions
            .get(from..to)
            .unwrap_or_default()
            .iter()
            .map(|&(at, _)| at),
    );
    bounds.push(start);
    for w in bounds.windows(2) {
        let (first, last) = (w[0], w[1] - 1);
        let (offset, _) = zone.local_time_at(first);
        let day_first = (first + i64::from(offset)).div_euclid(DAY);
        let day_last = (last + i64::from(offset)).div_euclid(DAY);
        assert!(
            !(day_first..=day_last).contains(&day),
            "now={now}: instants in [{first}, {last}] lie on its local date, before start {start}"
        );
    }
}
