import type {
  DeploymentV1SpecTemplate,
  DeploymentV1SpecTemplateSpecContainerVolumeMount,
  DeploymentV1SpecTemplateSpecVolume,
} from "@cdktf/provider-kubernetes/lib/deployment-v1";
import { cpuLimitOf, healthTimingOf, imageRef, runtimeDirCovers, type HealthCheck, type ServiceSpec } from "../model";
import { RUNTIME_COVER_VOLUME_PREFIX } from "./reserved-names";
import { dataOwnerUidOf, portNamed } from "../model/queries";

/**
 * The pod template of one model service, as plain data in the shape of the kubernetes provider's
 * `spec.template` blocks (the same for Deployments, StatefulSets and DaemonSets).
 */

/** User ID of services that do not say otherwise: `nobody`, present in every base image. */
export const DEFAULT_UID = 65534;

/**
 * What an image that starts as root needs back after dropping every capability: changing file owners and
 * switching to its own user (entrypoints such as postgres' and nginx's), and binding ports below 1024.
 */
export const ROOT_IMAGE_CAPABILITIES = ["CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID", "NET_BIND_SERVICE"];

export const APP_LABEL = "app.kubernetes.io/name";

export interface PodEnv {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?:
    | { readonly secretKeyRef: { readonly name: string; readonly key: string } }
    /** Downward API: a field of the pod itself, e.g. `spec.nodeName`. */
    | { readonly fieldRef: { readonly fieldPath: string } };
}

export interface PodSpecInput {
  readonly service: ServiceSpec;
  readonly env: readonly PodEnv[];
  readonly serviceAccountName: string;
  readonly automountServiceAccountToken: boolean;
  /** Extra volumes and mounts (configuration files), beside the model's own volumes. */
  readonly configVolumes?: readonly { readonly name: string; readonly configMap: string; readonly mountPath: string }[];
  /** Persistent volumes come from a StatefulSet's claim templates, not from the pod spec. */
  readonly claimTemplates: boolean;
}

export function labelsOf(service: ServiceSpec, partOf: string): Record<string, string> {
  return { [APP_LABEL]: service.name, "app.kubernetes.io/part-of": partOf };
}

function probeOf(service: ServiceSpec, check: HealthCheck, failureThreshold: number, initialDelaySeconds: number) {
  const timing = {
    periodSeconds: check.intervalSec,
    timeoutSeconds: check.timeoutSec,
    failureThreshold,
    initialDelaySeconds,
  };
  if (check.type === "http")
    return { ...timing, httpGet: { path: check.path, port: String(portNamed(service, check.port).containerPort) } };
  if (check.type === "tcp")
    return { ...timing, tcpSocket: [{ port: String(portNamed(service, check.port).containerPort) }] };
  return { ...timing, exec: { command: [...check.command] } };
}

/** Out of the Service's endpoints after the model's failure threshold; no delay, a pod is not ready until it passes. */
function readinessOf(service: ServiceSpec, check: HealthCheck) {
  return probeOf(service, check, healthTimingOf(check).failureThreshold, 0);
}

/**
 * A failed liveness probe restarts the container, so it is kept more lenient than readiness: twice the model's
 * failure threshold, counted only after three start periods (6 failures after 30 s by default).
 */
function livenessOf(service: ServiceSpec, check: HealthCheck) {
  const { failureThreshold, startPeriodSec } = healthTimingOf(check);
  return probeOf(service, check, 2 * failureThreshold, 3 * startPeriodSec);
}

