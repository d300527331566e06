'use strict';
// Idle / load cost of keeping an eager-logging v8-profiler-next CpuProfiler alive.
// usage: node idle.js idle <route> [seconds=20]
//        node idle.js http <route> [requests=4000]
//   route: none | vpn-eager (profiler created in eager mode, no profile running)
//          | vpn-eager-keeper (a profile kept running, recordSamples=false, interval KEEPER_US or default)
//          | inspector-enabled (Profiler.enable only) | sentry (load @sentry-internal/node-cpu-profiler)
//          | vpn-require (load v8-profiler-next only)
// Prints one JSON line with process CPU time (user+sys, microseconds) over the measured window.
const path = require('path');
const [mode = 'idle', route = 'none', arg] = process.argv.slice(2);
const major = process.versions.node.split('.')[0];
const t0 = process.cpuUsage();
if (route.startsWith('vpn') && route !== 'vpn-direct-eager') {
  const vpn = require(path.join(process.env.VPN_DIR || path.join(__dirname, 'n' + major), 'node_modules', 'v8-profiler-next'));
  if (route === 'vpn-eager') {
    vpn.setProfilesCleanupLimit(1e9);
    vpn.startProfiling('boot', false, 1);
    vpn.stopProfiling('boot');
  } else if (route === 'vpn-eager-keeper') {
    if (process.env.KEEPER_US) vpn.setSamplingInterval(Number(process.env.KEEPER_US));
    vpn.startProfiling('keeper', false, 1);
  }
} else if (route === 'vpn-direct-eager') {
  // load the compiled addon directly (skip dispatch.js → @xprofiler/node-pre-gyp lookup) and create the eager profiler
  const dir = path.join(process.env.VPN_DIR || path.join(__dirname, 'n' + major), 'node_modules', 'v8-profiler-next');
  const b = require(path.join(dir, 'build', 'binding', 'Release', `node-v${process.versions.modules}-${process.platform}-${process.arch}`, 'profiler.node'));
  b.setup({ debug: false, thread_id: 0 }, () => ({ greater_than_12_15_0: true }));
  b.cpu.setProfilesCleanupLimit(1e9);
  b.cpu.startProfiling('boot', false, 1);
  b.cpu.stopProfiling('boot');
} else if (route === 'sentry') {
  // @sentry-internal/node-cpu-profiler: creates an eager-logging V8 CpuProfiler when the module loads
  require(path.join(__dirname, 'sentry', 'node_modules', '@sentry-internal', 'node-cpu-profiler'));
} else if (route === 'vpn-require') {
  // only load the addon, create no profiler (to split the set-up cost)
} else if (route === 'inspector-enabled') {
  const s = new (require('inspector').Session)();
  s.connect();
  s.post('Profiler.enable');
  global.__s = s;
}
const setupUs = (() => { const d = process.cpuUsage(t0); return d.user + d.system; })();

// a holmes-like 5 s check interval
const tick = setInterval(() => { process.memoryUsage(); process.cpuUsage(); }, 5000);

function cpu() { const u = process.cpuUsage(); return u.user + u.system; }

if (mode === 'idle') {
  const secs = Number(arg || 20);
  setTimeout(() => {
    const c0 = cpu(), w0 = process.hrtime.bigint();
    setTimeout(() => {
      const us = cpu() - c0, wallMs = Number(process.hrtime.bigint() - w0) / 1e6;
      console.log(JSON.stringify({ node: process.version, mode, route, setupUs, secs, cpuUs: us, pctCore: +(us / 1000 / wallMs * 100).toFixed(4), usPer5s: Math.round(us / (wallMs / 5000)) }));
      process.exit(0);
    }, secs * 1000);
  }, 1000);
} else {
  // HTTP: server here, load from a child process (keep-alive, concurrency 4)
  const http = require('http');
  const requests = Number(arg || 4000);
  const server = http.createServer((req, res) => {
    const body = JSON.stringify({ url: req.url, t: Date.now(), items: [1, 2, 3].map((x) => ({ x, y: x * 2 })) });
    res.setHeader('content-type', 'application/json');
    res.end(body);
  });
  server.listen(0, '127.0.0.1', () => {
    const port = server.address().port;
    const { spawn } = require('child_process');
    const load = (n) => new Promise((resolve) => {
      const c = spawn(process.execPath, ['-e', `
        const http=require('http'); const agent=new http.Agent({keepAlive:true,maxSockets:4});
        let left=${n}, inflight=0;
        function one(){ if(left<=0){ if(inflight===0) process.exit(0); return; } left--; inflight++;
          http.get({host:'127.0.0.1',port:${port},path:'/x',agent},r=>{r.resume();r.on('end',()=>{inflight--;one();});}); }
        for(let i=0;i<4;i++) one();`], { stdio: 'inherit' });
      c.on('exit', resolve);
    });
    (async () => {
      await load(1000); // warm-up
      const c0 = cpu(), w0 = process.hrtime.bigint();
      await load(requests);
      const us = cpu() - c0, wallMs = Number(process.hrtime.bigint() - w0) / 1e6;
      console.log(JSON.stringify({ node: process.version, mode, route, requests, cpuUs: us, usPerReq: +(us / requests).toFixed(2), wallMs: Math.round(wallMs) }));
      clearInterval(tick);
      process.exit(0);
    })();
  });
}
