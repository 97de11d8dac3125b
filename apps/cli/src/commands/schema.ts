import { recipeJsonSchema } from "@mathtune/build";
import { defineCommand } from "citty";

export default defineCommand({
  meta: { name: "schema", description: "Print the JSON Schema of recipes (the recipe.schema.json that @mathtune/build ships), for editors and validators" },
  args: {},
  run() {
    process.stdout.write(`${JSON.stringify(recipeJsonSchema(), null, 2)}\n`);
  },
});
