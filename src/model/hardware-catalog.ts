/**
 * The embedded GPU catalog (./hardware.json: vendor datasheet figures plus the rates kernels
 * measurably reach, each with its source) and the parser for a user's `--hardware-config FILE`
 * (the CLI reads the file; this takes the parsed object).
 */
import { createRequire } from 'node:module';
import { InputError, closeNames } from '../kernel/errors.js';
import type { HardwareSpec } from './hardware.js';

interface HardwareFile {
  readonly gpus: ReadonlyArray<HardwareSpec & { aliases: string[] }>;
}

const file = createRequire(import.meta.url)('./hardware.json') as HardwareFile;

const FIELDS = ['name', 'bf16Tflops', 'fp8Tflops', 'fp4Tflops', 'int8Tops', 'hbmTBps', 'memoryGB', 'interconnectGBps', 'deviceMemoryGiB', 'pcieGBps', 'interconnect', 'nvlinkGpus', 'hbmAchievedTBps', 'bf16AchievedTflops', 'fp8AchievedTflops', 'fp4AchievedTflops', 'int8AchievedTops', 'computeCapability', 'smallKernelFloorRatio', 'smallKernelFloorSource', 'gemmBandwidthRatio', 'gemmBandwidthSource', 'gemmFloorRatio', 'gemmFloorSource', 'collectiveLatencyRatio', 'collectiveLatencySource', 'source', 'achievedSource'] as const;

/**
 * Achieved/datasheet ratios used when a hardware file gives no measured rates: the medians over
 * the three GPUs with public per-operator profiles (vidur A100, H100, A40; ./hardware.json):
 * HBM 0.814 / 0.943 / 0.797, tensor 0.734 / 0.740 / 0.775.
 */
export const DEFAULT_ACHIEVED_FRACTIONS = Object.freeze({ hbm: 0.814, tensor: 0.74 });

/**
 * Achieved/datasheet ratio of fp4 GEMMs when a hardware file gives `fp4Tflops` without a measured
 * rate: B200's, the one GPU with a published nvfp4 GEMM measurement (./hardware.json: 4275.5 of
 * 9000 TFLOP/s). Far below the 16- and 8-bit shares: the kernels vLLM runs do not yet approach
 * the fp4 peak, so the bf16/fp8 medians would overstate it by about 1.6×.
 */
export const FP4_ACHIEVED_FRACTION = 0.475;

/** Links at or above this per-direction bandwidth are taken as NVLink when `interconnect` is absent (PCIe Gen5 x16 is 64 GB/s). */
const NVLINK_MIN_GBPS = 100;

/** What CUDA reports of the marketed memory when a file does not say (H100 80 GB: 79.19 of 80 GiB). */
const DEVICE_MEMORY_FRACTION = 0.99;
/** PCIe Gen4 x16 per direction, the host link of a GPU whose file does not say. */
const DEFAULT_PCIE_GBPS = 32;

/** An optional string field (a source text): absent, or a string; anything else names the field. */
function optionalString(o: Record<string, unknown>, field: string, where: string): string | undefined {
  const v = o[field];
  if (v !== undefined && typeof v !== 'string') throw new InputError('HARDWARE_CONFIG_FIELD', `${where}: ${field}`, `found ${JSON.stringify(v)}; expected a string`);
  return v;
}

function num(o: Record<string, unknown>, field: string, where: string, required: boolean, allowZero: boolean): number {
  const v = o[field];
  if (v === undefined || v === null) {
    if (!required) return 0;
    throw new InputError('HARDWARE_CONFIG_FIELD', `${where}: ${field}`, `missing field '${field}'; expected a positive number`);
  }
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (v === 0 && !allowZero)) {
    throw new InputError('HARDWARE_CONFIG_FIELD', `${where}: ${field}`, `found ${JSON.stringify(v)}; expected a ${allowZero ? 'non-negative' : 'positive'} number`);
  }
  return v;
}

