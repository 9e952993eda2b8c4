//! A small workspace of fuzzed modules, every query at fuzzed offsets, then an incremental change.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (files, offsets) = canopy_analysis_fuzz::workspace_input(data);
    let mut all = vec![("flake.nix".to_string(), canopy_analysis_fuzz::FLAKE.to_string())];
    all.extend(files);
    canopy_analysis_fuzz::on_analysis_stack(|| canopy_analysis_fuzz::workspace_queries(all, &offsets));
});
