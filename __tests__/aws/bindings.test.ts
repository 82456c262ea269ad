import { rdsDatabaseOf } from "../../constructs/aws/bindings";
import { formatProblem, selectApplication, validateApplication, type Application } from "../../constructs/model";
import { validateDecisions } from "../../constructs/model/validate-decisions";
import { AWS, type Environment } from "../../environments";
import { envProblemsOf } from "../helpers";
import { awsCopy, synthAws, type Mutable } from "./synth";

/** Every reference to service `from` in a copy of the application (talks-to, endpoints, routes) renamed. */
function renamedRefs<T>(value: T, from: string, to: string): T {
  if (Array.isArray(value)) return value.map((v) => renamedRefs(v, from, to)) as T;
  if (value && typeof value === "object")
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, k === "service" && v === from ? to : renamedRefs(v, from, to)]),
    ) as T;
  return value;
}

function renamed(app: Application, from: string, to: string): Application {
  const refs = renamedRefs(app, from, to);
  return { ...refs, services: refs.services.map((s) => (s.name === from ? { ...s, name: to } : s)) };
}

/** The aws environment whose application calls its database service "ledger-db" instead of "postgres". */
function withRenamedDatabase(): Environment {
  const env = awsCopy();
  const application = renamed(env.application as Application, "postgres", "ledger-db");
  const { postgres, ...others } = env.ecs!.bindings!;
  return {
    ...env,
    application,
    ecs: { ...env.ecs!, bindings: { ...others, "ledger-db": postgres } },
    eks: { ...env.eks!, bindings: { "ledger-db": env.eks!.bindings!.postgres } },
  } as Environment;
}

describe("what a service provides decides what a target may replace, not its name", () => {
  const env = withRenamedDatabase();

  it("keeps the renamed application and its bindings valid", () => {
    expect(env.application.services.map((s) => s.name)).toContain("ledger-db");
    expect(env.application.services.map((s) => s.name)).not.toContain("postgres");
    expect(envProblemsOf(env)).toEqual([]);
  });

  it("still runs the renamed database on RDS on ECS, and its clients reach RDS", () => {
    const ecs = synthAws("ecs", env);
    expect(ecs.list("aws_db_instance")).toHaveLength(1);
    expect(ecs.list("aws_db_instance")[0]).toMatchObject({ db_name: "argodb", username: "argo" });
    const families = ecs.list("aws_ecs_task_definition").map((t) => t.family);
    expect(families).not.toContain(`${AWS.ecs!.clusterName}-ledger-db`);
    const api = ecs.list("aws_ecs_task_definition").find((t) => t.family === `${AWS.ecs!.clusterName}-query-api`);
    const apiEnv = JSON.parse(api.container_definitions)[0].environment;
    expect(apiEnv).toContainEqual({ name: "POSTGRES_HOST", value: ecs.ref("aws_db_instance", "", "address") });
  });

  it("still runs the renamed database on RDS on EKS, with no StatefulSet of its own", () => {
    const eks = synthAws("eks", env);
    expect(eks.list("aws_db_instance")).toHaveLength(1);
    expect(eks.list("kubernetes_stateful_set_v1").map((s) => s.metadata.name)).not.toContain("ledger-db");
    const api = eks.list("kubernetes_deployment_v1").find((d) => d.metadata.name === "query-api");
    expect(api.spec.template.spec.container[0].env).toContainEqual({
      name: "POSTGRES_HOST",
      value: eks.ref("aws_db_instance", "", "address"),
    });
  });

  it("reads the database's name, user and password secret from what the service provides", () => {
    const app = selectApplication(env.application, env.selection);
    const bound = rdsDatabaseOf(app, env.ecs!);
    expect(bound?.service.name).toBe("ledger-db");
    expect(bound?.provided).toMatchObject({
      databaseName: "argodb",
      user: "argo",
      passwordSecret: "postgres-password",
    });
  });
});

describe("bindings are validated against what the model provides", () => {
  it("names an unknown service with the likely one", () => {
    const env = awsCopy();
    const { postgres, ...others } = env.ecs!.bindings!;
    env.ecs!.bindings = { ...others, postgre: postgres };
    expect(envProblemsOf(env)).toEqual([
      'environments.aws.ecs.bindings.postgre: unknown service "postgre": did you mean "postgres"? (services that provide a dependency: postgres, memcached)',
    ]);
  });

  it("refuses a managed service for a service that does not provide what it realizes", () => {
    const env = awsCopy();
    env.ecs!.bindings = { ...env.ecs!.bindings, "query-api": env.ecs!.bindings!.postgres! };
    env.eks!.bindings = { memcached: env.eks!.bindings!.postgres! };
    expect(envProblemsOf(env)).toEqual([
      'environments.aws.eks.bindings.memcached: rds realizes a PostgreSQL database, but "memcached" provides a memcached-cache (services that provide a postgres-database: postgres)',
      'environments.aws.ecs.bindings.query-api: rds realizes a PostgreSQL database, but "query-api" provides nothing (services that provide a postgres-database: postgres)',
    ]);
  });

  it("refuses ElastiCache on EKS and a second database of one stack", () => {
    const env = awsCopy();
    env.eks!.bindings = { ...env.eks!.bindings, memcached: env.ecs!.bindings!.memcached! };
    const app = env.application as Mutable<Application>;
    const copy = structuredClone(app.services.find((s) => s.name === "postgres")!);
    app.services.push({ ...copy, name: "postgres-two", volumes: [] });
    env.ecs!.bindings = { ...env.ecs!.bindings, "postgres-two": env.ecs!.bindings!.postgres! };
    const problems = envProblemsOf(env);
    expect(problems).toContain(
      "environments.aws.eks.bindings.memcached.kind: eks has no elasticache binding (expected rds, container)",
    );
    expect(problems).toContain(
      'environments.aws.ecs.bindings.postgres-two: "postgres" is bound to rds already; the stack creates one rds instance',
    );
  });

  it("checks an RDS binding's settings under its own path", () => {
    const env = awsCopy();
    env.eks!.bindings = { postgres: { ...env.eks!.bindings!.postgres!, instanceClass: "t4g.medium" } as never };
    expect(envProblemsOf(env)).toEqual([
      'environments.aws.eks.bindings.postgres.instanceClass: "t4g.medium" is not an RDS instance class such as db.t4g.medium',
    ]);
  });
});

describe("what a service provides is validated in the model", () => {
  it("needs its own port, a declared password secret and a reason when clients cannot use TLS", () => {
    const app = structuredClone(AWS.application) as Mutable<Application>;
    const postgres = app.services.find((s) => s.name === "postgres")!;
    postgres.provides = {
      kind: "postgres-database",
      port: "postgre",
      databaseName: "argodb",
      user: "argo",
      passwordSecret: "postgres-pasword",
      clientTls: { supported: false, reason: " " },
    };
    expect(validateDecisions(app).map(formatProblem)).toEqual([
      'services.postgres.provides.port: unknown port "postgre" on service "postgres": did you mean "postgres"? (known: postgres)',
      'services.postgres.provides.passwordSecret: unknown secret "postgres-pasword": did you mean "postgres-password"? (known: postgres-password, grafana-admin-password)',
      "services.postgres.provides.clientTls.reason: must say why the clients cannot use TLS (it is shown wherever a platform accepts plaintext)",
    ]);
    // validateApplication reports them too.
    expect(validateApplication(app).map(formatProblem)).toEqual(
      expect.arrayContaining(validateDecisions(app).map(formatProblem)),
    );
  });
});
