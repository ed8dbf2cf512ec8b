/**
 * `--epp-config FILE` (run, replay): an llm-d / GIE EndpointPickerConfig whose scheduling
 * profile sets the router's scorers, weights and scorer options (src/cluster/epp-config.ts).
 * The YAML reader loads only when the flag is given (start-up: a plain run parses no YAML).
 */
import type { Command } from 'commander';
import { InputError } from '../kernel/errors.js';
import type { ClusterOptions } from '../cluster/config.js';
import { readText, resolvePath } from './files.node.js';
import { note, type CliIO } from './io.js';
import { userSet } from './config-file.js';

export function addEppFlag(cmd: Command): Command {
  return cmd.option('--epp-config <file>', "an llm-d / Gateway API Inference Extension EndpointPickerConfig (the EPP's --config-file, YAML or JSON): its scheduling profile's scorers and weights route the requests (--routing-policy weighted), their parameters set the scorers' options; pickers, filters and handlers blis has no counterpart for are refused by name (docs/cluster.md)");
}

/** Sets `options`' routing from --epp-config when given; refuses it beside --routing-scorers or a policy other than weighted. */
export async function applyEppConfig(cmd: Command, io: CliIO, options: ClusterOptions): Promise<void> {
  const o = cmd.opts<Record<string, unknown>>();
  const file = o['eppConfig'];
  if (typeof file !== 'string') return;
  if (userSet(cmd, 'routingScorers')) throw new InputError('FLAG_CONFLICT', '--epp-config', 'sets the scorers itself; drop --routing-scorers (or --epp-config)');
  if (userSet(cmd, 'routingPolicy') && o['routingPolicy'] !== 'weighted') {
    throw new InputError('FLAG_CONFLICT', '--epp-config', `routes by weighted scorers; --routing-policy ${String(o['routingPolicy'])} would ignore them`);
  }
  const path = resolvePath(io.cwd, file);
  const { parseYamlFile } = await import('../workload/yaml-locator.js');
  const { eppRouting } = await import('../cluster/epp-config.js');
  const { loc, value } = parseYamlFile(readText(path, 'EPP config'), path, 'EPP_CONFIG_INVALID');
  const routing = eppRouting(value, (p) => loc.where(p));
  options.routingPolicy = 'weighted';
  options.routingScorers = routing.scorers.map((s) => `${s.name}:${s.weight}`).join(',');
  options.routingScorerOptions = routing.scorerOptions;
  const quiet = o['quiet'] === true;
  note(quiet, io, `blis: routing from ${file}: ${options.routingScorers}${Object.keys(routing.scorerOptions).length > 0 ? ` with ${JSON.stringify(routing.scorerOptions)}` : ''}\n`);
  for (const n of routing.notes) note(quiet, io, `blis: ${file}: ${n}\n`);
}
