export { EksStack } from "./eks-stack";
export { EcsStack } from "./ecs-stack";
export { LabStack } from "./lab-stack";
export { NomadLabStack } from "./nomad-lab-stack";
export { SwarmLabStack } from "./swarm-lab-stack";
export {
  addStacks,
  formatProblem,
  stackNamesOf,
  synthesizeAll,
  synthWarnings,
  validateEnvironments,
  type SynthOptions,
} from "./synth";
export { validateEnvironment } from "./validate";
