//! The fuzz targets' properties (`herald::fuzzing`), as property tests that run with
//! `cargo test`: arbitrary and near-valid inputs for the front-matter parser, the caption
//! parser, the config loader and the inbox never panic, findings point at real positions, and a
//! reply never repeats the message. Inputs the fuzzers found are kept below as regressions.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)] // test code: a failed unwrap is a failed test

use herald::fuzzing;
use proptest::prelude::*;

/// Text made of the pieces each format is built from, so the parsers get past their first
/// check often: delimiters, keys, brackets, quotes, timings, line breaks and odd characters.
fn pieces(alphabet: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(alphabet), 0..60).prop_map(|p| p.concat())
}

const FRONT: &[&str] = &[
    "+++",
    "+++\n",
    "\n",
    "\r\n",
    "publish_at = ",
    "2026-12-01T10:00:00",
    "2026-13-45",
    "channels = [",
    "]",
    "\"outbox\"",
    ", ",
    "[[images]]\n",
    "path = ",
    "\"media/a.png\"",
    "alt = ",
    "[allow]\n",
    "kind = ",
    "\"news\"",
    "{",
    "}",
    "'",
    "\"\"\"",
    "\\u00e9",
    "é",
    "🎉",
    "#",
    "=",
    "[",
    "a.b.c = 1\n",
    "x",
    " ",
    "\t",
    "\u{feff}",
    "\0",
];

const CAPTIONS: &[&str] = &[
    "WEBVTT",
    "\n",
    "\r\n",
    "\n\n",
    "1",
    "2",
    "00:00:01,000",
    "00:00:01.000",
    "00:01.000",
    " --> ",
    "-->",
    "99999999999999999999:00:00,000",
    "18446744073709551615:59:59.999",
    "NOTE",
    "STYLE",
    "Hello",
    " ",
    "align:start",
    ":",
    ",",
    ".",
    "é",
    "\u{feff}",
];

const CONFIG: &[&str] = &[
    "timezone = \"Europe/London\"\n",
    "[database]\n",
    "url = \"sqlite://herald.db\"\n",
    "[[accounts]]\n",
    "name = \"outbox\"\n",
    "platform = \"outbox\"\n",
    "[hours]\n",
    "monday = \"09:00-17:00\"\n",
    "closed = [\"2026-12-24\"]\n",
    "[inbox]\n",
    "once_per_sender_days = 99999999999\n",
    "[server]\n",
    "listen = \"127.0.0.1:0\"\n",
    "\n",
    "=",
    "[",
    "]",
    "{",
    "}",
    "\"",
    "a",
    "1",
    "-",
    ".",
    "é",
    "#",
];

const MESSAGE: &[&str] = &[
    "{next_open}",
    "{reopens}",
    "{name}",
    "{",
    "}",
    "@nhsengland",
    "@someone@mastodon.example",
    "#flu",
    "https://evil.example/x",
    "www.example.com",
    "hello",
    "GP",
    "complaint",
    "appointment",
    "suicide",
    "kill myself",
    "07700 900123",
    "943 476 5919",
    "SW1A 1AA",
    "me@example.com",
    "Example ICB communications team",
    "automatic reply",
    " ",
    "\n",
    ".",
    "!",
    "é",
    "🎉",
    "\u{202e}",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn front_matter_any_bytes(data in prop::collection::vec(any::<u8>(), 0..400)) {
        fuzzing::front_matter(&data);
    }

    #[test]
    fn front_matter_near_valid(text in pieces(FRONT)) {
        fuzzing::front_matter(text.as_bytes());
    }

    #[test]
    fn captions_any_text(text in ".{0,300}") {
        fuzzing::captions(text.as_bytes());
    }

    #[test]
    fn captions_near_valid(text in pieces(CAPTIONS)) {
        fuzzing::captions(text.as_bytes());
    }

    #[test]
    fn config_any_text(text in ".{0,300}") {
        fuzzing::config(text.as_bytes());
    }

    #[test]
    fn config_near_valid(text in pieces(CONFIG)) {
        fuzzing::config(text.as_bytes());
    }

    #[test]
    fn inbox_any_text(text in ".{0,300}") {
        fuzzing::inbox(text.as_bytes());
    }

    #[test]
    fn inbox_near_valid(text in pieces(MESSAGE)) {
        fuzzing::inbox(text.as_bytes());
    }
}

#[test]
fn a_reply_never_repeats_placeholders_links_or_mentions() {
    let mentions: String = (0..50).map(|i| format!("@person{i} ")).collect();
    for message in [
        "When do you {reopens}? {name} {next_open} {signature} {{next_open}}".to_owned(),
        "See https://evil.example/phish and www.evil.example now".to_owned(),
        format!("{mentions} look at this"),
        "My GP won't see me, I want to complain. {next_open}".to_owned(),
        "Is the walk-in centre in Leeds open on Boxing Day please".to_owned(),
    ] {
        fuzzing::inbox(message.as_bytes());
    }
}

#[test]
fn untrusted_pieces_find_what_must_not_be_repeated() {
    let pieces = fuzzing::untrusted_pieces("Hi @a and @b, see https://x.example/p {name}!");
    for expected in ["@a", "@b", "https://x.example/p", "{name}"] {
        assert!(pieces.iter().any(|p| p == expected), "{expected} in {pieces:?}");
    }
}
