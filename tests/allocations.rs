//! The hot path does not allocate per row: heap allocations on this thread are counted by a
//! wrapping global allocator (this test binary's own, so it is separate from `tests`).
//!
//! Counts, not times: these tests pass or fail the same on any machine.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use emailoutlier::cli::sample::{write_sample, SampleSpec};
use emailoutlier::command::{Environment, OutlierCommand};
use emailoutlier::detect::engine::{Engine, RowSink};
use emailoutlier::detect::options::Options;
use emailoutlier::protocol::body::BodyReader;
use emailoutlier::protocol::frame::{write_chunk, Limits};
use emailoutlier::protocol::session::Outcome;

/// The system allocator, counting allocations and reallocations made by each thread.
struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn count_one() {
    // `try_with`: allocations during thread teardown are not counted.
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

// SAFETY: every call is forwarded to `System` unchanged; counting does not allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_one();
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        System.realloc(ptr, layout, new_size)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made by this thread while `f` runs.
fn allocations_in<T>(f: impl FnOnce() -> T) -> (u64, T) {
    let before = ALLOCATIONS.with(Cell::get);
    let result = f();
    (ALLOCATIONS.with(Cell::get) - before, result)
}

const NOW: i64 = 1_767_268_800;
const ROWS_PER_CHUNK: usize = 50_000;

/// `hosts` × 30 days of sample rows (header first), as the CLI would read them.
fn sample(hosts: u64) -> Vec<u8> {
    let spec = SampleSpec {
        hosts,
        days: 30,
        now: NOW,
        missing_percent: 0,
        ..SampleSpec::default()
    };
    let mut csv = Vec::new();
    write_sample(&spec, &mut csv).unwrap();
    csv
}

/// The sample as splunkd sends it: getinfo, execute chunks of 50,000 rows each with the
/// header row, and a final chunk with only the header row.
fn splunkd_input(csv: &[u8]) -> Vec<u8> {
    let mut lines = csv.split_inclusive(|&b| b == b'\n');
    let header = lines.next().unwrap();
    let rows: Vec<&[u8]> = lines.collect();
    let mut input = Vec::new();
    let getinfo =
        format!(r#"{{"action":"getinfo","searchinfo":{{"args":["now={NOW}","tz=UTC"]}}}}"#);
    write_chunk(&mut input, getinfo.as_bytes(), b"");
    for chunk in rows.chunks(ROWS_PER_CHUNK) {
        let body = [&[header][..], chunk].concat().concat();
        write_chunk(
            &mut input,
            br#"{"action":"execute","finished":false}"#,
            &body,
        );
    }
    write_chunk(
        &mut input,
        br#"{"action":"execute","finished":true}"#,
        header,
    );
    input
}

fn environment() -> Environment {
    Environment {
        system_now: 0.0,
        system_zone: jiff::tz::TimeZone::UTC,
        read_file: |_| Err(std::io::ErrorKind::NotFound.into()),
    }
}

#[test]
fn protocol_run_allocates_less_than_once_per_hundred_rows() {
    let hosts = 10_000;
    let rows = hosts * 30;
    let input = splunkd_input(&sample(hosts));
    let mut output = Vec::with_capacity(1 << 20);
    let (allocations, outcome) = allocations_in(|| {
        emailoutlier::run_protocol(&input[..], &mut output, OutlierCommand::new(environment()))
    });
    assert_eq!(outcome.unwrap(), Outcome::Completed);
    assert!(output.ends_with(b"\n"), "alert rows were written");
    let per_row = allocations as f64 / rows as f64;
    assert!(
        per_row < 0.01,
        "{allocations} allocations for {rows} rows ({per_row:.4} per row)"
    );
}

#[test]
fn reading_plain_rows_allocates_nothing() {
    let csv = sample(2_000);
    let mut reader = BodyReader::new(&csv, &Limits::default()).unwrap();
    let (allocations, (rows, bytes)) = allocations_in(|| {
        let (mut rows, mut bytes) = (0, 0);
        while let Some(row) = reader.read_row().unwrap() {
            rows += 1;
            bytes += row.get(0).len() + row.get(1).len() + row.get(2).len();
        }
        (rows, bytes)
    });
    assert_eq!(rows, 60_000);
    assert!(bytes > 0);
    assert_eq!(allocations, 0, "rows without quotes are split in place");
}

#[test]
fn reading_quoted_rows_reuses_one_buffer() {
    let mut body = b"\"dest_ip\",\"_time\",\"bytes_out\"\n".to_vec();
    for i in 0..20_000 {
        body.extend_from_slice(
            format!("\"10.0.{}.{}\",\"1767225600\",\"{i}\"\n", i / 256, i % 256).as_bytes(),
        );
    }
    let mut reader = BodyReader::new(&body, &Limits::default()).unwrap();
    let (allocations, rows) = allocations_in(|| {
        let mut rows = 0;
        while reader.read_row().unwrap().is_some() {
            rows += 1;
        }
        rows
    });
    assert_eq!(rows, 20_000);
    assert!(
        allocations <= 4,
        "{allocations} allocations: buffers grow once, then are reused"
    );
}

/// Discards output rows.
struct Discard;

impl RowSink for Discard {
    type Error = std::convert::Infallible;
    fn write_header(&mut self, _: &[&str]) -> Result<(), Self::Error> {
        Ok(())
    }
    fn write_row(&mut self, _: &[&[u8]]) -> Result<(), Self::Error> {
        Ok(())
    }
}

#[test]
fn engine_allocates_nothing_for_prior_rows_of_known_hosts() {
    for method in [
        &[][..],
        &["method=predictive", "baseline=all"],
        &["method=predictive", "baseline=daytype"],
    ] {
        let options = Options::parse(method.iter().copied()).unwrap();
        let day_start = NOW - NOW % 86_400;
        let mut engine = Engine::new(&options, day_start);
        let header: Vec<String> = ["dest_ip", "_time", "bytes_out"].map(String::from).into();
        engine.bind(&header).unwrap();
        let hosts: Vec<String> = (0..5_000)
            .map(|i| format!("10.0.{}.{}", i / 256, i % 256))
            .collect();
        let day = |d: i64| (day_start - d * 86_400).to_string();
        let first = day(29);
        for host in &hosts {
            engine.feed(host.as_bytes(), first.as_bytes(), b"1000", &[]);
        }
        let days: Vec<String> = (1..29).rev().map(day).collect();
        let (allocations, ()) = allocations_in(|| {
            for time in &days {
                for (i, host) in hosts.iter().enumerate() {
                    let value = if i % 2 == 0 { &b"1200"[..] } else { b"987.5" };
                    engine.feed(host.as_bytes(), time.as_bytes(), value, &[]);
                }
            }
        });
        assert_eq!(
            allocations, 0,
            "{method:?}: 140,000 prior rows of known hosts"
        );
        let summary = engine.finish(&mut Discard).unwrap();
        assert_eq!((summary.rows_read, summary.hosts), (145_000, 5_000));
    }
}
