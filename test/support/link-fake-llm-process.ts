/**
 * A FakeLlmServer as its own process, for a test host inside a network namespace: argv[2] is its
 * options as JSON (`reply` given as a fixed text), and it prints `{"port":N}` once it listens.
 * @internal for tests
 */
import { FakeLlmServer, type FakeLlmOptions } from './fake-llm-server.js';

const options = JSON.parse(process.argv[2] ?? '{}') as Omit<FakeLlmOptions, 'reply'> & { replyText?: string };
const { replyText, ...rest } = options;
const server = await FakeLlmServer.start({ ...rest, ...(replyText ? { reply: () => replyText } : {}) });
console.log(JSON.stringify({ port: Number(new URL(server.url).port) }));
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
