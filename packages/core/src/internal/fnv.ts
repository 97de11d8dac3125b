/** FNV-1a's 32-bit offset basis: the start of every FNV hash in the project. */
export const FNV_OFFSET_32 = 0x811c9dc5;
/** FNV-1a's 32-bit prime, for loops that hash as they scan (`h = Math.imul(h ^ c, FNV_PRIME_32)`). */
export const FNV_PRIME_32 = 0x01000193;

/** FNV-1a over a string's UTF-16 code units, as an unsigned 32-bit integer. */
export function fnv1a32(s: string): number {
  let h = FNV_OFFSET_32;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME_32);
  return h >>> 0;
}
