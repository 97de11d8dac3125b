import type { MathRecord } from "@mathtune/core";
import type { CardInput } from "../card.js";
import type { SplitName } from "../recipe.js";

/**
 * The dataset card's facets: source x category x difficulty x language. Pass 1 gives each staged
 * record the index of its facet (`index`), pass 2 counts the facet in the split it lands in (`count`).
 */
export class CardFacets {
  private readonly byKey = new Map<string, number>();
  private readonly keys: [source: string, category: string, difficulty: string, lang: string][] = [];
  private readonly splits: Record<SplitName, number>[] = [];

  /** @param sourceNames the recipe's source names, by index. */
  constructor(private readonly sourceNames: readonly string[]) {}

  /** The facet of a record of source `source` (an index into the recipe's sources). */
  index(source: number, r: MathRecord): number {
    const key = `${source}\u001f${r.category ?? "-"}\u001f${r.difficulty ?? "-"}\u001f${r.lang}`;
    let i = this.byKey.get(key);
    if (i === undefined) {
      i = this.keys.length;
      this.byKey.set(key, i);
      this.keys.push([
        this.sourceNames[source]!,
        r.category ?? "-",
        r.difficulty === undefined ? "-" : String(r.difficulty),
        r.lang,
      ]);
      this.splits.push({ train: 0, validation: 0, test: 0 });
    }
    return i;
  }

  /** Counts one record of facet `facet` in `split`. */
  count(facet: number, split: SplitName): void {
    const s = this.splits[facet];
    if (!s) throw new RangeError(`no card facet ${facet} (${this.keys.length} known)`);
    s[split]++;
  }

  /** The facets with their counts per split, in order of first appearance, for `renderCard`. */
  rows(): NonNullable<CardInput["facets"]> {
    return this.keys.map(([source, category, difficulty, lang], i) => ({
      source,
      category,
      difficulty,
      lang,
      splits: this.splits[i]!,
    }));
  }
}
