/**
 * `npm run test:e2e:k8s`: the eks stack's Kubernetes objects applied to a real kube-apiserver (issue 20).
 *
 * Synthesizes the eks stack, takes its Kubernetes part (e2e/k8s/kubernetes-part.ts names every change: AWS,
 * Helm and http blocks removed, references to AWS resources given representative values, the provider pointed
 * at the test's kubeconfig, rollouts not awaited), starts etcd and the pinned kube-apiserver with EKS' admission
 * plugins on loopback (e2e/k8s/control-plane.ts), applies the objects with the real Terraform and
 * hashicorp/kubernetes provider from a filesystem mirror, and checks:
 * - the API server reports the pinned version and loaded every EKS admission plugin;
 * - `terraform apply` succeeds: the API server accepted every object as it is (validation and admission);
 * - `terraform plan -detailed-exitcode` is 0 afterwards: what the server stored reads back as configured;
 * - every object of the state is on the server;
 * - a pod from each workload's template, and a claim from each volume claim template, passes admission
 *   (server-side dry run: the objects the controllers would create, judged by the same plugins); PodSecurity's
 *   verdict at the namespace's warn level (restricted) is printed per pod;
 * - each Role and ClusterRole grants its subjects what it lists, and nothing else asked (reading secrets).
 * Everything is made in one temporary directory, removed at the end with both processes, also on failure or
 * interruption.
 *
 * ARGO_K8S_E2E_PARTS=available: without the kubernetes provider in a mirror (a fresh CI machine), the Terraform
 * part and what depends on it are reported as not run, with why, instead of failing.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pinnedTool, systemTool } from "../../tools/validate/programs";
import { VERSIONS } from "../../tools/toolchain/paths";
import type { TerraformJson } from "../../tools/validate/stacks";
import { findProviders, terraformEnv } from "../nomad/terraform";
import { qualifiedSource, whyMissing } from "../../tools/validate/checks/terraform";
import { check, measured, results, summarize, assert } from "../report";
import { TerraformRuns, tail } from "../terraform";
import { ControlPlane, EKS_ADMISSION_PLUGINS, type Answer } from "./control-plane";
import { kubernetesPart } from "./kubernetes-part";

const ROOT = path.resolve(__dirname, "..", "..");
const STACK = "eks";
const started = Date.now();
const onlyAvailable = process.env.ARGO_K8S_E2E_PARTS === "available";
const notRun: string[] = [];

/** Where each kind the eks stack renders lives in the API (a kind missing here fails the read-back check). */
const API_PATHS: Readonly<
  Record<string, { readonly prefix: string; readonly plural: string; readonly namespaced: boolean }>
> = {
  kubernetes_namespace_v1: { prefix: "/api/v1", plural: "namespaces", namespaced: false },
  kubernetes_config_map_v1: { prefix: "/api/v1", plural: "configmaps", namespaced: true },
  kubernetes_secret_v1: { prefix: "/api/v1", plural: "secrets", namespaced: true },
  kubernetes_service_v1: { prefix: "/api/v1", plural: "services", namespaced: true },
  kubernetes_service_account_v1: { prefix: "/api/v1", plural: "serviceaccounts", namespaced: true },
  kubernetes_deployment_v1: { prefix: "/apis/apps/v1", plural: "deployments", namespaced: true },
  kubernetes_stateful_set_v1: { prefix: "/apis/apps/v1", plural: "statefulsets", namespaced: true },
  kubernetes_daemon_set_v1: { prefix: "/apis/apps/v1", plural: "daemonsets", namespaced: true },
  kubernetes_horizontal_pod_autoscaler_v2: {
    prefix: "/apis/autoscaling/v2",
    plural: "horizontalpodautoscalers",
    namespaced: true,
  },
  kubernetes_ingress_v1: { prefix: "/apis/networking.k8s.io/v1", plural: "ingresses", namespaced: true },
  kubernetes_network_policy_v1: { prefix: "/apis/networking.k8s.io/v1", plural: "networkpolicies", namespaced: true },
  kubernetes_pod_disruption_budget_v1: { prefix: "/apis/policy/v1", plural: "poddisruptionbudgets", namespaced: true },
  kubernetes_role_v1: { prefix: "/apis/rbac.authorization.k8s.io/v1", plural: "roles", namespaced: true },
  kubernetes_role_binding_v1: {
    prefix: "/apis/rbac.authorization.k8s.io/v1",
    plural: "rolebindings",
    namespaced: true,
  },
  kubernetes_cluster_role_v1: {
    prefix: "/apis/rbac.authorization.k8s.io/v1",
    plural: "clusterroles",
    namespaced: false,
  },
  kubernetes_cluster_role_binding_v1: {
    prefix: "/apis/rbac.authorization.k8s.io/v1",
    plural: "clusterrolebindings",
    namespaced: false,
  },
  kubernetes_storage_class_v1: { prefix: "/apis/storage.k8s.io/v1", plural: "storageclasses", namespaced: false },
};

