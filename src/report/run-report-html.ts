// Owns the HTML form of a run report: one self-contained page (inline CSS, no script, nothing
// fetched) with the command's outcome, a per-host timeline of steps and tasks (a bar per task,
// placed by its start and end, coloured by status, its name and time in the bar's title), the
// failures with their output, and the slowest tasks. All text is HTML-escaped.
import type { RunReport, TaskSpan } from "./run-report.js";

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const CSS = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
.ok { color: #1a7f37; } .bad { color: #cf222e; }
.lane { display: flex; align-items: center; margin: 2px 0; }
.host { width: 140px; font-family: monospace; }
.track { position: relative; flex: 1; height: 18px; background: #f3f4f6; }
.bar { position: absolute; top: 2px; height: 14px; min-width: 2px; }
.s-ok { background: #8bc34a; } .s-changed { background: #f0b400; } .s-skipped { background: #9ecae1; }
.s-failed, .s-unreachable { background: #cf222e; } .s-ignored { background: #e57373; }
.step { position: absolute; top: 0; height: 18px; border-left: 1px solid #555; font-size: 10px; padding-left: 2px; }
pre { background: #f6f8fa; padding: 8px; overflow-x: auto; white-space: pre-wrap; }
table { border-collapse: collapse; } td, th { border: 1px solid #ddd; padding: 3px 8px; text-align: left; }
`;

/** Where a moment falls on the timeline, in percent of the command's duration. */
function scale(r: RunReport): (t: number) => number {
  const span = Math.max(1, r.end - r.start);
  return (t) => Math.max(0, Math.min(100, ((t - r.start) / span) * 100));
}

function timeline(r: RunReport): string {
  const x = scale(r);
  const steps = r.steps
    .map((s) => `<div class="step" style="left:${x(s.start).toFixed(2)}%">${esc(s.step)}</div>`)
    .join("");
  const lanes = r.hosts.map((h) => {
    const bars = r.tasks
      .filter((t) => t.host === h)
      .map((t) => {
        const left = x(t.start);
        const width = Math.max(0.2, x(t.end) - left);
        const title = `${t.task} — ${t.status}, ${secs(t.end - t.start)}`;
        const style = `left:${left.toFixed(2)}%;width:${width.toFixed(2)}%`;
        return `<div class="bar s-${t.status}" style="${style}" title="${esc(title)}"></div>`;
      })
      .join("");
    return `<div class="lane"><div class="host">${esc(h)}</div><div class="track">${bars}</div></div>`;
  });
  const axis = `<div class="lane"><div class="host">steps</div><div class="track">${steps}</div></div>`;
  return [axis, ...lanes].join("\n");
}

function failures(r: RunReport): string {
  const bad = r.tasks.filter((t) => t.detail !== undefined);
  if (!bad.length) return "<p>No task failed.</p>";
  return bad
    .map((t) => {
      const where = t.step ? ` (step ${esc(t.step)})` : "";
      const head = `<h3 class="bad">${esc(t.host)}: ${esc(t.task)}${where} — ${t.status}</h3>`;
      return `${head}<pre>${esc(t.detail ?? "")}</pre>`;
    })
    .join("\n");
}

function slowest(tasks: TaskSpan[]): string {
  const rows = [...tasks]
    .sort((a, b) => b.end - b.start - (a.end - a.start))
    .slice(0, 15)
    .map(
      (t) =>
        `<tr><td>${esc(t.host)}</td><td>${esc(t.task)}</td><td>${t.status}</td><td>${secs(t.end - t.start)}</td></tr>`,
    );
  return `<table><tr><th>host</th><th>task</th><th>status</th><th>time</th></tr>${rows.join("")}</table>`;
}

export function reportHtml(r: RunReport): string {
  const outcome = r.ok ? `<span class="ok">succeeded</span>` : `<span class="bad">failed</span>`;
  const time = (s: RunReport["steps"][number]) => (s.end ? secs(s.end - s.start) : "did not finish");
  const steps = r.steps
    .map((s) => `<tr><td>${esc(s.step)}</td><td>${time(s)}</td><td>${esc(s.failed.join(", "))}</td></tr>`)
    .join("");
  const counts = `${r.hosts.length} host(s), ${r.tasks.length} task result(s)`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kplay report: ${esc(r.command)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>${CSS}</style></head><body>
<h1>${esc(r.command)}</h1>
<p>Started ${esc(r.time)}; ${secs(r.end - r.start)}; ${counts}; ${outcome}.</p>
<h2>Timeline</h2>
${timeline(r)}
<h2>Steps</h2>
<table><tr><th>step</th><th>time</th><th>failed on</th></tr>${steps}</table>
<h2>Failures</h2>
${failures(r)}
<h2>Slowest tasks</h2>
${slowest(r.tasks)}
</body></html>
`;
}
