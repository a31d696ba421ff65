// pmd's preload for Node apps in cluster mode (NODE_OPTIONS=--require ...). pmd binds the app's
// port once and every instance inherits the socket as fd 3 (LISTEN_FDS=1, LISTEN_PID=its pid):
// a `server.listen(PORT)` for that port takes the shared socket instead of binding its own, so
// instances share the port the way Node's cluster workers share their master's. Other listens
// (another port, port 0, a path) are left alone.
'use strict';
const net = require('net');

const sharedFd = process.env.LISTEN_FDS === '1' && Number(process.env.LISTEN_PID) === process.pid ? 3 : null;
const sharedPort = Number(process.env.PMD_PORT || 0);
let taken = false;

if (sharedFd !== null && sharedPort > 0) {
  const listen = net.Server.prototype.listen;
  net.Server.prototype.listen = function pmdListen(...args) {
    const first = args[0];
    const callback = typeof args[args.length - 1] === 'function' ? args[args.length - 1] : undefined;
    let port;
    if (first !== null && typeof first === 'object' && !(first instanceof net.Server)) port = first.path ? undefined : first.port;
    else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) port = Number(first);
    if (!taken && port === sharedPort) {
      taken = true;
      return callback ? listen.call(this, { fd: sharedFd }, callback) : listen.call(this, { fd: sharedFd });
    }
    return listen.apply(this, args);
  };
}
