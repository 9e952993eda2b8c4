//! The work budget of one summary. The walks are linear in the text where they follow it, but
//! folding copies a value into every place that names it, and copies of copies grow as a power of
//! how deep they nest (ten names each folding the set before, seven times over: ten million config
//! nodes from 742 bytes). Rather than prove every other path linear, each step of the walks is
//! counted against a budget proportional to the text, and so is every config node kept: a file
//! that runs out gets a warning where it did, and its summary is what was read until then.

use std::cell::Cell;

use crate::base::diagnostics::{DiagnosticKind, Finding, Severity};
use crate::base::text::{TextRange, TextSize};

/// Steps of the walks per byte of text, and at least. Every fixture, and a package set like the
/// 20 MB one of `tests/pathological.rs`, takes under 0.2 per byte; `genAttrs` copying a host's
/// configuration to eight names, 0.6.
const STEPS_PER_BYTE: usize = 16;
const STEPS_AT_LEAST: usize = 100_000;

/// Config nodes a summary may hold per byte, and at least: without copies a text writes at most
/// one per byte. Nodes are memory kept for as long as the file is in the workspace, so this bound
/// is the tighter one.
const NODES_PER_BYTE: usize = 4;
const NODES_AT_LEAST: usize = 10_000;

pub(super) struct Budget {
    steps: Cell<usize>,
    max_steps: usize,
    max_nodes: usize,
    /// Where the first step past the budget was asked for.
    ran_out: Cell<Option<TextSize>>,
}

impl Budget {
    pub(super) fn new(text_len: usize) -> Budget {
        Budget {
            steps: Cell::new(0),
            max_steps: text_len.saturating_mul(STEPS_PER_BYTE).max(STEPS_AT_LEAST),
            max_nodes: text_len.saturating_mul(NODES_PER_BYTE).max(NODES_AT_LEAST),
            ran_out: Cell::new(None),
        }
    }

    /// Takes one step at `at`, with `nodes` config nodes kept so far: `false` once the budget is
    /// spent, and from then on.
    pub(super) fn spend(&self, at: TextSize, nodes: usize) -> bool {
        if self.ran_out.get().is_some() {
            return false;
        }
        let steps = self.steps.get() + 1;
        self.steps.set(steps);
        if steps > self.max_steps || nodes >= self.max_nodes {
            self.ran_out.set(Some(at));
            return false;
        }
        true
    }

    /// The warning for a file that ran out, at the place it did.
    pub(super) fn warning(&self) -> Option<Finding> {
        let at = self.ran_out.get()?;
        let message = "too much work for canopy (values copied into too many places, or too many steps, for a \
                       file this size): canopy does not analyse the rest of this file (Nix itself may accept it)";
        let warning = Finding::new(DiagnosticKind::SyntaxError, TextRange::empty(at), message);
        Some(warning.with_severity(Severity::Warning))
    }
}
