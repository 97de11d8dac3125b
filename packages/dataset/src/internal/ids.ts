import { type Adapter, type MathRecord, type Rejection, reject } from "@mathtune/core";

/**
 * Id repeats across sources. An adapter's ids are unique within one load (the adapter contract),
 * so only sources that share an adapter can repeat an id: those are checked here, in source order,
 * and a repeat is rejected (E_DUPLICATE_ID) in the later source.
 */
export class SharedIds {
  private readonly shared: Set<string>;
  private readonly seen = new Map<string, Set<string>>();

  constructor(adapters: readonly Adapter[]) {
    const uses = new Map<string, number>();
    for (const a of adapters) uses.set(a.name, (uses.get(a.name) ?? 0) + 1);
    this.shared = new Set([...uses].filter(([, n]) => n > 1).map(([name]) => name));
  }

  /**
   * A checker for one source's records: undefined for a record whose id is new (and now seen),
   * the rejection for a repeat. Undefined when the source's adapter is not shared (nothing to check).
   */
  forSource(adapter: string): ((r: MathRecord) => Rejection | undefined) | undefined {
    if (!this.shared.has(adapter)) return undefined;
    let ids = this.seen.get(adapter);
    if (!ids) this.seen.set(adapter, (ids = new Set()));
    const seen = ids;
    return (r) => {
      if (seen.has(r.id))
        return reject("E_DUPLICATE_ID", `id '${r.id}' was already read from an earlier source of adapter '${adapter}'`);
      seen.add(r.id);
      return undefined;
    };
  }

  /** Frees the ids (after pass 1). */
  clear(): void {
    this.seen.clear();
  }
}
