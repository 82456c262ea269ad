/**
 * The one place the cdktf core API enters the project.
 *
 * cdktf is archived upstream (0.21.0 is final); its community fork aims to be a drop-in replacement.
 * Every other file imports the core API from here, so moving is a one-file change.
 */
export {
  App,
  Aspects,
  Annotations,
  ConsulBackend,
  Fn,
  LocalBackend,
  Manifest,
  S3Backend,
  TerraformElement,
  TerraformLocal,
  TerraformOutput,
  TerraformProvider,
  TerraformResource,
  TerraformStack,
  TerraformVariable,
  Testing,
  Token,
  Tokenization,
  DefaultTokenResolver,
  StringConcat,
} from "cdktf";
export type {
  IAspect,
  ISynthesisSession,
  ITerraformDependable,
  S3BackendConfig,
  SSHProvisionerConnection,
  StackManifest,
  TerraformMetaArguments,
} from "cdktf";
export { addCustomSynthesis } from "cdktf/lib/synthesize/synthesizer";
export { Construct } from "constructs";
export type { IConstruct } from "constructs";

/**
 * For attributes that cdktf's bindings mark as required but that the provider or backend reads from the
 * deployer's environment when they are absent (NOMAD_ADDR, CONSUL_HTTP_TOKEN): the attribute is left out of
 * the synthesized configuration, so the value is looked up at deploy time and never written down.
 */
export const FROM_DEPLOYER_ENVIRONMENT = undefined as unknown as string;

/**
 * Stops cdktf from recording where each token was created. cdktf 0.21 captures a full stack trace (every
 * frame, formatted as text) for every token, lazy value and complex attribute it creates, whatever the App's
 * `stackTraces` setting says: about a fifth of a synth. The trace is only ever read into the message of a
 * token that fails to resolve ("Object creation stack: ..."); the synthesized output is the same without it.
 * `npm run synth` calls this unless ARGO_SYNTH_STACK_TRACES=1 asks for those traces back.
 */
export function disableTokenStackTraces(): void {
  // The module object itself (cdktf reads the function from it at each call), not an ES namespace copy of it.
  const tokenStackTrace: {
    captureStackTrace: (below?: unknown) => string[];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
  } = require("cdktf/lib/tokens/private/stack-trace");
  tokenStackTrace.captureStackTrace = () => [];
}
