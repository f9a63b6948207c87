//! Cost of one statrs Student's t call, as the predictive method makes them: the quantile
//! t⁻¹_ν(1 − fpr) (by symmetry, `-inverse_cdf(fpr)`) and the upper tail `sf` at a t score.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use statrs::distribution::{Cauchy, ContinuousCDF, StudentsT};

fn calls(c: &mut Criterion) {
    let mut group = c.benchmark_group("students_t");
    for df in [1.0, 29.0, 9999.0] {
        let t = StudentsT::new(0.0, 1.0, df).unwrap();
        group.bench_function(format!("new df={df}"), |b| {
            b.iter(|| StudentsT::new(0.0, 1.0, black_box(df)).unwrap())
        });
        for fpr in [1e-3, 1e-9] {
            group.bench_function(format!("-inverse_cdf({fpr:e}) df={df}"), |b| {
                b.iter(|| -t.inverse_cdf(black_box(fpr)))
            });
        }
        // A t score near the bound, and one deep in the tail (sf about 1e-100 or less).
        for x in [5.0, 50.0] {
            group.bench_function(format!("sf({x}) df={df}"), |b| {
                b.iter(|| t.sf(black_box(x)))
            });
        }
    }
    // ν = 1 through the Cauchy distribution (see tests/students_t.rs).
    let cauchy = Cauchy::new(0.0, 1.0).unwrap();
    group.bench_function("-Cauchy::inverse_cdf(1e-9)", |b| {
        b.iter(|| -cauchy.inverse_cdf(black_box(1e-9)))
    });
    group.finish();
}

criterion_group!(benches, calls);
criterion_main!(benches);
