//! Number formatting of the output fields (numbers/s).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use emailoutlier::detect::output::{write_rounded2, write_shortest};

fn output(c: &mut Criterion) {
    // Averages of byte counts and ratios as the detection prints them.
    let averages: Vec<f64> = (1..=1000u32)
        .map(|i| f64::from(i) * 123_456_789.0 / 7.0)
        .collect();
    let ratios: Vec<f64> = (1..=1000u32).map(|i| f64::from(i) / 37.0).collect();
    let mut out = Vec::with_capacity(64 * 1024);

    let mut group = c.benchmark_group("output");
    group.throughput(Throughput::Elements(1000));
    group.bench_function("write_shortest", |b| {
        b.iter(|| {
            out.clear();
            for &x in &averages {
                write_shortest(&mut out, x);
            }
            out.len()
        });
    });
    group.bench_function("write_rounded2", |b| {
        b.iter(|| {
            out.clear();
            for &x in &ratios {
                write_rounded2(&mut out, x);
            }
            out.len()
        });
    });
    group.finish();
}

criterion_group!(benches, output);
criterion_main!(benches);
