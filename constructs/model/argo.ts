import { hostOf, hostPortOf, portOf, secretRef, type Application, type HealthCheck, type ServiceSpec } from "./types";

/**
 * ARGO ("Address Resolver written in Go"), defined once.
 *
 * Ports, zones, routes, talks-to pairs and the ot-app update policy come from the thesis' deployment files.
 * CPU and memory figures appear nowhere in the sources; they are our choice, sized for the lab's 4-vCPU/12 GB
 * clients. Upstream publishes the ARGO images only as `latest` (ot-app also as v1.0-v1.2): a deployment
 * mirrors them under the version tags below, which an environment may override.
 */

const DB_USER = "argo";
const DB_NAME = "argodb";
const DB_PASSWORD = "postgres-password";

/** Why ARGO's database and cache accept plaintext: their clients cannot connect any other way. */
export const ARGO_DATABASE_PLAINTEXT_REASON = "the ARGO APIs connect with sslmode=disable (fixed in their code)";
export const ARGO_CACHE_PLAINTEXT_REASON = "the query API's memcached client speaks plain text";

// Every 3 s: a replaced instance is seen healthy within seconds (start periods keep slow starts from counting as failures).
const http = (port: string, path: string): HealthCheck => ({ type: "http", port, path, intervalSec: 3, timeoutSec: 2 });

const databaseClientEnv = {
  POSTGRES_HOST: hostOf("postgres", "postgres"),
  POSTGRES_PORT: portOf("postgres", "postgres"),
  POSTGRES_USER: DB_USER,
  POSTGRES_DB: DB_NAME,
};

/** A React single-page app on the upstream nginx image. */
function spaSite(name: string, repository: string, served: string, replicas: number): ServiceSpec {
  return {
    name,
    description: `React single-page app on nginx, ${served}.`,
    image: { repository, tag: "v1.0" },
    ports: [{ name: "http", containerPort: 80, protocol: "http" }],
    healthCheck: http("http", "/"),
    resources: { cpuMillicores: 100, memoryMiB: 64 },
    placement: { kind: "replicated", replicas },
    zones: ["sites", "apis"],
    securityExceptions: {
      runsAsRoot: "the nginx base image binds port 80 and starts as root before dropping to the nginx user",
      writableRootFs: "nginx writes its pid file and caches under /var/cache/nginx and /run",
    },
  };
}

/** How long each store keeps what it collects (stated explicitly on every platform). */
export const PROMETHEUS_RETENTION_DAYS = 15;
export const LOKI_RETENTION_HOURS = 168;

/** The query API's own families (base/query-api/main.go of the thesis' repository). */
const HTTP_REQUESTS = { name: "http_requests_total", type: "counter", labels: ["path", "method", "status"] } as const;
const HTTP_DURATION = { name: "http_request_duration_seconds", type: "histogram", labels: ["path", "method"] } as const;

/** A single writer on a persistent volume must stop before its replacement starts. */
const STATEFUL_UPDATE = { order: "stop-first" } as const;

