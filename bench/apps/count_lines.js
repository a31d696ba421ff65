// Reads an out log of numbered_1k.js: lines lost (gaps in N within one run; a run starts again
// at 1 when the app was restarted), torn or foreign lines, and runs. Prints "lost torn runs".
'use strict';
const text = require('fs').readFileSync(process.argv[2], 'utf8');
let prev = 0, lost = 0, torn = 0, runs = 0;
for (const line of text.split('\n')) {
  if (line === '') continue;
  const m = /^line (\d+)$/.exec(line);
  if (!m) { torn += 1; continue; }
  const n = Number(m[1]);
  if (n === 1 || n <= prev) runs += 1;
  else if (n > prev + 1) lost += n - prev - 1;
  prev = n;
}
console.log(`${lost} ${torn} ${runs}`);
