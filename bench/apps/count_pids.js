// Sends `total` GETs to 127.0.0.1:port, each on a new connection, `concurrency` at a time, and
// prints how many each answering pid served, as JSON {pid: count}.
'use strict';
const http = require('http');
const [port, total, concurrency] = process.argv.slice(2).map(Number);
const counts = {};
let sent = 0;
let done = 0;
function next() {
  if (sent >= total) return;
  sent += 1;
  http
    .get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => {
        counts[body.trim()] = (counts[body.trim()] || 0) + 1;
        finish();
      });
    })
    .on('error', () => {
      counts.failed = (counts.failed || 0) + 1;
      finish();
    });
}
function finish() {
  done += 1;
  if (done === total) console.log(JSON.stringify(counts));
  else next();
}
for (let i = 0; i < concurrency; i++) next();
