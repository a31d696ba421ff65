// The shutdown code PM2's docs recommend: on SIGINT, close the server and exit once closed.
'use strict';
const http = require('http');
const server = http.createServer((req, res) => res.end('hello\n')).listen(process.env.PORT);
process.on('SIGINT', () => server.close(() => process.exit(0)));
