// pmd's preload for Node apps in cluster mode (NODE_OPTIONS=--require ...).
//
// Sharing: pmd binds the app's port once and every instance inherits the socket as fd 3
// (LISTEN_FDS=1, LISTEN_PID=its pid). A `server.listen(PORT)` for that port takes the shared
// socket instead of binding its own, so instances share the port the way Node's cluster workers
// share their master's. Other listens (another port, port 0, a path) are left alone.
//
// When pmd did not know the address in advance (a port written in the code), the first
// listen(port) asks pmd over the IPC channel for a socket bound once for the whole app, and
// gets it as a handle, the way Node's cluster workers get theirs from the primary.
//
// Readiness: once the app listens on the shared socket, the preload tells pmd over the IPC
// channel ({pmd: 'listening'}), so a reload knows the replacement is serving.
//
// Draining: before pmd delivers the stop signal it asks the preload to drain ({cmd:
// 'NODE_PMD_DRAIN'} on the IPC channel, an internal message the app never sees): the shared
// server stops accepting (connections not yet accepted stay queued in the kernel for the other
// instances), requests in flight finish and are answered with `Connection: close`, idle
// keep-alive connections are closed once they have been quiet long enough that no request can
// be on its way, and the preload answers {pmd: 'drained'}. Only then does pmd send the signal
// (or the 'shutdown' message), so an app's own handler -- the common
// `process.on('SIGINT', () => server.close(...))` -- runs on a server with nothing left to lose.
// Node 19+'s http server.close() resets idle keep-alive connections a client may be sending on
// right now; after the drain there are none. An app without a handler exits at the signal,
// once drained. A stop signal that comes without the drain (sendSignal, a terminal) drains the
// same way before an app without a handler exits.
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
let drained = false;

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

const closeCallbacks = [];  // the app's server.close() callbacks, run once drained

function drain(server, connections, whenDone) {
  if (!draining) {
    draining = true;
    // net.Server's close, not http.Server's: since Node 19 the latter also destroys idle
    // keep-alive connections at once, racing with requests clients are sending on them now.
    net.Server.prototype.close.call(server);
    // The app's own server.close(callback) then finds a server already closed: its callback
    // runs once the drain is over, without the "Server is not running" error Node would give.
    server.close = function closeAfterDrain(callback) {
      if (typeof callback === 'function') {
        if (drained) process.nextTick(callback);
        else closeCallbacks.push(callback);
      }
      return this;
    };
  }
  // A raw TCP protocol ends its connections itself (kill_timeout bounds it); HTTP ones are ended
  // here. Responses in flight that have not sent their headers yet say `Connection: close` (the
  // 'request' hook does it for the requests still to come).
  const isHttp = server.listenerCount('request') > 0;
  if (isHttp)
    for (const socket of connections)
      if (socket._httpMessage && !socket._httpMessage.headersSent) socket._httpMessage.setHeader('Connection', 'close');
  const tick = () => {
    const now = Date.now();
    // Idle connections are ended once they have been quiet long enough that no request can be
    // on its way.
    if (isHttp)
      for (const socket of connections)
        if (socket._pmdBusy === 0 && now - socket._pmdIdleSince >= IDLE_CLOSE_MS) socket.end();
    if (connections.size === 0) {
      drained = true;
      for (const callback of closeCallbacks.splice(0)) callback();
      return whenDone();
    }
    setTimeout(tick, 25);
  };
  tick();
}

// The address of a listen() call: {port, host} for TCP, {path} for a unix socket, null otherwise.
function addressOf(args) {
  const first = args[0];
  if (first !== null && typeof first === 'object' && !(first instanceof net.Server)) {
    if (first.path) return { path: first.path };
    if (first.port !== undefined) return { port: Number(first.port), host: first.host };
    return null;  // a handle or {fd}: already shared, leave it alone
  }
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    return { port: Number(first), host: typeof args[1] === 'string' ? args[1] : undefined };
  }
  if (typeof first === 'string') return { path: first };
  return null;
}

