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
