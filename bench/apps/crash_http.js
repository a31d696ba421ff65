// Answers GET / with its pid; GET /crash makes it exit(1) at once: the crash-restart scenario.
'use strict';
require('http')
  .createServer((req, res) => {
    if (req.url === '/crash') process.exit(1);
    res.end(`pid ${process.pid}\n`);
  })
  .listen(Number(process.env.PORT));
