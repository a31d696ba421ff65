// The quick-start app: a tiny HTTP server on $PORT (default 3000) that says which process
// answered, and shuts down cleanly when pmd asks it to (SIGINT).
const http = require('http');

const port = Number(process.env.PORT || 3000);
const server = http.createServer((req, res) => {
  res.end(`hello from ${process.env.name || 'hello'} (pid ${process.pid})\n`);
});
server.listen(port, () => console.log(`listening on http://127.0.0.1:${port} (pid ${process.pid})`));

process.on('SIGINT', () => {
  console.log('shutting down');
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
});
