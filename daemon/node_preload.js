// pmd's preload for Node apps in cluster mode (NODE_OPTIONS=--require ...).
//
// Sharing: pmd binds the app's port once and every instance inherits the socket as fd 3
// (LISTEN_FDS=1, LISTEN_PID=its pid). A `server.listen(PORT)` for that port takes the shared
// socket instead of binding its own, so instances share the port the way Node's cluster workers
// share their master's. Other listens (another port, port 0, a path) are left alone.
//
// Readiness: once the app listens on the shared socket, the preload tells pmd over the IPC
// channel ({pmd: 'listening'}), so a reload knows the replacement is serving.
//
// Draining: on the stop signal (PMD_KILL_SIGNAL, SIGINT by default) the shared server stops
// accepting (connections not yet accepted stay queued in the kernel for the other instances),
// requests in flight finish and are answered with `Connection: close`, idle keep-alive
// connections are closed, and the process exits once nothing is left. Without this, Node's
// default on SIGINT is to die at once, and a plain server.close() leaves keep-alive clients to
// find their connection reset. An app with its own handler for the signal keeps control of
// when it exits; the preload still drains the shared server for it.
'use strict';
const net = require('net');
const os = require('os');

const sharedFd = process.env.LISTEN_FDS === '1' && Number(process.env.LISTEN_PID) === process.pid ? 3 : null;
const sharedPort = Number(process.env.PMD_PORT || 0);
const sharedPath = process.env.PMD_LISTEN_PATH || null;  // a unix socket instead of a port
const stopSignalNumber = Number(process.env.PMD_KILL_SIGNAL || os.constants.signals.SIGINT);
const stopSignal = Object.keys(os.constants.signals).find((name) => os.constants.signals[name] === stopSignalNumber) || 'SIGINT';
// A keep-alive connection idle this long is not about to send a request: closing it is safe.
// The longer the wait, the smaller the chance of closing on a client that was merely slow; it
// stays well inside kill_timeout, after which pmd sends SIGKILL.
const killTimeoutMs = Number(process.env.PMD_KILL_TIMEOUT_MS || 1600);
const IDLE_CLOSE_MS = Math.max(100, Math.min(5000, Math.floor(killTimeoutMs * 0.6)));

let sharedServer = null;
let draining = false;

function tellDaemon(message) {
  if (typeof process.send === 'function' && process.connected) {
    try {
      process.send(message);
    } catch (_) {
      // The channel is gone: pmd will see the process exit instead.
    }
  }
}

// Tracks the connections of the shared server: which are busy with a request, and since when
// the others are idle.
function track(server) {
  const connections = new Set();
  server.on('connection', (socket) => {
    socket._pmdBusy = 0;
    socket._pmdIdleSince = Date.now();
    connections.add(socket);
    socket.on('close', () => connections.delete(socket));
  });
  // First in line, so the app's handler cannot send headers before `Connection: close` is set.
  server.prependListener('request', (req, res) => {
    const socket = req.socket;
    socket._pmdBusy += 1;
    if (draining && !res.headersSent) res.setHeader('Connection', 'close');
    res.on('finish', () => {
      socket._pmdBusy -= 1;
      socket._pmdIdleSince = Date.now();
    });
  });
  return connections;
}

function drain(server, connections, exitWhenDone) {
  if (draining) return;
  draining = true;
  // net.Server's close, not http.Server's: since Node 19 the latter also destroys idle keep-alive
  // connections at once, racing with requests clients are sending on them right now.
  net.Server.prototype.close.call(server);
  const isHttp = server.listenerCount('request') > 0;
  const tick = () => {
    const now = Date.now();
    for (const socket of connections) {
      if (!isHttp) continue;  // a raw TCP protocol ends its connections itself (kill_timeout bounds it)
      // Busy connections get `Connection: close` on their response; idle ones are ended once
      // they have been quiet long enough that no request can be on its way.
      if (socket._pmdBusy === 0 && now - socket._pmdIdleSince >= IDLE_CLOSE_MS) socket.end();
      else if (socket._pmdBusy > 0 && socket._httpMessage && !socket._httpMessage.headersSent)
        socket._httpMessage.setHeader('Connection', 'close');
    }
    if (connections.size === 0) {
      if (exitWhenDone) process.exit(0);
      return;
    }
    setTimeout(tick, 25);
  };
  tick();
}

if (sharedFd !== null && (sharedPort > 0 || sharedPath !== null)) {
  const listen = net.Server.prototype.listen;
  net.Server.prototype.listen = function pmdListen(...args) {
    const first = args[0];
    const callback = typeof args[args.length - 1] === 'function' ? args[args.length - 1] : undefined;
    let port;
    let path;
    if (first !== null && typeof first === 'object' && !(first instanceof net.Server)) {
      port = first.path ? undefined : Number(first.port);
      path = first.path;
    } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
      port = Number(first);
    } else if (typeof first === 'string') {
      path = first;
    }
    const ours = sharedPath !== null ? path !== undefined && require('path').resolve(path) === sharedPath : port === sharedPort;
    if (sharedServer !== null || !ours) return listen.apply(this, args);

    sharedServer = this;
    const connections = track(this);
    this.once('listening', () => tellDaemon({ pmd: 'listening' }));
    process.on(stopSignal, function pmdStop() {
      // The app's own handlers (if any) run too; then it decides when to exit.
      const appHandlesIt = process.listenerCount(stopSignal) > 1;
      drain(sharedServer, connections, !appHandlesIt);
    });
    return callback ? listen.call(this, { fd: sharedFd }, callback) : listen.call(this, { fd: sharedFd });
  };
}
