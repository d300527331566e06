// A CPU spike caught by holmes-node: after a quiet start, hashPasswords() burns CPU for a few seconds.
// Run: npm run build && node examples/cpu-spike.mjs   (the .cpuprofile path is printed; open it in Chrome DevTools or speedscope)
import { createHash } from 'node:crypto';
import { Holmes } from 'holmes-node';

const holmes = new Holmes({ interval: 200, window: 10, cpu: { profileDuration: 1000 }, memory: false, handles: false }).start();
holmes.on('dump', ({ file, meta }) => {
  console.log(`${meta.summary}\n-> ${file}`);
  holmes.stop();
});

function hashPasswords(ms) {
  const end = Date.now() + ms;
  let digest = 'seed';
  while (Date.now() < end) digest = createHash('sha256').update(digest).digest('hex');
  return digest;
}

setTimeout(function spike() {
  const end = Date.now() + 4000;
  (function slice() {
    hashPasswords(50);
    if (Date.now() < end) setImmediate(slice);
  })();
}, 3000);