/**
 * A HardwareSpec from a parsed JSON object with the HardwareSpec field names (camelCase).
 * `fp8Tflops` (0 = no fp8), `fp4Tflops` (0 = no fp4), `deviceMemoryGiB` (0.99 × memoryGB), `pcieGBps` (32, PCIe Gen4 x16),
 * `source`, `interconnect` (from the link bandwidth), `computeCapability` (0: unknown, so no
 * architecture-specific backend is assumed) and the achieved rates are optional: missing
 * rates are the datasheet figures × DEFAULT_ACHIEVED_FRACTIONS, and `achievedSource` says so.
 * `smallKernelFloorRatio` (with `smallKernelFloorSource`) is optional too: without it a small
 * kernel's floor is H100's; so is `gemmBandwidthRatio` (with `gemmBandwidthSource`): without it a
 * dense GEMM streams its weights at hbmAchievedTBps; so is `gemmFloorRatio` (with `gemmFloorSource`):
 * without it a dense GEMM's floor is H100's; so is `collectiveLatencyRatio` (with `collectiveLatencySource`; an
 * object of TP degree → multiple of H100's all-reduce latency): without it a collective costs the
 * roofline's NVLink or PCIe latency. Unknown fields are rejected.
 */
export function hardwareSpecFromJson(obj: unknown, where: string): HardwareSpec {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw new InputError('HARDWARE_CONFIG_INVALID', where, `expected a JSON object with fields ${FIELDS.join(', ')}`);
  }
  const o = obj as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (k === 'aliases' || k.startsWith('_')) continue;
    if (!(FIELDS as readonly string[]).includes(k)) {
      const close = closeNames(k, FIELDS);
      throw new InputError('HARDWARE_CONFIG_FIELD', `${where}: ${k}`, `unknown field '${k}'${close.length ? `; did you mean ${close.join(', ')}?` : `; known: ${FIELDS.join(', ')}`}`);
    }
  }
  const name = o['name'];
  if (typeof name !== 'string' || name.trim() === '') {
    throw new InputError('HARDWARE_CONFIG_FIELD', `${where}: name`, `found ${JSON.stringify(name)}; expected a non-empty string`);
  }
  const source = optionalString(o, 'source', where);
  const floorSource = optionalString(o, 'smallKernelFloorSource', where);
  const gemmFloorSource = optionalString(o, 'gemmFloorSource', where);
  const gemmBandwidthSource = optionalString(o, 'gemmBandwidthSource', where);
  const collectiveSource = optionalString(o, 'collectiveLatencySource', where);
  const achievedSource = optionalString(o, 'achievedSource', where);
  const link = o['interconnect'];
  if (link !== undefined && link !== 'nvlink' && link !== 'pcie') {
    throw new InputError('HARDWARE_CONFIG_FIELD', `${where}: interconnect`, `found ${JSON.stringify(link)}; expected 'nvlink' or 'pcie'`);
  }
  const bf16Tflops = num(o, 'bf16Tflops', where, true, false);
  const fp8Tflops = num(o, 'fp8Tflops', where, false, true);
  const fp4Tflops = num(o, 'fp4Tflops', where, false, true);
  // Dense int8 tensor throughput is twice the dense 16-bit one on every NVIDIA tensor-core GPU since
  // Ampere (A100 624 / 312, H100 1979 / 989.5, B200 4500 / 2250 in their datasheets): the default.
  const int8Given = o['int8Tops'] !== undefined;
  const int8Tops = int8Given ? num(o, 'int8Tops', where, true, false) : 2 * bf16Tflops;
  const hbmTBps = num(o, 'hbmTBps', where, true, false);
  const interconnectGBps = num(o, 'interconnectGBps', where, true, false);
  const derived: string[] = [];
  const achieved = (field: string, datasheet: number, fraction: number): number => {
    const v = num(o, field, where, false, datasheet === 0);
    if (v > 0 || datasheet === 0) return v;
    derived.push(field);
    return datasheet * fraction;
  };
  const hbmAchievedTBps = achieved('hbmAchievedTBps', hbmTBps, DEFAULT_ACHIEVED_FRACTIONS.hbm);
  const bf16AchievedTflops = achieved('bf16AchievedTflops', bf16Tflops, DEFAULT_ACHIEVED_FRACTIONS.tensor);
  const fp8AchievedTflops = achieved('fp8AchievedTflops', fp8Tflops, DEFAULT_ACHIEVED_FRACTIONS.tensor);
  const fp4Measured = num(o, 'fp4AchievedTflops', where, false, fp4Tflops === 0);
  if (fp4Measured > 0 && fp4Tflops === 0) {
    // The peak is what says the GPU has fp4 tensor cores at all; a rate without it is a typo, not a GPU.
    throw new InputError('HARDWARE_CONFIG_FIELD', `${where}: fp4AchievedTflops`, `found ${fp4Measured} without fp4Tflops; expected fp4Tflops (the dense fp4 peak) beside it, or neither on a GPU without fp4 tensor cores`);
  }
  const fp4AchievedTflops = fp4Measured > 0 || fp4Tflops === 0 ? fp4Measured : fp4Tflops * FP4_ACHIEVED_FRACTION;
  // No published per-operator int8 profile for these GPUs: int8 GEMMs reach the share of peak the
  // GPU's own tensor cores measurably reach (its fp8 share where it has fp8, else its bf16 share).
  const tensorShare = fp8Tflops > 0 ? fp8AchievedTflops / fp8Tflops : bf16AchievedTflops / bf16Tflops;
  const int8Measured = num(o, 'int8AchievedTops', where, false, true);
  const int8AchievedTops = int8Measured > 0 ? int8Measured : int8Tops * tensorShare;
  const derivedNote = derived.length > 0 ? `derived: ${derived.join(', ')} = datasheet × ${DEFAULT_ACHIEVED_FRACTIONS.hbm} (HBM) / ${DEFAULT_ACHIEVED_FRACTIONS.tensor} (tensor), the medians of the measured GPUs` : '';
  const int8Note = [
    int8Given ? '' : 'int8Tops = 2 × bf16Tflops (dense int8 tensor throughput doubles 16-bit on NVIDIA GPUs since Ampere)',
    int8Measured > 0 ? '' : `int8AchievedTops at the GPU's achieved ${fp8Tflops > 0 ? 'fp8' : 'bf16'} share of peak (${tensorShare.toFixed(3)})`,
  ].filter((x) => x).join('; ');
  const fp4Note = fp4Tflops > 0 && fp4Measured === 0 ? `derived: fp4AchievedTflops = fp4Tflops × ${FP4_ACHIEVED_FRACTION}, B200's measured fp4 share` : '';
  return Object.freeze({
    name,
    bf16Tflops,
    fp8Tflops,
    hbmTBps,
    memoryGB: num(o, 'memoryGB', where, true, false),
    interconnectGBps,
    deviceMemoryGiB: o['deviceMemoryGiB'] === undefined ? num(o, 'memoryGB', where, true, false) * DEVICE_MEMORY_FRACTION : num(o, 'deviceMemoryGiB', where, true, false),
    pcieGBps: o['pcieGBps'] === undefined ? DEFAULT_PCIE_GBPS : num(o, 'pcieGBps', where, true, false),
    interconnect: link ?? (interconnectGBps >= NVLINK_MIN_GBPS ? 'nvlink' : 'pcie'),
    ...(o['nvlinkGpus'] !== undefined ? { nvlinkGpus: positiveInteger(num(o, 'nvlinkGpus', where, true, false), `${where}: nvlinkGpus`) } : {}),
    hbmAchievedTBps,
    bf16AchievedTflops,
    fp8AchievedTflops,
    fp4Tflops,
    fp4AchievedTflops,
    int8Tops,
    int8AchievedTops,
    computeCapability: num(o, 'computeCapability', where, false, true),
    ...(o['smallKernelFloorRatio'] !== undefined ? { smallKernelFloorRatio: num(o, 'smallKernelFloorRatio', where, true, false) } : {}),
    ...(floorSource !== undefined ? { smallKernelFloorSource: floorSource } : {}),
    ...(o['gemmBandwidthRatio'] !== undefined ? { gemmBandwidthRatio: num(o, 'gemmBandwidthRatio', where, true, false) } : {}),
    ...(gemmBandwidthSource !== undefined ? { gemmBandwidthSource } : {}),
    ...(o['gemmFloorRatio'] !== undefined ? { gemmFloorRatio: num(o, 'gemmFloorRatio', where, true, false) } : {}),
    ...(gemmFloorSource !== undefined ? { gemmFloorSource } : {}),
    ...(o['collectiveLatencyRatio'] !== undefined ? { collectiveLatencyRatio: latencyRatios(o['collectiveLatencyRatio'], `${where}: collectiveLatencyRatio`) } : {}),
    ...(collectiveSource !== undefined ? { collectiveLatencySource: collectiveSource } : {}),
    source: source ?? where,
    achievedSource: [achievedSource, derivedNote, fp4Note, int8Note].filter((x) => x).join('; ') || where,
  });
}

