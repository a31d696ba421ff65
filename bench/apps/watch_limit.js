// Watches a leaking app through one memory-limit replacement, from outside, for any manager:
// every 20 ms it asks the app which pid serves and reads that pid's VmRSS from /proc. Reports
// (JSON) when the serving pid's memory first passed the limit, its peak, when a new pid first
// answered, and how many requests failed in between.
//   node watch_limit.js PORT LIMIT_MIB TIMEOUT_S
'use strict';
const http = require('http');
const fs = require('fs');
const [port, limitMiB, timeoutS] = process.argv.slice(2).map(Number);
const agent = new http.Agent({ keepAlive: false });
const started = Date.now();
let firstPid = 0, crossedAt = 0, peakMiB = 0, failed = 0, requests = 0;

function rssMiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch { return 0; }
}
function ask() {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent, timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d)).on('end', () => resolve(res.statusCode === 200 ? Number(body.split(' ')[1]) : 0));
    });
    req.on('error', () => resolve(0)).on('timeout', () => { req.destroy(); resolve(0); });
  });
}
function finish(result) {
  console.log(JSON.stringify(result));
  process.exit(0);
}
(async () => {
  for (;;) {
    if (Date.now() - started > timeoutS * 1000) finish({ timeout: true, peak_mib: Math.round(peakMiB), failed, requests });
    const pid = await ask();
    requests++;
    if (!pid) failed++;
    if (pid && !firstPid) firstPid = pid;
    if (firstPid) {
      const rss = rssMiB(firstPid);
      peakMiB = Math.max(peakMiB, rss);
      if (!crossedAt && rss > limitMiB) crossedAt = Date.now();
    }
    if (pid && firstPid && pid !== firstPid && crossedAt) {
      finish({ crossed_to_serving_ms: Date.now() - crossedAt, peak_mib: Math.round(peakMiB), failed, requests });
    }
    await new Promise((r) => setTimeout(r, 20));
  }
})();
