import { AWS } from "./aws";
import { LAB } from "./lab";
import { NORTHWIND } from "./northwind";
import type { Environment } from "./types";

/** Every environment `npm run synth` synthesizes. A customer fork adds its file here. */
export const ENVIRONMENTS: readonly Environment[] = [LAB, AWS, NORTHWIND];

export * from "./types";
export { LAB } from "./lab";
export { AWS } from "./aws";
export { LEDGER, NORTHWIND } from "./northwind";
