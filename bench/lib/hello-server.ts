import express from 'express';

/**
 * The baseline for the API benchmark: a bare Express 5 app answering one small JSON document,
 * in its own process like the real API. Prints "listening <port>" once ready.
 */
const app = express();
app.disable('x-powered-by');
app.get('/hello', (_req, res) => {
  res.json({ hello: 'world', status: 'ok' });
});
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const addr = server.address();
  console.log(`listening ${typeof addr === 'object' && addr ? addr.port : '?'}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
