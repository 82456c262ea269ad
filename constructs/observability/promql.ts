import type { Application } from "../model";

/**
 * Just enough of PromQL to check what the model generates: balanced brackets, and which metric names an
 * expression reads (so alerts and dashboards can be held to the metric families the model declares).
 */

/** PromQL functions and aggregation operators that may appear before `(`. */
export const PROMQL_FUNCTIONS = new Set([
  "abs",
  "absent",
  "absent_over_time",
  "avg",
  "avg_over_time",
  "bottomk",
  "ceil",
  "changes",
  "clamp",
  "clamp_max",
  "clamp_min",
  "count",
  "count_over_time",
  "count_values",
  "delta",
  "deriv",
  "floor",
  "group",
  "histogram_quantile",
  "idelta",
  "increase",
  "irate",
  "label_replace",
  "last_over_time",
  "max",
  "max_over_time",
  "min",
  "min_over_time",
  "predict_linear",
  "quantile",
  "quantile_over_time",
  "rate",
  "resets",
  "round",
  "scalar",
  "sort",
  "sort_desc",
  "stddev",
  "sum",
  "sum_over_time",
  "time",
  "timestamp",
  "topk",
  "vector",
]);
const LABEL_LIST_KEYWORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right"]);
const OPERATOR_KEYWORDS = new Set(["and", "or", "unless", "bool", "offset", "inf", "nan"]);

/** Metrics every Prometheus target has without its exporter declaring them. */
export const SYNTHETIC_METRICS = new Set(["up", "scrape_duration_seconds", "scrape_samples_scraped"]);

/** True when every (, [ and { is closed in order, outside string literals. */
export function isBalanced(expr: string): boolean {
  const closing: Record<string, string> = { "(": ")", "[": "]", "{": "}" };
  const stack: string[] = [];
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i];
    if (c === '"' || c === "'" || c === "`") {
      i = endOfString(expr, i);
      if (i < 0) return false;
    } else if (closing[c]) {
      stack.push(closing[c]);
    } else if (c === ")" || c === "]" || c === "}") {
      if (stack.pop() !== c) return false;
    }
  }
  return stack.length === 0;
}

function endOfString(expr: string, start: number): number {
  const quote = expr[start];
  for (let i = start + 1; i < expr.length; i++) {
    if (expr[i] === "\\" && quote !== "`") i++;
    else if (expr[i] === quote) return i;
  }
  return -1;
}

export interface ExpressionNames {
  /** Metric names the expression selects. */
  readonly metrics: readonly string[];
  /** Names called as functions or aggregations. */
  readonly functions: readonly string[];
}

/** The metric and function names of an expression (label names, durations and strings skipped). */
export function namesIn(expr: string): ExpressionNames {
  const metrics: string[] = [];
  const functions: string[] = [];
  const parens: ("labels" | "expr")[] = [];
  let labelListNext = false;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i];
    if (c === '"' || c === "'" || c === "`") {
      i = endOfString(expr, i);
      if (i < 0) break;
    } else if (c === "{" || c === "[") {
      // Label matchers and range/subquery durations: nothing in them is a metric name.
      const close = c === "{" ? "}" : "]";
      for (i++; i < expr.length && expr[i] !== close; i++) {
        if (expr[i] === '"' || expr[i] === "'" || expr[i] === "`") i = endOfString(expr, i);
        if (i < 0) return { metrics, functions };
      }
    } else if (c === "(") {
      parens.push(labelListNext ? "labels" : "expr");
      labelListNext = false;
    } else if (c === ")") {
      parens.pop();
    } else if (/[0-9.]/.test(c)) {
      const match = /^[0-9]*\.?[0-9]+(e[-+]?[0-9]+)?[a-z]*/i.exec(expr.slice(i));
      if (match) i += match[0].length - 1;
    } else if (/[a-zA-Z_:]/.test(c)) {
      const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(expr.slice(i))![0];
      i += name.length - 1;
      if (parens[parens.length - 1] === "labels") continue;
      if (LABEL_LIST_KEYWORDS.has(name)) {
        labelListNext = true;
        continue;
      }
      if (OPERATOR_KEYWORDS.has(name.toLowerCase())) continue;
      const rest = expr.slice(i + 1).trimStart();
      // An aggregation may put its grouping first: `sum by (job) (...)`.
      if (rest.startsWith("(") || /^(by|without)\s*\(/.test(rest)) functions.push(name);
      else metrics.push(name);
    }
  }
  return { metrics, functions };
}

/** Every series name the application's declared families produce, plus Prometheus' synthetic ones. */
export function declaredSeries(app: Application): Set<string> {
  const names = new Set(SYNTHETIC_METRICS);
  for (const service of app.services) {
    for (const family of service.metrics?.families ?? []) {
      names.add(family.name);
      if (family.type === "histogram")
        for (const suffix of ["_bucket", "_sum", "_count"]) names.add(family.name + suffix);
      if (family.type === "summary") for (const suffix of ["_sum", "_count"]) names.add(family.name + suffix);
    }
  }
  return names;
}

/** Problems of one expression against the declared series: unbalanced, unknown functions, undeclared metrics. */
export function expressionProblems(expr: string, declared: ReadonlySet<string>): string[] {
  if (!isBalanced(expr)) return [`unbalanced brackets in ${expr}`];
  const { metrics, functions } = namesIn(expr);
  return [
    ...functions.filter((f) => !PROMQL_FUNCTIONS.has(f)).map((f) => `unknown function ${f}() in ${expr}`),
    ...metrics.filter((m) => !declared.has(m)).map((m) => `undeclared metric ${m} in ${expr}`),
  ];
}
