// An HTTP app that answers with its pid and leaks LEAK_MB_PER_S (default 20) MiB a second,
// touched so it is resident: the memory-limit scenario.
'use strict';
const perSecond = Number(process.env.LEAK_MB_PER_S || 20);
const held = [];
setInterval(() => held.push(Buffer.alloc((perSecond * 1024 * 1024) / 10, 1)), 100);
require('http')
  .createServer((req, res) => res.end(`pid ${process.pid}\n`))
  .listen(Number(process.env.PORT));
