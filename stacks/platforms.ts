import { ECS_RESERVED_NAMES } from "../constructs/ecs/reserved-names";
import { validateEcsTarget } from "../constructs/ecs/validate-target";
import { validateEksTarget } from "../constructs/eks/validate-target";
import { KUBERNETES_RESERVED_NAMES } from "../constructs/kubernetes/reserved-names";
import { validateLabTarget } from "../constructs/lab/validate-target";
import type { AddProblem, ReservedNames } from "../constructs/model";
import { NOMAD_RESERVED_NAMES } from "../constructs/nomad/reserved-names";
import { validateNomadTarget } from "../constructs/nomad/validate-target";
import { SWARM_RESERVED_NAMES } from "../constructs/swarm/reserved-names";
import { validateSwarmTarget } from "../constructs/swarm/validate-target";
import type { Environment } from "../environments/types";

/** The fields of an environment that hold a target (`lab` is the hardware the lab targets run on). */
export type TargetField = "lab" | "nomad" | "swarm" | "eks" | "ecs";

/** What the stacks know of a platform, by the environment field that holds its target. */
export interface Platform<F extends TargetField = TargetField> {
  readonly field: F;
  /** Names the platform gives its own objects, which the application may not use. @default none */
  readonly reservedNames?: ReservedNames;
  /** Adds every problem of the target; paths are relative to the environment (`nomad.region`). */
  readonly validateTarget: (target: NonNullable<Environment[F]>, env: Environment, add: AddProblem) => void;
}

const platform = <F extends TargetField>(p: Platform<F>): Platform<F> => p;

/**
 * Every platform, in the order environment validation reports their problems: the start of the platform
 * registry. Each owns its target type and its target validation (constructs/<platform>/target.ts and
 * validate-target.ts); the backend of a target is checked with the environment's.
 */
export const PLATFORMS = [
  platform({ field: "lab", validateTarget: validateLabTarget }),
  platform({ field: "nomad", reservedNames: NOMAD_RESERVED_NAMES, validateTarget: validateNomadTarget }),
  platform({ field: "swarm", reservedNames: SWARM_RESERVED_NAMES, validateTarget: validateSwarmTarget }),
  platform({ field: "eks", reservedNames: KUBERNETES_RESERVED_NAMES, validateTarget: validateEksTarget }),
  platform({ field: "ecs", reservedNames: ECS_RESERVED_NAMES, validateTarget: validateEcsTarget }),
] as const;
