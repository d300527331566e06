// The same published types from a CommonJS consumer (index.d.cts).
import holmesNode = require('holmes-node');

const holmes = new holmesNode.Holmes({ memory: { abs: 85 } });
holmes.on('skip', (event) => console.log(event.kind, event.reason));
void holmes.stop();
