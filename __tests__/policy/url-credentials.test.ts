import { embedsUrlCredentials, URL_CREDENTIALS } from "../../constructs/policy/no-literal-secret";

/** A deterministic pseudo-random generator (mulberry32), so a failure names a reproducible input. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("the literal-secret rule's URL check", () => {
  it.each([
    ["postgresql://argo:hunter2@db:5432/argodb", true],
    ["see https://user:pa55@example.com/x", true],
    ["HTTP://U:P@H", true],
    ["git+ssh://deploy:key@host", true],
    ["1+2.3://a:b@c", false],
    ["9://a:b@c", false],
    ["x9://a:b@c", true],
    ["://a:b@c", false],
    ["http://host:8080/path@x", false],
    ["http://user@host", false],
    ["http://:pw@host", false],
    ["http://user:@host", false],
    ["http://us er:pw@host", false],
    ["http:// user:pw@host", false],
    ["redis://x:y@z and ftp://a:b@c", true],
    ["ftp://a/b:c@d http://u:p@h", true],
    ["http:///u:p@h", false],
    ["plain text without a scheme", false],
    ["", false],
  ])("matches %j as the regex does (%s)", (value, expected) => {
    expect(URL_CREDENTIALS.test(value)).toBe(expected);
    expect(embedsUrlCredentials(value)).toBe(expected);
  });

  it("agrees with the regex on 20000 generated near-URLs and strings of the characters that matter", () => {
    const next = random(19);
    const pick = (choices: readonly string[]) => choices[Math.floor(next() * choices.length)];
    // Each part of scheme://user:password@host, right or subtly wrong (about one in sixteen is a match).
    const parts = [
      ["", " ", "x ", "9", "+", "a.b-", "/", "\n", "é", "://"],
      ["http", "h", "9", "a9+.-", "+", "", "Z", "é", "h_t", "-x"],
      ["://", "://", "://", ":/", "//", ": //"],
      ["u", "u", "", "us er", "u/x", "u@", "é", "\t"],
      [":", ":", "", "::"],
      ["p", "p", "", "p/q", "p q", "p:q", "@"],
      ["@", "@", "", "/@"],
      ["", "h", "/x", " y", "://a:b@", "@"],
    ];
    const characters = ["h", "Z", "9", "+", ".", "-", "_", "é", ":", "/", "@", " ", "\n", "://", "u", "p"];
    let matches = 0;
    for (let i = 0; i < 20000; i++) {
      const value =
        i % 2 === 0
          ? parts.map(pick).join("")
          : Array.from({ length: Math.floor(next() * 24) }, () => pick(characters)).join("");
      const expected = URL_CREDENTIALS.test(value);
      if (embedsUrlCredentials(value) !== expected)
        throw new Error(`disagrees with the regex on ${JSON.stringify(value)}`);
      if (expected) matches++;
    }
    expect(matches).toBeGreaterThan(500);
  });
});
