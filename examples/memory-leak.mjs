// A memory leak caught by holmes-node: a cache that never evicts grows RSS until the memory rule fires.
// Run: npm run build && node examples/memory-leak.mjs   (the live heap by allocation site, .heapprofile, and a .heapsnapshot when it is
// safe to take one; open either in Chrome DevTools > Memory)
import { Holmes } from 'holmes-node';

const holmes = new Holmes({ interval: 200, window: 10, limits: { memoryBytes: 512 * 2 ** 20 }, memory: { min: 20 }, cpu: false, handles: false }).start();
holmes.on('dump', ({ file, meta }) => {
  console.log(`${meta.summary}\n-> ${file}`);
  clearInterval(leak);
  holmes.stop();
});

class CachedResponse {
  constructor(key) {
    this.key = key;
    this.body = Buffer.alloc(256 * 1024, 1);
  }
}
const cache = new Map();
let leak;
setTimeout(() => {
  leak = setInterval(() => {
    for (let i = 0; i < 20; i++) cache.set(`k${cache.size}`, new CachedResponse(cache.size));
  }, 50);
}, 3000);
