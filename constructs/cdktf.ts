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
export type { IAspect, ISynthesisSession, ITerraformDependable, S3BackendConfig, SSHProvisionerConnection, TerraformMetaArguments } from "cdktf";
export { addCustomSynthesis } from "cdktf/lib/synthesize/synthesizer";
export { Construct } from "constructs";
export type { IConstruct } from "constructs";

/**
 * For attributes that cdktf's bindings mark as required but that the provider or backend reads from the
 * deployer's environment when they are absent (NOMAD_ADDR, CONSUL_HTTP_TOKEN): the attribute is left out of
 * the synthesized configuration, so the value is looked up at deploy time and never written down.
 */
export const FROM_DEPLOYER_ENVIRONMENT = undefined as unknown as string;
