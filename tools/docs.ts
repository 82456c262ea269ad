import * as fs from "fs";
import * as path from "path";
import { selectApplication } from "../constructs/model";
import { ALL_RULES } from "../constructs/policy";
import { ENVIRONMENTS } from "../environments";
import { collectRecords, matrixMarkdown, matrixTable } from "./capability-matrix";
import { diagramsMarkdown } from "./diagrams";
import { policyMarkdown } from "./policy-page";

/** The application the docs compare platforms for. */
const APPLICATION = "argo";
export const DOCS_DIR = path.resolve(__dirname, "..", "docs");

export interface GeneratedDocs {
  /** Markdown files under docs/, by name. */
  readonly files: Readonly<Record<string, string>>;
  /** The capability matrix for a terminal. */
  readonly table: string;
}

/** Every generated document, from the built-in environments that run the compared application. */
export function generateDocs(): GeneratedDocs {
  const environments = ENVIRONMENTS.filter((env) => env.application.name === APPLICATION);
  const stacks = collectRecords(environments);
  const app = environments[0].application;
  const routes = new Map(
    environments.map((env) => [env.name, selectApplication(env.application, env.selection).routes]),
  );
  return {
    files: {
      "capabilities.md": matrixMarkdown(app.name, stacks),
      "diagrams.md": diagramsMarkdown(app, stacks, (stack) => routes.get(stack.environment) ?? app.routes),
      "policy.md": policyMarkdown(ALL_RULES),
    },
    table: matrixTable(stacks),
  };
}

if (require.main === module) {
  const docs = generateDocs();
  if (process.argv.includes("--print")) {
    console.log(docs.table);
  } else {
    fs.mkdirSync(DOCS_DIR, { recursive: true });
    for (const [name, content] of Object.entries(docs.files)) fs.writeFileSync(path.join(DOCS_DIR, name), content);
    console.log(
      `Wrote ${Object.keys(docs.files)
        .map((n) => `docs/${n}`)
        .join(", ")}`,
    );
  }
}
