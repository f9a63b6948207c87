//! Engine feed + finish over generated tstats rows (rows/s), without CSV parsing.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use emailoutlier::cli::sample::{write_sample, SampleSpec};
use emailoutlier::detect::engine::{Engine, RowSink};
use emailoutlier::detect::options::Options;

/// Discards the output.
struct Discard;

impl RowSink for Discard {
    type Error = std::convert::Infallible;
    fn write_header(&mut self, _: &[&str]) -> Result<(), Self::Error> {
        Ok(())
    }
    fn write_row(&mut self, fields: &[&[u8]]) -> Result<(), Self::Error> {
        std::hint::black_box(fields);
        Ok(())
    }
}

fn engine(c: &mut Criterion) {
    let spec = SampleSpec {
        hosts: 10_000,
        missing_percent: 0,
        ..SampleSpec::default()
    };
    let mut csv = Vec::new();
    write_sample(&spec, &mut csv).expect("writing to a Vec");
    let rows: Vec<[&[u8]; 3]> = csv
        .split(|&b| b == b'\n')
        .skip(1)
        .filter(|line| !line.is_empty())
        .map(|line| {
            let mut fields = line.splitn(3, |&b| b == b',');
            let mut next = || fields.next().unwrap_or_default();
            [next(), next(), next()]
        })
        .collect();
    let options = Options::default();
    let day_start = spec.now - spec.now % 86_400;
    let header: Vec<String> = ["dest_ip", "_time", "bytes_out"].map(String::from).into();

    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(rows.len() as u64));
    group.bench_function("feed+finish 10k hosts x 30 days", |b| {
        b.iter(|| {
            let mut engine = Engine::new(&options, day_start);
            engine.bind(&header).expect("fields present");
            for [by, time, value] in &rows {
                engine.feed(by, time, value, &[]);
            }
            engine.finish(&mut Discard)
        });
    });
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
