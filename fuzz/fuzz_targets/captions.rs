//! Fuzzes `herald::fuzzing::captions` (see that function for the properties checked).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| herald::fuzzing::captions(data));
