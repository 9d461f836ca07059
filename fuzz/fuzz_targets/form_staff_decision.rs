#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| mamis::fuzz_targets::form_staff_decision(data));
