// Answers every request with its pid: which instance served a connection.
'use strict';
require('http')
  .createServer((req, res) => res.end(`pid ${process.pid}\n`))
  .listen(Number(process.env.PORT));