interface StateResource {
  readonly address: string;
  readonly type: string;
  readonly values: any;
}

let work = "";
let controlPlane: ControlPlane | undefined;
let terraformRuns: TerraformRuns | undefined;

/** The terraform run in progress, if any: it writes its state into `work` until it exits. */
let terraformBusy: Promise<unknown> | undefined;
function tracked<T>(run: Promise<T>): Promise<T> {
  terraformBusy = run.finally(() => (terraformBusy = undefined));
  return run;
}

async function cleanUp(): Promise<void> {
  terraformRuns?.stop();
  await Promise.race([terraformBusy, new Promise((resolve) => setTimeout(resolve, 30000))]);
  await controlPlane?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
  work = "";
}

for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.on(signal, () => {
    console.log(`\n${signal}: stopping terraform and the control plane, removing ${work}`);
    void cleanUp().finally(() => process.exit(130));
  });
process.on("exit", () => controlPlane?.killNow());

async function step<T>(name: string, body: () => Promise<T> | T): Promise<T> {
  const start = Date.now();
  const value = await body();
  measured(name, (Date.now() - start) / 1000);
  return value;
}

function synthesize(outdir: string): TerraformJson {
  const child = spawnSync(process.execPath, [path.join(ROOT, "scripts", "synth.js"), STACK], {
    cwd: ROOT,
    env: { ...process.env, CDKTF_OUTDIR: outdir },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (child.status !== 0) throw new Error(`synth of ${STACK} failed:\n${tail(`${child.stdout}${child.stderr}`, 20)}`);
  return JSON.parse(fs.readFileSync(path.join(outdir, "stacks", STACK, "cdk.tf.json"), "utf8"));
}

function apiPathOf(resource: StateResource): string {
  const where = API_PATHS[resource.type];
  if (!where) throw new Error(`${resource.address}: no API path known for ${resource.type} (add it to API_PATHS)`);
  const metadata = resource.values.metadata?.[0] ?? {};
  const namespace = where.namespaced ? `/namespaces/${metadata.namespace ?? "default"}` : "";
  return `${where.prefix}${namespace}/${where.plural}/${metadata.name}`;
}

const describe = (answer: Answer) =>
  `${answer.status} ${typeof answer.body === "string" ? answer.body : (answer.body?.message ?? JSON.stringify(answer.body))}`;

async function main(): Promise<void> {
  const apiserver = pinnedTool("kube-apiserver");
  if (!apiserver.found) throw new Error(`${apiserver.reason} (run \`npm run toolchain -- kube-apiserver\`)`);
  const etcd = systemTool("etcd", "etcd-server");
  if (!etcd.found) throw new Error(etcd.reason);
  work = fs.mkdtempSync(path.join(os.tmpdir(), "argo-e2e-k8s-"));
  console.log(
    `e2e k8s: kube-apiserver ${VERSIONS.go["kube-apiserver"].version} (${apiserver.path}), ${etcd.path}, in ${work}`,
  );

  const synthesized = await step("synth of the eks stack", () => synthesize(path.join(work, "synth")));
  const tfDir = path.join(work, "terraform");
  fs.mkdirSync(tfDir);
  const cluster = path.join(work, "control-plane");
  fs.mkdirSync(cluster);
  const plane = new ControlPlane({ dir: cluster, kubeApiserver: apiserver.path, etcd: etcd.path, log: console.log });
  controlPlane = plane;
  const part = kubernetesPart(synthesized, plane.kubeconfig);
  console.log("the eks stack's Kubernetes part, as applied here:");
  for (const change of part.changes) console.log(`  - ${change.length > 240 ? `${change.slice(0, 237)}...` : change}`);
  fs.writeFileSync(path.join(tfDir, "cdk.tf.json"), `${JSON.stringify(part.config, null, 2)}\n`);
  const configured = Object.entries(part.config.resource ?? {}).flatMap(([type, blocks]) =>
    Object.keys(blocks).map((name) => `${type}.${name}`),
  );

  const times = await step("etcd and kube-apiserver ready", () => plane.start());
  measured("  of which etcd listening", times.etcdSeconds);
  measured("  of which kube-apiserver /readyz", times.apiSeconds);

  await check(`kube-apiserver reports v${VERSIONS.go["kube-apiserver"].version}`, async () => {
    const version = await plane.request("GET", "/version");
    assert(version.status === 200, `/version: ${describe(version)}`);
    assert(
      version.body.gitVersion === `v${VERSIONS.go["kube-apiserver"].version}`,
      `gitVersion ${version.body.gitVersion}`,
    );
    return `${version.body.gitVersion}, ${version.body.goVersion}, etcd ${etcdVersion(etcd.path)}`;
  });

  await check("every admission plugin EKS enables is loaded", async () => {
    const log = plane.logOf("kube-apiserver");
    const loaded = new Set(
      [
        ...log.matchAll(
          /Loaded \d+ (?:mutating|validating) admission controller\(s\) successfully in the following order: ([^."]+)/g,
        ),
      ].flatMap((m) => m[1].split(",").map((s) => s.trim())),
    );
    assert(loaded.size > 0, "kube-apiserver logged no loaded admission controllers");
    const missing = EKS_ADMISSION_PLUGINS.filter((p) => !loaded.has(p));
    // NodeRestriction, ExtendedResourceToleration... act on nodes and pods; the API server logs each by its phase.
    assert(missing.length === 0, `not loaded: ${missing.join(", ")} (loaded: ${[...loaded].join(", ")})`);
    return `${loaded.size} loaded: ${[...loaded].join(", ")}`;
  });

  const needs = Object.values(part.config.terraform?.required_providers ?? {}).map((p) => ({
    source: p.source ?? "",
    version: p.version ?? "",
  }));
  const terraform = spawnSync("sh", ["-c", "command -v terraform"], { encoding: "utf8" }).stdout.trim();
  const providers = findProviders(needs);
  if (!terraform || !providers.ok) {
    const reason = !terraform
      ? "terraform is not on PATH"
      : needs
          .filter((n) => !findProviders([n]).ok)
          .map((n) => whyMissing(qualifiedSource(n.source), n.version))
          .join("; ");
    const what = `terraform apply and plan of the ${configured.length} Kubernetes resources, the read-back, pod admission and RBAC checks`;
    if (!onlyAvailable) throw new Error(`cannot run ${what}: ${reason}`);
    notRun.push(`${what}: ${reason}`);
    return;
  }
  const runs = new TerraformRuns(terraform, terraformEnv(tfDir, providers.mirrors), console.log);
  terraformRuns = runs;

  await step("terraform init", () => tracked(runs.init(tfDir)));
  const applied = await check(`terraform apply of ${configured.length} resources is accepted`, async () => {
    // Every object is created in seconds; a wait that never ends shows here as "Still creating".
    const outcome = await tracked(runs.exec(tfDir, ["apply", "-auto-approve", "-input=false", "-no-color"], 480000));
    measured("terraform apply", outcome.seconds);
    assert(outcome.code === 0, `terraform apply exited ${outcome.code}:\n${errorsOf(outcome.output)}`);
    return /Apply complete! [^\n]*/.exec(outcome.output)?.[0];
  });
  if (!applied) return;

  await check("terraform plan -detailed-exitcode is 0 after the apply", async () => {
    const plan = await tracked(runs.plan(tfDir));
    measured("terraform plan", plan.seconds);
    assert(plan.code === 0, `plan exited ${plan.code}: ${plan.changes.join("; ") || tail(plan.output, 20)}`);
    return "no changes";
  });

  const state = (await tracked(runs.state(tfDir))).values?.root_module?.resources ?? [];
  const kubernetes: StateResource[] = state.filter((r: StateResource) => r.type.startsWith("kubernetes_"));

  await check("every Kubernetes resource of the state is on the API server", async () => {
    const inState = new Set(state.map((r: StateResource) => r.address));
    const absent = configured.filter((a) => !inState.has(a));
    assert(absent.length === 0, `configured but not in the state: ${absent.join(", ")}`);
    const failures: string[] = [];
    for (const resource of kubernetes) {
      const answer = await plane.request("GET", apiPathOf(resource));
      if (answer.status !== 200) failures.push(`${resource.address} (${apiPathOf(resource)}): ${describe(answer)}`);
    }
    assert(failures.length === 0, failures.join("\n"));
    const kinds = new Map<string, number>();
    for (const r of kubernetes) kinds.set(r.type, (kinds.get(r.type) ?? 0) + 1);
    return `${kubernetes.length} objects: ${[...kinds].map(([t, n]) => `${n} ${t.replace(/^kubernetes_|_v\d$/g, "")}`).join(", ")}`;
  });

  const workloads = kubernetes.filter((r) =>
    ["deployments", "statefulsets", "daemonsets"].includes(API_PATHS[r.type]?.plural),
  );
  const verdicts: string[] = [];
  await check(
    `a pod from each of the ${workloads.length} workloads' templates passes admission (dry run)`,
    async () => {
      const failures: string[] = [];
      for (const workload of workloads) {
        const stored = await plane.request("GET", apiPathOf(workload));
        const { namespace, name } = stored.body.metadata;
        const template = stored.body.spec.template;
        const claims: any[] = stored.body.spec.volumeClaimTemplates ?? [];
        const claimName = (claim: any) => `${claim.metadata.name}-${name}-0`;
        // As the StatefulSet controller makes pod 0: one volume per claim template, bound to that pod's claim.
        const claimVolumes = claims.map((claim) => ({
          name: claim.metadata.name,
          persistentVolumeClaim: { claimName: claimName(claim) },
        }));
        const pod = {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { ...template.metadata, name: `${name}-e2e-dry-run`, namespace },
          spec: { ...template.spec, volumes: [...(template.spec.volumes ?? []), ...claimVolumes] },
        };
        const answer = await plane.request("POST", `/api/v1/namespaces/${namespace}/pods?dryRun=All`, pod);
        if (answer.status !== 201) failures.push(`${stored.body.kind} ${name}: ${describe(answer)}`);
        const podSecurity = answer.warnings.filter((w) => /PodSecurity/.test(w));
        verdicts.push(
          `${stored.body.kind} ${name}: ${podSecurity.length ? podSecurity.join("; ") : 'meets PodSecurity "restricted"'}`,
        );
        for (const claim of claims) {
          const pvc = {
            apiVersion: "v1",
            kind: "PersistentVolumeClaim",
            metadata: { ...claim.metadata, name: claimName(claim), namespace },
            spec: claim.spec,
          };
          const created = await plane.request(
            "POST",
            `/api/v1/namespaces/${namespace}/persistentvolumeclaims?dryRun=All`,
            pvc,
          );
          if (created.status !== 201) failures.push(`claim ${pvc.metadata.name}: ${describe(created)}`);
        }
      }
      assert(failures.length === 0, failures.join("\n"));
      return `${workloads.length} pods admitted (and their StatefulSets' volume claims)`;
    },
  );
  console.log("    PodSecurity at the namespace's warn level:");
  for (const verdict of verdicts) console.log(`      ${verdict}`);

  await check(
    "each Role and ClusterRole grants its bound subjects what it lists, and not reading secrets",
    async () => {
      const failures: string[] = [];
      let asked = 0;
      const roles = new Map(
        kubernetes
          .filter((r) => r.type === "kubernetes_role_v1" || r.type === "kubernetes_cluster_role_v1")
          .map((r) => [`${r.type === "kubernetes_role_v1" ? "Role" : "ClusterRole"}/${r.values.metadata[0].name}`, r]),
      );
      for (const binding of kubernetes.filter((r) => /role_binding_v1$/.test(r.type))) {
        const ref = binding.values.role_ref[0];
        const role = roles.get(`${ref.kind}/${ref.name}`);
        if (!role) {
          failures.push(`${binding.address} binds ${ref.kind} ${ref.name}, which the stack does not create`);
          continue;
        }
        const namespace =
          binding.type === "kubernetes_role_binding_v1" ? binding.values.metadata[0].namespace : undefined;
        for (const subject of binding.values.subject) {
          const user =
            subject.kind === "ServiceAccount"
              ? `system:serviceaccount:${subject.namespace}:${subject.name}`
              : subject.name;
          const ask = async (verb: string, group: string, resource: string, allowed: boolean) => {
            asked++;
            const review = await plane.request("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", {
              apiVersion: "authorization.k8s.io/v1",
              kind: "SubjectAccessReview",
              spec: { user, resourceAttributes: { verb, group, resource, ...(namespace ? { namespace } : {}) } },
            });
            if (review.status !== 201) failures.push(`review for ${user}: ${describe(review)}`);
            else if (review.body.status.allowed !== allowed)
              failures.push(
                `${user} ${allowed ? "may not" : "may"} ${verb} ${resource}${namespace ? ` in ${namespace}` : ""}`,
              );
          };
          const grantsSecrets = role.values.rule.some((r: any) => (r.resources ?? []).includes("secrets"));
          for (const rule of role.values.rule)
            for (const group of rule.api_groups ?? [""])
              for (const resource of rule.resources ?? [])
                for (const verb of rule.verbs) await ask(verb, group, resource, true);
          if (!grantsSecrets) await ask("get", "", "secrets", false);
        }
      }
      assert(failures.length === 0, failures.join("\n"));
      return `${asked} access reviews as expected`;
    },
  );
}

function etcdVersion(binary: string): string {
  const out = spawnSync(binary, ["--version"], { encoding: "utf8" }).stdout;
  return /etcd Version: (\S+)/.exec(out)?.[1] ?? "unknown";
}

/** The `Error:` blocks of a Terraform run, which name the resource and the API server's reason. */
function errorsOf(output: string): string {
  const blocks = output.split(/\n(?=│? ?Error: )/).filter((b) => /^│? ?Error: /.test(b.trim()));
  const waiting = [...new Set(output.match(/^\S+: Still creating/gm) ?? [])];
  return [...waiting, ...(blocks.length ? blocks.slice(0, 20) : [tail(output, 30)])].join("\n").slice(0, 20000);
}

main()
  .catch((error) => {
    results.push({ name: "e2e k8s", ok: false, detail: (error as Error).message });
    console.log(`  ✗ ${(error as Error).message}`);
  })
  .finally(async () => {
    await cleanUp();
    for (const line of notRun) console.log(`  not run: ${line}`);
    summarize(
      "Measured (seconds)",
      40,
      `e2e k8s: ${((Date.now() - started) / 1000).toFixed(0)} s in all; the temporary directory and both processes are gone`,
    );
    if (notRun.length && !results.some((r) => !r.ok) && results.length) process.exitCode = 0;
  });
