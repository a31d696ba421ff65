// Crashes the app N times and times each recovery from outside: from the /crash request to the
// first answer from a new pid (polled every 5 ms). Waits past min_uptime between crashes so each
// one is a crash after a stable run. Prints the milliseconds, space-separated.
//   node time_crashes.js PORT N
'use strict';
const http = require('http');
const [port, count] = process.argv.slice(2).map(Number);
const agent = new http.Agent({ keepAlive: false });
const get = (path) =>
  new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent, timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d)).on('end', () => resolve(Number(body.split(' ')[1]) || 0));
    });
    req.on('error', () => resolve(0)).on('timeout', () => { req.destroy(); resolve(0); });
  });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
(async () => {
  const times = [];
  let pid = 0;
  for (const deadline = Date.now() + 30000; !pid && Date.now() < deadline; await sleep(20)) pid = await get('/');
  for (let i = 0; i < count; i++) {
    await sleep(1500);  // past min_uptime (1 s by default for both managers)
    const start = process.hrtime.bigint();
    await get('/crash');
    let now = 0;
    for (const deadline = Date.now() + 30000; Date.now() < deadline; await sleep(5)) {
      now = await get('/');
      if (now && now !== pid) break;
    }
    if (!now || now === pid) { console.error('no new process answered within 30 s'); process.exit(1); }
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    pid = now;
  }
  console.log(times.map((t) => t.toFixed(0)).join(' '));
})();
