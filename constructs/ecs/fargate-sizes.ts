/**
 * The task sizes Fargate runs (Linux, platform version 1.4): CPU in ECS CPU units (1024 = one vCPU) and the
 * memory each CPU size accepts, in MiB. A task definition with any other combination is refused by ECS.
 */
export interface FargateSize {
  /** ECS CPU units: 256, 512, 1024, 2048, 4096, 8192 or 16384. */
  readonly cpu: number;
  readonly memoryMiB: number;
}

const GiB = 1024;
const range = (fromGiB: number, toGiB: number, stepGiB: number) =>
  Array.from({ length: (toGiB - fromGiB) / stepGiB + 1 }, (_, i) => (fromGiB + i * stepGiB) * GiB);

/** Memory choices by CPU units, smallest first. */
export const FARGATE_SIZES: ReadonlyMap<number, readonly number[]> = new Map([
  [256, [512, 1024, 2048]],
  [512, range(1, 4, 1)],
  [1024, range(2, 8, 1)],
  [2048, range(4, 16, 1)],
  [4096, range(8, 30, 1)],
  [8192, range(16, 60, 4)],
  [16384, range(32, 120, 8)],
]);

/** ECS CPU units for a request in thousandths of a core (1 core = 1024 units), rounded up. */
export function cpuUnitsOf(cpuMillicores: number): number {
  return Math.ceil((cpuMillicores * 1024) / 1000);
}

export function isFargateSize(size: FargateSize): boolean {
  return FARGATE_SIZES.get(size.cpu)?.includes(size.memoryMiB) ?? false;
}

/**
 * The smallest Fargate size that covers a request: the first CPU size at or above the request that accepts at
 * least the requested memory, with its smallest such memory. `undefined` when nothing covers it.
 */
export function fargateSizeFor(cpuMillicores: number, memoryMiB: number): FargateSize | undefined {
  const units = cpuUnitsOf(cpuMillicores);
  for (const [cpu, memories] of FARGATE_SIZES) {
    if (cpu < units) continue;
    const memory = memories.find((m) => m >= memoryMiB);
    if (memory !== undefined) return { cpu, memoryMiB: memory };
  }
  return undefined;
}

/** `512, 1024 or 2048 MiB`, or `2048 to 8192 MiB in steps of 1024` for long lists. */
export function describeMemoryChoices(cpu: number): string {
  const memories = FARGATE_SIZES.get(cpu) ?? [];
  if (memories.length <= 3) return `${memories.slice(0, -1).join(", ")} or ${memories[memories.length - 1]} MiB`;
  return `${memories[0]} to ${memories[memories.length - 1]} MiB in steps of ${memories[1] - memories[0]}`;
}

/** Every valid combination in one line, for error messages. */
export function describeFargateSizes(): string {
  return [...FARGATE_SIZES.keys()].map((cpu) => `${cpu} CPU with ${describeMemoryChoices(cpu)}`).join("; ");
}

/** Why a stated size is not one Fargate runs, or `undefined` when it is. */
export function fargateSizeProblem(size: FargateSize): string | undefined {
  if (isFargateSize(size)) return undefined;
  if (!FARGATE_SIZES.has(size.cpu)) {
    return `${size.cpu} CPU units is not a Fargate CPU size (valid: ${[...FARGATE_SIZES.keys()].join(", ")})`;
  }
  return `${size.cpu} CPU units with ${size.memoryMiB} MiB is not a Fargate size (valid with ${size.cpu}: ${describeMemoryChoices(size.cpu)})`;
}
