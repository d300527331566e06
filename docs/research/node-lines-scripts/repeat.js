'use strict';
// Does the eager profiler keep working across several late profiles (as holmes would take on repeated rule hits)?
// usage: VPN_DIR=... node repeat.js  -> three 1 s profiles at 2 s, 4 s, 6 s; hot vs caller leaf samples each
const path = require('path');
const vpn = require(path.join(process.env.VPN_DIR, 'node_modules', 'v8-profiler-next'));
vpn.setGenerateType(1);
vpn.setProfilesCleanupLimit(2 ** 31 - 1);
vpn.startProfiling('boot', false, 1);
vpn.stopProfiling('boot');
function hot(i, n) { let s = 0; for (let j = 0; j < n; j++) s += Math.sqrt(i + j) * 1.0001; return s; }
let sink = 0;
const t = setInterval(() => { sink += hot(1, 800000); }, 10);
const out = [];
function one(k) {
  vpn.setSamplingInterval(1000); // as holmes-node does before each profile
  vpn.startProfiling('late' + k, true);
  setTimeout(() => {
    const p = vpn.stopProfiling('late' + k);
    const byId = new Map(p.nodes.map((n) => [n.id, n.callFrame.functionName]));
    let hotN = 0, caller = 0;
    for (const id of p.samples) { const f = byId.get(id); if (f === 'hot') hotN++; else if (f === '') caller++; }
    out.push({ k, hot: hotN, caller });
    p.delete();
    if (k < 3) setTimeout(() => one(k + 1), 1000); else { clearInterval(t); console.log(JSON.stringify({ node: process.version, out })); }
  }, 1000);
}
setTimeout(() => one(1), 2000);
