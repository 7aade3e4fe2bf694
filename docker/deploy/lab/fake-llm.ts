/**
 * A fake vLLM or Ollama for the compose lab (no GPU, no model): the tests' FakeLlmServer, speaking
 * the real wire protocol, reachable on `127.0.0.1:PORT` of the network namespace it runs in (the
 * lab runs it in the gpu or mac node's, where the real server would listen on that machine).
 *   node --import tsx docker/deploy/lab/fake-llm.ts vllm gpu 8000
 */
import { createConnection, createServer } from 'node:net';
import { FakeLlmServer, type FakeFlavor } from '../../../test/support/fake-llm-server.js';

const [flavor = 'vllm', name = flavor, port = flavor === 'vllm' ? '8000' : '11434'] = process.argv.slice(2);
const fake = await FakeLlmServer.start({ flavor: flavor as FakeFlavor, name });
const upstream = Number(new URL(fake.url).port);
// The fake picks a free port; the node expects the well-known one.
const front = createServer((socket) => {
  const back = createConnection(upstream, '127.0.0.1');
  socket.pipe(back).pipe(socket);
  const close = () => (socket.destroy(), back.destroy());
  socket.on('error', close);
  back.on('error', close);
});
front.listen(Number(port), '127.0.0.1', () => console.log(JSON.stringify({ fake: flavor, name, listening: `127.0.0.1:${port}` })));
const stop = () => front.close(() => void fake.close().then(() => process.exit(0)));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
