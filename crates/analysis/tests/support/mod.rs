//! What the analysis tests share: the fixture repositories and their seeded mutations, running on
//! a caller's stack, and a seeded random stream.

#![allow(dead_code)]

/// The fuzz targets' bodies, built and run by the stable property tests too.
#[path = "../../fuzz/src/lib.rs"]
pub mod bodies;

mod fixtures;
mod mutations;

// Each test binary includes this module and uses part of it.
#[allow(unused_imports)]
pub use bodies::on_analysis_stack;
#[allow(unused_imports)]
pub use fixtures::*;
#[allow(unused_imports)]
pub use mutations::*;