/** Restricted-profile settings unless the model records why the image needs root or a writable root. */
export function containerSecurityContextOf(service: ServiceSpec) {
  const root = service.securityExceptions?.runsAsRoot;
  return {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: !service.securityExceptions?.writableRootFs,
    runAsNonRoot: !root,
    runAsUser: root ? undefined : String(dataOwnerUidOf(service) ?? DEFAULT_UID),
    capabilities: { drop: ["ALL"], add: root ? ROOT_IMAGE_CAPABILITIES : undefined },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** CPU as requested; a limit of twice that leaves room for bursts (start-up, GC) without starving neighbours. */
export function resourcesOf(service: ServiceSpec) {
  const r = service.resources!;
  return {
    requests: { cpu: `${r.cpuMillicores}m`, memory: `${r.memoryMiB}Mi` },
    limits: { cpu: `${cpuLimitOf(r)}m`, memory: `${r.memoryMiB}Mi` },
  };
}

export function podTemplateOf(input: PodSpecInput, labels: Record<string, string>): DeploymentV1SpecTemplate {
  const { service } = input;
  const readOnlyRoot = !service.securityExceptions?.writableRootFs;
  const volumes: DeploymentV1SpecTemplateSpecVolume[] = [];
  const mounts: DeploymentV1SpecTemplateSpecContainerVolumeMount[] = [];
  for (const volume of service.volumes ?? []) {
    if (volume.kind === "persistent") {
      // A Deployment has no claim templates: its claim is a standalone PVC of the same name.
      if (!input.claimTemplates) volumes.push({ name: volume.name, persistentVolumeClaim: { claimName: volume.name } });
      mounts.push({ name: volume.name, mountPath: volume.mountPath });
    } else if (volume.kind === "ephemeral") {
      volumes.push({ name: volume.name, emptyDir: {} });
      mounts.push({ name: volume.name, mountPath: volume.mountPath });
    } else {
      volumes.push({ name: volume.name, hostPath: { path: volume.hostPath } });
      mounts.push({ name: volume.name, mountPath: volume.mountPath, readOnly: true });
    }
  }
  // An empty /run where a host volume would show the node's sockets (containerd's, the kubelet's: root on the node).
  for (const cover of runtimeDirCovers(service)) {
    const name = `${RUNTIME_COVER_VOLUME_PREFIX}${cover.volume.name}`;
    volumes.push({ name, emptyDir: { medium: "Memory", sizeLimit: "1Mi" } });
    mounts.push({ name, mountPath: cover.mountPath, readOnly: true });
  }
  for (const config of input.configVolumes ?? []) {
    volumes.push({ name: config.name, configMap: { name: config.configMap } });
    mounts.push({ name: config.name, mountPath: config.mountPath, readOnly: true });
  }
  if (readOnlyRoot && !mounts.some((m) => m.mountPath === "/tmp")) {
    volumes.push({ name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } });
    mounts.push({ name: "tmp", mountPath: "/tmp" });
  }
  const check = service.healthCheck;
  const fsGroup = dataOwnerUidOf(service);
  return {
    metadata: { labels },
    spec: {
      serviceAccountName: input.serviceAccountName,
      automountServiceAccountToken: input.automountServiceAccountToken,
      enableServiceLinks: false,
      securityContext: {
        runAsNonRoot: !service.securityExceptions?.runsAsRoot,
        fsGroup: fsGroup === undefined ? undefined : String(fsGroup),
        seccompProfile: { type: "RuntimeDefault" },
      },
      container: [
        {
          name: service.name,
          image: imageRef(service),
          imagePullPolicy: "IfNotPresent",
          command: service.command ? [...service.command] : undefined,
          args: service.args ? [...service.args] : undefined,
          port: service.ports.map((p) => ({
            name: p.name,
            containerPort: p.containerPort,
            protocol: p.protocol === "udp" ? "UDP" : "TCP",
          })),
          // No `env` at all rather than an empty list: the same to Terraform, and checkov's CKV_K8S_159 crashes on `[]`.
          env:
            input.env.length === 0
              ? undefined
              : input.env.map((e) =>
                  !e.valueFrom
                    ? { name: e.name, value: e.value }
                    : "secretKeyRef" in e.valueFrom
                      ? { name: e.name, valueFrom: { secretKeyRef: e.valueFrom.secretKeyRef } }
                      : { name: e.name, valueFrom: { fieldRef: { fieldPath: e.valueFrom.fieldRef.fieldPath } } },
                ),
          resources: resourcesOf(service),
          readinessProbe: check ? readinessOf(service, check) : undefined,
          // Liveness waits longer and tolerates more failures: a slow dependency should not restart the pod.
          livenessProbe: check ? livenessOf(service, check) : undefined,
          securityContext: containerSecurityContextOf(service),
          volumeMount: mounts,
        },
      ],
      volume: volumes,
    },
  };
}
