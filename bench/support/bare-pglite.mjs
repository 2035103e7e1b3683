// The baseline of the startup benchmark's idle RSS: PGlite alone on a data dir (DATA_DIR), run by plain node, with
// an HTTP server that answers /healthz after a `select 1` — no app, no tsx.
import { createServer } from 'node:http';
import { PGlite } from '@electric-sql/pglite';

const db = new PGlite(process.env.DATA_DIR);
await db.waitReady;
createServer((_req, res) => {
  db.query('select 1').then(
    () => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'),
    () => res.writeHead(500).end(),
  );
}).listen(Number(process.env.PORT));
process.on('SIGTERM', () => db.close().then(() => process.exit(0)));
