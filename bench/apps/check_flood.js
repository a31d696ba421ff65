// Reads a merged log file written by flood.js instances and reports, as JSON: lines, torn lines
// (not "<instance> <n> <pad>"), lines lost, duplicated or out of order per instance.
const fs = require('fs');
const [file, instances, perInstance] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const pad = '.'.repeat(60);
const seen = Array.from({ length: instances }, () => new Uint8Array(perInstance));
const last = new Array(instances).fill(-1);
let lines = 0, torn = 0, duplicated = 0, reordered = 0;
const text = fs.existsSync(file) ? fs.readFileSync(file, 'latin1') : '';
for (const line of text.split('\n')) {
  if (line === '') continue;
  lines++;
  // PM2 may prefix a timestamp or id; the payload is the last three fields.
  const m = /(\d+) (\d+) (\.+)$/.exec(line);
  if (!m || m[3] !== pad || Number(m[1]) >= instances || Number(m[2]) >= perInstance) { torn++; continue; }
  const i = Number(m[1]), n = Number(m[2]);
  if (seen[i][n]) duplicated++;
  seen[i][n] = 1;
  if (n < last[i]) reordered++;
  last[i] = n;
}
let lost = 0;
for (const s of seen) for (const v of s) if (!v) lost++;
console.log(JSON.stringify({ lines, torn, lost, duplicated, reordered }));
