/**
 * Git LFS pointers: the public traces most often read here are LFS objects in their repositories
 * (HPMLL/BurstGPT `data/*.csv`, Azure/AzurePublicDataset `data/*.csv`), so a clone without
 * `git lfs pull` leaves a three-line text file in place of the trace. Spotted from the head before
 * any format reads it. Pointer layout from the Git LFS spec v1 (git-lfs docs/spec.md): a first
 * line `version https://git-lfs.github.com/spec/v1`, then `oid sha256:<hex>` and `size <bytes>`.
 */
import { InputError } from '../kernel/errors.js';

const POINTER = /^version https:\/\/git-lfs\.github\.com\/spec\/v1\r?\n(?:[a-z0-9.-]+ [^\n]*\r?\n)*?size (\d+)\r?$/m;

/** Throws LFS_POINTER when `head` is a Git LFS pointer file instead of the data it points to. */
export function refuseLfsPointer(head: string, fileName: string): void {
  if (!head.startsWith('version https://git-lfs.github.com/spec/v1')) return;
  const size = POINTER.exec(head)?.[1];
  throw new InputError('LFS_POINTER', fileName,
    `is a Git LFS pointer, not the trace${size !== undefined ? ` (the ${size}-byte file was not downloaded)` : ''}; fetch it with 'git lfs pull' or download the file itself`);
}
