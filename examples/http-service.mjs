// An HTTP service watched by holmes-node, with a route that triggers each problem:
//   GET /cpu      burns CPU for a few seconds (in slices, as a busy service would)
//   GET /leak     leaks memory (objects of class LeakedSession kept forever)
//   GET /handles  leaks timers (setInterval never cleared)
//   GET /block    blocks the event loop for 3 s in one synchronous call (caught by the watchdog while it lasts)
//   GET /readings holmes' latest readings
// Run: node examples/http-service.mjs   (PORT, HOLMES_DIR and HOLMES_INTERVAL from the environment)
import { createServer } from 'node:http';
import { Holmes } from 'holmes-node';

const interval = Number(process.env.HOLMES_INTERVAL ?? 5000);
const holmes = new Holmes({
  dumpDir: process.env.HOLMES_DIR, // default: <tmpdir>/holmes-node-<uid>
  interval,
  window: 10,
  cooldown: 60_000,
  cpu: { profileDuration: Math.max(500, interval * 4) },
  // the watchdog: a loop that stands still for 1 s is caught in the act
  eventLoop: { block: 1000, profileDuration: Math.max(500, interval * 4) },
  // this demo limits itself to 512 MiB, so a leak of a few hundred MB is a visible share
  limits: { memoryBytes: 512 * 2 ** 20 },
  memory: { min: 20 }, // above what a CPU profile alone adds to this small service
  handles: { min: 100, trackStacks: true },
  logger: console,
}).start();

holmes.on('dump', ({ kind, file, meta }) => console.log(JSON.stringify({ event: 'dump', kind, file, summary: meta.summary })));
holmes.on('error', (error) => console.error(`holmes error: ${error.message}`));

function burnCpu(ms) {
  const end = Date.now() + ms;
  let x = 0;
  while (Date.now() < end) x += Math.sqrt(x + Math.random());
  return x;
}

class LeakedSession {
  constructor(id) {
    this.id = id;
    this.buffer = Buffer.alloc(64 * 1024, id % 256); // outside the JS heap, inside RSS
    this.tags = Array.from({ length: 20 }, (_, i) => `session-${id}-tag-${i}`);
  }
}
const sessions = [];
const timers = [];

const routes = {
  '/cpu': (res) => {
    const end = Date.now() + Number(process.env.SPIKE_MS ?? 8000);
    (function slice() {
      burnCpu(50);
      if (Date.now() < end) setImmediate(slice);
    })();
    res.end('burning CPU\n');
  },
  '/leak': (res) => {
    let left = 40; // 40 x 64 KiB per step, every 20 ms: about 125 MB/s for two seconds
    (function step() {
      for (let i = 0; i < 40; i++) sessions.push(new LeakedSession(sessions.length));
      if (--left > 0) setTimeout(step, 20);
    })();
    res.end('leaking memory\n');
  },
  '/handles': (res) => {
    for (let i = 0; i < 300; i++) timers.push(setInterval(() => {}, 3_600_000));
    res.end(`leaked ${timers.length} timers\n`);
  },
  '/block': (res) => {
    res.end('blocking the event loop for 3 s\n');
    setTimeout(function parseHugeReport() {
      const end = Date.now() + 3000;
      while (Date.now() < end); // stands for a giant JSON.parse or a synchronous crypto call
    }, 50);
  },
  '/readings': (res) => res.end(`${JSON.stringify(holmes.readings())}\n`),
};

const server = createServer((req, res) => {
  const route = routes[req.url ?? ''];
  if (!route) {
    res.statusCode = 404;
    return res.end('routes: /cpu /leak /handles /block /readings\n');
  }
  route(res);
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(JSON.stringify({ event: 'listening', port: server.address().port, dumpDir: holmes.dumpDir }));
});

process.on('SIGTERM', async () => {
  server.close();
  for (const timer of timers) clearInterval(timer);
  await holmes.stop();
});
