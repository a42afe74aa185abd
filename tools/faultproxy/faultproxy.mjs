#!/usr/bin/env node
// faultproxy: an HTTP reverse proxy on loopback that injects network faults (connection resets,
// stalls, truncated bodies, 500, 503, and 429 with Retry-After) at a configurable rate, chosen by
// a seeded PRNG so that the same seed gives the same fault sequence for the same request order.
// Bodies stream in both directions (never buffered whole); status codes, Range and every
// end-to-end header pass through verbatim. Node 20, no npm packages. Usage: docs/faultproxy.md.
import fs from 'node:fs';
import http from 'node:http';
import { performance } from 'node:perf_hooks';

const ALL_FAULTS = ['reset', 'stall', 'truncate', '500', '503', '429'];
const CONTROL_PREFIX = '/__faultproxy/';
// Hop-by-hop headers (RFC 9110 §7.6.1) are the only ones not forwarded.
const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade',
  'proxy-authenticate', 'proxy-authorization',
]);

const USAGE = `usage: node faultproxy.mjs [--target URL] [--listen HOST:PORT] [--rate R] [--seed N]
       [--faults reset,stall,truncate,500,503,429] [--stall-ms N] [--retry-after S]
       [--only-path REGEX] [--log FILE]
Prints "listening HOST:PORT" as its first stdout line. Control routes on the proxy itself:
GET /__faultproxy/stats, POST /__faultproxy/config (JSON: target, rate, seed, faults, stallMs,
retryAfter, onlyPath). See docs/faultproxy.md.`;

// mulberry32: a tiny, well-distributed 32-bit PRNG; deterministic per seed.
function makeRng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function fail(message) {
  process.stderr.write(`faultproxy: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseTarget(value) {
  let url;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`bad target URL ${value}`);
  }
  if (url.protocol !== 'http:') throw new Error('only http:// targets are supported');
  return { host: url.hostname, port: Number(url.port || 80), origin: url.origin };
}

function parseFaults(value) {
  const list = (Array.isArray(value) ? value : String(value).split(','))
    .map((s) => String(s).trim()).filter((s) => s.length > 0);
  for (const f of list) {
    if (!ALL_FAULTS.includes(f)) throw new Error(`unknown fault kind ${f} (known: ${ALL_FAULTS})`);
  }
  if (list.length === 0) throw new Error('--faults needs at least one kind');
  return list;
}

function parseRate(value) {
  const rate = Number(value);
  if (!(rate >= 0 && rate <= 1)) throw new Error('--rate must be between 0 and 1');
  return rate;
}

function parseNonNegativeInt(name, value) {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer`);
  return n;
}

// Mutable configuration; every field can be changed at run time through POST /__faultproxy/config.
const config = {
  target: null, // { host, port, origin }
  rate: 0,
  seed: 1,
  faults: [...ALL_FAULTS],
  stallMs: 60_000, // longer than anonfs' default low-speed timeout (30 s)
  retryAfter: 1, // seconds, sent with 429 and 503
  onlyPath: null, // RegExp over the request path (with query); null: every request
};
let listen = { host: '127.0.0.1', port: 0 };
let logFile = null;

function applyConfig(c) {
  if (c.target !== undefined) config.target = c.target === null ? null : parseTarget(c.target);
  if (c.rate !== undefined) config.rate = parseRate(c.rate);
  if (c.faults !== undefined) config.faults = parseFaults(c.faults);
  if (c.stallMs !== undefined) config.stallMs = parseNonNegativeInt('stallMs', c.stallMs);
  if (c.retryAfter !== undefined) config.retryAfter = parseNonNegativeInt('retryAfter', c.retryAfter);
  if (c.onlyPath !== undefined) config.onlyPath = c.onlyPath ? new RegExp(c.onlyPath) : null;
  if (c.seed !== undefined) config.seed = parseNonNegativeInt('seed', c.seed);
}

