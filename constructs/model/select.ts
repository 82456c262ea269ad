import type { AlertReceiver } from "./alert-receivers";
import type { Application, RouteSpec, ServiceSpec } from "./types";

/** What an environment decides about the application it deploys. */
export interface ApplicationSelection {
  /** Optional services to run; every other optional service is left out with its routes. */
  readonly optionalServices: readonly string[];
  /** Replacement subnets by zone name, where the model's ranges clash with the environment's networks. */
  readonly zoneSubnets?: Readonly<Record<string, string>>;
  /** Replacement image tags by service name (e.g. a customer's own release). */
  readonly imageTags?: Readonly<Record<string, string>>;
  /**
   * Content digests (`sha256:...`) by service name, of the image each service runs (with its tag, or the tag of
   * `imageTags`): platforms pull `repository:tag@digest`, so a moved tag cannot change what runs.
   * @default the model's digests, which a replaced tag drops
   */
  readonly imageDigests?: Readonly<Record<string, string>>;
  /**
   * Admin-only routes of the application that this environment serves to every client, by path prefix, each
   * with the reason (e.g. an entrypoint that only a private network reaches).
   * @default none: every route the application marks admin-only stays admin-only
   */
  readonly publicRoutes?: Readonly<Record<string, string>>;
  /**
   * Whom the application's Alertmanager notifies (and, on ECS, the CloudWatch alarms' e-mail subscribers).
   * @default nobody: alerts are shown by Alertmanager and in CloudWatch, and notify no one (the capability
   *   records say so)
   */
  readonly alertReceivers?: readonly AlertReceiver[];
}

/** The application as one environment runs it. Validate the result: a selection can break references. */
export function selectApplication(app: Application, selection: ApplicationSelection): Application {
  const enabled = (s: ServiceSpec) => !s.optional || selection.optionalServices.includes(s.name);
  const services = app.services.filter(enabled).map((service) => {
    const tag = selection.imageTags?.[service.name];
    const digest = selection.imageDigests?.[service.name];
    const tagged = tag === undefined ? service : { ...service, image: { ...service.image, tag, digest: undefined } };
    const pinned = digest === undefined ? tagged : { ...tagged, image: { ...tagged.image, digest } };
    const receivers = selection.alertReceivers;
    return pinned.receivesAlerts && receivers?.length
      ? { ...pinned, receivesAlerts: { ...pinned.receivesAlerts, receivers } }
      : pinned;
  });
  const names = new Set(services.map((s) => s.name));
  return {
    ...app,
    services,
    routes: app.routes
      .filter((route) => names.has(route.service) || !isOptional(app, route.service))
      .map((route) =>
        route.adminOnly && selection.publicRoutes?.[route.pathPrefix] !== undefined ? openRoute(route) : route,
      ),
    zones: app.zones.map((zone) => ({ ...zone, subnet: selection.zoneSubnets?.[zone.name] ?? zone.subnet })),
  };
}

/** The route without its admin-only mark. */
function openRoute(route: RouteSpec): RouteSpec {
  const { adminOnly: _adminOnly, ...open } = route;
  return open;
}

function isOptional(app: Application, service: string): boolean {
  return app.services.some((s) => s.name === service && s.optional === true);
}

/**
 * The application without some services (those a platform cannot run), and without every talks-to pair and
 * route that names them, so that what is generated from it (scrape jobs, alert rules) refers only to what runs.
 */
export function withoutServices(app: Application, names: readonly string[]): Application {
  const gone = new Set(names);
  return {
    ...app,
    services: app.services
      .filter((s) => !gone.has(s.name))
      .map((s) => ({ ...s, talksTo: s.talksTo?.filter((t) => !gone.has(t.service)) })),
    routes: app.routes.filter((r) => !gone.has(r.service)),
  };
}
