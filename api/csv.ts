// The one CSV writer for what the system hands to people's spreadsheets (call lists, refused rows). A cell that a
// spreadsheet would run as a formula (=, +, -, @, tab, carriage return first) is written with a leading quote, so a
// name or message typed into a file can never run in an agency's Excel (CSV formula injection).
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(v: unknown): string {
  let s = v === null || v === undefined ? '' : v instanceof Date ? v.toISOString() : String(v as string | number | boolean);
  if (FORMULA_START.test(s)) s = `'${s}`;
  return /[",\n\r;]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A header line and one line per row. */
export function csvText(columns: readonly string[], rows: unknown[][]): string {
  return [columns.map(csvCell).join(','), ...rows.map((r) => r.map(csvCell).join(','))].join('\n');
}
