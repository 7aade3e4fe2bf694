/** The end of an OpenAI-style event stream. */
export const SSE_DONE = 'data: [DONE]\n\n';

/** One server-sent event carrying `value` as JSON. */
export function sseData(value: unknown): string {
  return `data: ${JSON.stringify(value)}\n\n`;
}

/** Headers of an event stream that no proxy should buffer or cache. */
export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
} as const;

/**
 * The frames of an OpenAI-style event stream: each chunk, then `[DONE]`. An error after the first
 * chunk goes out as an `{error:{…}}` event (the shape OpenAI clients raise) before `[DONE]`.
 */
export async function* sseFrames(chunks: AsyncIterable<unknown>, describe: (error: unknown) => { message: string; type: string; code: string }): AsyncGenerator<string> {
  try {
    for await (const chunk of chunks) yield sseData(chunk);
  } catch (error) {
    yield sseData({ error: describe(error) });
  }
  yield SSE_DONE;
}