const specs: readonly HardwareSpec[] = Object.freeze(file.gpus.map((g) => hardwareSpecFromJson(g, `hardware.json: ${g.name}`)));

const byName: ReadonlyMap<string, HardwareSpec> = (() => {
  const map = new Map<string, HardwareSpec>();
  file.gpus.forEach((g, i) => {
    for (const n of [g.name, ...g.aliases]) map.set(n.toLowerCase(), specs[i]!);
  });
  return map;
})();

/** Words that name the vendor, a product line or the memory technology, not which GPU it is. */
const NAME_NOISE = new Set(['nvidia', 'tesla', 'hbm2', 'hbm2e', 'hbm3', 'hbm3e', 'gddr6']);

/**
 * A GPU name as an order-free set of words: "NVIDIA A100-SXM4-80GB" (nvidia-smi,
 * torch.cuda.get_device_name), "A100_80GB_SXM" and "a100-sxm-80gb" all read "80gb a100 sxm";
 * "NVIDIA H100 80GB HBM3" reads "80gb h100", and "A100 80G" and "NVIDIA A100 SXM4 80 GB" read as "A100 80GB". A word that tells cards apart stays (pcie, nvl), so
 * an A100 PCIe or an H100 NVL never reads as the SXM part the catalog holds.
 */
