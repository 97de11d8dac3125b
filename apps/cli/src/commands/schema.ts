import { recipeJsonSchema } from "@mathtune/dataset";
import { defineCommand } from "citty";

export default defineCommand({
  meta: {
    name: "schema",
    description:
      "Print the JSON Schema of recipes (the recipe.schema.json that @mathtune/dataset ships), for editors and validators",
  },
  args: {},
  run() {
    process.stdout.write(`${JSON.stringify(recipeJsonSchema(), null, 2)}\n`);
  },
});
