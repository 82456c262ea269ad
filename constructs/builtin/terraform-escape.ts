/**
 * Terraform evaluates `${...}` and `%{...}` inside every string of a configuration. Nomad's own interpolation
 * (`${node.class}`, `${NOMAD_HOST_PORT_http}`) must reach Nomad untouched, so literal text is escaped.
 */
export function escapeTerraformTemplate(text: string): string {
  return text.replace(/([$%])\{/g, (_, sigil: string) => `${sigil}${sigil}{`);
}

export function unescapeTerraformTemplate(text: string): string {
  return text.replace(/([$%])\1\{/g, (_, sigil: string) => `${sigil}{`);
}
