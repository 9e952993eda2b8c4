//! A layered layout (after Sugiyama): each node's layer is its longest path from a node nothing
//! imports, so hosts stand left of the aspects they get and every edge points right; rows within
//! a layer follow the mean row of each node's neighbours, a few sweeps each way, so that edges
//! cross less. Cycles (aspects importing each other, which Nix allows) are cut where a
//! depth-first walk meets them.
//!
//! Written here rather than taken from a crate: the picture needs only layer and row, and the
//! cost must stay linear in the edges per sweep for graphs of thousands of nodes (the layout
//! crates found do force-directed or full Sugiyama with quadratic crossing minimisation).

/// Sweeps of the row ordering, down and up: past a few, crossings barely change.
const SWEEPS: usize = 4;

/// The layer and row of each of `n` nodes joined by `edges` (from, to).
pub(super) fn place(n: usize, edges: impl Iterator<Item = (usize, usize)>) -> Vec<(u32, u32)> {
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (from, to) in edges {
        if from != to {
            out[from].push(to);
        }
    }
    let forward = acyclic(&out);
    let layer = layers(n, &forward);
    // Neighbours in both directions along the kept edges, for the barycentres.
    let mut before: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut after: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (from, targets) in forward.iter().enumerate() {
        for &to in targets {
            after[from].push(to);
            before[to].push(from);
        }
    }
    let depth = layer.iter().copied().max().map_or(0, |d| d + 1);
    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); depth];
    for (node, &l) in layer.iter().enumerate() {
        rows[l].push(node);
    }
    let mut row = vec![0f64; n];
    let number = |rows: &Vec<Vec<usize>>, row: &mut Vec<f64>| {
        for nodes in rows {
            for (i, &node) in nodes.iter().enumerate() {
                row[node] = i as f64;
            }
        }
    };
    number(&rows, &mut row);
    for sweep in 0..SWEEPS {
        let down = sweep % 2 == 0;
        let order: Vec<usize> = if down { (1..depth).collect() } else { (0..depth.saturating_sub(1)).rev().collect() };
        for l in order {
            let neighbours = if down { &before } else { &after };
            let centre = |node: usize| {
                let near = &neighbours[node];
                if near.is_empty() { row[node] } else { near.iter().map(|&m| row[m]).sum::<f64>() / near.len() as f64 }
            };
            let mut keyed: Vec<(f64, usize)> = rows[l].iter().map(|&node| (centre(node), node)).collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            rows[l] = keyed.into_iter().map(|(_, node)| node).collect();
            for (i, &node) in rows[l].iter().enumerate() {
                row[node] = i as f64;
            }
        }
    }
    layer.iter().zip(&row).map(|(&l, &r)| (l as u32, r as u32)).collect()
}

/// The edges that remain once each cycle is cut where an iterative depth-first walk closes it.
fn acyclic(out: &[Vec<usize>]) -> Vec<Vec<usize>> {
    const NEW: u8 = 0;
    const OPEN: u8 = 1;
    const DONE: u8 = 2;
    let n = out.len();
    let mut state = vec![NEW; n];
    let mut kept: Vec<Vec<usize>> = vec![Vec::new(); n];
    for start in 0..n {
        if state[start] != NEW {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        state[start] = OPEN;
        while let Some((node, next)) = stack.last_mut() {
            let node = *node;
            if let Some(&to) = out[node].get(*next) {
                *next += 1;
                match state[to] {
                    OPEN => {} // closes a cycle: cut
                    DONE => kept[node].push(to),
                    _ => {
                        kept[node].push(to);
                        state[to] = OPEN;
                        stack.push((to, 0));
                    }
                }
            } else {
                state[node] = DONE;
                stack.pop();
            }
        }
    }
    kept
}

/// Each node's longest path from a node with no incoming edge, in topological order (Kahn).
fn layers(n: usize, forward: &[Vec<usize>]) -> Vec<usize> {
    let mut incoming = vec![0usize; n];
    for targets in forward {
        for &to in targets {
            incoming[to] += 1;
        }
    }
    let mut layer = vec![0usize; n];
    let mut ready: Vec<usize> = (0..n).filter(|&i| incoming[i] == 0).collect();
    while let Some(node) = ready.pop() {
        for &to in &forward[node] {
            layer[to] = layer[to].max(layer[node] + 1);
            incoming[to] -= 1;
            if incoming[to] == 0 {
                ready.push(to);
            }
        }
    }
    layer
}
