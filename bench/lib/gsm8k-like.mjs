// GSM8K-shaped training samples for the training benchmarks: a ~45-word problem and a ~60-word
// worked solution with a #### answer line, lengths varying as in GSM8K; the same lines every time.

/** `n` MathRecord JSON lines; `uniform`: every sample of the same shape (lengths differ by a few digits). */
export function gsm8kLikeLines(n, { uniform = false } = {}) {
  let seed = 12345;
  const rnd = (k) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % k);
  const names = ["Natalia", "Weng", "Betty", "Julie", "James", "Albert", "Mark", "Ken", "Alexis", "Tina"];
  const things = ["clips", "apples", "books", "marbles", "pencils", "cookies", "stickers", "cards"];
  const lines = [];
  for (let i = 0; i < n; i++) {
    const who = names[rnd(names.length)];
    const what = things[rnd(things.length)];
    const a = 10 + rnd(90);
    const b = 2 + rnd(9);
    const c = 1 + rnd(a);
    const extra = uniform ? 2 : rnd(3) + 1; // lengths vary, as in GSM8K
    const problem =
      `${who} had ${a} ${what} at the start of the week. Every day for ${b} days, ${who} bought ${c} more ${what} at the store, ` +
      `and then gave away half of the new ones to friends at school. `.repeat(extra) +
      `How many ${what} does ${who} have at the end of the week?`;
    const total = a + b * Math.ceil(c / 2);
    const solution =
      `Each day ${who} buys ${c} ${what} and keeps ${Math.ceil(c / 2)} of them. ` +
      `Over ${b} days that is ${b} * ${Math.ceil(c / 2)} = ${b * Math.ceil(c / 2)} ${what}. `.repeat(extra) +
      `Adding the ${a} ${what} from the start gives ${a} + ${b * Math.ceil(c / 2)} = ${total} ${what}.\n#### ${total}`;
    lines.push(
      JSON.stringify({ id: `bench/${i}`, source: "bench", problem, solution, answer: String(total), lang: "en" }),
    );
  }
  return lines;
}