try {
  const argv = process.argv.slice(2);
  const c = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    switch (a) {
      case '--target': c.target = value(); break;
      case '--listen': {
        const v = value();
        const colon = v.lastIndexOf(':');
        if (colon < 0) throw new Error('--listen needs HOST:PORT');
        listen = { host: v.slice(0, colon), port: parseNonNegativeInt('--listen port', v.slice(colon + 1)) };
        break;
      }
      case '--rate': c.rate = value(); break;
      case '--seed': c.seed = value(); break;
      case '--faults': c.faults = value(); break;
      case '--stall-ms': c.stallMs = value(); break;
      case '--retry-after': c.retryAfter = value(); break;
      case '--only-path': c.onlyPath = value(); break;
      case '--log': logFile = value(); break;
      case '-h': case '--help': process.stdout.write(`${USAGE}\n`); process.exit(0); break;
      default: throw new Error(`unknown option ${a}`);
    }
  }
  applyConfig(c);
} catch (e) {
  fail(e.message);
}

let rng = makeRng(config.seed);
const stats = { requests: 0, passed: 0, faults: Object.fromEntries(ALL_FAULTS.map((f) => [f, 0])), seq: 0 };
const logFd = logFile ? fs.openSync(logFile, 'a', 0o600) : null;

// One JSON line per proxied request, written synchronously so that a reader sees every request
// whose response it has. `t` is milliseconds since the proxy started (monotonic clock). The query
// string is left out: presigned URLs carry capabilities.
function logEvent(event) {
  if (logFd === null) return;
  fs.writeSync(logFd, `${JSON.stringify(event)}\n`);
}

// The fault for the next eligible request, drawn in arrival order: one PRNG draw decides whether,
// a second which kind, a third (truncate and stall only) where the body is cut. Requests that
// --only-path excludes draw nothing (null).
function decide(path) {
  if (config.onlyPath && !config.onlyPath.test(path)) return null;
  if (rng() >= config.rate) return { fault: 'none' };
  const fault = config.faults[Math.floor(rng() * config.faults.length)];
  const cutFraction = fault === 'truncate' || fault === 'stall' ? 0.1 + 0.8 * rng() : 0;
  return { fault, cutFraction };
}

function forwardHeaders(raw) {
  const out = [];
  for (let i = 0; i < raw.length; i += 2) {
    if (!HOP_BY_HOP.has(raw[i].toLowerCase())) out.push(raw[i], raw[i + 1]);
  }
  return out;
}

