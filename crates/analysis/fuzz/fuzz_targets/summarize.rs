//! One file's summary, from any bytes (decoded lossily, as an editor would show them).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    canopy_analysis_fuzz::on_analysis_stack(|| canopy_analysis_fuzz::summarize_one(&text));
});
