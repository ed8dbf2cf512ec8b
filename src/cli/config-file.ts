/**
 * `--config FILE` (every command): a run configuration as a JSON or YAML map from flags' long
 * names to values (`num-instances: 8`, `routing-scorers: "prefix-affinity:2"`, `otlp-header:
 * [a=1, b=2]`, `enable-prefix-caching: false`), so runs, scripts and CI share one file. Flags on
 * the command line win; every value goes through the flag's own parser, so a bad value fails
 * the same way it would on the command line, naming the file and key. The file's JSON Schema
 * (schemas/run-config.schema.json) is generated from the commands' flags by `runConfigSchema`.
 *
 * Also here: a single-value flag given twice is an error (commander would keep the last one
 * silently), except flags declared repeatable (`listFlag`).
 */
import type { Command, Option } from 'commander';
import { InputError, closeNames, jsonParseProblem, showValue } from '../kernel/errors.js';
import { readText, resolvePath } from './files.node.js';
import type { CliIO } from './io.js';
import type { FlagTag } from './parse.js';

const SKIP = new Set(['--help', '--version', '--config']);

function tagOf(o: Option): FlagTag {
  return ((o as unknown as { parseArg?: FlagTag }).parseArg ?? {}) as FlagTag;
}

/** The config key of an option: its long name without dashes, negatable flags by their positive name. */
export function configKey(o: Option): string | undefined {
  if (!o.long || SKIP.has(o.long)) return undefined;
  return o.negate ? o.long.slice('--no-'.length) : o.long.slice(2);
}

function takesValue(o: Option): boolean {
  return o.required || o.optional;
}

/** The user set this option: on the command line or in the --config file (not a default). */
export function userSet(cmd: Command, attribute: string): boolean {
  const source = cmd.getOptionValueSource(attribute);
  return source === 'cli' || source === 'config';
}

export function addConfigOption(cmd: Command): void {
  cmd.option('--config <file>', 'run configuration (JSON or YAML): any flag of this command by its long name, e.g. {"num-instances": 8}; flags given here win');
}

async function readConfig(path: string): Promise<Record<string, unknown>> {
  const text = readText(path, 'config file');
  let value: unknown;
  if (/\.json$/i.test(path)) {
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new InputError('CONFIG_MALFORMED', path, `not valid JSON: ${jsonParseProblem(text, e)}`);
    }
    const { refuseDuplicateJsonKeys } = await import('../workload/yaml-locator.js');
    refuseDuplicateJsonKeys(text, path, 'CONFIG_MALFORMED');
  } else {
    // The YAML reader loads only for a YAML config (start-up: a plain run parses none).
    const { parseYamlFile } = await import('../workload/yaml-locator.js');
    value = parseYamlFile(text, path, 'CONFIG_MALFORMED').value;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InputError('CONFIG_MALFORMED', path, 'expected a map of flag names to values');
  return value as Record<string, unknown>;
}

function scalarText(v: unknown, where: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  throw new InputError('CONFIG_BAD_VALUE', where, `found ${showValue(v)}; expected a string or a finite number`);
}

/** Applies `--config FILE` to `cmd`'s options (a preAction hook). */
export async function applyConfigFile(cmd: Command, io: CliIO): Promise<void> {
  const file = cmd.opts<Record<string, unknown>>()['config'];
  if (typeof file !== 'string') return;
  const path = resolvePath(io.cwd, file);
  const config = await readConfig(path);
  const byKey = new Map<string, Option>();
  for (const o of cmd.options) {
    const k = configKey(o);
    if (k !== undefined) byKey.set(k, o);
  }
  for (const [key, value] of Object.entries(config)) {
    if (key === '$schema') continue;
    const where = `${path}: ${key}`;
    const o = byKey.get(key);
    if (!o) {
      const close = closeNames(key, [...byKey.keys()]);
      throw new InputError('CONFIG_UNKNOWN_FLAG', where, `'${key}' is not a flag of blis ${cmd.name()}${close.length ? `; did you mean ${close.join(', ')}?` : ''}`);
    }
    const attr = o.attributeName();
    if (cmd.getOptionValueSource(attr) === 'cli') continue;
    let parsed: unknown;
    if (!takesValue(o)) {
      if (typeof value !== 'boolean') throw new InputError('CONFIG_BAD_VALUE', where, `found ${JSON.stringify(value)}; expected true or false`);
      parsed = o.negate ? value : value ? true : undefined;
      if (parsed === undefined) continue;
    } else if (o.optional && value === true) {
      parsed = true;
    } else {
      const parse = (o as unknown as { parseArg?: (v: string, prev: unknown) => unknown }).parseArg;
      const tag = tagOf(o);
      const items = tag.kind === 'list' ? (Array.isArray(value) ? value : [value]) : [value];
      if (tag.kind !== 'list' && Array.isArray(value)) throw new InputError('CONFIG_BAD_VALUE', where, 'found a list; this flag takes one value');
      let acc: unknown = undefined;
      for (const item of items) {
        const text = scalarText(item, where);
        try {
          acc = parse ? parse(text, acc) : text;
        } catch (e) {
          if (e instanceof InputError) throw new InputError(e.code, where, e.message.replace(/^[^:]*: /, ''));
          throw e;
        }
      }
      parsed = acc;
    }
    cmd.setOptionValueWithSource(attr, parsed, 'config');
  }
}