function sendJson(res, status, body, extra = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...extra });
  res.end(text);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > 65536) reject(new Error('control body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function control(req, res, path) {
  if (path === `${CONTROL_PREFIX}stats` && req.method === 'GET') {
    sendJson(res, 200, { requests: stats.requests, passed: stats.passed, faults: stats.faults });
    return;
  }
  if (path === `${CONTROL_PREFIX}config` && req.method === 'POST') {
    try {
      const body = JSON.parse((await readBody(req)) || '{}');
      applyConfig(body);
      if (body.seed !== undefined) rng = makeRng(config.seed);
      sendJson(res, 200, {
        target: config.target ? config.target.origin : null, rate: config.rate, seed: config.seed,
        faults: config.faults, stallMs: config.stallMs, retryAfter: config.retryAfter,
        onlyPath: config.onlyPath ? config.onlyPath.source : null,
      });
    } catch (e) {
      sendJson(res, 400, { error: e.message });
    }
    return;
  }
  sendJson(res, 404, { error: 'unknown control route' });
}

function injectStatus(req, res, status) {
  req.resume(); // drain an upload body; the server never sees this request
  const headers = { 'Content-Type': 'application/json' };
  if (status === 429 || status === 503) headers['Retry-After'] = String(config.retryAfter);
  const code = status === 429 ? 'RATE_LIMITED' : status === 503 ? 'SERVICE_UNAVAILABLE' : 'INTERNAL_ERROR';
  const text = JSON.stringify({ success: false, error: { code, message: `faultproxy injected ${status}` } });
  headers['Content-Length'] = Buffer.byteLength(text);
  res.writeHead(status, headers);
  res.end(text);
}

// Forwards the request to the target and streams the response back. `fault` is 'none',
// 'truncate' (close the connection after a part of the body) or 'stall' (stop after a part of
// the body, or before the headers when there is no body, for stallMs, then close). The part is
// `cutFraction` of Content-Length, or the first body chunk when the length is unknown.
function forward(req, res, fault, cutFraction) {
  const upstream = http.request({
    host: config.target.host,
    port: config.target.port,
    method: req.method,
    path: req.url,
    headers: forwardHeaders(req.rawHeaders),
    agent: upstreamAgent,
  });
  let timer = null;
  let upstreamDone = false;
  // The client's connection closing (also when it gives up early) ends the upstream request.
  res.on('close', () => {
    if (timer) clearTimeout(timer);
    if (!upstreamDone) upstream.destroy();
  });
  upstream.on('error', () => {
    if (!res.headersSent) sendJson(res, 502, { error: 'faultproxy: upstream unreachable' });
    else res.destroy();
  });
  upstream.on('response', (up) => {
    up.on('end', () => { upstreamDone = true; });
    const length = Number(up.headers['content-length']);
    const known = up.headers['content-length'] !== undefined && Number.isFinite(length);
    const hasBody = req.method !== 'HEAD' && up.statusCode !== 204 && up.statusCode !== 304 &&
      !(known && length === 0);
    if (fault !== 'none' && !hasBody) {
      // Nothing to cut: a stall holds the whole response, a truncation sends nothing at all.
      up.resume();
      if (fault === 'stall') timer = setTimeout(() => res.destroy(), config.stallMs);
      else res.destroy();
      return;
    }
    res.writeHead(up.statusCode, up.statusMessage, forwardHeaders(up.rawHeaders));
    if (fault === 'none') {
      up.pipe(res);
      return;
    }
    const cut = known ? Math.floor(length * cutFraction) : null;
    let sent = 0;
    let stopped = false;
    const stop = () => {
      stopped = true;
      up.pause();
      if (fault === 'stall') {
        timer = setTimeout(() => res.destroy(), config.stallMs);
      } else {
        // A clean close after a short body: the client sees fewer bytes than Content-Length.
        res.socket?.end();
      }
    };
    if (cut === 0) {
      stop();
      return;
    }
    up.on('data', (chunk) => {
      if (stopped) return;
      const part = cut === null ? chunk : chunk.subarray(0, Math.min(cut - sent, chunk.length));
      sent += part.length;
      if (!res.write(part)) {
        up.pause();
        res.once('drain', () => { if (!stopped) up.resume(); });
      }
      if (cut === null || sent >= cut) stop();
    });
  });
  req.pipe(upstream);
}

const upstreamAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });

const server = http.createServer((req, res) => {
  const path = req.url || '/';
  if (path.startsWith(CONTROL_PREFIX)) {
    control(req, res, path.split('?')[0]).catch(() => res.destroy());
    return;
  }
  if (!config.target) {
    req.resume();
    sendJson(res, 502, { error: 'faultproxy: no target configured' });
    return;
  }
  const decision = decide(path);
  const fault = decision ? decision.fault : 'none';
  stats.requests += 1;
  if (fault === 'none') stats.passed += 1;
  else stats.faults[fault] += 1;
  const event = {
    seq: stats.seq++, t: Math.round(performance.now() * 1000) / 1000, method: req.method,
    path: path.split('?')[0], range: req.headers.range ?? null, fault,
  };
  if (decision === null) event.eligible = false;
  if (fault === '429' || fault === '503') event.retryAfter = config.retryAfter;
  logEvent(event);

  switch (fault) {
    case 'reset':
      // TCP RST before any response byte; the server never sees the request.
      req.socket.resetAndDestroy();
      return;
    case '500':
    case '503':
    case '429':
      injectStatus(req, res, Number(fault));
      return;
    default:
      forward(req, res, fault, decision ? decision.cutFraction : 0);
  }
});
server.keepAliveTimeout = 5_000;
server.requestTimeout = 0; // long uploads and downloads stream through; no overall cap
server.on('clientError', (_err, socket) => socket.destroy());
server.listen(listen.port, listen.host, () => {
  const address = server.address();
  process.stdout.write(`listening ${address.address}:${address.port}\n`);
});
const shutdown = () => server.close(() => process.exit(0));
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