const services: ServiceSpec[] = [
  {
    name: "query-api",
    description: "Resolves IP addresses to domains and back; caches in memcached; exposes Prometheus metrics.",
    image: { repository: "cadeke/argo-q-api", tag: "v1.0" },
    // The image's own CMD (WORKDIR /app), stated so platforms can wrap it.
    command: ["/app/query-api"],
    ports: [{ name: "http", containerPort: 8080, protocol: "http" }],
    env: {
      ...databaseClientEnv,
      MEMCACHED_HOST: hostOf("memcached", "memcached"),
      MEMCACHED_PORT: portOf("memcached", "memcached"),
    },
    secretEnv: { POSTGRES_PASSWORD: secretRef("postgres-password") },
    healthCheck: http("http", "/health"),
    resources: { cpuMillicores: 250, memoryMiB: 128 },
    placement: { kind: "replicated", replicas: 2 },
    autoscaling: { minReplicas: 2, maxReplicas: 6, targetCpuPercent: 70 },
    zones: ["apis", "dbs"],
    talksTo: [
      { service: "postgres", port: "postgres" },
      { service: "memcached", port: "memcached" },
    ],
    // From the query API's code: a counter and a histogram per path and method; the status label is the
    // response code as text ("200", "400", "404").
    metrics: { port: "http", path: "/metrics", families: [HTTP_REQUESTS, HTTP_DURATION] },
  },
  {
    name: "admin-api",
    description: "Adds, updates, deletes and lists records. Has no authentication: routed for admin CIDRs only.",
    image: { repository: "cadeke/argo-a-api", tag: "v1.0" },
    command: ["/app/admin-api"],
    ports: [{ name: "http", containerPort: 8080, protocol: "http" }],
    env: databaseClientEnv,
    secretEnv: { POSTGRES_PASSWORD: secretRef("postgres-password") },
    healthCheck: http("http", "/health"),
    resources: { cpuMillicores: 250, memoryMiB: 128 },
    placement: { kind: "replicated", replicas: 1 },
    zones: ["apis", "dbs"],
    talksTo: [{ service: "postgres", port: "postgres" }],
  },
  spaSite("query-site", "cadeke/argo-q-site", "served under /query/; calls the query API same-origin", 2),
  spaSite("admin-site", "cadeke/argo-a-site", "served under /admin/; calls the admin API same-origin", 1),
  {
    name: "ot-app",
    description: "Operational-traffic generator: calls the query API once a second (v1.2 crashes at start).",
    image: { repository: "cadeke/argo-ot-app", tag: "v1.1" },
    ports: [],
    // The thesis' manifests set QUERY_HOST/QUERY_PORT, which the code never reads.
    env: { API_HOST: hostOf("query-api", "http"), API_PORT: portOf("query-api", "http") },
    healthCheckExemption:
      "listens on no port: it is a client of the query API, so its liveness is the process itself, which the platform restarts when it exits",
    resources: { cpuMillicores: 100, memoryMiB: 32 },
    placement: { kind: "replicated", replicas: 2 },
    zones: ["apis"],
    talksTo: [{ service: "query-api", port: "http" }],
    // Judged by its process alone, it is healthy 10 s (minHealthySec) after it starts, so a 30 s healthy deadline
    // still leaves a slow container start 20 s, while a release that crash-loops fails within 30 s however long
    // its 5 restarts take on a loaded node (they took 29-50 s on the e2e cluster), and is rolled back.
    update: { parallelism: 1, order: "start-first", delaySec: 10, autoRollback: true, healthyDeadlineSec: 30 },
  },
  {
    name: "postgres",
    description: "PostgreSQL holding the argodb database.",
    image: { repository: "postgres", tag: "16.4" },
    ports: [{ name: "postgres", containerPort: 5432, protocol: "tcp" }],
    env: { POSTGRES_USER: DB_USER, POSTGRES_DB: DB_NAME, PGDATA: "/var/lib/postgresql/data/pgdata" },
    secretEnv: { POSTGRES_PASSWORD: secretRef(DB_PASSWORD) },
    secretFiles: { POSTGRES_PASSWORD: "POSTGRES_PASSWORD_FILE" },
    provides: {
      kind: "postgres-database",
      port: "postgres",
      databaseName: DB_NAME,
      user: DB_USER,
      passwordSecret: DB_PASSWORD,
      clientTls: { supported: false, reason: ARGO_DATABASE_PLAINTEXT_REASON },
    },
    healthCheck: {
      type: "command",
      command: ["pg_isready", "-U", DB_USER, "-d", DB_NAME],
      intervalSec: 3,
      timeoutSec: 2,
    },
    resources: { cpuMillicores: 1000, memoryMiB: 1024 },
    placement: { kind: "replicated", replicas: 1 },
    zones: ["dbs"],
    volumes: [{ kind: "persistent", name: "postgres-data", mountPath: "/var/lib/postgresql/data" }],
    update: STATEFUL_UPDATE,
    securityExceptions: {
      runsAsRoot: "the entrypoint fixes data directory ownership as root, then runs postgres as the postgres user",
      writableRootFs: "initdb and the entrypoint write to /var/run/postgresql",
    },
  },
  {
    name: "memcached",
    description: "Cache for the query API (keys live 60 s), 64 MB.",
    // Debian based: bash for the TCP check, no wget.
    image: { repository: "memcached", tag: "1.6.32", probeTool: "bash" },
    args: ["-m", "64"],
    ports: [{ name: "memcached", containerPort: 11211, protocol: "tcp" }],
    provides: {
      kind: "memcached-cache",
      port: "memcached",
      clientTls: { supported: false, reason: ARGO_CACHE_PLAINTEXT_REASON },
    },
    healthCheck: { type: "tcp", port: "memcached", intervalSec: 3, timeoutSec: 2 },
    resources: { cpuMillicores: 250, memoryMiB: 128 },
    placement: { kind: "replicated", replicas: 1 },
    zones: ["dbs"],
  },
  {
    name: "prometheus",
    description: "Metrics: discovers and scrapes every instance of every service that exposes metrics.",
    image: { repository: "prom/prometheus", tag: "v2.54.1" },
    // The image's default arguments, plus the retention stated explicitly.
    args: [
      "--config.file=/etc/prometheus/prometheus.yml",
      "--storage.tsdb.path=/prometheus",
      `--storage.tsdb.retention.time=${PROMETHEUS_RETENTION_DAYS}d`,
    ],
    ports: [{ name: "http", containerPort: 9090, protocol: "http" }],
    healthCheck: http("http", "/-/healthy"),
    resources: { cpuMillicores: 500, memoryMiB: 1024 },
    placement: { kind: "replicated", replicas: 1 },
    zones: ["apis", "monitoring"],
    talksTo: [
      { service: "query-api", port: "http", kind: "scrape" },
      { service: "cadvisor", port: "http", kind: "scrape" },
      { service: "node-exporter", port: "metrics", kind: "scrape" },
      { service: "postgres-exporter", port: "metrics", kind: "scrape" },
      { service: "alertmanager", port: "http", kind: "scrape" },
      { service: "loki", port: "http", kind: "scrape" },
      { service: "alloy", port: "http", kind: "scrape" },
      { service: "alertmanager", port: "http" },
    ],
    volumes: [{ kind: "persistent", name: "prometheus-data", mountPath: "/prometheus", ownerUid: 65534 }],
    metrics: {
      port: "http",
      path: "/metrics",
      families: [
        { name: "prometheus_rule_evaluation_failures_total", type: "counter", labels: ["rule_group"] },
        { name: "prometheus_tsdb_head_series", type: "gauge", labels: [] },
      ],
    },
    collectsMetrics: {
      configFile: "/etc/prometheus/prometheus.yml",
      rulesFile: "/etc/prometheus/alert-rules.yml",
      retentionDays: PROMETHEUS_RETENTION_DAYS,
    },
    update: STATEFUL_UPDATE,
  },
  {
    name: "grafana",
    description: "Dashboards, served under /grafana/; admin password is a generated secret.",
    image: { repository: "grafana/grafana", tag: "11.2.0" },
    ports: [{ name: "http", containerPort: 3000, protocol: "http" }],
    env: {
      GF_SECURITY_ADMIN_USER: "admin",
      GF_SERVER_ROOT_URL: "%(protocol)s://%(domain)s/grafana/",
      GF_SERVER_SERVE_FROM_SUB_PATH: "true",
      GF_USERS_ALLOW_SIGN_UP: "false",
      GF_ANALYTICS_REPORTING_ENABLED: "false",
    },
    secretEnv: { GF_SECURITY_ADMIN_PASSWORD: secretRef("grafana-admin-password") },
    secretFiles: { GF_SECURITY_ADMIN_PASSWORD: "GF_SECURITY_ADMIN_PASSWORD__FILE" },
    healthCheck: http("http", "/api/health"),
    resources: { cpuMillicores: 250, memoryMiB: 256 },
    placement: { kind: "replicated", replicas: 1 },
    zones: ["monitoring"],
    talksTo: [
      { service: "prometheus", port: "http" },
      { service: "loki", port: "http" },
    ],
    volumes: [{ kind: "persistent", name: "grafana-data", mountPath: "/var/lib/grafana", ownerUid: 472 }],
    dashboards: { provisioningDir: "/etc/grafana/provisioning", dashboardsDir: "/etc/grafana/dashboards" },
    update: STATEFUL_UPDATE,
  },
  {
    name: "cadvisor",
    description: "Container metrics of every node.",
    image: { repository: "gcr.io/cadvisor/cadvisor", tag: "v0.49.1" },
    ports: [{ name: "http", containerPort: 8080, protocol: "http" }],
    healthCheck: http("http", "/healthz"),
    resources: { cpuMillicores: 200, memoryMiB: 256 },
    placement: { kind: "per-node" },
    zones: ["monitoring"],
    volumes: [
      { kind: "host", name: "rootfs", hostPath: "/", mountPath: "/rootfs" },
      {
        kind: "host",
        name: "docker-socket",
        hostPath: "/var/run/docker.sock",
        mountPath: "/var/run/docker.sock",
        // cAdvisor's Docker factory: engine info and version, each container's inspect (names, labels, image),
        // the image list for its /docker page.
        dockerApi: { access: "read", resources: ["system", "containers", "images"], endpointFlag: "--docker" },
      },
      { kind: "host", name: "sys", hostPath: "/sys", mountPath: "/sys" },
      { kind: "host", name: "docker-data", hostPath: "/var/lib/docker", mountPath: "/var/lib/docker" },
    ],
    // Every container's Docker labels are exported too, as container_label_<label> (e.g. the Swarm service name).
    metrics: {
      port: "http",
      path: "/metrics",
      families: [
        { name: "container_cpu_usage_seconds_total", type: "counter", labels: ["id", "name", "image", "cpu"] },
        { name: "container_memory_working_set_bytes", type: "gauge", labels: ["id", "name", "image"] },
        { name: "container_last_seen", type: "gauge", labels: ["id", "name", "image"] },
      ],
    },
    securityExceptions: { runsAsRoot: "reads the Docker socket and cgroup files of every container on the node" },
  },
  {
    name: "node-exporter",
    description: "Host metrics of every node.",
    image: { repository: "prom/node-exporter", tag: "v1.8.2" },
    args: ["--path.procfs=/host/proc", "--path.sysfs=/host/sys", "--path.rootfs=/rootfs"],
    ports: [{ name: "metrics", containerPort: 9100, protocol: "http" }],
    healthCheck: http("metrics", "/"),
    resources: { cpuMillicores: 100, memoryMiB: 64 },
    placement: { kind: "per-node" },
    zones: ["monitoring"],
    volumes: [
      { kind: "host", name: "proc", hostPath: "/proc", mountPath: "/host/proc" },
      { kind: "host", name: "sys", hostPath: "/sys", mountPath: "/host/sys" },
      { kind: "host", name: "rootfs", hostPath: "/", mountPath: "/rootfs" },
    ],
    metrics: {
      port: "metrics",
      path: "/metrics",
      families: [
        { name: "node_cpu_seconds_total", type: "counter", labels: ["cpu", "mode"] },
        { name: "node_memory_MemAvailable_bytes", type: "gauge", labels: [] },
        { name: "node_memory_MemTotal_bytes", type: "gauge", labels: [] },
        { name: "node_filesystem_avail_bytes", type: "gauge", labels: ["device", "fstype", "mountpoint"] },
        { name: "node_filesystem_size_bytes", type: "gauge", labels: ["device", "fstype", "mountpoint"] },
      ],
    },
  },
  {
    name: "postgres-exporter",
    description: "PostgreSQL metrics; its connection string carries the database password.",
    image: { repository: "prometheuscommunity/postgres-exporter", tag: "v0.15.0" },
    command: ["/bin/postgres_exporter"],
    ports: [{ name: "metrics", containerPort: 9187, protocol: "http" }],
    secretEnv: {
      DATA_SOURCE_NAME: [
        `postgresql://${DB_USER}:`,
        secretRef("postgres-password"),
        "@",
        hostPortOf("postgres", "postgres"),
        `/${DB_NAME}?sslmode=disable`,
      ],
    },
    healthCheck: http("metrics", "/"),
    resources: { cpuMillicores: 100, memoryMiB: 64 },
    placement: { kind: "replicated", replicas: 1 },
    zones: ["monitoring", "dbs"],
    talksTo: [{ service: "postgres", port: "postgres" }],
    metrics: {
      port: "metrics",
      path: "/metrics",
      families: [
        // 1 while the exporter can reach the database, 0 when it cannot.
        { name: "pg_up", type: "gauge", labels: [] },
        { name: "pg_stat_database_numbackends", type: "gauge", labels: ["datid", "datname"] },
      ],
    },
  },
  {
    name: "alertmanager",
    description: "Receives the alerts Prometheus evaluates from the model's rules, groups and routes them.",
    image: { repository: "prom/alertmanager", tag: "v0.27.0" },
    args: ["--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager"],
    ports: [{ name: "http", containerPort: 9093, protocol: "http" }],
    healthCheck: http("http", "/-/healthy"),
    resources: { cpuMillicores: 100, memoryMiB: 64 },
    placement: { kind: "replicated", replicas: 1 },
    zones: ["monitoring"],
    // Silences and the notification log; losing them on a restart re-sends open notifications at worst.
    volumes: [{ kind: "ephemeral", name: "alertmanager-data", mountPath: "/alertmanager" }],
    metrics: {
      port: "http",
      path: "/metrics",
      families: [
        { name: "alertmanager_notifications_failed_total", type: "counter", labels: ["integration"] },
        { name: "alertmanager_alerts", type: "gauge", labels: ["state"] },
      ],
    },
    receivesAlerts: { configFile: "/etc/alertmanager/alertmanager.yml" },
  },
  {
    name: "loki",
    description: "Central log store: every container's logs, labelled with their service, kept for a week.",
    image: { repository: "grafana/loki", tag: "3.2.1" },
    args: ["-config.file=/etc/loki/loki.yaml"],
    ports: [{ name: "http", containerPort: 3100, protocol: "http" }],
    healthCheck: http("http", "/ready"),
    resources: { cpuMillicores: 250, memoryMiB: 256 },
    placement: { kind: "replicated", replicas: 1 },
    zones: ["monitoring"],
    volumes: [{ kind: "persistent", name: "loki-data", mountPath: "/loki", ownerUid: 10001 }],
    update: STATEFUL_UPDATE,
    metrics: {
      port: "http",
      path: "/metrics",
      families: [{ name: "loki_distributor_lines_received_total", type: "counter", labels: ["tenant"] }],
    },
    storesLogs: { configFile: "/etc/loki/loki.yaml", retentionHours: LOKI_RETENTION_HOURS },
  },
  {
    name: "alloy",
    description:
      "Log collector on every node: reads each container's logs and ships them to Loki with a service label.",
    // Ubuntu based: no wget or curl, but bash.
    image: { repository: "grafana/alloy", tag: "v1.4.3", probeTool: "bash" },
    args: [
      "run",
      "/etc/alloy/config.alloy",
      "--server.http.listen-addr=0.0.0.0:12345",
      "--storage.path=/var/lib/alloy/data",
    ],
    ports: [{ name: "http", containerPort: 12345, protocol: "http" }],
    healthCheck: http("http", "/-/ready"),
    resources: { cpuMillicores: 100, memoryMiB: 128 },
    placement: { kind: "per-node" },
    zones: ["monitoring"],
    talksTo: [{ service: "loki", port: "http" }],
    volumes: [
      {
        kind: "host",
        name: "docker-socket",
        hostPath: "/var/run/docker.sock",
        mountPath: "/var/run/docker.sock",
        // discovery.docker lists containers and networks; loki.source.docker inspects each and follows its logs.
        dockerApi: { access: "read", resources: ["system", "containers", "container-logs", "networks"] },
      },
      // Read positions: a restarted container resumes where it stopped instead of re-sending what it shipped.
      { kind: "ephemeral", name: "alloy-data", mountPath: "/var/lib/alloy/data" },
    ],
    metrics: {
      port: "http",
      path: "/metrics",
      families: [
        { name: "loki_write_sent_entries_total", type: "counter", labels: ["host"] },
        { name: "loki_write_dropped_entries_total", type: "counter", labels: ["host"] },
      ],
    },
    collectsLogs: { configFile: "/etc/alloy/config.alloy" },
    securityExceptions: { runsAsRoot: "reads the node's Docker socket to find containers and follow their logs" },
  },
  {
    name: "gitlab",
    description: "Self-hosted GitLab CE for the application's CI/CD (optional); served under /gitlab/ to admins.",
    image: { repository: "gitlab/gitlab-ce", tag: "17.3.1-ce.0" },
    ports: [
      { name: "http", containerPort: 8929, protocol: "http" },
      { name: "ssh", containerPort: 22, protocol: "tcp" },
    ],
    env: {
      GITLAB_OMNIBUS_CONFIG:
        "nginx['listen_port'] = 8929; nginx['listen_https'] = false; gitlab_rails['gitlab_shell_ssh_port'] = 2224",
    },
    healthCheck: {
      type: "command",
      command: ["/opt/gitlab/bin/gitlab-healthcheck", "--fail", "--max-time", "10"],
      intervalSec: 60,
      timeoutSec: 30,
    },
    resources: { cpuMillicores: 2000, memoryMiB: 4096 },
    placement: { kind: "replicated", replicas: 1 },
    zones: ["ci"],
    volumes: [
      { kind: "persistent", name: "gitlab-config", mountPath: "/etc/gitlab" },
      { kind: "persistent", name: "gitlab-logs", mountPath: "/var/log/gitlab" },
      { kind: "persistent", name: "gitlab-data", mountPath: "/var/opt/gitlab" },
    ],
    update: { ...STATEFUL_UPDATE, healthyDeadlineSec: 600, progressDeadlineSec: 900 },
    optional: true,
    securityExceptions: {
      runsAsRoot: "omnibus GitLab runs its own init system as root",
      writableRootFs: "omnibus reconfigures itself at start",
    },
  },
  {
    name: "gitlab-runner",
    description: "GitLab CI runners using the node's Docker engine (optional).",
    image: { repository: "gitlab/gitlab-runner", tag: "v17.3.1" },
    ports: [],
    healthCheckExemption: "listens on no port: it polls GitLab for jobs, so its liveness is the process itself",
    resources: { cpuMillicores: 500, memoryMiB: 512 },
    placement: { kind: "replicated", replicas: 2 },
    zones: ["ci"],
    talksTo: [{ service: "gitlab", port: "http" }],
    volumes: [
      {
        kind: "host",
        name: "docker-socket",
        hostPath: "/var/run/docker.sock",
        mountPath: "/var/run/docker.sock",
        dockerApi: { access: "full", reason: "creates, runs and removes the CI jobs' containers" },
      },
      { kind: "ephemeral", name: "runner-config", mountPath: "/etc/gitlab-runner" },
    ],
    optional: true,
    securityExceptions: { runsAsRoot: "drives the node's Docker engine to run CI jobs" },
  },
  {
    name: "debug",
    description: "A shell (netshoot) inside the monitoring zone for network tests (optional).",
    image: { repository: "nicolaka/netshoot", tag: "v0.13" },
    command: ["sleep", "infinity"],
    ports: [],
    healthCheckExemption: "an idle shell that listens on no port; it is alive while sleep runs",
    resources: { cpuMillicores: 100, memoryMiB: 64 },
    placement: { kind: "replicated", replicas: 1 },
    zones: ["monitoring"],
    talksTo: [
      { service: "prometheus", port: "http" },
      { service: "grafana", port: "http" },
      { service: "postgres-exporter", port: "metrics" },
    ],
    optional: true,
  },
];

