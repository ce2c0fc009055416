//! Answers as ELM327 adapters print them (headers on), one transcript per protocol, plus every
//! adapter message, refusals, and random garbage that must never panic the parser.

use dixon_obd::{parse, parse_dtcs, Error, Protocol};
use proptest::prelude::*;

#[test]
fn can_11_bit_single_frames_from_two_ecus() {
    // 01 00 on a car with an engine (7E8) and a transmission (7E9) controller
    let raw = "SEARCHING...\r7E8 06 41 00 BE 3F A8 13 00\r7E9 06 41 00 98 18 80 11 00\r\r>";
    let answers = parse(raw, Protocol::Can11Bit500, 0x01).unwrap();
    assert_eq!(answers.len(), 2);
    assert_eq!((answers[0].ecu, answers[0].data.as_slice()), (0x7E8, &[0x41, 0x00, 0xBE, 0x3F, 0xA8, 0x13][..]));
    assert_eq!(answers[1].ecu, 0x7E9);
}

#[test]
fn can_without_spaces_and_with_a_multi_frame_vin() {
    // 09 02 with ATS0: a first frame and two consecutive frames
    let raw = "7E81014490201314847\r7E82143\r7E8214D38323633334130\r7E82230303433353200000000\r>";
    // (the line "7E82143" is a stray too-short frame on a noisy bus; the sequence continues)
    let error = parse(raw, Protocol::Can11Bit500, 0x09).unwrap_err();
    assert!(matches!(error, Error::Garbled(_)), "an out-of-order frame is an error, not a wrong VIN: {error}");
    let clean = "7E8 10 14 49 02 01 31 48 47\r7E8 21 43 4D 38 32 36 33 33\r7E8 22 41 30 30 34 33 35 32\r>";
    let vin = parse(clean, Protocol::Can11Bit500, 0x09).unwrap();
    assert_eq!(&vin[0].data[3..], b"1HGCM82633A004352");
}

#[test]
fn can_29_bit_headers() {
    let raw = "18 DA F1 10 03 41 0D 32\r18 DA F1 18 03 41 0D 32\r>";
    let answers = parse(raw, Protocol::Can29Bit500, 0x01).unwrap();
    assert_eq!(answers.iter().map(|a| a.ecu).collect::<Vec<_>>(), [0x18DAF110, 0x18DAF118]);
    assert_eq!(answers[0].data, [0x41, 0x0D, 0x32]);
}

#[test]
fn legacy_protocols_drop_the_checksum_and_join_frames() {
    // J1850 VPW, 01 0C: 48 6B 10 = priority, target, source ECU 10; last byte the checksum
    let rpm = parse("48 6B 10 41 0C 1A F8 D5\r>", Protocol::J1850Vpw, 0x01).unwrap();
    assert_eq!((rpm[0].ecu, rpm[0].data.as_slice()), (0x10, &[0x41, 0x0C, 0x1A, 0xF8][..]));
    // ISO 9141-2, 03 with two frames of three codes each
    let raw = "48 6B 10 43 01 71 03 01 00 00 8A\r48 6B 10 43 04 20 00 00 00 00 11\r>";
    let codes = parse(raw, Protocol::Iso9141, 0x03).unwrap();
    let dtcs = parse_dtcs(&codes[0].data, false, None).unwrap();
    assert_eq!(dtcs.iter().map(|d| d.0.as_str()).collect::<Vec<_>>(), ["P0171", "P0301", "P0420"]);
    // KWP fast init
    let kwp = parse("86 F1 11 41 05 7B 13\r>", Protocol::KwpFast, 0x01).unwrap();
    assert_eq!(kwp[0].data, [0x41, 0x05, 0x7B]);
}

#[test]
fn every_adapter_message_is_an_error_that_says_what_to_do() {
    let cases: [(&str, fn(&Error) -> bool); 9] = [
        ("NO DATA\r\r>", |e| matches!(e, Error::NoData)),
        ("SEARCHING...\rUNABLE TO CONNECT\r>", |e| matches!(e, Error::UnableToConnect)),
        ("BUS INIT: ...ERROR\r>", |e| matches!(e, Error::BusInit(_))),
        ("CAN ERROR\r>", |e| matches!(e, Error::Bus(_))),
        ("BUFFER FULL\r>", |e| matches!(e, Error::BufferFull)),
        ("STOPPED\r>", |e| matches!(e, Error::Stopped)),
        ("?\r>", |e| matches!(e, Error::Unknown)),
        ("LV RESET\r>", |e| matches!(e, Error::Reset)),
        ("", |e| matches!(e, Error::NoData)),
    ];
    for (raw, expected) in cases {
        let error = parse(raw, Protocol::Can11Bit500, 0x01).unwrap_err();
        assert!(expected(&error), "{raw:?} gave {error:?}");
        assert!(error.to_string().len() > 20, "{error}");
    }
}

#[test]
fn a_negative_response_is_a_refusal_never_a_value() {
    let error = parse("7E8 03 7F 04 22\r>", Protocol::Can11Bit500, 0x04).unwrap_err();
    assert_eq!(error, Error::Negative { ecu: 0x7E8, service: 0x04, code: 0x22 });
    assert!(error.to_string().contains("conditions not correct"));
    // "response pending" is followed by the real answer
    let pending = parse("7E8 03 7F 01 78\r7E8 03 41 0D 32\r>", Protocol::Can11Bit500, 0x01);
    assert_eq!(pending.unwrap()[0].data, [0x41, 0x0D, 0x32]);
}

#[test]
fn partial_and_odd_lines_are_errors() {
    assert!(matches!(parse("7E8 10 14 49 02 01 31 48 47\r>", Protocol::Can11Bit500, 0x09), Err(Error::Garbled(_))));
    assert!(matches!(parse("7E8 06 41 0\r>", Protocol::Can11Bit500, 0x01), Err(Error::Garbled(_))));
    assert!(matches!(parse("hello\r>", Protocol::Can11Bit500, 0x01), Err(Error::Garbled(_))));
    assert_eq!(Protocol::from_dpn("A6\r>"), Some(Protocol::Can11Bit500));
    assert_eq!(Protocol::from_dpn("7"), Some(Protocol::Can29Bit500));
    assert_eq!(Protocol::from_dpn("X"), None);
}

const PROTOCOLS: [Protocol; 9] = [
    Protocol::J1850Pwm,
    Protocol::J1850Vpw,
    Protocol::Iso9141,
    Protocol::Kwp5Baud,
    Protocol::KwpFast,
    Protocol::Can11Bit500,
    Protocol::Can29Bit500,
    Protocol::Can11Bit250,
    Protocol::Can29Bit250,
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3_000))]

    #[test]
    fn no_byte_sequence_panics_the_parser(bytes in proptest::collection::vec(any::<u8>(), 0..200), p in 0..9usize, service in any::<u8>()) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = parse(&text, PROTOCOLS[p], service);
        let _ = parse_dtcs(&bytes, service % 2 == 0, None);
        let _ = parse_dtcs(&bytes, service % 2 == 0, Some(p));
    }

    #[test]
    fn no_hex_looking_garbage_panics_the_parser(
        lines in proptest::collection::vec("[0-9A-F ]{0,40}", 0..12),
        p in 0..9usize,
        service in 0u8..0x10,
    ) {
        let _ = parse(&lines.join("\r"), PROTOCOLS[p], service);
    }
}
