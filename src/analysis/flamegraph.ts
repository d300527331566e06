import { frameLocation, functionCosts, subtreeTotals, topBy, type CallTree, type Frame } from './calltree.js';

/** Text around the graph. */
export interface FlameGraphOptions {
  /** Heading, e.g. the dump's file name. */
  title: string;
  /** One line of facts under it: duration, samples, reason… */
  facts?: string;
  /** Rows of the "top functions" table under the graph. */
  top?: number;
}

/** Where code comes from, for colouring: the program, its dependencies, Node itself, or V8. */
export type FrameCategory = 'app' | 'deps' | 'node' | 'vm';

/** The category of a frame: V8 pseudo frames such as `(garbage collector)`, Node's `node:` modules, `node_modules`, or the program. */
export function frameCategory(frame: Frame): FrameCategory {
  if (!frame.url) return frame.name.startsWith('(') || frame.name.startsWith('0x') ? 'vm' : 'node';
  if (frame.url.startsWith('node:') || frame.url.startsWith('internal/')) return 'node';
  if (frame.url.includes('/node_modules/') || frame.url.includes('\\node_modules\\')) return 'deps';
  return 'app';
}

/** Nodes narrower than this share of the whole are left out: they could not be seen and would bloat the file. */
const MIN_SHARE = 1e-5;

/** The data the page script draws from: compact, in preorder, JSON. */
function graphData(tree: CallTree, options: FlameGraphOptions): object {
  const totals = subtreeTotals(tree);
  const grand = totals[0] ?? 0;
  const keep: number[] = [];
  const newIndex = new Int32Array(tree.frames.length).fill(-1);
  for (let i = 0; i < tree.frames.length; i++) {
    const p = tree.parent[i]!;
    if (i > 0 && (newIndex[p] === -1 || totals[i]! < grand * MIN_SHARE || totals[i] === 0)) continue;
    newIndex[i] = keep.length;
    keep.push(i);
  }
  // frames are shared by many nodes: send each once
  const frameIds = new Map<string, number>();
  const frames: Array<[string, string, FrameCategory]> = [];
  const frameOf = keep.map((i) => {
    const frame = tree.frames[i]!;
    const location = frameLocation(frame);
    const key = `${frame.name}\u0000${location}`;
    let id = frameIds.get(key);
    if (id === undefined) {
      id = frames.length;
      frames.push([frame.name, location, frameCategory(frame)]);
      frameIds.set(key, id);
    }
    return id;
  });
  const round = (v: number) => Math.round(v * 1000) / 1000;
  const top = topBy(functionCosts(tree), (c) => c.self, options.top ?? 30)
    .filter((c) => c.self > 0)
    .map((c) => [c.name, c.location, round(c.self), round(c.total)]);
  return {
    title: options.title,
    facts: options.facts ?? '',
    unit: tree.unit,
    measure: tree.measure,
    frames,
    frame: frameOf,
    parent: keep.map((i) => (i === 0 ? -1 : newIndex[tree.parent[i]!]!)),
    total: keep.map((i) => round(totals[i]!)),
    self: keep.map((i) => round(tree.self[i]!)),
    top,
  };
}

/** JSON inside a script element: `<` escaped so no string in the profile can close the element. */
function embed(value: object): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * A self-contained HTML flame graph (icicle layout: callers above callees, widths by total value) of a call tree.
 * One file, no network: the data is embedded as JSON and drawn on a canvas by an inline script.
 * Hover for details, click to zoom, search to highlight (also as `#search=text` in the URL), and a table of the top functions below.
 */
export function flameGraphHtml(tree: CallTree, options: FlameGraphOptions): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1 id="title"></h1>
  <span id="facts"></span>
  <span class="legend"><i class="app"></i>program <i class="deps"></i>node_modules <i class="node"></i>Node.js <i class="vm"></i>V8</span>
  <span id="controls"><input id="search" type="search" placeholder="search (regular expression)" size="28"><span id="matched"></span><button id="reset" type="button">Reset zoom</button></span>
