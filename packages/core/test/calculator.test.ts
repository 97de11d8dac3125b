import { calculatorAnnotations, stripCalculatorAnnotations } from "@mathtune/core";
import { describe, expect, it } from "vitest";

describe("GSM8K calculator annotations", () => {
  it("lists their insides in order and strips them", () => {
    const text = "Half is 48/2 = <<48/2=24>>24 clips.\nIn all 48+24 = <<48+24=72>>72";
    expect(calculatorAnnotations(text)).toEqual(["48/2=24", "48+24=72"]);
    expect(stripCalculatorAnnotations(text)).toBe("Half is 48/2 = 24 clips.\nIn all 48+24 = 72");
    expect(stripCalculatorAnnotations("$<<12/60=0.2>>0.2 and <<0.2*50=10>>10")).toBe("$0.2 and 10");
  });

  it("leaves text without a closed annotation alone, and never spans lines", () => {
    expect(calculatorAnnotations("x << 2 is 8")).toEqual([]);
    expect(stripCalculatorAnnotations("a <<b\nc>> d")).toBe("a <<b\nc>> d");
    expect(stripCalculatorAnnotations("no annotations")).toBe("no annotations");
  });
});
