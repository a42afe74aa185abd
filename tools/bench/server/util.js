#!/usr/bin/env node
// Small helpers for tools/bench/server/run (Node.js 20, no dependencies).
//   util.js get KEY...            read JSON on stdin, print the value at KEY/KEY/... (strings raw)
//   util.js port                  print a free TCP port on 127.0.0.1
//   util.js finish FILE_ID        read "<partNumber> <etag>" lines on stdin, print the
//                                 PATCH ?action=finish body
//   util.js stats                 read numbers on stdin, print "<best> <median> <count>"
'use strict';

const net = require('node:net');

function readStdin() {
  return require('node:fs').readFileSync(0, 'utf8');
}

function main(argv) {
  const [cmd, ...args] = argv;
  switch (cmd) {
    case 'get': {
      let v = JSON.parse(readStdin());
      for (const k of args) {
        if (v === null || typeof v !== 'object' || !(k in v)) {
          throw new Error(`no key ${args.join('.')} in response`);
        }
        v = v[k];
      }
      process.stdout.write(typeof v === 'string' ? v : JSON.stringify(v));
      return;
    }
    case 'port': {
      const srv = net.createServer();
      srv.listen(0, '127.0.0.1', () => {
        process.stdout.write(String(srv.address().port));
        srv.close();
      });
      return;
    }
    case 'finish': {
      const chunks = readStdin()
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => {
          const [n, etag] = l.trim().split(/\s+/);
          return { chunkIndex: Number(n) - 1, etag };
        })
        .sort((a, b) => a.chunkIndex - b.chunkIndex);
      process.stdout.write(JSON.stringify({ files: [{ fileId: args[0], chunks }] }));
      return;
    }
    case 'stats': {
      const xs = readStdin()
        .split(/\s+/)
        .filter((s) => s !== '')
        .map(Number)
        .sort((a, b) => a - b);
      if (xs.length === 0) throw new Error('no samples');
      const mid = Math.floor(xs.length / 2);
      const median = xs.length % 2 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
      process.stdout.write(`${xs[xs.length - 1].toFixed(1)} ${median.toFixed(1)} ${xs.length}`);
      return;
    }
    default:
      throw new Error(`unknown command ${cmd}`);
  }
}

try {
  main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`util.js: ${e.message}\n`);
  process.exit(1);
}
