//! Unit tests of the glue: where now/tz come from, and rows over several chunks.
use super::*;
use crate::protocol::message::SearchInfo;

const HEADER: &[u8] = b"dest_ip,_time,bytes_out\n";

/// A fake environment: the clock at 2026-01-01T12:00Z in UTC, and files from a table.
fn environment(read_file: fn(&Path) -> std::io::Result<Vec<u8>>) -> Environment {
    Environment {
        system_now: 1_767_268_800.0,
        system_zone: jiff::tz::TimeZone::UTC,
        read_file,
    }
}

fn getinfo(args: &[&str], dispatch_dir: &str) -> GetInfo {
    GetInfo {
        searchinfo: SearchInfo {
            args: args.iter().map(|a| a.to_string()).collect(),
            dispatch_dir: dispatch_dir.into(),
            ..SearchInfo::default()
        },
        ..GetInfo::default()
    }
}

/// Runs getinfo, one body and finish; returns the output body and the messages.
fn run(
    command: &mut OutlierCommand,
    args: &[&str],
    dispatch_dir: &str,
    body: &[u8],
) -> Result<(String, Vec<Message>), CommandError> {
    command.getinfo(&getinfo(args, dispatch_dir))?;
    let mut reader = BodyReader::new(body, &Default::default())?;
    command.feed(&mut reader)?;
    let mut out = Vec::new();
    let mut writer = BodyWriter::new(&mut out);
    let messages = command.finish(&mut writer)?;
    writer.finish()?;
    Ok((String::from_utf8(out)?, messages))
}

fn info_text(messages: &[Message]) -> &str {
    messages
        .iter()
        .find(|m| m.level == Level::Info)
        .map_or("", |m| m.text.as_str())
}

#[test]
fn getinfo_declares_events_and_the_fields_it_reads() {
    let mut command = OutlierCommand::new(environment(|_| unreachable!()));
    let reply = command
        .getinfo(&getinfo(&["value=bytes", "by=host"], ""))
        .unwrap();
    assert_eq!(reply.command_type, CommandType::Events);
    assert_eq!(
        reply.required_fields,
        Some(vec!["host".into(), "_time".into(), "bytes".into()])
    );
    let reply = command.getinfo(&getinfo(&["mode=annotate"], "")).unwrap();
    assert_eq!(reply.required_fields, None, "annotate returns every field");
    let reply = command.getinfo(&getinfo(&["mode=backtest"], "")).unwrap();
    assert_eq!(reply.required_fields, None, "backtest returns every field");
}

#[test]
fn a_bad_option_fails_getinfo_naming_it() {
    let mut command = OutlierCommand::new(environment(|_| unreachable!()));
    let error = command
        .getinfo(&getinfo(&["deviation_threshold=-1"], ""))
        .unwrap_err()
        .to_string();
    assert!(error.contains("deviation_threshold"), "{error}");
}

#[test]
fn options_win_and_info_csv_is_not_read() {
    let mut command = OutlierCommand::new(environment(|_| panic!("must not read files")));
    let (_, messages) = run(
        &mut command,
        &["now=1767268800", "tz=Asia/Tokyo"],
        "/dispatch/1",
        HEADER,
    )
    .unwrap();
    let info = info_text(&messages);
    assert!(info.contains("now=1767268800 (from option)"), "{info}");
    assert!(info.contains("tz=Asia/Tokyo"), "{info}");
    // 2026-01-01T12:00Z is 21:00 in Tokyo: the day began at 2025-12-31T15:00Z.
    assert!(
        info.contains("today starts at 2025-12-31T15:00:00Z"),
        "{info}"
    );
}

#[test]
fn info_csv_gives_now_and_zone() {
    // now = 2026-01-01T06:00Z; a fixed zone of UTC-08:00 ("PST"): local 2025-12-31 22:00,
    // so the day began at 2025-12-31T08:00Z.
    let mut command = OutlierCommand::new(environment(|path| {
        assert_eq!(path, Path::new("/dispatch/1/info.csv"));
        Ok(
            b"now,_tz\n\"1767247200.000000000\",\"### SERIALIZED TIMEZONE FORMAT 1.0;\
             Y-28800 NW 50 53 54;$\"\n"
                .to_vec(),
        )
    }));
    let (_, messages) = run(&mut command, &[], "/dispatch/1", HEADER).unwrap();
    let info = info_text(&messages);
    assert!(info.contains("now=1767247200 (from info.csv)"), "{info}");
    assert!(
        info.contains("(from info.csv), today starts at 2025-12-31T08:00:00Z"),
        "{info}"
    );
}

