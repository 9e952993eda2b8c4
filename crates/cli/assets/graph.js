// Draws canopy's aspect graph from the data in #data: the layout (layer and row of each node) is
// canopy's, so this only places boxes and curves, and handles pan, zoom, search and selection.
// No library, nothing loaded from anywhere.
"use strict";
(function () {
  const { picture, colours, none } = JSON.parse(document.getElementById("data").textContent);
  const NS = "http://www.w3.org/2000/svg";
  const W = 200, H = 34, DX = 280, DY = 50;
  const svg = document.getElementById("graph");
  const viewport = document.getElementById("viewport");
  const el = (name, attrs, parent) => {
    const e = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    parent.appendChild(e);
    return e;
  };
  const fit = (text, max) => (text.length > max ? text.slice(0, max - 1) + "…" : text);

  const byId = new Map();
  const edgesGroup = el("g", { class: "edges" }, viewport);
  const nodesGroup = el("g", { class: "nodes" }, viewport);
  for (const node of picture.nodes) {
    const x = node.layer * DX, y = node.row * DY;
    const g = el("g", { class: `node ${node.kind} ${node.mark || ""}`, transform: `translate(${x},${y})`,
      "data-id": node.id, tabindex: "0" }, nodesGroup);
    const fill = node.classes.length ? colours[node.classes[0]] || none : none;
    el("rect", { width: W, height: H, fill }, g);
    el("text", { x: 8, y: 14 }, g).textContent = fit(node.name, 30);
    el("text", { x: 8, y: 27, class: "detail" }, g).textContent = fit(node.container, 36);
    const title = el("title", {}, g);
    title.textContent = [node.name, node.container, ...node.definitions.map(d => `${d.path}:${d.range.start.line + 1}`)].join("\n");
    byId.set(node.id, { node, g, x, y, edges: [] });
  }
  for (const edge of picture.edges) {
    const a = byId.get(edge.from), b = byId.get(edge.to);
    if (!a || !b) continue;
    const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2, mid = (x1 + x2) / 2;
    const path = el("path", { class: `edge ${edge.kind}`, d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}` }, edgesGroup);
    a.edges.push({ path, other: b }); b.edges.push({ path, other: a });
  }
  document.getElementById("count").textContent = `${picture.nodes.length} nodes, ${picture.edges.length} edges`;

  const legend = document.getElementById("legend");
  for (const [name, colour] of [...Object.entries(colours), ["no class", none]]) {
    const span = document.createElement("span");
    const swatch = document.createElement("i");
    swatch.style.background = colour;
    span.append(swatch, name);
    legend.appendChild(span);
  }
  for (const [mark, text] of [["undefined", "dashed red: undefined"], ["opaque", "dashed amber: may be built at evaluation time"], ["unused", "dotted: unused"]]) {
    const span = document.createElement("span");
    span.className = `mark-${mark}`;
    span.textContent = text;
    legend.appendChild(span);
  }

  // Pan and zoom: a transform on the viewport.
  let scale = 1, tx = 20, ty = 20;
  const apply = () => viewport.setAttribute("transform", `translate(${tx},${ty}) scale(${scale})`);
  apply();
  svg.addEventListener("wheel", e => {
    e.preventDefault();
    const factor = Math.exp(-e.deltaY * 0.0015);
    const r = svg.getBoundingClientRect(), px = e.clientX - r.left, py = e.clientY - r.top;
    tx = px - (px - tx) * factor; ty = py - (py - ty) * factor; scale *= factor;
    apply();
  }, { passive: false });
  let drag = null;
  svg.addEventListener("pointerdown", e => { drag = { x: e.clientX - tx, y: e.clientY - ty }; svg.classList.add("dragging"); });
  window.addEventListener("pointermove", e => { if (drag) { tx = e.clientX - drag.x; ty = e.clientY - drag.y; apply(); } });
  window.addEventListener("pointerup", () => { drag = null; svg.classList.remove("dragging"); });
  const centre = item => {
    const r = svg.getBoundingClientRect();
    tx = r.width / 2 - (item.x + W / 2) * scale; ty = r.height / 2 - (item.y + H / 2) * scale;
    apply();
  };

  // Selecting a node lights up its neighbourhood and lists where it is defined.
  const details = document.getElementById("details");
  const clear = () => {
    for (const e of viewport.querySelectorAll(".dim, .near")) e.classList.remove("dim", "near");
  };
  const select = item => {
    clear();
    const near = new Set([item.node.id, ...item.edges.map(e => e.other.node.id)]);
    for (const [id, other] of byId) if (!near.has(id)) other.g.classList.add("dim");
    for (const p of edgesGroup.children) p.classList.add("dim");
    for (const e of item.edges) { e.path.classList.remove("dim"); e.path.classList.add("near"); }
    details.hidden = false;
    details.replaceChildren();
    const h = document.createElement("h3");
    h.textContent = item.node.name;
    const p = document.createElement("p");
    p.textContent = [item.node.container, item.node.classes.join(", "), item.node.mark].filter(Boolean).join(" · ");
    details.append(h, p);
    for (const d of item.node.definitions) {
      const code = document.createElement("code");
      code.textContent = `${d.path}:${d.range.start.line + 1}`;
      details.appendChild(code);
    }
    // In VS Code's view the extension opens the definition (it may ask for its API only once).
    if (window.acquireVsCodeApi && item.node.definitions.length) {
      window.__vscode ??= window.acquireVsCodeApi();
      window.__vscode.postMessage({ open: item.node.definitions[0] });
    }
  };
  for (const item of byId.values()) {
    item.g.addEventListener("pointerdown", e => e.stopPropagation());
    item.g.addEventListener("click", () => select(item));
    item.g.addEventListener("keydown", e => { if (e.key === "Enter") select(item); });
  }

  // Search: every node whose name holds the text is highlighted; the first is centred.
  const search = document.getElementById("search");
  search.addEventListener("input", () => {
    const text = search.value.trim().toLowerCase();
    let first = null;
    for (const item of byId.values()) {
      const hit = text !== "" && item.node.name.toLowerCase().includes(text);
      item.g.classList.toggle("match", hit);
      if (hit && !first) first = item;
    }
    if (first) centre(first);
  });
  document.body.dataset.ready = "true";
})();
