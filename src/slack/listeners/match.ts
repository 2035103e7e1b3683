/** A pattern that matches exactly one of `ids` and nothing else: one Bolt listener for a family of ids. */
export function exactlyOneOf(ids: Iterable<string>): RegExp {
  const escaped = [...new Set(ids)].map((id) => id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^(?:${escaped.join('|')})$`);
}
