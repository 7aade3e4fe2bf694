/**
 * The error catalogue: every failure paperd reports has a class here with a stable `code`, a
 * message that says what was wrong, and the `cause` it came from. The API maps codes to HTTP
 * statuses in one place (`httpStatusOf`).
 */
export abstract class PaperdError extends Error {
  abstract readonly code: string;
  /** The HTTP status this failure answers with when it reaches the API. */
  readonly status: number = 500;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An `ask` got no reply before its deadline. */
export class AskTimeoutError extends PaperdError {
  readonly code = 'PAPERD_ASK_TIMEOUT';
  override readonly status = 504;
  constructor(readonly actor: string, readonly messageType: string, readonly timeoutMs: number) {
    super(`actor ${actor} did not answer ${messageType} within ${timeoutMs} ms`);
  }
}

/** A message was sent to an actor that is stopped for good. */
export class ActorStoppedError extends PaperdError {
  readonly code = 'PAPERD_ACTOR_STOPPED';
  override readonly status = 503;
  constructor(readonly actor: string, readonly messageType: string) {
    super(`actor ${actor} is stopped; ${messageType} was not delivered`);
  }
}

/** A supervisor exceeded its restart intensity and stopped; carries the last child failure. */
export class SupervisorGaveUpError extends PaperdError {
  readonly code = 'PAPERD_SUPERVISOR_GAVE_UP';
  constructor(readonly supervisor: string, readonly restarts: number, readonly periodMs: number, cause: unknown) {
    super(`supervisor ${supervisor} gave up after ${restarts} restarts within ${periodMs} ms`, { cause });
  }
}

/** A crash injected on purpose through the test hooks. */
export class InjectedCrashError extends PaperdError {
  readonly code = 'PAPERD_INJECTED_CRASH';
  constructor(readonly actor: string) {
    super(`crash injected into ${actor}`);
  }
}

/** Configuration that does not validate: names the key and what was wrong with it. */
export class ConfigError extends PaperdError {
  readonly code = 'PAPERD_CONFIG_INVALID';
  override readonly status = 400;
}

/** Input from outside (a file, a body, a query) that cannot be used as it is. */
export class BadInputError extends PaperdError {
  readonly code = 'PAPERD_BAD_INPUT';
  override readonly status = 400;
}

/** Something asked for by id does not exist. */
export class NotFoundError extends PaperdError {
  readonly code = 'PAPERD_NOT_FOUND';
  override readonly status = 404;
}

/** A running node could not be reached at the URL given to the CLI. */
export class NodeUnreachableError extends PaperdError {
  readonly code = 'PAPERD_NODE_UNREACHABLE';
  override readonly status = 502;
}

/** The HTTP status for any error: catalogue errors carry theirs, anything else is a 500. */
export function httpStatusOf(error: unknown): number {
  if (error instanceof PaperdError) return error.status;
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}

/** A stable code for any error, for logs and API bodies. */
export function errorCodeOf(error: unknown): string {
  if (error instanceof PaperdError) return error.code;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'PAPERD_INTERNAL';
}

/** Name, message and the first lines of the stack: what the restart log and the tree show. */
export function describeError(error: unknown, stackLines = 5): { name: string; message: string; stack: string } {
  if (error instanceof Error) {
    const stack = (error.stack ?? '').split('\n').slice(1, 1 + stackLines).map((l) => l.trim()).join('\n');
    return { name: error.name, message: error.message, stack };
  }
  return { name: 'NonError', message: String(error), stack: '' };
}

/**
 * arXiv gave no usable answer within the bounded attempts (429, 503, other 5xx, timeouts, network
 * errors). Transient by nature: the job is worth retrying later, after `retryAfterMs` when known.
 */
export class ArxivUnavailableError extends PaperdError {
  readonly code = 'PAPERD_ARXIV_UNAVAILABLE';
  override readonly status = 503;
  constructor(
    readonly url: string,
    readonly attempts: number,
    /** The HTTP status of the last attempt, absent when it got no response at all. */
    readonly lastStatus: number | undefined,
    /** What arXiv's last `Retry-After` asked for, when it sent one. */
    readonly retryAfterMs: number | undefined,
    cause?: unknown,
  ) {
    super(
      `arXiv unavailable for ${url} after ${attempts} attempt${attempts === 1 ? '' : 's'}` +
        (lastStatus === undefined ? '' : ` (last status ${lastStatus})`) +
        (retryAfterMs === undefined ? '' : `; it asked to retry after ${Math.ceil(retryAfterMs / 1000)} s`),
      { cause },
    );
  }
}

/** One request to arXiv ran past its budget, waiting for the response headers or for the whole body. */
export class ArxivTimeoutError extends PaperdError {
  readonly code = 'PAPERD_ARXIV_TIMEOUT';
  override readonly status = 504;
  constructor(readonly url: string, readonly phase: 'headers' | 'body', readonly timeoutMs: number) {
    super(`arXiv request ${url} timed out after ${timeoutMs} ms waiting for the ${phase === 'headers' ? 'response headers' : 'whole body'}`);
  }
}

/** An arXiv response body was larger than the cap set for it; reading stopped there and it is not retried. */
export class ArxivBodyTooLargeError extends PaperdError {
  readonly code = 'PAPERD_ARXIV_BODY_TOO_LARGE';
  override readonly status = 502;
  constructor(readonly url: string, readonly limitBytes: number) {
    super(`arXiv response from ${url} exceeds the ${limitBytes}-byte cap`);
  }
}

/** What arXiv served under a PDF URL is not a PDF (an HTML page, a wrong Content-Type, no `%PDF-` magic). Permanent. */
export class NotAPdfError extends PaperdError {
  readonly code = 'PAPERD_NOT_A_PDF';
  override readonly status = 502;
  constructor(readonly url: string, readonly reason: string) {
    super(`${url} did not serve a PDF: ${reason}`);
  }
}

/** A PDF larger than the fetcher's cap: the download stopped at the cap and nothing was stored. Permanent. */
export class PdfTooLargeError extends PaperdError {
  readonly code = 'PAPERD_PDF_TOO_LARGE';
  override readonly status = 502;
  constructor(readonly url: string, readonly limitBytes: number, readonly declaredBytes?: number) {
    super(
      `PDF at ${url} exceeds the ${limitBytes}-byte cap` + (declaredBytes === undefined ? '' : ` (it declares ${declaredBytes} bytes)`),
    );
  }
}

/** arXiv answered a PDF request with a status that retrying will not change (404, 410, 403…). Permanent. */
export class PdfUnavailableError extends PaperdError {
  readonly code = 'PAPERD_PDF_UNAVAILABLE';
  override readonly status = 502;
  constructor(readonly url: string, readonly httpStatus: number) {
    super(`arXiv answered ${httpStatus} for the PDF at ${url}`);
  }
}

/** A LanceDB table holds vectors of another size than the embedder makes: re-embed into a new table, or configure the embedder it was built with. */
export class VectorSchemaMismatchError extends PaperdError {
  readonly code = 'PAPERD_VECTOR_SCHEMA_MISMATCH';
  constructor(readonly dir: string, readonly table: string, readonly expectedDimensions: number, readonly actualDimensions: number | undefined) {
    super(
      `LanceDB table ${table} in ${dir} holds ${actualDimensions === undefined ? 'no fixed-size vector column' : `${actualDimensions}-dimension vectors`}; ` +
        `the embedder makes ${expectedDimensions}`,
    );
  }
}

/** XML that is not well-formed (truncated, mis-nested, undeclared prefix, bytes not in its encoding): says where it broke. */
export class MalformedXmlError extends PaperdError {
  readonly code = 'PAPERD_MALFORMED_XML';
  override readonly status = 400;
  constructor(readonly reason: string, readonly line?: number, readonly column?: number, cause?: unknown) {
    super(
      'malformed XML' + (line === undefined ? '' : ` at line ${line}` + (column === undefined ? '' : `, column ${column}`)) + `: ${reason}`,
      { cause },
    );
  }
}

/**
 * XML refused before it reached the parser because it declares a DTD or entities: external entities
 * (XXE), entity expansion (billion laughs), external DTDs. arXiv never sends any of these.
 */
export class UnsafeXmlError extends PaperdError {
  readonly code = 'PAPERD_UNSAFE_XML';
  override readonly status = 400;
  constructor(readonly reason: string) {
    super(`unsafe XML refused: ${reason}`);
  }
}

/** Well-formed input that is not the document expected: an HTML page where an Atom feed was due, an OAI-PMH reply without its verb. */
export class UnexpectedDocumentError extends PaperdError {
  readonly code = 'PAPERD_UNEXPECTED_DOCUMENT';
  override readonly status = 400;
  constructor(readonly expected: string, readonly found: string) {
    super(`expected ${expected}, found ${found}`);
  }
}

/** arXiv's export API answered with its error feed (one entry under `…/api/errors#…`); carries arXiv's own message. */
export class ArxivApiError extends PaperdError {
  readonly code = 'PAPERD_ARXIV_API_ERROR';
  override readonly status = 502;
  constructor(readonly arxivMessage: string, readonly errorId: string) {
    super(`arXiv API error: ${arxivMessage} (${errorId})`);
  }
}

/** An OAI-PMH `<error>` other than `noRecordsMatch` (an empty page) and `badResumptionToken` (its own class). */
export class OaiPmhError extends PaperdError {
  readonly code = 'PAPERD_OAI_PMH_ERROR';
  override readonly status = 502;
  constructor(readonly oaiCode: string, readonly oaiMessage: string) {
    super(`OAI-PMH error ${oaiCode}: ${oaiMessage}`);
  }
}

/**
 * The repository refused a resumption token (expired, or from before a restart of its side). Not
 * fatal: the harvest restarts with `from` = the last datestamp it committed.
 */
export class OaiBadResumptionTokenError extends PaperdError {
  readonly code = 'PAPERD_OAI_BAD_RESUMPTION_TOKEN';
  override readonly status = 502;
  constructor(readonly oaiMessage: string) {
    super(`OAI-PMH refused the resumption token (badResumptionToken): ${oaiMessage}; restart from the last datestamp harvested`);
  }
}

/** An arXiv `.abs` metadata file that cannot be read as one: empty, no `\\` separators, no id, no dates. */
export class MalformedAbsError extends PaperdError {
  readonly code = 'PAPERD_MALFORMED_ABS';
  override readonly status = 400;
  constructor(readonly reason: string, readonly file?: string) {
    super(`malformed .abs${file === undefined ? '' : ` file ${file}`}: ${reason}`);
  }
}

/**
 * arXiv answered with a status that retrying will not change and whose body is not one of its
 * error documents (a 404 for a listing, a 403): the poll or harvest step failed and is retried later.
 */
export class ArxivUnexpectedStatusError extends PaperdError {
  readonly code = 'PAPERD_ARXIV_UNEXPECTED_STATUS';
  override readonly status = 502;
  constructor(readonly url: string, readonly httpStatus: number) {
    super(`arXiv answered ${httpStatus} for ${url}`);
  }
}

/**
 * An OAI-PMH harvest that stopped making progress: the repository handed back the token it was
 * given, or refused resumption tokens again and again without a page in between.
 */
export class OaiHarvestStalledError extends PaperdError {
  readonly code = 'PAPERD_OAI_HARVEST_STALLED';
  override readonly status = 502;
  constructor(readonly reason: string, cause?: unknown) {
    super(`OAI-PMH harvest stalled: ${reason}`, { cause });
  }
}

/** A stored checkpoint that does not read as the progress record it should be; it is left as it is for an operator to inspect. */
export class CorruptCheckpointError extends PaperdError {
  readonly code = 'PAPERD_CORRUPT_CHECKPOINT';
  constructor(readonly key: string, readonly reason: string) {
    super(`checkpoint ${key} is unreadable: ${reason}`);
  }
}

/** Search options that cannot be used as given: a limit that is not a count, a date that is not `YYYY-MM-DD`, a filter list of non-strings. */
export class InvalidSearchOptionsError extends PaperdError {
  readonly code = 'PAPERD_INVALID_SEARCH_OPTIONS';
  override readonly status = 400;
  constructor(readonly option: string, readonly reason: string) {
    super(`search option ${option}: ${reason}`);
  }
}

/**
 * The embedded embedder could not be fitted: no document of the corpus has a term frequent enough
 * for the vocabulary (an empty or tiny corpus). Keep the previous embedder until the corpus grows.
 */
export class EmbedderFitError extends PaperdError {
  readonly code = 'PAPERD_EMBEDDER_FIT_FAILED';
  constructor(readonly reason: string, readonly documents: number) {
    super(`cannot fit the embedded embedder on ${documents} document${documents === 1 ? '' : 's'}: ${reason}`);
  }
}

/**
 * A saved embedded-model file that does not read as one: wrong magic or format version, truncated,
 * or its bytes no longer hash to the fit id it names. Refit rather than trust it.
 */
export class EmbeddedModelCorruptError extends PaperdError {
  readonly code = 'PAPERD_EMBEDDED_MODEL_CORRUPT';
  constructor(readonly source: string, readonly reason: string, cause?: unknown) {
    super(`embedded model ${source} is unreadable: ${reason}`, { cause });
  }
}

/** No API key, or one that is malformed, unknown or revoked. */
export class UnauthorizedError extends PaperdError {
  readonly code = 'PAPERD_UNAUTHORIZED';
  override readonly status = 401;
}

/** A valid API key without the scope the route needs. */
export class ForbiddenError extends PaperdError {
  readonly code = 'PAPERD_FORBIDDEN';
  override readonly status = 403;
}

/** What one endpoint did with one attempt, as the inference errors list it. */
export interface LlmAttemptRecord {
  readonly endpoint: string;
  /** `unreachable`, `busy`, `first-token-timeout`…, or `skipped` when it was not tried (cooling, down, queue full). */
  readonly type: string;
  readonly message: string;
}

function listAttempts(attempts: readonly LlmAttemptRecord[]): string {
  return attempts.length === 0 ? 'no endpoint was tried' : attempts.map((a) => `${a.endpoint}: ${a.type}: ${a.message}`).join('; ');
}

/**
 * No inference endpoint could answer: each one failed, is cooling or down, or is full. Says why for
 * each; `retryAfterMs` is when the first of them may take requests again, when that is known.
 */
export class LlmUnavailableError extends PaperdError {
  readonly code = 'PAPERD_LLM_UNAVAILABLE';
  override readonly status = 503;
  constructor(readonly what: string, readonly attempts: readonly LlmAttemptRecord[], readonly retryAfterMs?: number) {
    super(`no endpoint could answer ${what}: ${listAttempts(attempts)}`);
  }
}

/** An inference request ran out of its deadline (queueing, failover and the answer all count); lists the attempts made. */
export class LlmDeadlineError extends PaperdError {
  readonly code = 'PAPERD_LLM_DEADLINE';
  override readonly status = 504;
  constructor(readonly what: string, readonly deadlineMs: number, readonly attempts: readonly LlmAttemptRecord[]) {
    super(`${what} did not finish within its ${deadlineMs} ms deadline` + (attempts.length ? ` (${listAttempts(attempts)})` : ''));
  }
}

/**
 * An endpoint failed after part of its answer had gone to the caller (an error inside the stream,
 * a dropped connection), so it could not be retried elsewhere; carries the endpoint's own message.
 */
export class LlmUpstreamError extends PaperdError {
  readonly code = 'PAPERD_LLM_UPSTREAM';
  override readonly status = 502;
  constructor(readonly endpoint: string, readonly failureType: string, readonly upstreamMessage: string, cause?: unknown) {
    super(`endpoint ${endpoint} failed mid-answer (${failureType}): ${upstreamMessage}`, { cause });
  }
}

/** An endpoint refused the request itself (400, 413, 422…): any other endpoint would, so it is not retried. */
export class LlmRequestRejectedError extends PaperdError {
  readonly code = 'PAPERD_LLM_REQUEST_REJECTED';
  override readonly status: number;
  constructor(readonly endpoint: string, readonly upstreamStatus: number, readonly upstreamMessage: string) {
    super(`endpoint ${endpoint} refused the request (${upstreamStatus}): ${upstreamMessage}`);
    this.status = [400, 413, 422].includes(upstreamStatus) ? upstreamStatus : 400;
  }
}

/** No configured endpoint serves this model in this role (chat or embeddings). */
export class LlmNoRouteError extends PaperdError {
  readonly code = 'PAPERD_LLM_NO_ROUTE';
  override readonly status = 404;
  constructor(readonly role: string, readonly model: string, readonly known: readonly string[]) {
    super(`no endpoint serves ${role} for model ${JSON.stringify(model)}` + (known.length ? `; models served: ${known.join(', ')}` : '; no endpoint is configured for it'));
  }
}

/** The caller gave up on an inference request (closed the connection, aborted its signal). */
export class LlmCancelledError extends PaperdError {
  readonly code = 'PAPERD_LLM_CANCELLED';
  /** nginx's "client closed request": nobody is left to read it. */
  override readonly status = 499;
  constructor(readonly what: string) {
    super(`${what} was cancelled by its caller`);
  }
}

/** An embeddings endpoint answered with vectors that do not fit what was asked or configured. */
export class EmbeddingsMismatchError extends PaperdError {
  readonly code = 'PAPERD_EMBEDDINGS_MISMATCH';
  override readonly status = 502;
  constructor(readonly model: string, detail: string) {
    super(`embeddings model ${model} answered ${detail}`);
  }
}

/** The remote API (Hugging Face, GitHub) that a poller reads from. */
export type RemoteService = 'huggingface' | 'github';

/**
 * A remote API gave no usable answer within the bounded attempts (429, 5xx, timeouts, network
 * errors). Transient: the poll is retried later, after `retryAfterMs` when known.
 */
export class RemoteUnavailableError extends PaperdError {
  readonly code = 'PAPERD_REMOTE_UNAVAILABLE';
  override readonly status = 503;
  constructor(
    readonly service: RemoteService,
    readonly url: string,
    readonly attempts: number,
    readonly lastStatus: number | undefined,
    readonly retryAfterMs: number | undefined,
    cause?: unknown,
  ) {
    super(
      `${service} unavailable for ${url} after ${attempts} attempt${attempts === 1 ? '' : 's'}` +
        (lastStatus === undefined ? '' : ` (last status ${lastStatus})`) +
        (retryAfterMs === undefined ? '' : `; it asked to retry after ${Math.ceil(retryAfterMs / 1000)} s`),
      { cause },
    );
  }
}

/** One request to a remote API ran past its budget, waiting for the response headers or for the whole body. */
export class RemoteTimeoutError extends PaperdError {
  readonly code = 'PAPERD_REMOTE_TIMEOUT';
  override readonly status = 504;
  constructor(readonly service: RemoteService, readonly url: string, readonly phase: 'headers' | 'body', readonly timeoutMs: number) {
    super(`${service} request ${url} timed out after ${timeoutMs} ms waiting for the ${phase === 'headers' ? 'response headers' : 'whole body'}`);
  }
}

/** A remote API's response body was larger than the cap set for it; reading stopped there and it is not retried. */
export class RemoteBodyTooLargeError extends PaperdError {
  readonly code = 'PAPERD_REMOTE_BODY_TOO_LARGE';
  override readonly status = 502;
  constructor(readonly service: RemoteService, readonly url: string, readonly limitBytes: number) {
    super(`${service} response from ${url} exceeds the ${limitBytes}-byte cap`);
  }
}

/** A remote API answered 2xx with a body that is not JSON, or not the JSON shape expected; names the URL. Not retried. */
export class MalformedJsonError extends PaperdError {
  readonly code = 'PAPERD_MALFORMED_JSON';
  override readonly status = 502;
  constructor(readonly service: RemoteService, readonly url: string, readonly reason: string, cause?: unknown) {
    super(`${service} answered malformed JSON for ${url}: ${reason}`, { cause });
  }
}

/** A remote API answered with a status that retrying will not change (401, 403 without rate limiting, 422…). */
export class RemoteStatusError extends PaperdError {
  readonly code = 'PAPERD_REMOTE_UNEXPECTED_STATUS';
  override readonly status = 502;
  constructor(readonly service: RemoteService, readonly url: string, readonly httpStatus: number, readonly remoteMessage?: string) {
    super(`${service} answered ${httpStatus} for ${url}` + (remoteMessage ? `: ${remoteMessage}` : ''));
  }
}

/** A webhook route whose secret is not configured: it refuses everything rather than take unsigned payloads. */
export class WebhookNotConfiguredError extends PaperdError {
  readonly code = 'PAPERD_WEBHOOK_NOT_CONFIGURED';
  override readonly status = 503;
  constructor(readonly provider: string, readonly setting: string) {
    super(`${provider} webhooks are not configured on this node: set ${setting} to the secret the webhook was created with`);
  }
}

/** A webhook delivery without a signature or secret, or with one that does not match the body. */
export class WebhookSignatureError extends PaperdError {
  readonly code = 'PAPERD_WEBHOOK_SIGNATURE';
  override readonly status = 401;
  constructor(readonly provider: string, readonly reason: string) {
    super(`${provider} webhook refused: ${reason}`);
  }
}

/**
 * The data dir's SQLite store was written by a newer paperd: its `schema_migrations` holds a
 * version this code does not know. Migrations only go forward, so nothing is touched.
 */
export class StoreFromNewerVersionError extends PaperdError {
  readonly code = 'PAPERD_STORE_FROM_NEWER_VERSION';
  constructor(readonly file: string, readonly storeVersion: number, readonly codeVersion: number) {
    super(
      `${file} has schema version ${storeVersion}, newer than the ${codeVersion} this paperd knows: ` +
        `it was written by a newer paperd; run that version (migrations only go forward), or restore a backup`,
    );
  }
}

/** A pause, resume or lease named an offline job class the scheduler does not have. */
export class UnknownJobClassError extends PaperdError {
  readonly code = 'PAPERD_UNKNOWN_JOB_CLASS';
  override readonly status = 404;
  constructor(readonly jobClass: string, readonly known: readonly string[]) {
    super(`no offline job class ${JSON.stringify(jobClass)}; the classes are: ${known.join(', ') || 'none'}`);
  }
}

/** The live actor-event stream already has as many clients as it serves at once. */
export class TooManyStreamsError extends PaperdError {
  readonly code = 'PAPERD_TOO_MANY_STREAMS';
  override readonly status = 503;
  constructor(readonly limit: number) {
    super(`the actor event stream serves at most ${limit} clients at once; close another page or retry later`);
  }
}

/** The web page's built files are missing (built output is not committed). */
export class WebPageNotBuiltError extends PaperdError {
  readonly code = 'PAPERD_WEB_NOT_BUILT';
  override readonly status = 503;
  constructor(readonly dir: string, options?: { cause?: unknown }) {
    super(`the web page is not built (no ${dir}/index.html): run \`npm run build:web\` (npm start and npm test build it when missing or stale)`, options);
  }
}

/** An alert webhook sink did not take a delivery: it answered non-2xx, or could not be reached, within its attempts. */
export class AlertDeliveryError extends PaperdError {
  readonly code = 'PAPERD_ALERT_DELIVERY_FAILED';
  override readonly status = 502;
  constructor(readonly url: string, readonly attempts: number, readonly lastStatus: number | undefined, cause?: unknown) {
    super(
      `alert webhook ${url} did not take the delivery after ${attempts} attempt${attempts === 1 ? '' : 's'}` +
        (lastStatus === undefined ? ` (${(cause as Error | undefined)?.message ?? 'no answer'})` : ` (last status ${lastStatus})`),
      { cause },
    );
  }
}

/** A link peer is down (or was never up): an ask to it fails at once so the caller can fail over. */
export class LinkPeerDownError extends PaperdError {
  readonly code = 'PAPERD_LINK_PEER_DOWN';
  override readonly status = 503;
  constructor(readonly peer: string, readonly messageType: string, reason: string) {
    super(`link peer ${peer} is down (${reason}); ${messageType} was not delivered`);
  }
}

/** A remote ask got no reply before its deadline. */
export class LinkAskTimeoutError extends PaperdError {
  readonly code = 'PAPERD_LINK_ASK_TIMEOUT';
  override readonly status = 504;
  constructor(readonly peer: string, readonly target: string, readonly messageType: string, readonly timeoutMs: number) {
    super(`${target} on ${peer} did not answer ${messageType} within ${timeoutMs} ms`);
  }
}

/** The messages waiting for a peer's acks are at their bound: the sender must slow down (nothing was dropped). */
export class LinkBackpressureError extends PaperdError {
  readonly code = 'PAPERD_LINK_BACKPRESSURE';
  override readonly status = 503;
  constructor(readonly peer: string, readonly waiting: number) {
    super(`${waiting} messages already wait for link peer ${peer}; refused until it acknowledges some`);
  }
}

/** A remote actor answered an ask with an error, or with a reply its protocol does not allow. */
export class LinkRemoteError extends PaperdError {
  readonly code = 'PAPERD_LINK_REMOTE_ERROR';
  override readonly status = 502;
  constructor(readonly peer: string, readonly target: string, readonly remoteCode: string, message: string) {
    super(`${target} on ${peer} answered an error (${remoteCode}): ${message}`);
  }
}

/** The link cannot start: a missing or malformed key, an unknown peer, an address that cannot be bound. */
export class LinkConfigError extends PaperdError {
  readonly code = 'PAPERD_LINK_CONFIG';
  override readonly status = 500;
}

/** The sandbox cannot run anything: no Docker engine answers, its image is missing, or it is disabled. Nothing ran. */
export class SandboxUnavailableError extends PaperdError {
  readonly code = 'PAPERD_SANDBOX_UNAVAILABLE';
  override readonly status = 503;
  constructor(readonly reason: string, cause?: unknown) {
    super(`the sandbox cannot run code: ${reason}`, { cause });
  }
}

/** The sandbox's queue is full: the run was refused, not queued. */
export class SandboxBusyError extends PaperdError {
  readonly code = 'PAPERD_SANDBOX_BUSY';
  override readonly status = 503;
  constructor(readonly running: number, readonly queued: number) {
    super(`the sandbox is busy (${running} running, ${queued} queued): try again later`);
  }
}

/** The node is draining (`paperd drain`): it takes no new work; send it to another node or after the restart. */
export class NodeDrainingError extends PaperdError {
  readonly code = 'PAPERD_DRAINING';
  override readonly status = 503;
  constructor(readonly node: string) {
    super(`node ${node} is draining: it finishes or hands back what it holds and takes no new work; retry after it restarts`);
  }
}

/** An OCR tool (pdftoppm, tesseract) is missing or failed on a page; names the tool and what it said. */
export class OcrToolError extends PaperdError {
  readonly code = 'PAPERD_OCR_TOOL';
  constructor(readonly tool: string, readonly reason: string, cause?: unknown) {
    super(`${tool}: ${reason}`, { cause });
  }
}

/** A link message larger than `link.maxMessageBytes`: the peer would drop it (and libzmq close the connection), so it is not sent. */
export class LinkMessageTooLargeError extends PaperdError {
  readonly code = 'PAPERD_LINK_TOO_LARGE';
  override readonly status = 413;
  constructor(readonly peer: string, readonly messageType: string, readonly bytes: number, readonly maxBytes: number) {
    super(`${messageType} for link peer ${peer} is ${bytes} bytes encoded, over link.maxMessageBytes (${maxBytes}); it was not sent`);
  }
}

/** The child process that keeps a vector table's index failed, died or was stopped; the table is as it was or fully updated (LanceDB commits are atomic). */
export class IndexUpkeepProcessError extends PaperdError {
  readonly code = 'PAPERD_INDEX_UPKEEP';
  constructor(readonly table: string, reason: string) {
    super(`index upkeep of ${table}: ${reason}`);
  }
}