// Asks pmd for a shared socket for `address` over the IPC channel; resolves to the listening
// handle, or null when pmd cannot share it (the app then binds as it would have).
function requestSocket(address) {
  return new Promise((resolve) => {
    // The server is not listening yet: keep the process alive until pmd answers.
    const keepAlive = setTimeout(() => finish(null), 5000);
    function finish(handle) {
      clearTimeout(keepAlive);
      process.removeListener('internalMessage', onReply);
      resolve(handle);
    }
    function onReply(message, handle) {
      if (message && message.cmd === 'NODE_PMD_SOCKET' && message.port === address.port) finish(message.error ? null : handle || null);
    }
    process.on('internalMessage', onReply);
    tellDaemon({ pmd: 'listen', port: address.port, host: address.host === undefined ? null : address.host });
  });
}

let sharedConnections = null;

// Once drained, the closed server no longer keeps the event loop busy, and Node would exit by
// itself before the app's handler could run: the process is held until the signal (or the
// 'shutdown' message) arrives. pmd sends it at once; kill_timeout bounds the rest.
let holdUntilStopped = null;
function release() {
  if (holdUntilStopped === null) return;
  clearInterval(holdUntilStopped);
  holdUntilStopped = null;
  process.removeListener('message', onShutdownMessage);
}
function onShutdownMessage(message) {
  if (message === 'shutdown') release();
}

// pmd asks for the drain before it sends the stop signal.
process.on('internalMessage', (message) => {
  if (!message || message.cmd !== 'NODE_PMD_DRAIN') return;
  const done = () => tellDaemon({ pmd: 'drained' });
  if (sharedServer === null) return done();  // nothing of ours to drain
  if (holdUntilStopped === null) {
    holdUntilStopped = setInterval(() => {}, 1 << 30);
    process.prependListener('message', onShutdownMessage);
  }
  drain(sharedServer, sharedConnections, done);
});

// Makes `server` the app's shared server: readiness, drain on the stop signal.
function adopt(server) {
  sharedServer = server;
  sharedConnections = track(server);
  server.once('listening', () => tellDaemon({ pmd: 'listening' }));
  process.on(stopSignal, function pmdStop() {
    release();
    // The app's own handlers (if any) run too, and decide when it exits.
    const appHandlesIt = process.listenerCount(stopSignal) > 1;
    if (appHandlesIt) {
      if (!draining) drain(sharedServer, sharedConnections, () => {});
      return;
    }
    if (drained) process.exit(0);
    drain(sharedServer, sharedConnections, () => process.exit(0));
  });
}

const listen = net.Server.prototype.listen;
if (sharedFd !== null && (sharedPort > 0 || sharedPath !== null)) {
  // pmd knew the address and passed its socket at fd 3.
  net.Server.prototype.listen = function pmdListen(...args) {
    const callback = typeof args[args.length - 1] === 'function' ? args[args.length - 1] : undefined;
    const address = addressOf(args);
    const ours =
      address !== null &&
      (sharedPath !== null ? address.path !== undefined && require('path').resolve(address.path) === sharedPath : address.port === sharedPort);
    if (sharedServer !== null || !ours) return listen.apply(this, args);
    adopt(this);
    return callback ? listen.call(this, { fd: sharedFd }, callback) : listen.call(this, { fd: sharedFd });
  };
} else if (process.env.PMD_CLUSTER === '1' && typeof process.send === 'function') {
  // No address was known in advance (the port is written in the code): the first listen() on a
  // port asks pmd, which binds it once for every instance, as Node's cluster primary does.
  net.Server.prototype.listen = function pmdListen(...args) {
    const callback = typeof args[args.length - 1] === 'function' ? args[args.length - 1] : undefined;
    const address = addressOf(args);
    if (sharedServer !== null || address === null || !(address.port > 0)) return listen.apply(this, args);
    const server = this;
    adopt(server);
    requestSocket(address).then((handle) => {
      if (handle) listen.call(server, handle, callback);
      else listen.apply(server, args);
    });
    return this;
  };
}

// Readiness of apps that never listen on the shared port (a queue worker, listen(0), a server
// that binds later): once the app's code has run, the first turn of the event loop tells pmd
// whether it took the shared socket. If not, min_uptime alive makes it ready.
if (process.env.PMD_CLUSTER === '1') setImmediate(() => tellDaemon({ pmd: 'started', listening: sharedServer !== null }));
