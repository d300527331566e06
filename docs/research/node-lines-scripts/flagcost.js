'use strict';
// Throughput cost of --no-maglev-inlining (set at start-up like holmes would): typescript transpile loop CPU time.
// usage: node flagcost.js none|nomi
if (process.argv[2] === 'nomi') require('v8').setFlagsFromString('--no-maglev-inlining');
const ts = require('/work/main/node_modules/typescript');
const src = require('fs').readFileSync('/work/main/node_modules/typescript/lib/typescript.js', 'utf8').slice(0, 200000);
ts.transpileModule(src, {}); // warm
const c0 = process.cpuUsage();
for (let i = 0; i < 8; i++) ts.transpileModule(src + `\n// ${i}`, { compilerOptions: { module: ts.ModuleKind.CommonJS } });
const c = process.cpuUsage(c0);
console.log(JSON.stringify({ node: process.version, mode: process.argv[2], cpuMs: Math.round((c.user + c.system) / 1000) }));
