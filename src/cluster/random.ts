/** The randomness the cluster needs (satisfied by the kernel's seeded RNG). */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
}
