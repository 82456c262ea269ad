/** The review as text for a terminal or as Markdown for a pull-request comment. */
import { dangers, EDGES, PLATFORM, SECRETS, type Review } from "./review";

export type Format = "text" | "markdown";

const SECTIONS = [EDGES, SECRETS, PLATFORM];

function groups(r: Review): [string, string[]][] {
  const byGroup = new Map<string, string[]>();
  for (const line of r.lines) byGroup.set(line.group, [...(byGroup.get(line.group) ?? []), line.text]);
  const services = [...byGroup.keys()].filter((g) => !SECTIONS.includes(g)).sort();
  return [...services, ...SECTIONS.filter((s) => byGroup.has(s))].map((g) => [g, byGroup.get(g)!]);
}

export function render(r: Review, stack: string, format: Format): string {
  const title =
    r.mode === "drift"
      ? `${stack}: drift (changed on the platform outside Terraform), in the model's words`
      : `${stack}: what this plan changes, in the model's words`;
  const flagged = dangers(r);
  const out: string[] = [];
  const md = format === "markdown";
  out.push(md ? `### ${title}` : title, "");
  if (r.lines.length === 0 && r.other.length === 0) {
    out.push(r.mode === "drift" ? "No drift." : "No changes.");
    return out.join("\n") + "\n";
  }
  if (flagged.length) {
    out.push(md ? `**Dangerous (${flagged.length})**` : `DANGER (${flagged.length}):`);
    for (const d of flagged) out.push(md ? `- :warning: ${d}` : `  ! ${d}`);
    out.push("");
  }
  for (const [group, lines] of groups(r)) {
    const heading = SECTIONS.includes(group) ? group : `service ${group}`;
    out.push(md ? `**${heading}**` : `${heading}:`);
    for (const line of lines) out.push(md ? `- ${line}` : `  ${line}`);
    out.push("");
  }
  if (r.other.length) {
    out.push(md ? `**other resources (${r.other.length})**` : `other resources (${r.other.length}):`);
    for (const o of r.other)
      out.push(md ? `- \`${o.address}\` (${o.actions}): ${o.note}` : `  ${o.address} (${o.actions}): ${o.note}`);
    out.push("");
  }
  out.push(`${r.changedResources} resource change(s) read; ${flagged.length} dangerous.`);
  return out.join("\n") + "\n";
}