/**
 * An error a resolver raised against a flag (`--rate: expected a number > 0`) whose value came
 * from the --config file, located at the file and key instead (`c.json: rate (--rate): ...`);
 * any other error as it is.
 */
export function locateInConfig(cmd: Command | undefined, e: InputError, cwd: string): InputError {
  if (cmd === undefined || !/^--[a-z0-9-]+$/.test(e.where)) return e;
  const o = cmd.options.find((x) => x.long === e.where);
  const file = cmd.opts<Record<string, unknown>>()['config'];
  if (o === undefined || typeof file !== 'string' || cmd.getOptionValueSource(o.attributeName()) !== 'config') return e;
  const message = e.message.startsWith(`${e.where}: `) ? e.message.slice(e.where.length + 2) : e.message;
  return new InputError(e.code, `${resolvePath(cwd, file)}: ${configKey(o)} (${e.where})`, message);
}

/** Makes a second occurrence of a single-value flag an InputError (FLAG_REPEATED). */
export function forbidRepeats(cmd: Command): void {
  const seen = new Set<string>();
  for (const o of cmd.options) {
    if (!takesValue(o) || o.variadic || tagOf(o).kind === 'list' || !o.long) continue;
    const long = o.long;
    cmd.on(`option:${o.name()}`, () => {
      if (seen.has(long)) throw new InputError('FLAG_REPEATED', long, 'given more than once; it takes a single value (the last one would silently win)');
      seen.add(long);
    });
  }
}

type JsonSchema = Record<string, unknown>;

/** The commands schemas/run-config.schema.json describes (a flag means the same in each). */
export const RUN_CONFIG_COMMANDS = ['run', 'replay', 'validate'] as const;

function optionSchema(o: Option): JsonSchema {
  const description = o.description;
  if (!takesValue(o)) return { type: 'boolean', description };
  const tag = tagOf(o);
  let s: JsonSchema;
  if (tag.kind === 'int') s = { type: 'integer' };
  else if (tag.kind === 'number') s = { type: 'number' };
  else if (tag.kind === 'choice') s = { enum: [...(tag.choices ?? [])] };
  else if (tag.kind === 'list') s = { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] };
  else s = { type: 'string' };
  if (o.optional) s = { oneOf: [s, { const: true }] };
  return { ...s, description };
}

/** The JSON Schema of `--config` files: the union of the given commands' flags (a flag means the same everywhere). */
export function runConfigSchema(commands: readonly Command[]): JsonSchema {
  const properties: Record<string, JsonSchema> = { $schema: { type: 'string' } };
  for (const cmd of commands) {
    for (const o of cmd.options) {
      const k = configKey(o);
      if (k !== undefined && properties[k] === undefined) properties[k] = optionSchema(o);
    }
  }
  const sorted = Object.fromEntries(Object.entries(properties).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'urn:blis:schema:run-config',
    title: 'blis run configuration',
    description: `\`--config FILE\` (JSON or YAML) of ${commands.map((c) => `blis ${c.name()}`).join(', ')}: flags by their long name. Flags on the command line win. Generated from the commands' flags (npm run schemas).`,
    type: 'object',
    additionalProperties: false,
    properties: sorted,
  };
}
