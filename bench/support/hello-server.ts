// A second baseline of `npm run bench -- startup`: the smallest HTTP server answering 200, started through `tsx`
// like the app, so the table shows what tsx itself adds beside what the app adds.
import { createServer } from 'node:http';

const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('ok');
}).listen(Number(process.env.PORT ?? 0));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
