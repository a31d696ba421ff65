// The app both managers run in cluster mode: a plain Node http server with no shutdown code of
// its own (most apps have none), answering every request with a short body.
'use strict';
const http = require('http');
http
  .createServer((req, res) => res.end('hello\n'))
  .listen(Number(process.env.PORT), () => console.log(`listening on ${process.env.PORT}`));
