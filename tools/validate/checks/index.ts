/** Every check `npm run validate` runs, in order. One import and one entry per check. */
import type { Check } from "../types";

export const CHECKS: readonly Check[] = [];
