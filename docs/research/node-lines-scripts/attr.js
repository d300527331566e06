'use strict';
// Attribution test: does a CPU profile started late name a hot, inlined function?
// usage: node attr.js <scenario> <route> [warmupMs=2000] [profileMs=2000]
//   scenario: interval | http | async
//   route: inspector | inspector-early | sentry | sentry-lazy | vpn-lazy | vpn-eager | vpn-eager-keeper | vpn-eager-nolimit | v8api | none
// Prints one JSON line: {node, scenario, route, hot, caller, busy, total, hotLine, hotCol, ...}
// VPN_DIR env: folder whose node_modules holds v8-profiler-next (default: ./n<major>)
const path = require('path');
const [scenario = 'interval', route = 'inspector', warmupArg, profileArg] = process.argv.slice(2);
const WARMUP = Number(warmupArg || 2000);
const PROFILE = Number(profileArg || 2000);
const major = process.versions.node.split('.')[0];

let vpn;
function loadVpn() {
  const dir = process.env.VPN_DIR || path.join(__dirname, 'n' + major);
  vpn = require(path.join(dir, 'node_modules', 'v8-profiler-next'));
  vpn.setGenerateType(1); // 1 = DevTools-like {nodes, samples, timeDeltas}; formatting only
}

// SETFLAGS='--no-maglev-inlining' etc.: v8.setFlagsFromString at start-up (before the code warms up)
if (process.env.SETFLAGS) require('v8').setFlagsFromString(process.env.SETFLAGS);
// ---- start-up part of a route (runs before any code warms up) ----
let sentry;
if (route.startsWith('sentry')) {
  // @sentry-internal/node-cpu-profiler creates its V8 CpuProfiler when the module loads (eager unless
  // SENTRY_PROFILER_LOGGING_MODE=lazy), samples at a fixed ~10 ms, kCallerLineNumbers
  if (route === 'sentry-lazy') process.env.SENTRY_PROFILER_LOGGING_MODE = 'lazy';
  sentry = require(path.join(__dirname, 'sentry', 'node_modules', '@sentry-internal', 'node-cpu-profiler')).CpuProfilerBindings;
}
if (route.startsWith('vpn')) loadVpn();
if (route === 'vpn-eager') {
  // create the V8 CpuProfiler in eager logging mode and keep it alive (no profile running)
  vpn.setProfilesCleanupLimit(1e9);
  vpn.startProfiling('boot', false, 1);
  vpn.stopProfiling('boot');
} else if (route === 'vpn-eager-at') {
  // create the eager profiler EAGER_AT ms after start (i.e. after the code warmed up), keep it alive
  setTimeout(() => {
    vpn.setProfilesCleanupLimit(1e9);
    vpn.startProfiling('boot', false, 1);
    vpn.stopProfiling('boot');
  }, Number(process.env.EAGER_AT || 1000));
} else if (route === 'vpn-eager-nolimit') {
  // same but default cleanup limit (0): the profiler is disposed at stop
  vpn.startProfiling('boot', false, 1);
  vpn.stopProfiling('boot');
} else if (route === 'inspector-early') {
  // control: profile started at start-up, before the code warms up (covers warm-up + profile window)
  const inspector = require('inspector');
  global.__s = new inspector.Session();
  global.__s.connect();
  global.__s.post('Profiler.enable');
  global.__s.post('Profiler.start');
} else if (route === 'vpn-eager-keeper') {
  // keep a long-lived profile running in eager mode
  vpn.startProfiling('keeper', false, 1);
}

// ---- workload ----
function hot(i, n) {
  let s = 0;
  for (let j = 0; j < n; j++) s += Math.sqrt(i + j) * 1.0001;
  return s;
}
// SHAPE=calls: the caller calls hot N times per tick (hot is small, 40 iterations; caller loops)
// SHAPE=spin (default): the caller calls hot once per tick, hot loops M times (~2-3 ms)
const SHAPE = process.env.SHAPE || 'spin';
const N = SHAPE === 'calls' ? Number(process.env.N || 20000) : 1;
const M = SHAPE === 'calls' ? 40 : Number(process.env.M || 800000);
let sink = 0;

let stopWorkload, callerFn;
if (scenario === 'interval') {
  const fns = [() => {
    for (let k = 0; k < N; k++) sink += hot(k, M);
  }]; // an anonymous arrow, as in `setInterval(() => ..., 10)`
  callerFn = fns[0];
  const t = setInterval(fns[0], 10);
  stopWorkload = () => clearInterval(t);
} else if (scenario === 'async') {
  const { setTimeout: sleep } = require('timers/promises');
  let running = true;
  async function work() {
    while (running) {
      for (let k = 0; k < N; k++) sink += hot(k, M);
      await sleep(10);
    }
  }
  work();
  callerFn = work;
  stopWorkload = () => { running = false; };
} else if (scenario === 'http') {
  const http = require('http');
  const handler = (req, res) => {
    for (let k = 0; k < Math.max(1, N / 4); k++) sink += hot(k, M);
    res.end('ok');
  };
  callerFn = handler;
  const server = http.createServer(handler);
  let running = true;
  server.listen(0, '127.0.0.1', () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
    const port = server.address().port;
    const one = () => {
      if (!running) return;
      http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
        res.resume();
        res.on('end', () => setTimeout(one, 2));
      }).on('error', () => {});
    };
    one(); one();
  });
  stopWorkload = () => { running = false; server.close(); server.closeAllConnections && server.closeAllConnections(); };
}
const CALLER = { interval: '(anonymous)', async: 'work', http: 'handler' }[scenario];