export function hardwareNameKey(name: string): string {
  const words = name
    .toLowerCase()
    // "80 GB" (a spaced unit, as inventories and some tools print it) is the one word "80gb".
    .replace(/(\d)[\s_\-]+(gb|g)\b/g, '$1$2')
    .split(/[\s_\-/]+/)
    .filter((w) => w !== '' && !NAME_NOISE.has(w))
    // "80G" (some inventories and cloud listings) is the same memory size as "80GB".
    .map((w) => (w === 'sxm4' || w === 'sxm5' ? 'sxm' : /^\d+g$/.test(w) ? `${w}b` : w));
  return [...new Set(words)].sort().join(' ');
}

const byKey: ReadonlyMap<string, HardwareSpec> = (() => {
  const map = new Map<string, HardwareSpec>();
  file.gpus.forEach((g, i) => {
    for (const n of [g.name, ...g.aliases]) {
      const key = hardwareNameKey(n);
      const other = map.get(key);
      if (other !== undefined && other !== specs[i]) throw new Error(`hardware.json: '${n}' reads as '${key}', a name of ${other.name} too`);
      map.set(key, specs[i]!);
    }
  });
  return map;
})();

export function hardwareNames(): string[] {
  return specs.map((s) => s.name);
}

export function findHardware(name: string): HardwareSpec | undefined {
  // Every catalogued name and alias is in byKey under its own key, so one probe covers them all.
  return byKey.get(hardwareNameKey(name));
}

