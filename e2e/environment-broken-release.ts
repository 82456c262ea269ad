import type { Environment } from "../environments";
import { BROKEN_OT_APP_TAG, e2eEnvironment } from "./environment";

/** The e2e environment after an operator releases the broken ot-app (the thesis' v1.2, which crashes at start). */
export const ENVIRONMENTS: readonly Environment[] = [e2eEnvironment({ otAppTag: BROKEN_OT_APP_TAG })];
