/**
 * The flag reference, generated from commander's own definitions (the same ones `--help`
 * prints), for the README's "flags at a glance" table and docs/flags.md, so no flag list is
 * written by hand. `npm run docs:flags` rewrites both; test/cli/flag-reference.test.ts fails
 * when either drifts from the commands.
 */
import type { Command, Option } from 'commander';

/** Every command and subcommand, in registration order, with its full name (`sweep merge`). */
function commandsOf(program: Command): Array<{ name: string; cmd: Command }> {
  const out: Array<{ name: string; cmd: Command }> = [];
  const walk = (cmd: Command, prefix: string): void => {
    for (const c of cmd.commands) {
      const name = prefix === '' ? c.name() : `${prefix} ${c.name()}`;
      out.push({ name, cmd: c });
      walk(c, name);
    }
  };
  walk(program, '');
  return out;
}

/** `--flag <arg>` as a user types it (short aliases left out; every flag has a long name). */
function flagText(o: Option): string {
  const arg = o.flags.replace(/^.*?--[\w-]+/, '').trim();
  return `\`${o.long ?? o.flags}${arg === '' ? '' : ` ${arg}`}\``;
}

function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
}

/**
 * One row per set of commands sharing flags: each flag sits in the row of exactly the commands
 * that take it, so the table lists every flag once and says where it applies.
 */
export function renderFlagsAtAGlance(program: Command): string {
  const commands = commandsOf(program);
  const order = new Map(commands.map((c, i) => [c.name, i]));
  const where = new Map<string, { option: Option; commands: string[] }>();
  for (const { name, cmd } of commands) {
    for (const o of cmd.options) {
      // Keyed by name and argument: replay's `--to <s>` (window end) is not convert's `--to <file>`.
      const key = flagText(o);
      const e = where.get(key);
      if (e === undefined) where.set(key, { option: o, commands: [name] });
      else e.commands.push(name);
    }
  }
  const rows = new Map<string, { commands: string[]; flags: string[] }>();
  for (const { option, commands: cs } of where.values()) {
    const key = cs.join(',');
    const row = rows.get(key) ?? { commands: cs, flags: [] };
    row.flags.push(flagText(option));
    rows.set(key, row);
  }
  const sorted = [...rows.values()].sort((a, b) => b.commands.length - a.commands.length || order.get(a.commands[0]!)! - order.get(b.commands[0]!)!);
  const lines = ['| commands | flags |', '|---|---|'];
  for (const r of sorted) {
    const who = r.commands.length === commands.length ? 'every command' : r.commands.map((c) => `\`${c}\``).join(', ');
    lines.push(`| ${who} | ${r.flags.map(cell).join(', ')} |`);
  }
  return lines.join('\n');
}

/** Every command's flags with their descriptions, as `--help` gives them. */
export function renderFlagReference(program: Command): string {
  const parts: string[] = [];
  for (const { name, cmd } of commandsOf(program)) {
    const args = cmd.registeredArguments.map((a) => (a.required ? `<${a.name()}${a.variadic ? '...' : ''}>` : `[${a.name()}${a.variadic ? '...' : ''}]`)).join(' ');
    parts.push(`### blis ${name}${args === '' ? '' : ` ${args}`}`, '', cell(cmd.description()), '');
    parts.push('| flag | what it sets |', '|---|---|');
    for (const o of cmd.options) parts.push(`| ${flagText(o)} | ${cell(o.description)} |`);
    parts.push('');
  }
  return parts.join('\n').trimEnd();
}
