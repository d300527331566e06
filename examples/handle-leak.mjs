// A handle leak caught by holmes-node: pollUpstream() starts a timer per call and never clears it.
// Run: npm run build && node examples/handle-leak.mjs   (the .handles.json groups the timers by the stack that created them)
import { Holmes } from 'holmes-node';

const holmes = new Holmes({ interval: 200, window: 10, handles: { min: 100, trackStacks: true }, cpu: false, memory: false }).start();
const timers = [];
holmes.on('dump', ({ file, meta }) => {
  console.log(`${meta.summary}\n-> ${file}`);
  for (const timer of timers) clearInterval(timer);
  holmes.stop();
});

function pollUpstream() {
  timers.push(setInterval(() => {}, 60_000));
}
setTimeout(() => {
  for (let i = 0; i < 500; i++) pollUpstream();
}, 3000);
