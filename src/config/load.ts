import { readFileSync } from 'node:fs';
import { Kind, type TSchema, type TObject } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ConfigError } from '../errors.js';
import { ConfigSchema, type Config } from './schema.js';

type Json = Record<string, unknown>;

/** `supervision.backoff.minMs` → `PAPERD_SUPERVISION_BACKOFF_MIN_MS`. */
export function envName(path: readonly string[]): string {
  return 'PAPERD_' + path.map((p) => p.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_');
}

/** Every leaf key of the schema with its path, for the environment mapping and for docs. */
export function leafPaths(schema: TSchema = ConfigSchema, prefix: string[] = []): { path: string[]; schema: TSchema }[] {
  if (schema[Kind] === 'Object') {
    return Object.entries((schema as TObject).properties).flatMap(([key, child]) => leafPaths(child, [...prefix, key]));
  }
  return [{ path: prefix, schema }];
}

function parseEnvValue(raw: string, schema: TSchema, name: string): unknown {
  switch (schema[Kind]) {
    case 'Integer':
    case 'Number': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) throw new ConfigError(`${name}=${JSON.stringify(raw)} is not a number`);
      return n;
    }
    case 'Boolean':
      if (/^(1|true|yes|on)$/i.test(raw)) return true;
      if (/^(0|false|no|off)$/i.test(raw)) return false;
      throw new ConfigError(`${name}=${JSON.stringify(raw)} is not a boolean (true/false)`);
    case 'String':
    case 'Union':
      return raw;
    default:
      try {
        return JSON.parse(raw);
      } catch (error) {
        throw new ConfigError(`${name} must be JSON: ${(error as Error).message}`);
      }
  }
}

function setPath(target: Json, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Json;
  }
  node[path[path.length - 1]!] = value;
}

function merge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prior = out[key];
    out[key] =
      value && typeof value === 'object' && !Array.isArray(value) && prior && typeof prior === 'object' && !Array.isArray(prior)
        ? merge(prior as Json, value as Json)
        : value;
  }
  return out;
}

/** The settings from the environment (only the `PAPERD_…` variables that name a key). */
export function configFromEnv(env: NodeJS.ProcessEnv): Json {
  const out: Json = {};
  for (const { path, schema } of leafPaths()) {
    const name = envName(path);
    const raw = env[name];
    if (raw !== undefined) setPath(out, path, parseEnvValue(raw, schema, name));
  }
  return out;
}

/**
 * The node's configuration: defaults, then the config file (JSON), then `PAPERD_…` variables,
 * then command-line flags. Rejects unknown keys and bad values, naming each.
 */
export function loadConfig(options: { file?: string; env?: NodeJS.ProcessEnv; overrides?: Json } = {}): Config {
  let fromFile: Json = {};
  if (options.file) {
    let text: string;
    try {
      text = readFileSync(options.file, 'utf8');
    } catch (error) {
      throw new ConfigError(`cannot read config file ${options.file}: ${(error as Error).message}`, { cause: error });
    }
    try {
      fromFile = JSON.parse(text) as Json;
    } catch (error) {
      throw new ConfigError(`config file ${options.file} is not valid JSON: ${(error as Error).message}`, { cause: error });
    }
  }
  const layered = merge(merge(fromFile, configFromEnv(options.env ?? process.env)), options.overrides ?? {});
  const withDefaults = Value.Default(ConfigSchema, Value.Clone(layered)) as Json;
  const unknown = unknownKeys(withDefaults, ConfigSchema);
  if (unknown.length > 0) throw new ConfigError(`unknown config key${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`);
  const errors = [...Value.Errors(ConfigSchema, withDefaults)];
  if (errors.length > 0) {
    const first = errors.slice(0, 5).map((e) => `${e.path.slice(1).replaceAll('/', '.') || '(root)'}: ${e.message}`);
    throw new ConfigError(`invalid config: ${first.join('; ')}`);
  }
  return withDefaults as Config;
}

function unknownKeys(value: Json, schema: TSchema, prefix = ''): string[] {
  if (schema[Kind] !== 'Object' || typeof value !== 'object' || value === null) return [];
  const props = (schema as TObject).properties;
  return Object.entries(value).flatMap(([key, child]) =>
    key in props ? unknownKeys(child as Json, props[key]!, `${prefix}${key}.`) : [`${prefix}${key}`],
  );
}