#[test]
fn a_missing_info_csv_falls_back_to_the_system_with_a_warning() {
    let mut command = OutlierCommand::new(environment(|_| {
        Err(std::io::Error::from(std::io::ErrorKind::NotFound))
    }));
    let (_, messages) = run(&mut command, &[], "/dispatch/1", HEADER).unwrap();
    assert_eq!(messages[0].level, Level::Warn);
    assert!(messages[0]
        .text
        .contains("/dispatch/1/info.csv does not exist"));
    assert!(messages[0]
        .text
        .ends_with("using the system clock and time zone for \"today\""));
    assert!(info_text(&messages).contains("now=1767268800 (from system)"));

    let mut command = OutlierCommand::new(environment(|_| {
        Err(std::io::Error::from(std::io::ErrorKind::NotFound))
    }));
    let (_, messages) = run(&mut command, &["now=1767268800"], "/dispatch/1", HEADER).unwrap();
    assert!(
        messages[0]
            .text
            .ends_with("using the system time zone for \"today\""),
        "{}",
        messages[0].text
    );
}

#[test]
fn an_unreadable_or_malformed_info_csv_is_an_error_with_a_way_out() {
    let mut command = OutlierCommand::new(environment(|_| {
        Err(std::io::Error::from(std::io::ErrorKind::PermissionDenied))
    }));
    let error = run(&mut command, &[], "/dispatch/1", HEADER)
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("cannot read /dispatch/1/info.csv"),
        "{error}"
    );
    assert!(
        error.contains("now=<epoch seconds> and tz=<zone>"),
        "{error}"
    );

    let mut command = OutlierCommand::new(environment(|_| Ok(b"now,_tz\nyesterday,\n".to_vec())));
    let error = run(&mut command, &[], "/dispatch/1", HEADER)
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("cannot use /dispatch/1/info.csv"),
        "{error}"
    );
    assert!(error.contains("yesterday"), "{error}");
}

#[test]
fn no_dispatch_dir_means_the_system_clock() {
    let mut command = OutlierCommand::new(environment(|_| unreachable!()));
    let (_, messages) = run(&mut command, &["tz=UTC"], "", HEADER).unwrap();
    assert!(info_text(&messages).contains("now=1767268800 (from system)"));
}

#[test]
fn rows_from_several_chunks_give_the_alert() {
    // 10.0.0.1: 100, 110, 90, 100 on prior days, 1000 today; 10.0.0.2: 100 every day.
    // Global: 10 values, sum 1900, mean 190; per-source prior mean of 10.0.0.1 is 100.
    let mut command = OutlierCommand::new(environment(|_| unreachable!()));
    command
        .getinfo(&getinfo(
            &["now=1767268800", "tz=UTC", "deviation_threshold=2"],
            "",
        ))
        .unwrap();
    let chunks: [&[u8]; 3] = [
        b"dest_ip,_time,bytes_out\n10.0.0.1,1766880000,100\n10.0.0.2,1766880000,100\n\
          10.0.0.1,1766966400,110\n10.0.0.2,1766966400,100\n",
        b"dest_ip,_time,bytes_out\n10.0.0.1,1767052800,90\n10.0.0.2,1767052800,100\n\
          10.0.0.1,1767139200,100\n10.0.0.2,1767139200,100\n",
        b"dest_ip,_time,bytes_out\n10.0.0.1,1767225600,1000\n10.0.0.2,1767225600,100\n",
    ];
    for chunk in chunks {
        let mut reader = BodyReader::new(chunk, &Default::default()).unwrap();
        command.feed(&mut reader).unwrap();
    }
    let mut out = Vec::new();
    let mut writer = BodyWriter::new(&mut out);
    let messages = command.finish(&mut writer).unwrap();
    writer.finish().unwrap();
    // Global sample stdev: deviations from 190 are -90,-80,-100,-90,810 and five -90:
    // squares 8100+6400+10000+8100+656100+5*8100 = 729200; /9 = 81022.2…; sqrt = 284.64…
    // 1000 > 190 + 2*284.64 holds. Per source: 100,110,90,100 → mean 100, stdev
    // sqrt(200/3) = 8.1649…; ratios |1000-190|/284.6440 = 2.8457… → 2.85 and
    // 900/8.1649… = 110.2270… → 110.23.
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "dest_ip,_time,bytes_out,avg_bytes_out,per_source_avg_bytes_out,\
         num_standard_deviations_away_from_server_average,\
         num_standard_deviations_away_from_client_average\n\
         10.0.0.1,1767225600,1000,190,100,2.85,110.23\n"
    );
    assert!(info_text(&messages).starts_with("rows read 10, hosts 2, today's rows 2, alerts 1"));
}