</header>
<div id="details">Hover a frame for details; click to zoom in, click an upper frame or press Escape to zoom out.</div>
<div id="chart"><canvas id="canvas"></canvas></div>
<section><h2 id="top-title"></h2><table id="top"><thead><tr><th>self</th><th>%</th><th>total</th><th>%</th><th>function</th><th>location</th></tr></thead><tbody></tbody></table></section>
<div id="tip"></div>
<script type="application/json" id="data">${embed(graphData(tree, options))}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
body { margin: 0; font: 13px system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d1d1f; background: #fff; }
header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 6px 16px; padding: 10px 14px; border-bottom: 1px solid #ddd; background: #fafafa; }
h1 { font-size: 15px; margin: 0; font-weight: 600; }
h2 { font-size: 14px; margin: 18px 14px 6px; }
#facts { color: #555; }
.legend { color: #555; }
.legend i { display: inline-block; width: 10px; height: 10px; margin: 0 3px 0 8px; border-radius: 2px; }
.legend i.app { background: hsl(18, 85%, 60%); }
.legend i.deps { background: hsl(48, 85%, 55%); }
.legend i.node { background: hsl(205, 55%, 68%); }
.legend i.vm { background: hsl(0, 0%, 74%); }
#controls { margin-left: auto; display: flex; gap: 8px; align-items: center; }
#matched { color: #8e24aa; }
#details { padding: 6px 14px; font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; min-height: 16px; color: #333; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
#chart { padding: 0 4px; }
canvas { display: block; width: 100%; cursor: pointer; }
#tip { position: fixed; display: none; pointer-events: none; max-width: 640px; padding: 5px 7px; background: #fffff4; border: 1px solid #aaa; border-radius: 3px; box-shadow: 0 2px 6px rgba(0,0,0,.2); font: 12px ui-monospace, Menlo, monospace; white-space: pre-wrap; word-break: break-all; }
table { border-collapse: collapse; margin: 0 14px 24px; font: 12px ui-monospace, Menlo, monospace; }
th, td { padding: 2px 10px 2px 0; text-align: right; }
th:nth-child(n+5), td:nth-child(n+5) { text-align: left; }
tbody tr { cursor: pointer; }
tbody tr:hover { background: #f0f0f0; }
`;

// The page script: plain ES2017, no template literals (it lives inside one), no network.
const SCRIPT = `
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('data').textContent);
  var n = data.parent.length;
  var ROW = 18;
  var children = [];
  var depth = new Int32Array(n);
  var x = new Float64Array(n);
  var maxDepth = 0;
  var i, c;
  for (i = 0; i < n; i++) children.push([]);
  for (i = 1; i < n; i++) {
    children[data.parent[i]].push(i);
    depth[i] = depth[data.parent[i]] + 1;
    if (depth[i] > maxDepth) maxDepth = depth[i];
  }
  for (i = 0; i < n; i++) {
    children[i].sort(function (a, b) { return data.total[b] - data.total[a]; });
    var offset = x[i];
    for (c = 0; c < children[i].length; c++) { x[children[i][c]] = offset; offset += data.total[children[i][c]]; }
  }
  var grand = data.total[0] || 1;
  var canvas = document.getElementById('canvas');
  var ctx = canvas.getContext('2d');
  var tip = document.getElementById('tip');
  var details = document.getElementById('details');
  var search = document.getElementById('search');
  var matchedLabel = document.getElementById('matched');
  var zoom = 0;
  var matches = null;
  var rects = [];

  document.getElementById('title').textContent = data.title;
  document.getElementById('facts').textContent = data.facts;
  document.getElementById('top-title').textContent = 'Top functions by self ' + data.measure;

  function value(v) {
    if (data.unit === 'bytes') {
      if (v >= 1e9) return (v / 1e9).toFixed(2) + ' GB';
      if (v >= 1e6) return (v / 1e6).toFixed(2) + ' MB';
      if (v >= 1e3) return (v / 1e3).toFixed(1) + ' kB';
      return Math.round(v) + ' B';
    }
    if (data.unit === 'microseconds' || data.unit === 'nanoseconds') {
      var us = data.unit === 'nanoseconds' ? v / 1000 : v;
      if (us >= 1e6) return (us / 1e6).toFixed(2) + ' s';
      if (us >= 1e3) return (us / 1e3).toFixed(1) + ' ms';
      return Math.round(us) + ' \\u00b5s';
    }
    return String(Math.round(v));
  }
  function percent(v) { return (100 * v / grand).toFixed(2) + '%'; }
  function hash(text) {
    var h = 0;
    for (var k = 0; k < text.length; k++) h = (h * 31 + text.charCodeAt(k)) | 0;
    return (h >>> 0) / 4294967296;
  }
  function color(node, dim) {
    var frame = data.frames[data.frame[node]];
    if (matches && matches[node]) return dim ? 'hsl(291, 45%, 78%)' : 'hsl(291, 64%, 60%)';
    var r = hash(frame[0]);
    var light = dim ? 86 : 0;
    switch (frame[2]) {
      case 'app': return 'hsl(' + Math.round(5 + 35 * r) + ', 85%, ' + (light || Math.round(55 + 10 * r)) + '%)';
      case 'deps': return 'hsl(' + Math.round(42 + 14 * r) + ', 85%, ' + (light || Math.round(50 + 10 * r)) + '%)';
      case 'node': return 'hsl(' + Math.round(195 + 25 * r) + ', 55%, ' + (light || Math.round(64 + 10 * r)) + '%)';
      default: return 'hsl(0, 0%, ' + (light || Math.round(70 + 10 * r)) + '%)';
    }
  }
  function label(node) {
    var frame = data.frames[data.frame[node]];
    return frame[0] + (frame[1] ? '  ' + frame[1] : '');
  }
  function describe(node) {
    var frame = data.frames[data.frame[node]];
    return frame[0] + (frame[1] ? '\\n' + frame[1] : '') +
      '\\ntotal ' + value(data.total[node]) + ' (' + percent(data.total[node]) + ')' +
      '\\nself  ' + value(data.self[node]) + ' (' + percent(data.self[node]) + ')';
  }
  function fitText(text, width) {
    if (ctx.measureText(text).width <= width) return text;
    var low = 0, high = text.length;
    while (low < high) {
      var mid = (low + high + 1) >> 1;
      if (ctx.measureText(text.slice(0, mid) + '\\u2026').width <= width) low = mid; else high = mid - 1;
    }
    return low > 0 ? text.slice(0, low) + '\\u2026' : '';
  }
  function box(node, left, width, dim) {
    var y = depth[node] * ROW;
    ctx.fillStyle = color(node, dim);
    ctx.fillRect(left, y, Math.max(width - 1, 1), ROW - 1);
    rects.push([node, left, y, width]);
    if (width > 24) {
      var text = fitText(node === 0 ? 'all (' + value(grand) + ')' : label(node), width - 6);
      if (text) {
        ctx.fillStyle = dim ? '#666' : '#111';
        ctx.fillText(text, left + 3, y + ROW / 2);
      }
    }
  }
  function draw() {
    var width = canvas.parentNode.clientWidth - 8;
    var height = (maxDepth + 1) * ROW + 1;
    var ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    canvas.style.height = height + 'px';
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = '12px system-ui, -apple-system, "Segoe UI", sans-serif';
    ctx.textBaseline = 'middle';
    rects = [];
    for (var a = data.parent[zoom]; a !== -1 && a !== undefined; a = data.parent[a]) box(a, 0, width, true);
    var scale = width / (data.total[zoom] || 1);
    var origin = x[zoom];
    var stack = [zoom];
    while (stack.length) {
      var node = stack.pop();
      var w = data.total[node] * scale;
      if (w < 0.4) continue;
      box(node, (x[node] - origin) * scale, w, false);
      for (var k = 0; k < children[node].length; k++) stack.push(children[node][k]);
    }
  }
  function hit(event) {
    var bounds = canvas.getBoundingClientRect();
    var px = event.clientX - bounds.left, py = event.clientY - bounds.top;
    for (var k = rects.length - 1; k >= 0; k--) {
      var r = rects[k];
      if (py >= r[2] && py < r[2] + ROW && px >= r[1] && px < r[1] + r[3]) return r[0];
    }
    return -1;
  }
  canvas.addEventListener('mousemove', function (event) {
    var node = hit(event);
    if (node < 0) { tip.style.display = 'none'; return; }
    tip.textContent = describe(node);
    tip.style.display = 'block';
    tip.style.left = Math.min(event.clientX + 12, window.innerWidth - tip.offsetWidth - 8) + 'px';
    tip.style.top = (event.clientY + 14) + 'px';
    details.textContent = describe(node).replace(/\\n/g, '   ');
  });
  canvas.addEventListener('mouseleave', function () { tip.style.display = 'none'; });
  canvas.addEventListener('click', function (event) {
    var node = hit(event);
    if (node >= 0) { zoom = node; draw(); }
  });
  document.getElementById('reset').addEventListener('click', function () { zoom = 0; draw(); });
  document.addEventListener('keydown', function (event) { if (event.key === 'Escape') { zoom = 0; draw(); } });
  function applySearch() {
    var text = search.value;
    matches = null;
    matchedLabel.textContent = '';
    if (text) {
      var pattern;
      try { pattern = new RegExp(text, 'i'); } catch (error) { pattern = null; }
      matches = new Uint8Array(n);
      var sum = 0;
      for (var k = 1; k < n; k++) {
        var frame = data.frames[data.frame[k]];
        var found = pattern ? pattern.test(frame[0]) || pattern.test(frame[1]) : (frame[0] + frame[1]).indexOf(text) >= 0;
        if (found) {
          var inside = false;
          for (var a = data.parent[k]; a > 0; a = data.parent[a]) if (matches[a]) { inside = true; break; }
          matches[k] = 1;
          if (!inside) sum += data.total[k];
        }
      }
      matchedLabel.textContent = 'matched ' + percent(sum);
    }
    draw();
  }
  search.addEventListener('input', applySearch);
  var body = document.querySelector('#top tbody');
  data.top.forEach(function (row) {
    var tr = document.createElement('tr');
    [value(row[2]), percent(row[2]), value(row[3]), percent(row[3]), row[0], row[1]].forEach(function (cell) {
      var td = document.createElement('td');
      td.textContent = cell;
      tr.appendChild(td);
    });
    tr.addEventListener('click', function () {
      search.value = row[0].replace(/[.*+?^$(){}|[\\]\\\\]/g, '\\\\$&');
      applySearch();
      window.scrollTo(0, 0);
    });
    body.appendChild(tr);
  });
  window.addEventListener('resize', draw);
  // #search=name opens the page with a search applied, so a link can point at a function
  var fromHash = /^#search=(.*)$/.exec(window.location.hash);
  if (fromHash) {
    try { search.value = decodeURIComponent(fromHash[1]); } catch (error) { search.value = fromHash[1]; }
    applySearch();
  } else draw();
})();
`;
