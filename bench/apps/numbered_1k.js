// Prints "line N" about 1,000 times a second: every lost, doubled or torn line can be counted.
'use strict';
let n = 0;
setInterval(() => {
  n += 1;
  process.stdout.write(`line ${n}\n`);
}, 1);
