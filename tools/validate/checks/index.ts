/** Every check `npm run validate` runs, in order. One import and one entry per check. */
import type { Check } from "../types";
import { AWS_SERVICE_MODELS } from "./aws-service-models";
import { CHECKOV } from "./checkov";
import { CLOUD_INIT } from "./cloud-init";
import { DOCKER_API_PROXY_CONFIG } from "./docker-api-proxy";
import { LAB_AGENT_CONFIGS, NOMAD_JOBSPECS } from "./nomad";
import { OBSERVABILITY_CONFIGS } from "./observability";
import { DNSMASQ_CONFIG, HAPROXY_CONFIG } from "./pi-configs";
import { SHELLCHECK } from "./shellcheck";
import { TRAEFIK } from "./traefik";
import { TERRAFORM_VALIDATE } from "./terraform";

export const CHECKS: readonly Check[] = [
  TERRAFORM_VALIDATE,
  NOMAD_JOBSPECS,
  LAB_AGENT_CONFIGS,
  OBSERVABILITY_CONFIGS,
  TRAEFIK,
  CHECKOV,
  AWS_SERVICE_MODELS,
  SHELLCHECK,
  CLOUD_INIT,
  HAPROXY_CONFIG,
  DOCKER_API_PROXY_CONFIG,
  DNSMASQ_CONFIG,
];