/**
 * When `name` resolves but leaves a choice open (its words fit several catalogued parts: "A100"
 * is four, "NVIDIA H100 80GB HBM3", as nvidia-smi names the SXM part, also fits the PCIe one's
 * "h100-pcie-80gb"), the other parts it could be, so the reading is said; [] when it names one.
 */
export function hardwareAlternatives(name: string): string[] {
  const spec = findHardware(name);
  if (spec === undefined) return [];
  const words = hardwareNameKey(name).split(' ');
  const fits = new Set<string>();
  file.gpus.forEach((g, i) => {
    for (const n of [g.name, ...g.aliases]) {
      const key = new Set(hardwareNameKey(n).split(' '));
      if (words.every((w) => key.has(w))) fits.add(specs[i]!.name);
    }
  });
  fits.delete(spec.name);
  return [...fits];
}

/** The catalogued GPU; unknown → InputError UNKNOWN_HARDWARE listing close names. */
export function getHardware(name: string, where = '--hardware'): HardwareSpec {
  const spec = findHardware(name);
  if (spec) return spec;
  // A PCIe or NVL card has its own clocks, memory and links: never suggest the SXM part it resembles.
  if (/\b(pcie|nvl)\b/.test(hardwareNameKey(name))) {
    throw new InputError('UNKNOWN_HARDWARE', where, `unknown hardware '${name}': a PCIe or NVL card has its own clocks, memory and links, and the catalog holds these (${hardwareNames().join(', ')}); describe it with --hardware-config FILE`);
  }
  const close = closeNames(name, [...byName.keys()]);
  const hint = close.length > 0 ? `did you mean ${close.join(', ')}?` : `known: ${hardwareNames().join(', ')}`;
  throw new InputError('UNKNOWN_HARDWARE', where, `unknown hardware '${name}'; ${hint} (or pass --hardware-config FILE)`);
}

export interface HardwareListing extends HardwareSpec {
  readonly aliases: readonly string[];
}

/** One row per catalogued GPU, for `blis hardware`. */
export function listHardware(): HardwareListing[] {
  return file.gpus.map((g, i) => ({ ...specs[i]!, aliases: g.aliases }));
}

/** `collectiveLatencyRatio`: an object of TP degrees (whole numbers >= 2) to positive multiples, at least one. */
function latencyRatios(v: unknown, where: string): Readonly<Record<string, number>> {
  const expected = 'expected an object of TP degree to a positive multiple of H100\'s latency, e.g. {"2": 1.14, "4": 1.14}';
  if (typeof v !== 'object' || v === null || Array.isArray(v) || Object.keys(v).length === 0) {
    throw new InputError('HARDWARE_CONFIG_FIELD', where, `found ${JSON.stringify(v)}; ${expected}`);
  }
  const out: Record<string, number> = {};
  for (const [k, r] of Object.entries(v as Record<string, unknown>)) {
    if (!/^[1-9][0-9]*$/.test(k) || Number(k) < 2) throw new InputError('HARDWARE_CONFIG_FIELD', `${where}.${k}`, `found TP degree '${k}'; expected a whole number >= 2`);
    if (typeof r !== 'number' || !Number.isFinite(r) || r <= 0) throw new InputError('HARDWARE_CONFIG_FIELD', `${where}.${k}`, `found ${JSON.stringify(r)}; expected a positive number`);
    out[k] = r;
  }
  return Object.freeze(out);
}

function positiveInteger(v: number, where: string): number {
  if (!Number.isInteger(v) || v < 1) throw new InputError('HARDWARE_CONFIG_FIELD', where, `found ${v}; expected a whole number of GPUs >= 1`);
  return v;
}
