// Shared by the manual real-data scripts (not a test): the MATH answer as its loader reads it.
/** Content of the last \boxed{...} (or \boxed x), as the MATH loader extracts it. */
export function lastBoxed(s) {
  const i = s.lastIndexOf("\\boxed");
  if (i < 0) return undefined;
  let j = i + 6;
  while (s[j] === " ") j++;
  if (s[j] !== "{") return s.slice(j).match(/^[^\s$]+/)?.[0];
  let depth = 0;
  for (let k = j; k < s.length; k++) {
    if (s[k] === "\\") {
      k++;
      continue;
    }
    if (s[k] === "{") depth++;
    else if (s[k] === "}" && --depth === 0) return s.slice(j + 1, k);
  }
  return undefined;
}
