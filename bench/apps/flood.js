// Writes FLOOD_LINES numbered lines to stdout as fast as the pipe takes them, then exits.
// Line format: "<instance> <n> <padding>", so a checker can find lost, torn and reordered lines.
const instance = process.env.NODE_APP_INSTANCE || '0';
const total = Number(process.env.FLOOD_LINES || 100000);
const pad = '.'.repeat(60);
let n = 0;
function pump() {
  while (n < total) {
    const ok = process.stdout.write(`${instance} ${n} ${pad}\n`);
    n++;
    if (!ok) return process.stdout.once('drain', pump);
  }
}
pump();
