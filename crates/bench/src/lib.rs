//! canopy's performance instruments: a generator of realistic dendritic workspaces (and of one
//! large nixpkgs-style file), with a manifest of what it planted, for the benchmark command, the
//! micro-benchmarks and the test that keeps the generated workspaces valid.

pub mod dimensions;
pub mod generator;
pub mod manifest;
pub mod rng;
