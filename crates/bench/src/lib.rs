//! canopy's performance instruments: a generator of realistic dendritic workspaces (and of one
//! large nixpkgs-style file), with a manifest of what it planted, for the benchmark command, the
//! micro-benchmarks and the test that keeps the generated workspaces valid.

/// Every program built on this library (`canopy-bench run`, the divan benchmarks) allocates as
/// `canopy` does (crates/cli/src/main.rs): what they time is what ships.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod dimensions;
pub mod generator;
pub mod manifest;
pub mod rng;