// ---- profile (late) ----
async function startLate() {
  if (route === 'inspector') {
    const inspector = require('inspector');
    const s = new inspector.Session();
    s.connect();
    const post = (m, p) => new Promise((res, rej) => s.post(m, p || {}, (e, r) => (e ? rej(e) : res(r))));
    await post('Profiler.enable');
    await post('Profiler.start');
    return async () => (await post('Profiler.stop')).profile;
  }
  if (route === 'inspector-early') {
    return () => new Promise((res) => global.__s.post('Profiler.stop', (e, r) => res(r.profile)));
  }
  if (route.startsWith('vpn')) {
    vpn.startProfiling('late', true);
    return async () => vpn.stopProfiling('late');
  }
  if (route.startsWith('sentry')) {
    sentry.startProfiling('late');
    return async () => sentryToDevtools(sentry.stopProfiling('late', 0));
  }
  if (route === 'v8api') {
    const h = require('v8').startCpuProfile();
    return async () => JSON.parse(h.stop());
  }
  return async () => null;
}

// convert Sentry's {stacks, frames, samples} (stacks leaf first) into a minimal {nodes, samples} keyed by leaf
function sentryToDevtools(p) {
  if (process.env.SENTRY_DUMP) require('fs').writeFileSync(process.env.SENTRY_DUMP, JSON.stringify(p));
  const nodes = [{ id: 0, callFrame: { functionName: '(idle)', lineNumber: -1, columnNumber: -1 } }];
  const idOfFrame = new Map();
  const samples = p.samples.map((smp) => {
    const st = p.stacks[smp.stack_id];
    if (!st || st.length === 0) return 0;
    const fi = st[0];
    if (!idOfFrame.has(fi)) {
      const f = p.frames[fi];
      idOfFrame.set(fi, nodes.length);
      nodes.push({ id: nodes.length, callFrame: { functionName: f.function, lineNumber: f.lineno, columnNumber: f.colno } });
    }
    return idOfFrame.get(fi);
  });
  return { nodes, samples };
}

function count(profile) {
  const byId = new Map();
  for (const n of profile.nodes) byId.set(n.id, n);
  let hotN = 0, callerN = 0, busy = 0, total = 0;
  const other = {};
  for (const id of profile.samples) {
    total++;
    const fn = byId.get(id).callFrame.functionName || '(anonymous)';
    if (fn === '(idle)' || fn === '(program)' || fn === '(root)') continue;
    busy++;
    if (fn === 'hot') hotN++;
    else if (fn === CALLER || (scenario === 'interval' && fn === 'fns')) callerN++; // V8 infers 'fns' for the arrow in the array
    else other[fn] = (other[fn] || 0) + 1;
  }
  const hotNode = profile.nodes.find((n) => n.callFrame.functionName === 'hot');
  const top = Object.entries(other).sort((a, b) => b[1] - a[1]).slice(0, 3);
  return {
    hot: hotN, caller: callerN, busy, total,
    hotLine: hotNode ? hotNode.callFrame.lineNumber : null,
    hotCol: hotNode ? hotNode.callFrame.columnNumber : null,
    otherTop: top,
  };
}

setTimeout(async () => {
  // with --allow-natives-syntax: record V8's optimization status of caller and hot fn when the profile starts
  // (bits: 16 optimized, 32 maglev, 64 turbofan — V8 11-14 layout)
  let opt;
  if (process.execArgv.includes('--allow-natives-syntax')) {
    const st = new Function('f', 'return %GetOptimizationStatus(f)');
    const dec = (x) => (x & 64 ? 'TF' : x & 32 ? 'maglev' : x & 16 ? 'opt' : x & (1 << 15) ? 'baseline' : x & 128 ? 'interp' : '?') + '(' + x + ')';
    opt = { caller: dec(st(callerFn)), hot: dec(st(hot)) };
  }
  const t0 = process.hrtime.bigint();
  const stop = await startLate();
  const startMs = Number(process.hrtime.bigint() - t0) / 1e6;
  setTimeout(async () => {
    const t1 = process.hrtime.bigint();
    const profile = await stop();
    const stopMs = Number(process.hrtime.bigint() - t1) / 1e6;
    stopWorkload();
    const src = require('fs').readFileSync(__filename, 'utf8').split('\n');
    const declLine = src.findIndex((l) => l.startsWith('function hot('));
    const out = { node: process.version, scenario, route, shape: SHAPE, warmup: WARMUP, opt, setflags: process.env.SETFLAGS, eagerAt: route === 'vpn-eager-at' ? Number(process.env.EAGER_AT || 1000) : undefined, startMs: +startMs.toFixed(2), stopMs: +stopMs.toFixed(2), ...(profile ? count(profile) : {}), declLine0: declLine, declCol0OfParen: src[declLine].indexOf('(') };
    console.log(JSON.stringify(out));
    if (process.env.SAVE) require('fs').writeFileSync(process.env.SAVE, JSON.stringify(profile));
    process.exit(0);
  }, PROFILE);
}, WARMUP);
