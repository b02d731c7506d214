// Python's changing list and dict methods: confined to the outermost evaluation (one expression,
// one string, one template), so no variable the run keeps is ever changed by a task's templating.
import { describe, expect, it } from "vitest";
import { evalExpr } from "../../src/playbook/expr.js";
import { mutatingMethod } from "../../src/playbook/py-mutate.js";
import { renderValue } from "../../src/template/render.js";
import { withTemplateNames } from "../../src/playbook/data.js";

describe("changing methods", () => {
  it("an expression's change is seen by the rest of it and undone after it, its result copied out", () => {
    const vars = { taints: ["x"], d: { a: [1] } };
    const r = evalExpr("(taints.append('y'), d.a.append(2), d.update(b=3), d) | last", vars);
    expect(r).toEqual({ a: [1, 2], b: 3 });
    expect(vars).toEqual({ taints: ["x"], d: { a: [1] } });
    (r as { a: number[] }).a.push(9); // the result shares nothing with the variables
    expect(vars.d.a).toEqual([1]);
  });

  it("a template's statements and expressions share one scope; nothing outlives the render", () => {
    const vars = { l: [1] };
    const text = renderValue("{% for i in [2, 3] %}{{ l.append(i) }}{% endfor %}{{ l }} {{ l.pop() }}", vars);
    expect(text).toBe("[1, 2, 3] 3"); // None prints as nothing, as in Ansible
    expect(vars.l).toEqual([1]);
  });

  it("a node's data put into a playbook's list by a change is never rendered as a template", () => {
    // plain: a playbook variable (its strings would be rendered as templates); out: a node's output
    const vars = withTemplateNames({ n: 7, plain: ["a"], out: "{{ n * 7 }}" }, new Set(["n", "plain"]));
    const text = renderValue("{{ plain.append(out) }}{{ plain | join(',') }}", vars);
    expect(text).toBe("a,{{ n * 7 }}"); // changed in this evaluation: read as it is, not rendered
    expect(() => renderValue("{{ vars.update({'n': out}) }}", vars)).toThrow(/no method "update"/);
    expect(vars.plain).toEqual(["a"]);
  });

  it("a change outside any evaluation is refused: nothing would put it back", () => {
    const f = mutatingMethod([1], "append", () => false)!;
    expect(() => f([2], {})).toThrow(/append\(\) outside a template/);
  });
});
