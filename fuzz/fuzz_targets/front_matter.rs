//! Fuzzes `herald::fuzzing::front_matter` (see that function for the properties checked).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| herald::fuzzing::front_matter(data));