export const ARGO: Application = {
  name: "argo",
  zones: [
    { name: "sites", description: "The web front ends.", subnet: "192.168.0.0/18" },
    { name: "apis", description: "The APIs and their clients.", subnet: "192.168.64.0/18" },
    {
      name: "dbs",
      description: "Database and cache, reachable only from the APIs and the exporter.",
      subnet: "192.168.128.0/18",
      holdsData: true,
    },
    { name: "monitoring", description: "Metrics, alerts, logs and dashboards.", subnet: "192.168.192.0/18" },
    // The thesis attached GitLab to a network it never defined ("argo-backend").
    { name: "ci", description: "GitLab and its runners (optional).", subnet: "10.129.0.0/18" },
  ],
  services,
  routes: [
    { pathPrefix: "/query/", service: "query-site", port: "http" },
    // The admin site is only useful with the admin API behind it, so it is restricted the same way.
    { pathPrefix: "/admin/", service: "admin-site", port: "http", adminOnly: true },
    { pathPrefix: "/api/ip2domain", service: "query-api", port: "http" },
    { pathPrefix: "/api/domain2ip", service: "query-api", port: "http" },
    { pathPrefix: "/api/get", service: "admin-api", port: "http", adminOnly: true },
    { pathPrefix: "/api/list", service: "admin-api", port: "http", adminOnly: true },
    { pathPrefix: "/api/add", service: "admin-api", port: "http", adminOnly: true },
    { pathPrefix: "/api/delete", service: "admin-api", port: "http", adminOnly: true },
    { pathPrefix: "/api/update", service: "admin-api", port: "http", adminOnly: true },
    // Grafana's own login would be its only guard on a public entrypoint (and its dashboards show the whole
    // platform): admin-only unless an environment serves it to everyone (selection.publicRoutes) with a reason.
    { pathPrefix: "/grafana/", service: "grafana", port: "http", adminOnly: true },
    { pathPrefix: "/gitlab/", service: "gitlab", port: "http", adminOnly: true },
  ],
  secrets: [
    {
      name: "postgres-password",
      description: "Password of the argo database user.",
      source: { kind: "generate", length: 32 },
    },
    {
      name: "grafana-admin-password",
      description: "Password of Grafana's admin user.",
      source: { kind: "generate", length: 32 },
    },
  ],
};
