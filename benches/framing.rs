//! Framing throughput: chunks decoded from input pushed in stdin-sized blocks, in bytes/s.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use emailoutlier::protocol::frame::{write_chunk, ChunkDecoder, Limits};
use emailoutlier::READ_BLOCK_BYTES;

/// `count` execute chunks of `body_bytes` each.
fn wire(count: usize, body_bytes: usize) -> Vec<u8> {
    let body = vec![b'x'; body_bytes];
    let mut out = Vec::new();
    for _ in 0..count {
        write_chunk(&mut out, br#"{"action":"execute","finished":false}"#, &body);
    }
    out
}

fn decode(c: &mut Criterion) {
    let mut group = c.benchmark_group("framing");
    for (name, input) in [
        ("4x4MiB", wire(4, 4 << 20)),
        ("4096x1KiB", wire(4096, 1024)),
    ] {
        group.throughput(Throughput::Bytes(input.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut decoder = ChunkDecoder::new(Limits::default());
                let mut bytes = 0;
                for block in input.chunks(READ_BLOCK_BYTES) {
                    decoder.push(block);
                    while let Ok(Some(chunk)) = decoder.poll_chunk() {
                        bytes += chunk.metadata.len() + chunk.body.len();
                    }
                }
                black_box(bytes)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
