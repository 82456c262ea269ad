/**
 * Relative links in the README and docs/: every target file exists, and every `#anchor` names a heading of its
 * target (as GitHub renders it). Used by __tests__/doc-links.test.ts.
 */
import * as fs from "fs";
import * as path from "path";

export const REPO_ROOT = path.resolve(__dirname, "..");

/** README.md and every Markdown file under docs/, relative to the repository root. */
export function markdownFiles(root: string = REPO_ROOT): string[] {
  const found = ["README.md"];
  const walk = (dir: string): void => {
    for (const entry of fs
      .readdirSync(path.join(root, dir), { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name))) {
      const rel = path.posix.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith(".md")) found.push(rel);
    }
  };
  if (fs.existsSync(path.join(root, "docs"))) walk("docs");
  return found;
}

export interface Link {
  readonly line: number;
  readonly target: string;
}

/** Lines outside fenced code blocks, with inline code spans blanked (neither holds links). */
function proseLines(markdown: string): { line: number; text: string }[] {
  const lines: { line: number; text: string }[] = [];
  let fence: string | undefined;
  markdown.split("\n").forEach((text, i) => {
    const opening = /^\s*(```|~~~)/.exec(text);
    if (opening) {
      if (!fence) fence = opening[1];
      else if (opening[1] === fence) fence = undefined;
      return;
    }
    if (!fence) lines.push({ line: i + 1, text: text.replace(/`[^`]*`/g, (code) => " ".repeat(code.length)) });
  });
  return lines;
}

/** Inline links and images, `[text](target "title")`. */
export function linksOf(markdown: string): Link[] {
  return proseLines(markdown).flatMap(({ line, text }) =>
    [...text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => ({ line, target: m[1] })),
  );
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens; repeats get -1, -2, ... */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { text } of proseLines(markdown.replace(/`([^`]*)`/g, "$1"))) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(text);
    if (!heading) continue;
    const base = heading[1]
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** Every relative link of `files` whose file or heading does not exist, as `file:line: target: why`. */
export function brokenLinks(root: string = REPO_ROOT, files: readonly string[] = markdownFiles(root)): string[] {
  const problems: string[] = [];
  const anchorCache = new Map<string, Set<string>>();
  const anchorsIn = (file: string): Set<string> => {
    if (!anchorCache.has(file)) anchorCache.set(file, anchorsOf(fs.readFileSync(path.join(root, file), "utf8")));
    return anchorCache.get(file)!;
  };
  for (const file of files) {
    for (const { line, target } of linksOf(fs.readFileSync(path.join(root, file), "utf8"))) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: ...: not a file of this repository
      const [pathPart, anchor] = target.split("#", 2) as [string, string | undefined];
      const resolved = pathPart ? path.posix.normalize(path.posix.join(path.posix.dirname(file), pathPart)) : file;
      const where = `${file}:${line}: ${target}`;
      if (resolved.startsWith("../") || !fs.existsSync(path.join(root, resolved))) {
        problems.push(`${where}: ${resolved} does not exist`);
        continue;
      }
      if (anchor === undefined || !resolved.endsWith(".md")) continue;
      if (!anchorsIn(resolved).has(decodeURIComponent(anchor)))
        problems.push(`${where}: ${resolved} has no heading with the anchor #${anchor}`);
    }
  }
  return problems;
}
