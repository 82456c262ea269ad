import { hostOf, portOf, secretRef, type Application } from "../constructs/model/types";
import type { Environment } from "./types";

/**
 * A fictional customer, Northwind Logistics, and its own application: proof that a fork is data. Nothing
 * here touches a construct; the same model types describe a different application, and the same stacks
 * deploy it to the customer's AWS account (EKS and ECS only).
 */

/** Northwind's ledger: an API over PostgreSQL, and an optional admin console for the finance team. */
export const LEDGER: Application = {
  name: "ledger",
  zones: [
    { name: "app", description: "The API and the admin console.", subnet: "10.200.0.0/20" },
    { name: "data", description: "The database, reachable only from the API.", subnet: "10.200.16.0/20" },
  ],
  services: [
    {
      name: "ledger-api",
      description: "Books and lists shipments' charges.",
      image: { repository: "ghcr.io/northwind/ledger-api", tag: "2.4.1" },
      ports: [{ name: "http", containerPort: 8000, protocol: "http" }],
      env: {
        DATABASE_HOST: hostOf("postgres", "postgres"),
        DATABASE_PORT: portOf("postgres", "postgres"),
        DATABASE_NAME: "ledger",
        DATABASE_USER: "ledger",
      },
      secretEnv: { DATABASE_PASSWORD: secretRef("ledger-db-password") },
      // The API also reads the password from a file, where a platform delivers secrets as files.
      secretFiles: { DATABASE_PASSWORD: "DATABASE_PASSWORD_FILE" },
      healthCheck: { type: "http", port: "http", path: "/healthz", intervalSec: 10, timeoutSec: 2 },
      resources: { cpuMillicores: 500, memoryMiB: 512 },
      placement: { kind: "replicated", replicas: 3 },
      autoscaling: { minReplicas: 3, maxReplicas: 10, targetCpuPercent: 60 },
      zones: ["app", "data"],
      talksTo: [{ service: "postgres", port: "postgres" }],
    },
    {
      name: "postgres",
      description: "PostgreSQL holding the ledger database (Amazon RDS on AWS).",
      image: { repository: "postgres", tag: "16.4" },
      ports: [{ name: "postgres", containerPort: 5432, protocol: "tcp" }],
      env: { POSTGRES_USER: "ledger", POSTGRES_DB: "ledger", PGDATA: "/var/lib/postgresql/data/pgdata" },
      secretEnv: { POSTGRES_PASSWORD: secretRef("ledger-db-password") },
      secretFiles: { POSTGRES_PASSWORD: "POSTGRES_PASSWORD_FILE" },
      provides: {
        kind: "postgres-database",
        port: "postgres",
        databaseName: "ledger",
        user: "ledger",
        passwordSecret: "ledger-db-password",
        // The ledger API connects with libpq's default sslmode=prefer: TLS wherever the server offers it.
        clientTls: { supported: true },
      },
      healthCheck: {
        type: "command",
        command: ["pg_isready", "-U", "ledger", "-d", "ledger"],
        intervalSec: 10,
        timeoutSec: 5,
      },
      resources: { cpuMillicores: 1000, memoryMiB: 2048 },
      placement: { kind: "replicated", replicas: 1 },
      zones: ["data"],
      volumes: [{ kind: "persistent", name: "ledger-data", mountPath: "/var/lib/postgresql/data" }],
      update: { order: "stop-first" },
      securityExceptions: {
        runsAsRoot: "the entrypoint fixes data directory ownership as root, then runs postgres as the postgres user",
        writableRootFs: "initdb and the entrypoint write to /var/run/postgresql",
      },
    },
    {
      name: "ledger-admin",
      description: "Admin console for the finance team (optional).",
      image: { repository: "ghcr.io/northwind/ledger-admin", tag: "1.3.0" },
      ports: [{ name: "http", containerPort: 8080, protocol: "http" }],
      env: { LEDGER_API_URL: ["http://", hostOf("ledger-api", "http"), ":", portOf("ledger-api", "http")] },
      healthCheck: { type: "http", port: "http", path: "/healthz", intervalSec: 15, timeoutSec: 3 },
      resources: { cpuMillicores: 250, memoryMiB: 256 },
      placement: { kind: "replicated", replicas: 2 },
      zones: ["app"],
      talksTo: [{ service: "ledger-api", port: "http" }],
      optional: true,
    },
  ],
  routes: [
    { pathPrefix: "/api/", service: "ledger-api", port: "http" },
    { pathPrefix: "/admin/", service: "ledger-admin", port: "http", adminOnly: true },
  ],
  secrets: [
    {
      name: "ledger-db-password",
      description: "Password of the ledger database user.",
      source: { kind: "generate", length: 40 },
    },
  ],
};

const REGION = "eu-central-1";
const ZONES = ["eu-central-1a", "eu-central-1b"];
const CERTIFICATE = "arn:aws:acm:eu-central-1:444455556666:certificate/6f1c2b3a-9d8e-4f70-8a1b-2c3d4e5f6a7b";
const POSTGRES = {
  kind: "rds",
  instanceClass: "db.t4g.small",
  engineVersion: "16.4",
  allocatedStorageGiB: 20,
  maxAllocatedStorageGiB: 100,
  backupRetentionDays: 7,
  multiAz: true,
} as const;

export const NORTHWIND: Environment = {
  name: "northwind",
  description: "Northwind Logistics' ledger on AWS (EKS and ECS), two availability zones, one NAT gateway.",
  application: LEDGER,
  selection: { optionalServices: ["ledger-admin"] },
  adminCidrs: ["198.51.100.32/28"],
  backend: { kind: "s3", bucket: "northwind-terraform-state-444455556666", keyPrefix: "ledger", region: REGION },
  eks: {
    region: REGION,
    clusterName: "northwind-ledger",
    kubernetesVersion: "1.31",
    network: { vpcCidr: "10.60.0.0/20", availabilityZones: ZONES, natGateways: "single", flowLogRetentionDays: 90 },
    publicEndpointCidrs: ["198.51.100.32/28"],
    clusterAdminArns: ["arn:aws:iam::444455556666:role/northwind-platform"],
    nodeGroup: { instanceTypes: ["t3.large"], minSize: 2, maxSize: 4, desiredSize: 2, diskGiB: 40 },
    namespace: "ledger",
    certificateArn: CERTIFICATE,
    logRetentionDays: 90,
    bindings: { postgres: POSTGRES },
  },
  ecs: {
    region: REGION,
    clusterName: "northwind-ledger-ecs",
    network: { vpcCidr: "10.61.0.0/20", availabilityZones: ZONES, natGateways: "single", flowLogRetentionDays: 90 },
    certificateArn: CERTIFICATE,
    logRetentionDays: 90,
    bindings: { postgres: POSTGRES },
  },
};
