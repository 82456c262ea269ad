/**
 * Grafana Alloy configurations for the per-node log collector. Each ships every container's log lines to the
 * log store with a `service` label (the model's service name) so that logs line up with metrics and alerts.
 */

const block = (head: string, lines: readonly string[]) => [`${head} {`, ...lines.map((l) => `  ${l}`), "}"].join("\n");
const str = (value: string) => JSON.stringify(value);

export interface DockerLogSource {
  /** Docker discovery label (or `__meta_docker_container_name`) the service name is read from. */
  readonly sourceLabel: string;
  /** Regular expression whose first group is the service name. */
  readonly regex: string;
  /** Further labels to copy: target label → source label. */
  readonly extraLabels?: Readonly<Record<string, string>>;
}

function lokiWrite(pushUrl: string): string {
  return block('loki.write "default"', [
    block("endpoint", [`url = ${str(pushUrl)}`])
      .split("\n")
      .join("\n  "),
  ]);
}

/** On a Docker node (Nomad clients, Swarm nodes): containers from the Docker socket, logs through its API. */
export function alloyDockerConfig(source: DockerLogSource, pushUrl: string, socket = "/var/run/docker.sock"): string {
  const rule = (lines: string[]) => block("rule", lines).split("\n").join("\n  ");
  const rules = [
    rule([`source_labels = [${str(source.sourceLabel)}]`, `regex = ${str(source.regex)}`, `target_label = "service"`]),
    ...Object.entries(source.extraLabels ?? {}).map(([target, label]) =>
      rule([`source_labels = [${str(label)}]`, `target_label = ${str(target)}`]),
    ),
    // Containers that are not services of the application (none is expected on a workload node) are not shipped.
    rule([`source_labels = ["service"]`, `regex = ".+"`, `action = "keep"`]),
  ];
  return (
    [
      block('discovery.docker "containers"', [`host = ${str(`unix://${socket}`)}`]),
      block('discovery.relabel "containers"', ["targets = discovery.docker.containers.targets", ...rules]),
      block('loki.source.docker "containers"', [
        `host = ${str(`unix://${socket}`)}`,
        "targets = discovery.docker.containers.targets",
        "relabel_rules = discovery.relabel.containers.rules",
        "forward_to = [loki.write.default.receiver]",
      ]),
      lokiWrite(pushUrl),
    ].join("\n\n") + "\n"
  );
}

/**
 * On Kubernetes: the pods of the namespace on this collector's own node (NODE_NAME from the downward API),
 * logs read through the Kubernetes API, so no host path is needed.
 */
export function alloyKubernetesConfig(
  namespace: string,
  serviceLabelMeta: string,
  pushUrl: string,
  nodeNameEnv: string,
): string {
  const rule = (lines: string[]) => block("rule", lines).split("\n").join("\n  ");
  return (
    [
      block('discovery.kubernetes "pods"', [
        'role = "pod"',
        block("namespaces", [`names = [${str(namespace)}]`])
          .split("\n")
          .join("\n  "),
        block("selectors", ['role = "pod"', `field = "spec.nodeName=" + env(${str(nodeNameEnv)})`])
          .split("\n")
          .join("\n  "),
      ]),
      block('discovery.relabel "pods"', [
        "targets = discovery.kubernetes.pods.targets",
        rule([`source_labels = [${str(serviceLabelMeta)}]`, 'target_label = "service"']),
        rule(['source_labels = ["__meta_kubernetes_namespace"]', 'target_label = "namespace"']),
        rule(['source_labels = ["__meta_kubernetes_pod_name"]', 'target_label = "pod"']),
        rule(['source_labels = ["__meta_kubernetes_pod_container_name"]', 'target_label = "container"']),
        rule(['source_labels = ["__meta_kubernetes_pod_node_name"]', 'target_label = "node"']),
      ]),
      block('loki.source.kubernetes "pods"', [
        "targets = discovery.relabel.pods.output",
        "forward_to = [loki.write.default.receiver]",
      ]),
      lokiWrite(pushUrl),
    ].join("\n\n") + "\n"
  );
}
