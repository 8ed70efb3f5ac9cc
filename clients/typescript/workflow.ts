// A week's workflow through a client generated from openapi.json (openapi-typescript +
// openapi-fetch): compiled with `tsc` (strict), then run against a live `dondoc serve`.
// Usage: node dist/workflow.js <base url> <admin key>
import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

type Task = components["schemas"]["TaskRead"];
type Problem = components["schemas"]["Problem"];
type TaskAction = components["schemas"]["TaskAction"];

const [base, key] = process.argv.slice(2);
if (!base || !key) throw new Error("usage: workflow.js <base url> <admin key>");
const client = createClient<paths>({ baseUrl: base, headers: { Authorization: `Bearer ${key}` } });

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`failed: ${what}`);
}

const stamp = Date.now().toString(36).toUpperCase();
const agency = await client.POST("/api/v1/agencies", {
  body: { code: `TS.${stamp}`, name: `Sở thử nghiệm ${stamp}`, kind: "department" },
});
check(agency.response.status === 201 && agency.data !== undefined, "agency created");
const leadId = agency.data!.id;

// Optional fields (is_key_task, priority, recurrence, requires_confirmation) left out.
const created = await client.POST("/api/v1/tasks", {
  body: { title: "Triển khai nền tảng số", lead_agency_id: leadId, due_date: "2030-12-31" },
  params: { header: { "Idempotency-Key": `ts-${stamp}` } },
});
check(created.response.status === 201, "task created");
const task: Task = created.data!;
check(created.response.headers.get("Location")?.endsWith(task.id) === true, "Location");
const actions: TaskAction[] = task.allowed_actions;
check(actions.includes("start"), "start allowed");

const started = await client.POST("/api/v1/tasks/{task_id}/transitions", {
  params: { path: { task_id: task.id }, header: { "If-Match": `"${task.version}"` } },
  body: { action: "start" },
});
check(started.data?.status === "in_progress", "started");

const report = await client.POST("/api/v1/tasks/{task_id}/progress-reports", {
  params: { path: { task_id: task.id } },
  body: { progress_percent: 60, results: "Đã lắp đặt 60 % thiết bị" },
});
check(report.response.status === 201, "progress reported");

const read = await client.GET("/api/v1/tasks/{task_id}", { params: { path: { task_id: task.id } } });
check(read.response.headers.get("ETag") === `"${read.data!.version}"`, "ETag is the version");

// A stale version: 412 with a machine code, typed as Problem.
const stale = await client.PATCH("/api/v1/tasks/{task_id}", {
  params: { path: { task_id: task.id }, header: { "If-Match": '"1"' } },
  body: { title: "Tên mới" },
});
const problem: Problem | undefined = stale.error;
check(stale.response.status === 412 && problem?.code === "precondition-failed", "412 code");
check(typeof problem?.request_id === "string", "request_id");

const missing = await client.GET("/api/v1/tasks/{task_id}", {
  params: { path: { task_id: "00000000-0000-0000-0000-000000000000" } },
  headers: { "Accept-Language": "vi" },
});
check(missing.error?.code === "not-found" && missing.error.title === "Không tìm thấy", "404 vi");

const listed = await client.GET("/api/v1/tasks", { params: { query: { limit: 5 } } });
check((listed.data?.items.length ?? 0) >= 1, "list typed");

const csv = await client.GET("/api/v1/tasks.{format}", {
  params: { path: { format: "csv" } },
  parseAs: "text",
});
check(typeof csv.data === "string" && csv.data.includes("Triển khai nền tảng số"), "CSV download");

const grid = await client.GET("/api/v1/reports/tasks", { params: { query: { group_by: "lead_agency" } } });
check(grid.data !== undefined && grid.data.totals.assigned >= 1, "report typed");
console.log("typescript workflow: ok");
