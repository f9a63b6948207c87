//! CSV body throughput: rows read (with `__mv_` decoding) and written, in bytes/s.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use emailoutlier::protocol::body::{BodyReader, BodyWriter};
use emailoutlier::protocol::frame::Limits;

/// A splunkd-style body: 5 value columns, their `__mv_` columns, `rows` rows.
fn splunkd_body(rows: usize) -> Vec<u8> {
    let mut out = String::from(
        "\"_time\",src,dest,bytes,note,\"__mv__time\",\"__mv_src\",\"__mv_dest\",\"__mv_bytes\",\"__mv_note\"\n",
    );
    for i in 0..rows {
        let mv = if i % 10 == 0 { "$a$;$b$$c$" } else { "" };
        out.push_str(&format!(
            "\"16273543{i:02}.934\",\"mx{}.example.com\",\"host-{}\",{},\"said \"\"hi\"\"\nthere\",,{mv},,,\n",
            i % 97,
            i % 13,
            i * 7
        ));
    }
    out.into_bytes()
}

fn read(c: &mut Criterion) {
    let body = splunkd_body(50_000);
    let mut group = c.benchmark_group("body");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("read 50k rows", |b| {
        b.iter(|| {
            let mut reader = BodyReader::new(&body, &Limits::default()).unwrap();
            let mut values = 0;
            while let Some(row) = reader.read_row().unwrap() {
                values += row.get(3).len() + row.values(1).count();
            }
            black_box(values)
        })
    });
    let write = |out: &mut Vec<u8>| {
        out.clear();
        let mut writer = BodyWriter::new(out);
        writer
            .write_header(&["_time", "src", "bytes", "note"])
            .unwrap();
        for i in 0..50_000u32 {
            let bytes = i.to_string();
            let row: [&[u8]; 4] = [
                b"1627354345.934",
                b"mx1.example.com",
                bytes.as_bytes(),
                b"a, \"b\"",
            ];
            writer.write_row(&row).unwrap();
        }
        writer.finish().unwrap();
    };
    let mut out = Vec::new();
    write(&mut out);
    group.throughput(Throughput::Bytes(out.len() as u64));
    group.bench_function("write 50k rows", |b| {
        b.iter(|| {
            write(&mut out);
            black_box(out.len())
        })
    });
    group.finish();
}

criterion_group!(benches, read);
criterion_main!(benches);
