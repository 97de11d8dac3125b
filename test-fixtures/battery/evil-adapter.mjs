// Imported only when the whole recipe is valid, and never with --no-code.
import { writeFileSync } from "node:fs";
if (process.env.MATHTUNE_TEST_EVIL_MARK) writeFileSync(process.env.MATHTUNE_TEST_EVIL_MARK, "ran");
export default { name: "evil", description: "", splits: [], options: {}, parseOptions: (o) => o ?? {}, async *load() {} };
