import type { PolicyRule } from "./rule";
import { workloadsOf } from "./workloads";

/** Splits `repo[:tag][@digest]`, minding registry ports (`host:5000/repo`). */
export function imageTag(image: string): { tag?: string; digest?: string } {
  const [name, digest] = image.split("@");
  const lastSegment = name.split("/").pop() ?? "";
  const colon = lastSegment.lastIndexOf(":");
  return { tag: colon >= 0 ? lastSegment.slice(colon + 1) : undefined, digest };
}

export const imageTagPinned: PolicyRule = {
  id: "ARGO-IMAGE-PINNED",
  explanation:
    "images run by a fixed tag (or digest), never `latest` or no tag, so a deploy is repeatable and a rollback means something",
  level: "error",
  scannerIds: ["CKV_DOCKER_7", "CKV_K8S_14"],
  check(node) {
    return workloadsOf(node).flatMap((w) => {
      const { tag, digest } = imageTag(w.image);
      if (digest) return [];
      if (!tag) return [`${w.name} runs image "${w.image}" without a tag`];
      if (tag === "latest") return [`${w.name} runs image "${w.image}" by the moving tag latest`];
      return [];
    });
  },
};
